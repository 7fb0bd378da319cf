"""Writing the landing files: string/column encoding, CSV and Parquet sinks (the two dialects of
_Col), the file layouts, and the column builders of each file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .accounts import _ACC_CODES, _ACCOUNTS
from .casemix import _DA
from .helpers import _civil
from .organisation import _Structure
from .patients import _HOME_REGIONS, _Patients
from .production import _ITEM_LABELS


def _digits_into(buf: np.ndarray, col0: int, width: int, values: np.ndarray) -> None:
    x = values.astype(np.int64, copy=True)
    for j in range(col0 + width - 1, col0 - 1, -1):
        buf[:, j] = 48 + (x % 10)
        x //= 10


def _string_array(buf: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """StringArray from a (n, width) uint8 matrix of ASCII bytes; rows where valid is False are null."""
    n, w = buf.shape
    if valid is None:
        offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
        return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf))).cast(pa.string())
    valid = np.asarray(valid, dtype=bool)
    data = np.ascontiguousarray(buf[valid])
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(valid.astype(np.int64) * w, out=offsets[1:])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = int(n - valid.sum())
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)
    return arr.cast(pa.string())


def _id_strings(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    p = prefix.encode()
    buf = np.empty((len(numbers), len(p) + width), dtype=np.uint8)
    buf[:, :len(p)] = np.frombuffer(p, dtype=np.uint8)
    _digits_into(buf, len(p), width, np.where(numbers < 0, 0, numbers))
    return _string_array(buf, valid)


def _ts_strings(minutes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """'YYYY-MM-DD HH:MM' from minutes since 1970-01-01."""
    minutes = np.asarray(minutes, dtype=np.int64)
    y, m, d = _civil(minutes // 1440)
    mod = minutes % 1440
    buf = np.empty((len(minutes), 16), dtype=np.uint8)
    buf[:, [4, 7]] = ord("-")
    buf[:, 10] = ord(" ")
    buf[:, 13] = ord(":")
    _digits_into(buf, 0, 4, y)
    _digits_into(buf, 5, 2, m)
    _digits_into(buf, 8, 2, d)
    _digits_into(buf, 11, 2, mod // 60)
    _digits_into(buf, 14, 2, mod % 60)
    return _string_array(buf, valid)


def _fixed_strings(scaled: np.ndarray, decimals: int) -> pa.Array:
    """Decimal text with exactly `decimals` decimals from integers scaled by 10**decimals."""
    scaled = np.asarray(scaled, dtype=np.int64)
    neg = scaled < 0
    a = np.abs(scaled)
    f = 10 ** decimals
    ip = pa.array(a // f).cast(pa.string())
    if decimals:
        fp = pc.utf8_lpad(pa.array(a % f).cast(pa.string()), decimals, "0")
        txt = pc.binary_join_element_wise(ip, fp, ".")
    else:
        txt = ip
    return pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", txt, ""), txt)


class _Col:
    """A column with a Parquet (native) and a CSV (text) representation."""

    def __init__(self, kind: str, data, valid=None, decimals: int = 2, quote: bool = False, itype=pa.int16()):
        self.kind, self.data, self.valid, self.decimals, self.quote, self.itype = kind, data, valid, decimals, quote, itype

    @property
    def n(self) -> int:
        return len(self.data)

    def arrow(self) -> pa.Array:
        k, v = self.kind, self.valid
        mask = None if v is None else ~np.asarray(v, dtype=bool)
        if k == "text":
            return self.data if isinstance(self.data, (pa.Array, pa.ChunkedArray)) else pa.array(self.data, pa.string())
        if k == "ts":
            return pa.array(np.asarray(self.data, np.int64) * 60_000, type=pa.timestamp("ms"), mask=mask)
        if k == "money":  # integer öre
            return pa.array(np.asarray(self.data, np.int64) / 100.0, type=pa.float64(), mask=mask)
        if k == "dec":  # float, rounded to `decimals`
            return pa.array(np.round(np.asarray(self.data, np.float64), self.decimals), type=pa.float64(), mask=mask)
        if k == "int":
            return pa.array(np.asarray(self.data, np.int64), type=self.itype, mask=mask)
        if k == "bool":
            return pa.array(np.asarray(self.data, bool), type=pa.bool_())
        raise AssertionError(k)

    def text(self) -> pa.Array:
        k, v = self.kind, self.valid
        if k == "text":
            arr = self.arrow()
            if self.quote:
                needs = pc.match_substring_regex(arr, '[,"\n]')
                quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
                arr = pc.if_else(needs, quoted, arr)
            return arr
        if k == "ts":
            return _ts_strings(self.data, v)
        if k == "money":
            arr = _fixed_strings(self.data, 2)
        elif k == "dec":
            arr = _fixed_strings(np.round(np.asarray(self.data, np.float64) * 10 ** self.decimals), self.decimals)
        elif k == "int":
            arr = pa.array(np.asarray(self.data, np.int64)).cast(pa.string())
        elif k == "bool":
            arr = pa.array(np.where(np.asarray(self.data, bool), "true", "false"))
        else:
            raise AssertionError(k)
        if v is not None:
            arr = pc.if_else(pa.array(np.asarray(v, bool)), arr, pa.scalar(None, pa.string()))
        return arr


class _Sink:
    """Streams one landing file (CSV or Parquet) in chunks; deterministic bytes."""

    def __init__(self, path: Path, fmt: str, columns: list[str]):
        self.path, self.fmt, self.columns, self.rows = path, fmt, columns, 0
        self._writer = None
        self._fh = None
        if fmt == "csv":
            self._fh = open(path, "wb")
            self._fh.write((",".join(columns) + "\n").encode())

    def write(self, cols: dict[str, _Col]) -> None:
        n = next(iter(cols.values())).n
        if n == 0 and self.fmt == "csv":
            return
        if self.fmt == "csv":
            texts = [cols[c].text() for c in self.columns]
            joined = pc.binary_join_element_wise(*texts, ",", null_handling="replace", null_replacement="")
            lines = pc.binary_join_element_wise(joined, "", "\n")
            lines = lines.cast(pa.large_string())
            offs = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + n + 1]
            data = lines.buffers()[2]
            self._fh.write(memoryview(data)[int(offs[0]):int(offs[-1])])
        else:
            table = pa.table({c: cols[c].arrow() for c in self.columns})
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd", compression_level=1,
                                                store_schema=False, write_statistics=True)
            self._writer.write_table(table, row_group_size=1 << 20)
        self.rows += n

    def close(self, empty: dict[str, _Col] | None = None) -> None:
        if self.fmt == "csv":
            self._fh.close()
        else:
            if self._writer is None and empty is not None:
                table = pa.table({c: empty[c].arrow() for c in self.columns})
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd", compression_level=1,
                                                store_schema=False)
                self._writer.write_table(table)
            if self._writer is not None:
                self._writer.close()


_COLUMNS = {
    "ledger": ["month", "cost_center", "account", "amount"],
    "accounts": ["account", "name", "account_class", "cost_type", "exclusion", "specific"],
    "cost_centers": ["cost_center", "name", "hospital", "clinic", "role", "exclusion", "allocation_key",
                     "allocation_order"],
    "allocation_keys": ["key", "cost_center", "value"],
    "service_catalog": ["cost_center", "service_code", "name", "service_group", "unit", "weight"],
    "contacts": ["contact_id", "personnummer", "hospital", "clinic", "cost_center", "care_type", "care_field",
                 "start_ts", "end_ts", "drg", "primary_diagnosis", "age", "sex", "home_region"],
    "service_events": ["event_id", "contact_id", "personnummer", "event_ts", "cost_center", "service_code",
                       "quantity", "ordering_cost_center"],
    "specific_costs": ["specific_cost_id", "contact_id", "personnummer", "event_ts", "cost_center", "account",
                       "amount", "item"],
    "hospitals": ["hospital", "region", "hospital_type"],
}
# spec §7.1: RKA's hospital types; every hospital belongs to the region of most patients (home index 0)
_HOSPITAL_TYPES = {"US": "regionsjukhus", "LS": "lanssjukhus", "LD": "lansdelssjukhus"}


def _labels(labels: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    dictionary = pa.array(labels, pa.string())
    idx = np.asarray(idx, dtype=np.int32)
    if valid is not None:
        idx = np.where(valid, idx, 0)
        out = dictionary.take(pa.array(idx, mask=~np.asarray(valid, bool)))
    else:
        out = dictionary.take(pa.array(idx))
    return out


# ---------------------------------------------------------------------------
# column builders
# ---------------------------------------------------------------------------


def _pn_col(pats: _Patients, pat: np.ndarray, valid: np.ndarray) -> pa.Array:
    return _string_array(pats.pn[np.where(valid, pat, 0)], valid)


def _contact_cols(c, rows, open_, pats, st, cc_codes, hosp_labels, clinic_labels, drg_labels, sex_labels, id_w):
    pat = c["pat"][rows]
    start = c["start"][rows]
    age = ((start // 1440 - pats.birth[pat]) / 365.25).astype(np.int64)
    drg = c["drg"][rows]
    ip = c["ip"][rows]
    return {
        "contact_id": _Col("text", _id_strings("C", c["cnum"][rows], id_w)),
        "personnummer": _Col("text", _pn_col(pats, pat, np.ones(len(rows), bool))),
        "hospital": _Col("text", _labels(hosp_labels, c["hosp"][rows])),
        "clinic": _Col("text", _labels(clinic_labels, c["clinic"][rows])),
        "cost_center": _Col("text", _labels(cc_codes, c["cc"][rows])),
        "care_type": _Col("text", _labels(["outpatient", "inpatient"], ip.astype(np.int64))),
        "care_field": _Col("text", _labels(["somatic", "psychiatric"], c["psy"][rows].astype(np.int64))),
        "start_ts": _Col("ts", start),
        "end_ts": _Col("ts", c["end"][rows], valid=~open_[rows]),
        "drg": _Col("text", _labels(drg_labels, np.maximum(drg, 0), valid=drg >= 0)),
        "primary_diagnosis": _Col("text", _labels(_DA["diag_labels"], c["diag"][rows], valid=c["diag_valid"][rows])),
        "age": _Col("int", np.maximum(age, 0)),
        "sex": _Col("text", _labels(sex_labels, pats.male[pat].astype(np.int64))),
        "home_region": _Col("text", _labels(_HOME_REGIONS, pats.home[pat])),
    }


def _event_cols(ev, idx, q, pats, st, orderer_labels, id_w, ev_w):
    cid_valid = ev["cnum"][idx] >= 0
    cid_valid &= ~ev["pn"][idx]
    pn_valid = ev["pn"][idx] & (ev["pat"][idx] >= 0)
    ordr = ev["ordr"][idx]
    cat = ev["cat"][idx]
    return {
        "event_id": _Col("text", _id_strings("E", ev["eid"][idx], ev_w)),
        "contact_id": _Col("text", _id_strings("C", ev["cnum"][idx], id_w, valid=cid_valid)),
        "personnummer": _Col("text", _pn_col(pats, ev["pat"][idx], pn_valid)),
        "event_ts": _Col("ts", ev["ts"][idx]),
        "cost_center": _Col("text", _labels(st.cc_code, st.cat_cc[cat])),
        "service_code": _Col("text", _labels(st.cat_code, cat)),
        "quantity": _Col("dec", q, decimals=0),
        "ordering_cost_center": _Col("text", _labels(orderer_labels, np.maximum(ordr, 0), valid=ordr >= 0)),
    }


def _specific_cols(items, sel, pats, st, s_w, id_w):
    pn = items["pn"][sel]
    return {
        "specific_cost_id": _Col("text", _id_strings("S", items["cidx"][sel] + 1, s_w)),
        "contact_id": _Col("text", _id_strings("C", items["cnum"][sel], id_w, valid=~pn)),
        "personnummer": _Col("text", _pn_col(pats, items["pat"][sel], pn)),
        "event_ts": _Col("ts", items["ts"][sel]),
        "cost_center": _Col("text", _labels(st.cc_code, items["cc"][sel])),
        "account": _Col("text", _labels(_ACC_CODES, items["acc"][sel])),
        "amount": _Col("money", items["cents"][sel]),
        "item": _Col("text", _labels(_ITEM_LABELS, items["item"][sel]), quote=True),
    }


def _write_reference(s: dict, st: _Structure, keys: dict) -> None:
    acc = list(_ACCOUNTS.items())
    s["accounts"].write({
        "account": _Col("text", pa.array([a for a, _ in acc])),
        "name": _Col("text", pa.array([v[0] for _, v in acc]), quote=True),
        "account_class": _Col("text", pa.array([v[1] for _, v in acc])),
        "cost_type": _Col("text", pa.array([v[2] for _, v in acc])),
        "exclusion": _Col("text", pa.array([v[3] or None for _, v in acc], pa.string())),
        "specific": _Col("bool", np.array([v[4] for _, v in acc])),
    })
    order = st.cc_order
    s["cost_centers"].write({
        "cost_center": _Col("text", pa.array(st.cc_code)),
        "name": _Col("text", pa.array(st.cc_name), quote=True),
        "hospital": _Col("text", pa.array(st.cc_hosp)),
        "clinic": _Col("text", pa.array(st.cc_clinic)),
        "role": _Col("text", pa.array(st.cc_role)),
        "exclusion": _Col("text", pa.array([x or None for x in st.cc_excl], pa.string())),
        "allocation_key": _Col("text", pa.array([x or None for x in st.cc_key], pa.string())),
        "allocation_order": _Col("int", order, valid=order > 0, itype=pa.int32()),
    })
    ko = np.lexsort((keys["cc"], keys["key"]))
    s["allocation_keys"].write({
        "key": _Col("text", pa.array(keys["key"][ko].tolist(), pa.string())),
        "cost_center": _Col("text", _labels(st.cc_code, keys["cc"][ko])),
        "value": _Col("dec", keys["value"][ko], decimals=1),
    })
    s["hospitals"].write({
        "hospital": _Col("text", pa.array(st.hosp_codes)),
        "region": _Col("text", pa.array([_HOME_REGIONS[0]] * len(st.hosp_codes))),
        "hospital_type": _Col("text", pa.array([_HOSPITAL_TYPES[h] for h in st.hosp_codes])),
    })
    s["service_catalog"].write({
        "cost_center": _Col("text", _labels(st.cc_code, st.cat_cc)),
        "service_code": _Col("text", pa.array(st.cat_code)),
        "name": _Col("text", pa.array(st.cat_name), quote=True),
        "service_group": _Col("text", pa.array(st.cat_group)),
        "unit": _Col("text", pa.array(st.cat_unit)),
        "weight": _Col("dec", st.cat_weight, decimals=2),
    })


def _empty_cols(table: str) -> dict[str, _Col]:
    text = lambda: _Col("text", pa.array([], pa.string()))  # noqa: E731
    ts = lambda: _Col("ts", np.zeros(0, np.int64))  # noqa: E731
    kinds = {"amount": _Col("money", np.zeros(0, np.int64)), "quantity": _Col("dec", np.zeros(0)),
             "value": _Col("dec", np.zeros(0)), "weight": _Col("dec", np.zeros(0)),
             "age": _Col("int", np.zeros(0, np.int64)), "specific": _Col("bool", np.zeros(0, bool)),
             "allocation_order": _Col("int", np.zeros(0, np.int64), itype=pa.int32())}
    out = {}
    for c in _COLUMNS[table]:
        if c in kinds:
            out[c] = kinds[c]
        elif c.endswith("_ts"):
            out[c] = ts()
        else:
            out[c] = text()
    return out
