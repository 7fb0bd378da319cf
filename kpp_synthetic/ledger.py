"""The general ledger (huvudbok) and allocation keys from the world's volumes, and the
calibration of the global price scale k (see CALIBRATION.md)."""

from __future__ import annotations

import numpy as np

from .accounts import _ACC_CODES, _ACC_IDX, _ACCOUNTS, _EXCLUDED, _PERSONNEL, _PROFILES
from .casemix import _DA
from .production import _World

TARGETS = dict(cost_per_drg_point=68_000.0, overhead_share=0.17)


# ---------------------------------------------------------------------------
# Ledger, allocation keys
# ---------------------------------------------------------------------------

def _month_labels(year: int) -> list[str]:
    return [f"{year - 1}-12"] + [f"{year}-{m:02d}" for m in range(1, 13)] + [f"{year + 1}-01"]


def _solve_k(w: _World, items_cents_per_contact: np.ndarray) -> tuple[float, dict]:
    """Global price scale so that the estimated inlier cost per DRG point hits the target."""
    kp = {k: np.concatenate(v) for k, v in w.keep.items()}
    drg = kp["drg"]
    ok = kp["fy"] & ~kp["spans"] & (drg >= 0)
    ref = kp["refcost"][ok]
    spec = items_cents_per_contact[ok] / 100.0
    g = drg[ok] * 2 + kp["ip"][ok]
    pts = _DA["w"][drg[ok]]
    target = TARGETS["cost_per_drg_point"]

    def cpp(k):
        cost = ref * k + spec
        inl = np.ones(len(cost), bool)
        order = np.lexsort((cost, g))
        gs, cs = g[order], cost[order]
        bnd = np.r_[0, np.flatnonzero(np.diff(gs)) + 1, len(gs)]
        for a, b in zip(bnd[:-1], bnd[1:]):
            if b - a < 10:
                continue
            q = 95 if gs[a] % 2 == 1 else 97
            thr = np.percentile(cs[a:b], q)
            inl[order[a:b]] = cs[a:b] <= thr
        evaluated = cost > 0
        m = inl & evaluated
        return cost[m].sum() / pts[m].sum(), m, cost

    k = target / max(cpp(1.0)[0], 1.0)
    for _ in range(4):
        val = cpp(k)[0]
        k *= target / val
    val, inl, cost = cpp(k)
    info = {"cost_per_drg_point_estimate": round(float(val)), "k": float(k)}
    hosp = kp["hosp"][ok]
    info["cost_per_drg_point_by_hospital"] = {
        h: round(float(cost[inl & (hosp == i)].sum() / max(pts[inl & (hosp == i)].sum(), 1e-9)))
        for i, h in enumerate(w.st.hosp_codes)}
    ipm = kp["fy"] & kp["ip"]
    ip_cost = np.sort(kp["refcost"][ipm] * k + items_cents_per_contact[ipm] / 100.0)[::-1]
    top = max(1, int(round(0.05 * len(ip_cost))))
    info["top5_share_inpatient_cost"] = round(float(ip_cost[:top].sum() / max(ip_cost.sum(), 1e-9)), 3)
    m2 = kp["ip"] & (kp["start"] >= w.cal.b_jan * 1440) & (kp["start"] < w.cal.b_next * 1440)
    info["mean_los_days"] = round(float(((kp["end"][m2] - kp["start"][m2]) / 1440.0).mean()), 2) if m2.any() else 0
    info["mean_los_days_somatic"] = round(float(((kp["end"][m2 & ~kp["psy"]] - kp["start"][m2 & ~kp["psy"]]) / 1440.0).mean()), 2) if m2.any() else 0
    return k, info


