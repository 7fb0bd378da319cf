"""Care production, chunk by chunk: the calendar, contacts (with their DRG mix), service events
and specific costs (särkostnader) with their item catalogs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accounts import _ACC_IDX
from .casemix import (
    _CLINIC_CODES,
    _CLINIC_IDX,
    _CLINICS,
    _DA,
    _DRG_CODES,
    _DRG_IDX,
    _DRG_PARAMS,
    _DRUG_P,
    _LOS_SCALE,
)
from .helpers import _cum, _day, _pick, _pick_rows
from .organisation import _S, _Structure
from .patients import _Patients
from .sizes import SizeSpec

# settings of a contact (drive service use)
_IP, _ER, _VISIT, _TEL, _DAYSURG = 0, 1, 2, 3, 4

_SEASON_ELECTIVE = np.array([1.02, 1.0, 1.05, 1.0, 1.0, 0.93, 0.62, 0.85, 1.06, 1.08, 1.05, 0.86])
_SEASON_ACUTE = np.array([1.08, 1.02, 1.0, 0.98, 0.97, 0.96, 0.95, 0.97, 0.99, 1.0, 1.02, 1.06])
_DIURNAL = np.array([.45, .35, .3, .28, .3, .4, .6, .9, 1.2, 1.35, 1.4, 1.4, 1.35, 1.35, 1.3, 1.3, 1.3, 1.25,
                     1.2, 1.1, 1.0, .9, .75, .6])


# ---------------------------------------------------------------------------
# The world, chunk by chunk
# ---------------------------------------------------------------------------

@dataclass
class _Calendar:
    year: int

    def __post_init__(self):
        y = self.year
        self.b_jan, self.b_jul, self.b_next = _day(y, 1, 1), _day(y, 7, 1), _day(y + 1, 1, 1)
        self.chunks = [(y - 1, 12)] + [(y, m) for m in range(1, 13)]
        self.chunk_start = [_day(a, b, 1) for a, b in self.chunks]
        self.chunk_end = self.chunk_start[1:] + [self.b_next]
        self.x_h1 = _day(y, 8, 10) * 1440 + 6 * 60  # extraction of the temporary KPP
        self.x_fy = _day(y + 1, 2, 10) * 1440 + 6 * 60  # extraction of the full-year KPP
        self.min_end = (self.b_jan - 3) * 1440  # a contact ending earlier is not delivered


class _World:
    """Generates one chunk (one month of contact starts) at a time and keeps the yearly aggregates."""

    def __init__(self, st: _Structure, pats: _Patients, spec: SizeSpec, cal: _Calendar, seed: int, dirty: float):
        self.st, self.pats, self.spec, self.cal, self.seed, self.dirty = st, pats, spec, cal, seed, dirty
        n = spec.contacts
        self.n_ip_year = n * spec.inpatient_share
        # expected ER visits spawned by acute admissions, per inpatient stay
        exp_spawn = 0.0
        tot_w = 0.0
        for c, spec_c in _CLINICS.items():
            w = spec_c[7]
            mix = spec_c[4]
            s = sum(mix.values())
            a = sum(_DRG_PARAMS[d]["acute"] * v / s for d, v in mix.items())
            exp_spawn += w * a * _spawn_p(c)
            tot_w += w
        self.n_er_year = max(n * spec.er_share - self.n_ip_year * exp_spawn / tot_w, n * 0.02)
        self.n_op_year = n * (1.0 - spec.inpatient_share - spec.er_share)
        self.volume = np.zeros((12, st.n_cat))  # in-period volume per month and catalog row (world)
        self.contact_count = 0
        self.event_count = 0
        self.specific_count = 0
        self.unknown_base = None
        # per world contact, for the calibration estimate
        self.keep: dict[str, list] = {k: [] for k in ("refcost", "spans", "drg", "hosp", "clinic", "ip", "start",
                                                       "end", "psy", "fy")}
        self.orphan_cost = 0.0

    # ----- contacts
    def contacts(self, rng: np.random.Generator, ci: int) -> dict[str, np.ndarray]:
        st, pats, cal = self.st, self.pats, self.cal
        y, m = cal.chunks[ci]
        d0, d1 = cal.chunk_start[ci], cal.chunk_end[ci]
        nd = d1 - d0
        days = np.arange(d0, d1)
        wd = (days + 3) % 7  # 0 = Monday
        cum_weekday = _cum(np.where(wd < 5, 1.0, np.where(wd == 5, 0.04, 0.02)))
        f_el = _SEASON_ELECTIVE[m - 1] * nd / 30.4
        f_ac = _SEASON_ACUTE[m - 1] * nd / 30.4
        n_ip = rng.poisson(self.n_ip_year / 12 * (0.7 * f_ac + 0.3 * f_el))
        n_er = rng.poisson(self.n_er_year / 12 * f_ac)
        n_op = rng.poisson(self.n_op_year / 12 * f_el)
        diurnal = _cum(_DIURNAL)

        # --- inpatient stays
        ward = st.wards[_pick(rng, st.ward_cum, n_ip)]
        clinic = st.cc_clinic_idx[ward]
        hosp = st.cc_hidx[ward]
        drg = st.ip_mix[0][clinic, _pick_rows(rng.random(n_ip), st.ip_mix[1][clinic])]
        acute = rng.random(n_ip) < _DA["acute"][drg]
        day = np.where(acute, d0 + rng.integers(0, nd, n_ip), days[_pick(rng, cum_weekday, n_ip)])
        mod = np.where(acute, _pick(rng, diurnal, n_ip) * 60 + rng.integers(0, 12, n_ip) * 5,
                       7 * 60 + rng.integers(0, 36, n_ip) * 5)
        start = day.astype(np.int64) * 1440 + mod
        sd = _DA["sd"][drg]
        los_days = _LOS_SCALE * _DA["los"][drg] * np.exp(sd * rng.standard_normal(n_ip) - sd * sd / 2)
        end = start + np.maximum(np.round(los_days * 1440 / 5) * 5, 240).astype(np.int64)
        has_or = _DA["orm"][drg] > 0
        or_t0 = start + np.where(acute, rng.integers(24, 240, n_ip), rng.integers(12, 36, n_ip)) * 5
        op_min = np.maximum(np.round(_DA["orm"][drg] * np.exp(0.35 * rng.standard_normal(n_ip) - 0.06)), 10)
        an_min = op_min + rng.integers(20, 61, n_ip)
        upv_min = np.clip(np.round(np.exp(np.log(100) + 0.5 * rng.standard_normal(n_ip))), 30, 480)
        or_end = or_t0 + an_min.astype(np.int64) + upv_min.astype(np.int64)
        has_icu = rng.random(n_ip) < _DA["icu"][drg]
        icu_t0 = np.where(has_or, or_end, start + rng.integers(6, 120, n_ip) * 5)
        icu_h = np.clip(np.ceil(_DA["icuh"][drg] * np.exp(1.0 * rng.standard_normal(n_ip))), 2, 24 * 45)
        end = np.maximum(end, np.where(has_or, or_end + 240, 0))
        end = np.maximum(end, np.where(has_icu, icu_t0 + icu_h.astype(np.int64) * 60 + 240, 0))
        group = np.where(st.cc_psy[ward], 1, np.where(clinic == _CLINIC_IDX["KK"], 2, 0))
        pat = np.empty(n_ip, dtype=np.int64)
        for g, cum in ((0, pats.cum_in), (1, pats.cum_psy), (2, pats.cum_kk)):
            sel = group == g
            pat[sel] = pats.pick(rng, cum, int(sel.sum()))
        hia = (st.cc_clinic_idx[ward] == _CLINIC_IDX["KARD"]) & (rng.random(n_ip) < _DA["hia"][drg])
        ip = dict(pat=pat, hosp=hosp, cc=ward, clinic=clinic, setting=np.full(n_ip, _IP), drg=drg, start=start,
                  end=end, slot=np.where(hia, _S["HIA"], _S["VD"]), has_or=has_or, or_t0=or_t0, op_min=op_min,
                  an_min=an_min, upv_min=upv_min, has_icu=has_icu, icu_t0=icu_t0, icu_h=icu_h)
        # --- emergency visits that led to these admissions
        spawn_p = np.array([_spawn_p(c) for c in _CLINIC_CODES])[clinic]
        sp = acute & (rng.random(n_ip) < spawn_p)
        n_sp = int(sp.sum())
        er_dur = np.clip(np.round(np.exp(np.log(240) + 0.45 * rng.standard_normal(n_sp)) / 5) * 5, 45, 720).astype(np.int64)
        h_sp = hosp[sp]
        er_cc = st.er_by_h[0][h_sp, _pick_rows(rng.random(n_sp), st.er_by_h[1][h_sp])]
        er_drg = np.where((clinic[sp] == _CLINIC_IDX["KARD"]) & (rng.random(n_sp) < 0.6), _DRG_IDX["F98P"],
                          _DRG_IDX["Z98P"])
        spawned = dict(pat=pat[sp], hosp=h_sp, cc=er_cc, clinic=np.full(n_sp, _CLINIC_IDX["AKUT"]),
                       setting=np.full(n_sp, _ER), drg=er_drg, start=start[sp] - er_dur, end=start[sp] - 5,
                       slot=np.where(rng.random(n_sp) < 0.35, _S["AKUT2"], _S["AKUT1"]))
        # --- emergency visits sent home
        er_cc2 = st.ers[_pick(rng, st.er_cum, n_er)]
        day = d0 + rng.integers(0, nd, n_er)
        s2 = day.astype(np.int64) * 1440 + _pick(rng, diurnal, n_er) * 60 + rng.integers(0, 12, n_er) * 5
        dur = np.clip(np.round(np.exp(np.log(200) + 0.5 * rng.standard_normal(n_er)) / 5) * 5, 30, 720).astype(np.int64)
        er = dict(pat=pats.pick(rng, pats.cum_out, n_er), hosp=st.cc_hidx[er_cc2], cc=er_cc2,
                  clinic=np.full(n_er, _CLINIC_IDX["AKUT"]), setting=np.full(n_er, _ER),
                  drg=np.where(rng.random(n_er) < 0.18, _DRG_IDX["F98P"], _DRG_IDX["Z98P"]), start=s2, end=s2 + dur,
                  slot=np.where(rng.random(n_er) < 0.12, _S["AKUT2"], _S["AKUT1"]))
        # --- outpatient visits and day surgery
        opc = st.ops[_pick(rng, st.op_cum, n_op)]
        oclin = st.cc_clinic_idx[opc]
        psy = st.cc_psy[opc]
        u = rng.random(n_op)
        setting = np.where(psy, np.where(u < 0.80, _VISIT, _TEL), np.where(u < 0.86, _VISIT, _TEL))
        ds = st.cc_surgical[opc] & (rng.random(n_op) < 0.07)
        setting = np.where(ds, _DAYSURG, setting)
        u2 = rng.random(n_op)
        slot = np.where(setting == _TEL, _S["TEL"], np.where(u2 < (np.where(psy, 0.55, 0.72)), _S["BES-L"],
                                                              _S["BES-S"]))
        odrg = st.op_mix[0][oclin, _pick_rows(rng.random(n_op), st.op_mix[1][oclin])]
        dsdrg = st.ds_mix[0][oclin, _pick_rows(rng.random(n_op), st.ds_mix[1][oclin])]
        odrg = np.where(ds, dsdrg, odrg)
        day = days[_pick(rng, cum_weekday, n_op)]
        s3 = day.astype(np.int64) * 1440 + 7 * 60 + 30 + rng.integers(0, 102, n_op) * 5
        dur = np.where(setting == _TEL, 0, np.where(setting == _DAYSURG, rng.integers(48, 108, n_op) * 5,
                                                    rng.integers(3, 12, n_op) * 5))
        o_pat = np.where(psy, pats.pick(rng, pats.cum_psy, n_op), pats.pick(rng, pats.cum_out, n_op))
        ohosp = st.cc_hidx[opc]
        ds_or = np.where(st.dayor[ohosp] >= 0, st.dayor[ohosp],
                         st.or_by_h[0][ohosp, _pick_rows(rng.random(n_op), st.or_by_h[1][ohosp])])
        d_t0 = s3 + rng.integers(6, 18, n_op) * 5
        d_op = np.maximum(np.round(_DA["orm"][odrg] * np.exp(0.35 * rng.standard_normal(n_op) - 0.06)), 10)
        d_an = d_op + rng.integers(15, 41, n_op)
        d_upv = np.clip(np.round(np.exp(np.log(90) + 0.4 * rng.standard_normal(n_op))), 30, 300)
        e3 = s3 + dur
        e3 = np.where(ds, np.maximum(e3, d_t0 + d_an.astype(np.int64) + d_upv.astype(np.int64) + 30), e3)
        op = dict(pat=o_pat, hosp=ohosp, cc=opc, clinic=oclin, setting=setting, drg=odrg, start=s3, end=e3,
                  slot=slot, has_or=ds, or_t0=d_t0, op_min=d_op, an_min=d_an, upv_min=d_upv)

        parts = [ip, spawned, er, op]
        c: dict[str, np.ndarray] = {}
        for k in ("pat", "hosp", "cc", "clinic", "setting", "drg", "start", "end", "slot"):
            c[k] = np.concatenate([p[k] for p in parts])
        n = len(c["pat"])
        for k, dflt in (("has_or", False), ("or_t0", 0), ("op_min", 0.0), ("an_min", 0.0), ("upv_min", 0.0),
                        ("has_icu", False), ("icu_t0", 0), ("icu_h", 0.0)):
            c[k] = np.concatenate([p.get(k, np.full(len(p["pat"]), dflt)) for p in parts])
        # ICU and operating unit (per hospital)
        c["icu_cc"] = st.icu_by_h[0][c["hosp"], _pick_rows(rng.random(n), st.icu_by_h[1][c["hosp"]])]
        or_cc = st.or_by_h[0][c["hosp"], _pick_rows(rng.random(n), st.or_by_h[1][c["hosp"]])]
        n_ip_sp = n_ip + n_sp + n_er
        or_cc[n_ip_sp:] = ds_or
        c["or_cc"] = or_cc
        # no DRG yet (ogrupperad) for a few contacts
        c["drg"] = np.where(rng.random(n) < 0.015, -1, c["drg"])
        # order by start time; ids are assigned in that order
        order = np.lexsort((np.arange(n), c["start"]))
        c = {k: v[order] for k, v in c.items()}
        c["n"] = n
        c["cnum"] = self.contact_count + 1 + np.arange(n)
        self.contact_count += n
        c["ip"] = c["setting"] == _IP
        c["psy"] = self.st.cc_psy[c["cc"]]
        d_drg = np.maximum(c["drg"], 0)
        c["diag"] = _DA["diag_tab"][d_drg, (rng.random(n) * _DA["diag_n"][d_drg]).astype(np.int64)]
        c["diag_valid"] = c["drg"] >= 0
        return c

    # ----- events
    def events(self, rng: np.random.Generator, c: dict) -> dict[str, np.ndarray]:
        st, cal = self.st, self.cal
        blocks: list[dict] = []

        def block(ci, cat, ts, qty, ordr, pn, bed=False):
            blocks.append(dict(ci=ci, cat=cat, ts=ts.astype(np.int64), qty=np.asarray(qty, np.float64),
                               ordr=ordr, pn=pn, bed=np.full(len(ci), bed)))

        ip = np.flatnonzero(c["ip"])
        # bed days, split at period boundaries (1 Jan, 1 Jul, 1 Jan next year)
        s, e = c["start"][ip], c["end"][ip]
        d0 = s // 1440
        d1 = np.maximum(e // 1440, d0 + 1)
        bounds = np.array([cal.b_jan, cal.b_jul, cal.b_next])
        cuts = np.column_stack([d0] + [np.clip(b, d0, d1) for b in bounds] + [d1])
        qty = np.diff(cuts, axis=1)
        keep = qty > 0
        rows, cols = np.nonzero(keep)
        part_start = cuts[rows, cols]
        ts = np.where(part_start == d0[rows], s[rows], part_start * 1440)
        ci = ip[rows]
        cat = st.cat_of[c["cc"][ci], c["slot"][ci]]
        block(ci, cat, ts, qty[rows, cols], np.full(len(ci), -1), np.zeros(len(ci), bool), bed=True)
        # visits and emergency visits
        vis = np.flatnonzero((c["setting"] == _ER) | (c["setting"] == _VISIT) | (c["setting"] == _TEL))
        block(vis, st.cat_of[c["cc"][vis], c["slot"][vis]], c["start"][vis], np.ones(len(vis)), np.full(len(vis), -1),
              np.zeros(len(vis), bool))
        # operations: anaesthesia start, knife time, recovery
        orr = np.flatnonzero(c["has_or"])
        occ = c["or_cc"][orr]
        pn_or = rng.random(len(orr)) < 0.20
        t0 = c["or_t0"][orr]
        for slot, tsx, q in (("AN", t0, c["an_min"][orr]), ("OP", t0 + 15, c["op_min"][orr]),
                             ("UPV", t0 + c["an_min"][orr].astype(np.int64), c["upv_min"][orr])):
            block(orr, st.cat_of[occ, _S[slot]], tsx, q, c["cc"][orr], pn_or)
        # intensive care hours
        icu = np.flatnonzero(c["has_icu"])
        block(icu, st.cat_of[c["icu_cc"][icu], _S["IVA-T"]], c["icu_t0"][icu], c["icu_h"][icu], c["cc"][icu],
              np.zeros(len(icu), bool))
        # medical service
        self._lab_events(rng, c, block)
        self._service_events(rng, c, block)
        ev = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        order = np.lexsort((ev["ts"], ev["ci"]))
        ev = {k: v[order] for k, v in ev.items()}
        ev["ts"] = np.minimum(ev["ts"], np.where(c["ip"][ev["ci"]], c["end"][ev["ci"]], ev["ts"]))
        return ev

    def _times(self, rng, c, ci, mode_pre=True):
        """Event times for service events of contacts ci: inside stays/ER visits, around outpatient visits."""
        s, e, setting = c["start"][ci], c["end"][ci], c["setting"][ci]
        inside = (setting == _IP) | (setting == _ER) | (setting == _DAYSURG)
        u = rng.random(len(ci))
        t_in = s + (u * (e - s)).astype(np.int64)
        v = rng.random(len(ci))
        pre = s - rng.integers(4 * 12, 48 * 12, len(ci)) * 5  # 4-48 h before the visit
        same = s + rng.integers(-18, 9, len(ci)) * 5
        post = e + rng.integers(2, 20 * 12, len(ci)) * 5
        t_out = np.where(v < 0.62, same, np.where(v < 0.9, pre, post)) if mode_pre else np.where(v < 0.7, same, post)
        return np.where(inside, t_in, t_out)

    def _route(self, rng, dept, hosp, code):
        cand, cum, _ = self.st.routes[dept]
        k = _pick_rows(rng.random(len(code)), cum[hosp, code])
        return cand[hosp, code, k]

    def _svc_flags(self, rng, c, ci):
        pn = rng.random(len(ci)) < 0.75
        ordr = np.where(pn & (rng.random(len(ci)) < 0.04), -1, c["cc"][ci])
        return ordr, pn

    def _lab_events(self, rng, c, block):
        if "chem" not in self.st.routes:
            return
        ls = self.spec.lab_scale
        setting, n = c["setting"], c["n"]
        los = (c["end"] - c["start"]) / 1440.0
        rate = np.where(c["psy"], 0.3, 2.2) * ls
        n_draw = np.where(setting == _IP, 1 + rng.poisson(rate * los),
                          np.where(setting == _ER, (rng.random(n) < 0.9) * (1 + rng.poisson(1.0 * ls, n)),
                                   np.where(setting == _VISIT, (rng.random(n) < np.where(c["psy"], 0.3, 0.75)) *
                                            (1 + rng.poisson(0.8 * ls, n)),
                                            np.where(setting == _TEL, rng.random(n) < 0.12,
                                                     (rng.random(n) < 0.8).astype(np.int64)))))
        ci = np.repeat(np.arange(n), n_draw)
        first = np.r_[0, np.cumsum(n_draw)[:-1]]
        is_first = np.zeros(len(ci), bool)
        is_first[first[n_draw > 0]] = True
        ts = self._times(rng, c, ci)
        ts = np.where(is_first & (setting[ci] == _IP), c["start"][ci] + rng.integers(2, 24, len(ci)) * 5, ts)
        cand, cum, probs = self.st.routes["chem"]
        col = np.where(setting[ci] == _IP, 0, np.where(setting[ci] == _ER, 1, 2))
        nc = probs.shape[0]
        damp = np.where(c["psy"][ci], 0.6, 1.0) * np.where(col == 2, 1.4, 1.0)
        any_hit = np.zeros(len(ci), bool)
        d_list, c_list = [], []
        for j in range(nc):
            hit = rng.random(len(ci)) < np.minimum(probs[j, col] * damp, 0.95)
            any_hit |= hit
            d_list.append(np.flatnonzero(hit))
            c_list.append(np.full(int(hit.sum()), j))
        d_list.append(np.flatnonzero(~any_hit))  # at least a blood count
        c_list.append(np.full(int((~any_hit).sum()), 1))
        d_idx, code = np.concatenate(d_list), np.concatenate(c_list)
        eci = ci[d_idx]
        cat = self._route(rng, "chem", c["hosp"][eci], code)
        ordr, pn = self._svc_flags(rng, c, eci)
        block(eci, cat, ts[d_idx], np.ones(len(eci)), ordr, pn)

    def _service_events(self, rng, c, block):
        st = self.st
        n, setting = c["n"], c["setting"]
        clin = c["clinic"]
        K = {k: _CLINIC_IDX[k] for k in _CLINIC_CODES}
        surg_ip = (setting == _IP) & c["has_or"]
        p = {
            "micro": np.choose(setting, [0.30, 0.15, 0.05, 0.0, 0.02]),
            "rad": np.choose(setting, [0.55, 0.45, 0.12, 0.0, 0.10]),
            "phys": np.where(clin == K["KARD"], np.choose(setting, [0.8, 0.5, 0.35, 0.0, 0.0]),
                             np.where(np.isin(clin, [K["MED"], K["GER"]]), np.choose(setting, [0.3, 0.1, 0.08, 0, 0]),
                                      np.choose(setting, [0.08, 0.12, 0.02, 0.0, 0.0]))),
            "path": np.where(surg_ip, 0.6, np.where(setting == _DAYSURG, 0.5,
                                                     np.where((setting == _VISIT) & np.isin(clin, [K["KIR"], K["GAST"], K["ONK"]]),
                                                              0.05, 0.0))),
            "nphys": np.where(clin == K["NEU"], np.choose(setting, [0.25, 0.0, 0.12, 0.0, 0.0]), 0.0),
            "transf": np.where(surg_ip, 0.5, np.where(setting == _IP, 0.05, 0.0)),
        }
        extra = {"micro": 0.3, "rad": 0.35, "phys": 0.2, "path": 0.3, "nphys": 0.1, "transf": 0.1}
        for dept, prob in p.items():
            if dept not in st.routes:
                continue
            has = rng.random(n) < prob
            cnt = has * (1 + rng.poisson(extra[dept] * np.where(setting == _IP, 1.0, 0.5), n))
            ci = np.repeat(np.arange(n), cnt)
            cand, cum, probs = st.routes[dept]
            col = np.where(setting[ci] == _IP, 0, np.where(setting[ci] == _ER, 1, 2))
            w = probs[:, col].T + 1e-9
            code = _pick_rows(rng.random(len(ci)), np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True))
            cat = self._route(rng, dept, c["hosp"][ci], code)
            ts = self._times(rng, c, ci, mode_pre=dept not in ("path",))
            if dept == "path":
                ts = np.where(c["has_or"][ci], np.maximum(ts, c["or_t0"][ci] + 60), ts)
            ordr, pn = self._svc_flags(rng, c, ci)
            block(ci, cat, ts, np.ones(len(ci)), ordr, pn)

    # ----- specific costs (särkostnader)
    def specific(self, rng: np.random.Generator, c: dict) -> dict[str, np.ndarray]:
        rate = self.spec.specific_rate
        n = c["n"]
        drg = np.maximum(c["drg"], 0)
        has_drg = c["drg"] >= 0
        items = []
        # implants on the operating unit
        imp = c["has_or"] & has_drg & (rng.random(n) < np.minimum(_DA["imp_p"][drg] * rate, 1.0))
        i = np.flatnonzero(imp)
        amt = _DA["imp_m"][drg[i]] * np.exp(0.35 * rng.standard_normal(len(i)) - 0.06)
        items.append((i, c["or_cc"][i], np.full(len(i), _ACC_IDX["5041"]), c["or_t0"][i] + 15, amt,
                      _implant_item(drg[i])))
        # blood products on the ward (or on the operating unit)
        bl = c["ip"] & has_drg & (rng.random(n) < np.minimum(_DA["blood"][drg] * rate, 1.0))
        cnt = bl * (1 + rng.poisson(0.6, n))
        i = np.repeat(np.arange(n), cnt)
        on_or = c["has_or"][i] & (rng.random(len(i)) < 0.4)
        cc = np.where(on_or, c["or_cc"][i], c["cc"][i])
        ts = np.where(on_or, c["or_t0"][i] + 30, c["start"][i] + (rng.random(len(i)) * (c["end"][i] - c["start"][i])).astype(np.int64))
        amt = 6500 * np.exp(0.5 * rng.standard_normal(len(i)) - 0.125)
        kind = rng.integers(0, 3, len(i))
        items.append((i, cc, np.full(len(i), _ACC_IDX["5042"]), ts, amt, _BLOOD0 + kind))
        # expensive drugs (dyra läkemedel) on the responsible unit
        dp = np.zeros((len(_CLINIC_CODES), 2))
        for k, (a, b) in _DRUG_P.items():
            dp[_CLINIC_IDX[k]] = (a, b)
        pr = np.where(c["ip"], dp[c["clinic"], 0], np.where(c["setting"] == _VISIT, dp[c["clinic"], 1], 0.0))
        dr = rng.random(n) < np.minimum(pr * rate, 1.0)
        i = np.flatnonzero(dr)
        amt = np.minimum(45_000 * np.exp(0.9 * rng.standard_normal(len(i)) - 0.405), 1_500_000)
        ts = c["start"][i] + (rng.random(len(i)) * (c["end"][i] - c["start"][i])).astype(np.int64)
        items.append((i, c["cc"][i], np.full(len(i), _ACC_IDX["5021"]), ts, amt, _DRUG0 + rng.integers(0, len(_DRUG_ITEMS), len(i))))
        out = {k: np.concatenate([np.asarray(x[j]) for x in items]) for j, k in enumerate(("ci", "cc", "acc", "ts", "amt", "item"))}
        out["cents"] = np.maximum(np.round(out["amt"] * 100).astype(np.int64), 100)
        out["pn"] = rng.random(len(out["ci"])) < 0.15
        order = np.lexsort((out["acc"], out["ts"]))
        return {k: v[order] for k, v in out.items()}


def _spawn_p(clinic: str) -> float:
    if clinic == "KK":
        return 0.0
    if clinic in ("PSY", "BER"):
        return 0.35
    return 0.85


_IMPLANT_ITEMS = {"I08B": "Implantat, höftledsplastik", "I03C": "Implantat, höftfrakturkirurgi",
                  "I13C": "Implantat, ingrepp på överarm och armbåge", "I50O": "Implantat, artroskopi"}
_BLOOD_ITEMS = ["Blodprodukter, erytrocytkoncentrat", "Blodprodukter, trombocytkoncentrat", "Blodprodukter, plasma"]
_DRUG_ITEMS = ["Särläkemedel, pembrolizumab (L01FF02)", "Särläkemedel, nivolumab (L01FF01)",
               "Särläkemedel, ocrelizumab (L04AG08)", "Särläkemedel, natalizumab (L04AG03)",
               "Särläkemedel, infliximab (L04AB02)", "Särläkemedel, vedolizumab (L04AG05)",
               "Särläkemedel, immunglobulin iv (J06BA02)", "Särläkemedel, trastuzumab (L01FD01)"]
_ITEM_LABELS = list(_IMPLANT_ITEMS.values()) + _BLOOD_ITEMS + _DRUG_ITEMS
_BLOOD0, _DRUG0 = len(_IMPLANT_ITEMS), len(_IMPLANT_ITEMS) + len(_BLOOD_ITEMS)


def _implant_item(drg: np.ndarray) -> np.ndarray:
    lut = np.zeros(len(_DRG_CODES), dtype=np.int64)
    for k, d in enumerate(_IMPLANT_ITEMS):
        lut[_DRG_IDX[d]] = k
    return lut[drg]
