"""Deterministic synthetic KPP landing data (spec §0–§2), vectorised with numpy + pyarrow.

``generate(size, year, data_root)`` builds one synthetic care world (a region with
two or three hospitals, their cost centres, patients, contacts, produced
services, specific costs and the general ledger) and writes two deliveries of
the eight landing files of spec §1:

* ``<data_root>/landing/<year>-H1/`` — the temporary KPP extraction made in
  August (contacts that started before 1 July, their events up to the
  extraction date, the Jan–Jun ledger plus a preliminary July);
* ``<data_root>/landing/<year>/`` — the full-year extraction made in February
  of the next year.

Both deliveries come from the same world: same reference files, same
personnummer, same contact/event ids; the H1 delivery is the first-half subset
(a stay still open at the extraction date has an empty ``end_ts``).

No Python loop runs over contacts or events: the world is generated month by
month (one chunk = contacts starting in that month) with numpy, and written with
pyarrow (CSV for ``demo``, Parquet above). The same seed gives byte-identical
files. Calibration targets and their sources are in CALIBRATION.md.

This module is the entry point; the pieces live in ``sizes``, ``casemix``, ``accounts``,
``organisation``, ``patients``, ``production``, ``ledger``, ``writer`` and ``helpers``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from kpp.landing.generated_marker import check_overwritable, mark

from .accounts import _ACC_CODES, SPECIFIC_ACCOUNTS
from .casemix import _CLINIC_CODES, _DRG_CODES, DRG_WEIGHTS
from .ledger import TARGETS, _Ledger, _month_labels, _solve_k
from .organisation import _Structure
from .patients import _Patients
from .production import _Calendar, _World
from .sizes import SIZES, SizeSpec
from .writer import (
    _COLUMNS,
    _Col,
    _contact_cols,
    _empty_cols,
    _event_cols,
    _labels,
    _Sink,
    _specific_cols,
    _write_reference,
)

__all__ = ["DRG_WEIGHTS", "SIZES", "SPECIFIC_ACCOUNTS", "TARGETS", "SizeSpec", "generate"]


# ---------------------------------------------------------------------------
# generate()
# ---------------------------------------------------------------------------

def generate(size: str, year: int, data_root: Path, seed: int = 42, dirty: float = 0.0,
             progress: Callable[[str], None] | None = None) -> dict:
    """Write <data_root>/landing/<year>-H1/ and <data_root>/landing/<year>/ ; return a summary dict
    (rows per file per partition, paths, calibration estimates)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    if not 0.0 <= dirty <= 1.0:
        raise ValueError("dirty must be between 0 and 1")
    say = progress or (lambda _m: None)
    t_start = time.perf_counter()
    spec = SIZES[size]
    data_root = Path(data_root)
    cal = _Calendar(year)
    parts = {f"{year}-H1": ("h1", cal.x_h1), f"{year}": ("fy", cal.x_fy)}
    dirs = {p: data_root / "landing" / p for p in parts}
    for d in dirs.values():
        check_overwritable(d)
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
        mark(d)
        for t in _COLUMNS:  # a previous run in another format would leave both files
            for ext in ("csv", "parquet"):
                (d / f"{t}.{ext}").unlink(missing_ok=True)
    ext = spec.fmt
    sinks = {p: {t: _Sink(dirs[p] / f"{t}.{ext}", ext, _COLUMNS[t]) for t in _COLUMNS} for p in parts}

    say(f"building the organisation ({size})")
    st = _Structure(spec.structure, np.random.default_rng([seed, 1]), full_codes=size != "demo")
    n_pat = int(spec.contacts * spec.patients_per_contact) + 200
    pats = _Patients(n_pat, max(200, n_pat // 50), year, dirty, np.random.default_rng([seed, 2]))
    world = _World(st, pats, spec, cal, seed, dirty)
    id_w = max(6, len(str(int(spec.contacts * 1.6))))
    ev_w = max(7, len(str(int(spec.contacts * 40))))
    world.unknown_base = 9 * 10 ** (id_w - 1)
    cc_codes, orderer_labels = st.cc_code, st.cc_code + [f"VC{i:03d}" for i in range(1, 41)]
    n_vc = 40
    hosp_labels = st.hosp_codes
    clinic_labels = _CLINIC_CODES
    sex_labels = ["F", "M"]
    counts = {p: {t: 0 for t in _COLUMNS} for p in parts}
    drg_labels = _DRG_CODES
    event_seq = 0
    items_all: list[dict] = []

    for ci, (cy, cm) in enumerate(cal.chunks):
        rng = np.random.default_rng([seed, 1000 + ci])
        c = world.contacts(rng, ci)
        ev = world.events(rng, c)
        sc = world.specific(rng, c)
        n, ne = c["n"], len(ev["ci"])
        # ---- natural and dirty extras on events
        svc_mask = ~ev["bed"] & (ev["ordr"] >= 0) & ev["pn"]
        svc_idx = np.flatnonzero(svc_mask)
        n_orph = int(round((0.001 + 0.006 * dirty) * ne)) if len(svc_idx) else 0
        n_unk = int(round(0.006 * dirty * ne))
        n_dup = int(round(0.002 * dirty * ne))
        ev["eid"] = event_seq + 1 + np.arange(ne)
        event_seq += ne
        ev["cnum"] = c["cnum"][ev["ci"]]
        ev["pat"] = c["pat"][ev["ci"]]
        ev["dup"] = np.zeros(ne, bool)
        ev["orph"] = np.zeros(ne, bool)
        extras = []
        if n_orph:
            src = svc_idx[rng.integers(0, len(svc_idx), n_orph)]
            e = {k: v[src].copy() for k, v in ev.items()}
            e["ci"][:] = -1
            e["cnum"][:] = -1
            e["pat"] = pats.outsiders[rng.integers(0, len(pats.outsiders), n_orph)]
            e["pn"][:] = True
            e["ordr"] = np.where(rng.random(n_orph) < 0.7, st.n + rng.integers(0, n_vc, n_orph), e["ordr"])
            e["ts"] = e["ts"] + rng.integers(-5 * 288, 5 * 288, n_orph) * 5
            e["eid"] = event_seq + 1 + np.arange(n_orph)
            event_seq += n_orph
            e["orph"][:] = True
            extras.append(e)
        if n_unk:
            src = rng.integers(0, ne, n_unk)
            e = {k: v[src].copy() for k, v in ev.items()}
            e["ci"][:] = -1
            e["cnum"] = world.unknown_base + rng.integers(0, 10 ** (id_w - 1), n_unk)
            e["pn"][:] = False
            e["eid"] = event_seq + 1 + np.arange(n_unk)
            event_seq += n_unk
            e["orph"][:] = True
            extras.append(e)
        if n_dup:
            src = rng.integers(0, ne, n_dup)
            e = {k: v[src].copy() for k, v in ev.items()}
            e["qty"] = np.where(rng.random(n_dup) < 0.5, e["qty"], e["qty"] + 1)
            e["dup"][:] = True
            extras.append(e)
        if extras:
            ev = {k: np.concatenate([ev[k]] + [x[k] for x in extras]) for k in ev}
        # ---- world aggregates: volumes (FY months), per-contact reference cost
        ts = ev["ts"]
        in_fy = (ts >= cal.b_jan * 1440) & (ts < cal.b_next * 1440) & ~ev["dup"]
        mon = ((ts // 1440).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - (year - 1970) * 12)
        np.add.at(world.volume, (mon[in_fy], ev["cat"][in_fy]), ev["qty"][in_fy])
        has_c = (ev["ci"] >= 0) & ~ev["orph"]
        rc = np.bincount(ev["ci"][in_fy & has_c], weights=(ev["qty"] * st.cat_price[ev["cat"]])[in_fy & has_c],
                         minlength=n)
        world.orphan_cost += float((ev["qty"] * st.cat_price[ev["cat"]])[in_fy & ~has_c].sum())
        open_fy = c["end"] > cal.x_fy
        spans = (c["start"] < cal.b_jan * 1440) | (c["end"] >= cal.b_next * 1440) | open_fy
        deliv_fy = c["end"] >= cal.min_end
        for kk, v in (("refcost", rc), ("spans", spans), ("drg", c["drg"]), ("hosp", c["hosp"]),
                      ("clinic", c["clinic"]), ("ip", c["ip"]), ("start", c["start"]), ("end", c["end"]),
                      ("psy", c["psy"]), ("fy", deliv_fy)):
            world.keep[kk].append(v)
        # specific cost items (world)
        sc["cnum"] = c["cnum"][sc["ci"]]
        sc["pat"] = c["pat"][sc["ci"]]
        sc["cidx"] = world.specific_count + np.arange(len(sc["ci"]))
        sc["gci"] = (c["cnum"][sc["ci"]] - 1)
        sc["cend"] = c["end"][sc["ci"]]
        sc["cstart"] = c["start"][sc["ci"]]
        items_all.append(sc)
        world.specific_count += len(sc["ci"])
        # ---- deliveries
        dup_c = int(round(0.002 * dirty * n))
        c_rows = np.arange(n)
        if dup_c:
            c_rows = np.concatenate([c_rows, rng.integers(0, n, dup_c)])
        for p, (tag, x_ts) in parts.items():
            if tag == "h1":
                cdel = (c["start"] < cal.b_jul * 1440) & (c["end"] >= cal.min_end)
                win_end = cal.b_jul * 1440
            else:
                cdel = c["end"] >= cal.min_end
                win_end = cal.b_next * 1440
            if not cdel.any() and not (ev["ci"] < 0).any():
                continue
            open_ = c["end"] > x_ts
            rows_c = c_rows[cdel[c_rows]]
            contacts_cols = _contact_cols(c, rows_c, open_, pats, st, cc_codes, hosp_labels, clinic_labels,
                                          drg_labels, sex_labels, id_w)
            sinks[p]["contacts"].write(contacts_cols)
            has = ev["ci"] >= 0
            ci_safe = np.where(has, ev["ci"], 0)
            edel = np.where(has & ~ev["orph"], cdel[ci_safe] & (ev["ts"] < x_ts),
                            (ev["ts"] >= cal.min_end) & (ev["ts"] < win_end))
            idx = np.flatnonzero(edel)
            q = ev["qty"][idx].copy()
            # a stay still open at extraction: bed days only up to the extraction date
            op_bed = ev["bed"][idx] & has[idx] & open_[ci_safe[idx]]
            if op_bed.any():
                q[op_bed] = np.minimum(q[op_bed], x_ts // 1440 - ev["ts"][idx][op_bed] // 1440)
                keep = ~op_bed | (q > 0)
                idx, q = idx[keep], q[keep]
            sinks[p]["service_events"].write(_event_cols(ev, idx, q, pats, st, orderer_labels, id_w, ev_w))
        if world.contact_count >= world.unknown_base or event_seq >= 10 ** ev_w:
            raise AssertionError("synthetic id space exhausted; widen the id format")
        say(f"generated {cy}-{cm:02d}: {_short(n)} contacts, {_short(len(ev['ci']))} events; writing service_events "
            + ", ".join(f"({p}): {_short(sinks[p]['service_events'].rows)} rows" for p in parts))

    # ---- specific costs (all chunks), calibration, ledger, reference files
    items = {k: np.concatenate([x[k] for x in items_all]) for k in items_all[0]}
    items["month"] = ((items["ts"] // 1440).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
                      - (year - 1970) * 12)
    n_world = world.contact_count
    spec_by_contact = np.bincount(items["gci"], weights=items["cents"] * ((items["month"] >= 0) & (items["month"] < 12)),
                                  minlength=n_world)
    k, calib = _solve_k(world, spec_by_contact)
    say(f"calibrated price scale k={k:.3f} (estimated cost per DRG point {calib['cost_per_drg_point_estimate']:,} SEK)")
    lrng = np.random.default_rng([seed, 3])
    led = _Ledger(world, k, items, lrng)
    keys = _Ledger.keys(world, led, np.random.default_rng([seed, 4]))
    ledgers = led.deliveries(np.random.default_rng([seed, 5]), dirty)
    month_labels = _month_labels(year)
    s_w = max(5, len(str(max(1, len(items["ci"])) * 2)))
    for p, (tag, x_ts) in parts.items():
        d = ledgers[0] if tag == "fy" else ledgers[1]
        say(f"writing ledger ({p}): {_short(len(d['cents']))} rows")
        sinks[p]["ledger"].write({
            "month": _Col("text", _labels(month_labels, d["month"])),
            "cost_center": _Col("text", _labels(cc_codes, d["cc"])),
            "account": _Col("text", _labels(_ACC_CODES, d["acc"])),
            "amount": _Col("money", d["cents"]),
        })
        _write_reference(sinks[p], st, keys)
        # specific costs delivered: contact delivered and dated before the extraction
        if tag == "h1":
            cdel = (items["cstart"] < cal.b_jul * 1440) & (items["cend"] >= cal.min_end)
        else:
            cdel = items["cend"] >= cal.min_end
        sel = np.flatnonzero(cdel & (items["ts"] < x_ts))
        sinks[p]["specific_costs"].write(_specific_cols(items, sel, pats, st, s_w, id_w))
    for p in parts:
        for t, s in sinks[p].items():
            s.close(empty=_empty_cols(t))
            counts[p][t] = s.rows
        say(f"wrote {dirs[p]}: " + ", ".join(f"{t} {_short(counts[p][t])}" for t in _COLUMNS))

    prod = led.production_from_rows
    calib.update({
        "production_cost_year_sek": round(prod),
        "overhead_share_of_production": round(led.overhead_share, 3),
        "personnel_share_of_production": round(led.personnel_share, 3),
        "parked_specific_share": round(float(led.P_y / prod), 4),
        "orphan_event_cost_share_estimate": round(world.orphan_cost * k / prod, 4),
        "n_cost_centers": st.n,
        "n_cost_centers_by_role": {r: int(sum(1 for x in st.cc_role if x == r))
                                   for r in ("care", "service", "overhead", "excluded")},
        "n_service_catalog": st.n_cat,
        "world_contacts": n_world,
    })
    return {
        "size": size, "year": year, "seed": seed, "dirty": dirty, "format": ext,
        "data_root": str(data_root),
        "partitions": {p: {"path": str(dirs[p]),
                           "files": {t: {"path": str(sinks[p][t].path), "rows": counts[p][t]} for t in _COLUMNS}}
                       for p in parts},
        "specific_accounts": list(SPECIFIC_ACCOUNTS),
        "calibration": calib,
        "elapsed_seconds": round(time.perf_counter() - t_start, 2),
    }


def _short(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else (f"{n / 1e3:.0f}k" if n >= 1e4 else f"{n:,}")