class _Ledger:
    """Ledger rows (huvudbok) and allocation keys from the world's volumes (see CALIBRATION.md)."""

    def __init__(self, w: _World, k: float, items: dict, rng: np.random.Generator):
        st = w.st
        n_cc, n_acc = st.n, len(_ACC_CODES)
        kind = st.cc_kind_arr
        role = np.array(st.cc_role)
        # full (pool) cost per month and care/service centre, SEK: F = k * sum(volume * price)
        F_m = np.zeros((12, n_cc))
        for mth in range(12):
            F_m[mth] = np.bincount(st.cat_cc, weights=w.volume[mth] * st.cat_price * k, minlength=n_cc)
        F_y = F_m.sum(axis=0)
        # parked specific costs per month, (cc, account) with a recalculation factor 0.9-1.1
        imon = items["month"]
        in_year = (imon >= 0) & (imon < 12)
        pair = items["cc"] * n_acc + items["acc"]
        uniq = np.unique(pair)
        factor = dict(zip(uniq.tolist(), (0.9 + 0.2 * rng.random(len(uniq))).tolist()))
        fac = np.array([factor[p] for p in uniq])
        P = np.zeros((12, n_cc, n_acc))
        if in_year.any():
            pi = np.searchsorted(uniq, pair[in_year])
            np.add.at(P, (imon[in_year], items["cc"][in_year], items["acc"][in_year]),
                      items["cents"][in_year] / 100.0 * fac[pi])
        P_y = P.sum()
        r = TARGETS["overhead_share"] / (1 - TARGETS["overhead_share"])
        Fsum = F_y.sum()
        o_eff = r * (Fsum + P_y) / (Fsum * (1 + r))
        flat = np.repeat((F_y / 12)[None, :], 12, axis=0)
        D_m = (1 - o_eff) * (0.75 * flat + 0.25 * F_m)
        O_y = r * ((1 - o_eff) * Fsum + P_y)
        prod_y = (1 - o_eff) * Fsum + O_y + P_y
        # overhead centres: level shares 30 / 25 / 45 %, noise inside a level
        # (hospital-level units in proportion to their hospital's own production)
        lvl = st.cc_level
        hidx = st.cc_hidx
        F_h = np.array([F_y[hidx == h].sum() for h in range(len(st.hosp_codes))])
        F_h = F_h / F_h.sum()
        ow = np.zeros(n_cc)
        for L, share in ((1, 0.30), (2, 0.25), (3, 0.45)):
            sel = (role == "overhead") & (lvl == L)
            for h in range(-1, len(st.hosp_codes)):
                sh = sel & (hidx == h)
                if sh.any():
                    ow[sh] = st.cc_weight[sh] / st.cc_weight[sh].sum() * (
                        1.0 if h < 0 else F_h[h] * sel[hidx >= 0].sum() / max(sel.sum(), 1))
            if sel.any():
                ow[sel] *= share / ow[sel].sum()
        ow /= ow.sum()
        season = np.ones(12)
        season[11] = 1.06
        season /= season.mean()
        base = D_m.copy()
        base += (O_y * ow)[None, :] * season[:, None] / 12
        # excluded centres
        for kd, (_cat, share) in _EXCLUDED.items():
            sel = np.array([x == kd for x in kind])
            if sel.any():
                base[:, sel] += (share * prod_y * st.cc_weight[sel] / st.cc_weight[sel].sum())[None, :] * season[:, None] / 12
        # profile shares per centre (noisy)
        prof = np.zeros((n_cc, n_acc))
        for i in range(n_cc):
            kd = kind[i]
            pk = {"ward": "ward", "op": "op", "er": "er", "icu": "icu", "or": "or"}.get(kd, kd)
            for a, s in _PROFILES[pk].items():
                prof[i, _ACC_IDX[a]] = s
        prof *= np.exp(rng.normal(0, 0.12, prof.shape)) * (prof > 0)
        prof /= prof.sum(axis=1, keepdims=True)
        A = base[:, :, None] * prof[None, :, :] * np.exp(rng.normal(0, 0.04, (12, n_cc, n_acc)))
        # rescale so that every (month, centre) total stays exactly the planned base cost
        A *= (base / np.maximum(A.sum(axis=2), 1e-9))[:, :, None]
        care = np.isin(kind, ["ward", "op", "er", "icu", "or"])
        svc = role == "service"
        # excluded accounts booked on care centres; revenues; internal purchases/sales
        extra = np.zeros_like(A)
        some = care & (rng.random(n_cc) < 0.25)
        extra[:, some, _ACC_IDX["5080"]] = 0.02 * D_m[:, some]
        wards = kind == "ward"
        extra[:, wards, _ACC_IDX["5081"]] = 0.003 * D_m[:, wards]
        ops = kind == "op"
        extra[:, ops, _ACC_IDX["5083"]] = 0.005 * D_m[:, ops]
        aids = ops & np.isin(np.array(st.cc_clinic), ["ORT", "NEU", "GER"])
        extra[:, aids, _ACC_IDX["5082"]] = 0.01 * D_m[:, aids]
        extra[:, ops | (kind == "er"), _ACC_IDX["3010"]] = -0.03 * D_m[:, ops | (kind == "er")]
        extra[:, wards | ops, _ACC_IDX["3020"]] = -0.04 * D_m[:, wards | ops]
        labs = kind == "lab"
        extra[:, labs, _ACC_IDX["3030"]] = -0.06 * D_m[:, labs]
        l1 = (role == "overhead") & (lvl == 1)
        extra[:, l1, _ACC_IDX["3110"]] = -(0.02 * prod_y / 12) * (st.cc_weight[l1] / st.cc_weight[l1].sum())[None, :]
        buy = 0.05 * D_m[:, care]
        extra[:, care, _ACC_IDX["4910"]] = buy
        sellers = svc | (role == "overhead")
        sw = base[:, sellers] / base[:, sellers].sum(axis=1, keepdims=True)
        extra[:, sellers, _ACC_IDX["3910"]] = -buy.sum(axis=1, keepdims=True) * sw
        A += extra * np.exp(rng.normal(0, 0.03, A.shape)) * (extra != 0)
        A += P
        self.A = A  # SEK per (month 0..11, cc, account)
        self.prod_y = prod_y
        self.O_y, self.P_y, self.D_y = O_y, P_y, (1 - o_eff) * Fsum
        self.o_eff = o_eff
        self.F_y = F_y
        # ---- postings (rows)
        cents = np.round(A * 100).astype(np.int64)
        mth, ccs, acc = np.nonzero(cents)
        amt = cents[mth, ccs, acc]
        npost = 1 + rng.poisson(w.spec.postings, len(amt))
        rows = np.repeat(np.arange(len(amt)), npost)
        wts = rng.gamma(2.0, 1.0, len(rows))
        tot = np.bincount(rows, weights=wts, minlength=len(amt))
        part = np.floor(amt[rows] * (wts / tot[rows])).astype(np.int64)
        last = np.r_[np.flatnonzero(np.diff(rows)), len(rows) - 1]
        part[last] += amt - np.bincount(rows, weights=part, minlength=len(amt)).astype(np.int64)
        # a few reversal pairs (felbokning + rättelse) that net to zero
        nrev = int(len(rows) * 0.01)
        rv = rng.integers(0, len(rows), nrev)
        x = np.round(np.abs(part[rv]) * rng.random(nrev) * 0.5).astype(np.int64) + 100
        self.month = np.concatenate([mth[rows], mth[rows[rv]], mth[rows[rv]]]) + 1  # 1..12 -> labels index
        self.cc = np.concatenate([ccs[rows], ccs[rows[rv]], ccs[rows[rv]]])
        self.acc = np.concatenate([acc[rows], acc[rows[rv]], acc[rows[rv]]])
        self.cents = np.concatenate([part, x, -x])
        order = np.lexsort((rng.random(len(self.cc)), self.acc, self.cc, self.month))
        self.month, self.cc, self.acc, self.cents = (v[order] for v in (self.month, self.cc, self.acc, self.cents))
        prod_mask = (role != "excluded")[None, :, None] & np.array(
            [v[1] == "cost" and not v[3] for v in _ACCOUNTS.values()])[None, None, :]
        self.production_from_rows = float((A * prod_mask).sum())
        self.personnel_share = float(A[:, :, _PERSONNEL][:, role != "excluded", :].sum() / self.production_from_rows)
        self.personnel_by_cc = A[:, :, _PERSONNEL].sum(axis=(0, 2))
        self.cost_by_cc = (A * prod_mask).sum(axis=(0, 2))
        self.overhead_share = float(self.cost_by_cc[role == "overhead"].sum() / self.production_from_rows)

    def deliveries(self, rng: np.random.Generator, dirty: float):
        """Row index arrays + month labels for the FY and H1 deliveries."""
        # natural late rows: a few January postings that belong to December of the previous year
        jan = np.flatnonzero(self.month == 1)
        late = rng.choice(jan, size=max(2, int(round(0.002 * len(jan)))), replace=False)
        month = self.month.copy()
        month[late] = 0
        fy = dict(month=month, cc=self.cc, acc=self.acc, cents=self.cents)
        h1_sel = (self.month <= 6) | ((self.month == 7) & np.isin(self.acc, np.flatnonzero(_PERSONNEL)))
        h1 = {k: v[h1_sel] for k, v in fy.items()}
        out = []
        for d, out_month in ((fy, 13), (h1, 8)):
            m = len(d["cents"])
            nd = int(round(dirty * 0.005 * m))
            if nd:
                pick = rng.integers(0, m, nd)
                d = {k: np.concatenate([v, v[pick]]) for k, v in d.items()}
                d["month"][m:] = out_month
            out.append(d)
        return out

    @staticmethod
    def keys(w: _World, led: "_Ledger", rng: np.random.Generator) -> dict[str, np.ndarray]:
        st = w.st
        kind = st.cc_kind_arr
        role = np.array(st.cc_role)
        hosp = np.array(st.cc_hosp)
        clinic = np.array(st.cc_clinic)
        cost = np.maximum(led.cost_by_cc, 1.0)
        fte = np.maximum(np.round(led.personnel_by_cc / 780_000 * 10) / 10, 0.5)
        density = {"ward": 11_000, "op": 12_000, "er": 14_000, "icu": 25_000, "or": 30_000, "lab": 30_000,
                   "rad": 35_000, "phys": 25_000, "path": 25_000}
        area = np.array([max(20.0, round(cost[i] / density.get(kind[i], 20_000) * float(np.exp(rng.normal(0, .2)))))
                         for i in range(st.n)])
        it = np.maximum(np.round(fte * np.exp(rng.normal(0.1, 0.15, st.n))), 1)
        bed_days = np.bincount(st.cat_cc, weights=w.volume.sum(axis=0) * (np.array(st.cat_unit) == "day"), minlength=st.n)
        meals = np.round(bed_days * 3 * np.exp(rng.normal(0, 0.05, st.n)))
        mtf = {"icu": 0.4, "or": 0.5, "rad": 0.8, "lab": 0.3, "phys": 0.5, "path": 0.3, "ward": 0.05, "op": 0.03,
               "er": 0.1}
        mt = np.array([round(cost[i] * mtf.get(kind[i], 0) / 1000) for i in range(st.n)], dtype=np.float64)
        surg = np.array(st.cc_surgical, dtype=bool)
        sterile = np.where(kind == "or", cost / 1000, np.where(surg & np.isin(kind, ["ward", "op"]), cost / 10_000, 0))
        sterile = np.round(sterile)
        transport = np.where(kind == "ward", bed_days, np.where(kind == "rad", cost / 20_000, 0)).round()
        rows_key, rows_cc, rows_val = [], [], []

        def emit(name, sel, vals):
            idx = np.flatnonzero(sel & (vals > 0))
            rows_key.extend([name] * len(idx))
            rows_cc.extend(idx.tolist())
            rows_val.extend(np.asarray(vals)[idx].tolist())

        every = np.ones(st.n, bool)
        cs = np.isin(role, ["care", "service"])
        values = {"fte": fte, "area_m2": area, "it_accounts": it, "meals": meals, "sterile": sterile,
                  "transport": transport, "mt_value": mt}
        for key in sorted(st.key_specs):
            base, h, c_ = st.key_specs[key]
            scope = every if h is None else (hosp == h)
            if c_ is not None:  # clinic management: the clinic's own care units at that hospital
                scope = scope & cs & (clinic == c_)
            elif base == "meals":
                scope = scope & (kind == "ward")
            elif base in ("sterile", "transport", "mt_value"):
                scope = scope & cs
            emit(key, scope, values[base])
        return dict(key=np.array(rows_key), cc=np.array(rows_cc, dtype=np.int64), value=np.array(rows_val))
