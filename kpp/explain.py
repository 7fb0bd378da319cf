"""`kpp explain CONTACT_ID --partition P`: the cost trace of one vårdkontakt (spec §3).

Reads and formats the trace dbt computes, one contact at a time: the contact in the
kostnadslista, its cost items (events × styckkostnad, särkostnader × omräkningsfaktor)
with the kostnadspool each unit cost comes from and its kostnadsslag
(``marts.cost_trace``), the overhead sources of the indirect part
(``marts.cost_trace_overhead``), and on demand the ledger rows (huvudbok, month × cost
centre × account) with the contact's part of each (``marts.cost_trace_ledger``). Every
level sums to the contact's total_cost. The relations are the dbt exposure
``kpp_explain``'s (kpp/marts.py).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from kpp.marts import KPP_EXPLAIN
from kpp.periods import period_for_key
from kpp.settings import DataRoot

TOLERANCE_SEK = 0.005


class ExplainError(Exception):
    """A contact or partition that cannot be explained, with a message for the user."""


@dataclass
class LedgerPart:
    ledger_month: str
    cost_center: str
    account: str
    cost_type: str
    ledger_amount: float
    amount: float  # the contact's part of the ledger row in SEK


@dataclass
class Explanation:
    partition_key: str
    contact: dict
    trace: list[dict]  # rows of marts.cost_trace
    overhead: list[dict]  # rows of marts.cost_trace_overhead: the indirect cost by overhead source
    centre_names: dict[str, str]
    ledger: list[LedgerPart] = field(default_factory=list)
    published_total: float | None = None  # the contact in published.cost_list (the exports), if published

    @property
    def total_cost(self) -> float:
        return float(self.contact["total_cost"])

    @property
    def trace_total(self) -> float:
        return sum(r["amount"] for r in self.trace)

    @property
    def ledger_total(self) -> float:
        return sum(p.amount for p in self.ledger)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def explain(con: duckdb.DuckDBPyConnection, partition_key: str, contact_id: str, ledger: bool = False) -> Explanation:
    key = [partition_key, contact_id]
    contacts = _rows(con, f"select * from {KPP_EXPLAIN.relation('cost_list')} where partition_key = ? and contact_id = ?", key)
    if not contacts:
        raise ExplainError(
            f"Contact {contact_id} is not in the cost list of {partition_key}: it has no matched cost in the period, "
            "or the period has not been run (kpp run PARTITION)."
        )
    trace = _rows(con, f"select * from {KPP_EXPLAIN.relation('cost_trace')} where partition_key = ? and contact_id = ? "
                       "order by source, cost_center, code, amount desc", key)
    overhead = _rows(con, f"select * from {KPP_EXPLAIN.relation('cost_trace_overhead')} "
                          "where partition_key = ? and contact_id = ? order by cost_center, amount desc", key)
    names = dict(con.execute(f"select cost_center, cost_center_name from {KPP_EXPLAIN.relation('cost_centers')} "
                             "where partition_key = ?", [partition_key]).fetchall())
    result = Explanation(partition_key, contacts[0], trace, overhead, names,
                         published_total=_published_total(con, partition_key, contact_id))
    if ledger:
        result.ledger = [
            LedgerPart(str(month)[:7], centre, account, cost_type, ledger_amount, amount)
            for month, centre, account, cost_type, ledger_amount, amount in con.execute(
                f"select ledger_month, cost_center, account, cost_type, ledger_amount, amount "
                f"from {KPP_EXPLAIN.relation('cost_trace_ledger')} where partition_key = ? and contact_id = ? "
                "order by abs(amount) desc, ledger_month, cost_center, account", key).fetchall()
        ]
    return result


def _published_total(con: duckdb.DuckDBPyConnection, partition_key: str, contact_id: str) -> float | None:
    published = KPP_EXPLAIN.published("cost_list")
    if not con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [published.schema, published.table]).fetchone()[0]:
        return None
    row = con.execute(f"select total_cost from {published} where partition_key = ? and contact_id = ?",
                      [partition_key, contact_id]).fetchone()
    return float(row[0]) if row else None


def _sek(x: float | None) -> str:
    return "" if x is None else f"{x:,.2f}"


def render(e: Explanation, limit: int = 40) -> str:
    period = period_for_key(e.partition_key)
    c = e.contact

    def name(centre: str) -> str:
        return f"{centre} {e.centre_names.get(centre, '')}".rstrip()

    out = [
        f"Vårdkontakt {c['contact_id']} — {period.key} ({period.kind}, {period.start} .. {period.end} exclusive)",
        f"  {c['hospital']}/{c['clinic']} {name(c['cost_center'])}; {c['care_type']} {c['care_field']}, DRG {c['drg'] or '-'}"
        + ("; spans the period boundary" if c["spans_period_boundary"] else ""),
        f"  kostnadslista total_cost {_sek(e.total_cost)} SEK = events {_sek(c['event_cost'])} + särkostnader {_sek(c['specific_cost'])}",
        "",
        "1. Cost items: events × styckkostnad, särkostnader × omräkningsfaktor (marts.cost_trace)",
        f"  {'source':<14} {'cost centre':<12} {'code':<10} {'group':<14} {'n':>4} {'quantity / registered':>22} {'unit cost / factor':>19} {'cost SEK':>15}",
    ]
    items: dict[tuple, dict] = {}
    for r in e.trace:
        items.setdefault((r["source"], r["cost_center"], r["code"]), r)
    for (source, centre, code), r in items.items():
        event = source == "service_event"
        out.append(
            f"  {source:<14} {centre:<12} {code:<10} {r['service_group']:<14} {r['n_items']:>4} "
            f"{_sek(r['quantity'] if event else r['registered_amount']):>22} "
            f"{(_sek(r['unit_cost']) if event else format(r['scale_factor'] or 0, '.4f')):>19} {_sek(r['item_cost']):>15}"
        )
    out += ["", "2. Cost pools behind the unit costs (kostnadspool by kostnadsslag) and parked särkostnader"]
    by_centre: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in e.trace:
        by_centre[(r["source"], r["cost_center"] if r["source"] == "service_event" else f"{r['cost_center']} × {r['code']}")].append(r)
    for (source, label), rows in by_centre.items():
        what = "pool" if source == "service_event" else "parked ledger cost"
        out.append(f"  {label} {what} {_sek(rows[0]['traced_cost'])} SEK; this contact {_sek(sum(r['amount'] for r in rows))} SEK")
        parts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in rows:
            parts[r["cost_type"] or "-"][0] = r["share"] or 0.0
            parts[r["cost_type"] or "-"][1] += r["amount"]
        for cost_type, (share, amount) in sorted(parts.items(), key=lambda kv: -kv[1][1]):
            out.append(f"      {cost_type:<16} {share:>8.2%} {_sek(amount):>15}")
    if e.overhead:
        out += ["", "3. Overhead sources of the indirect cost (overheadfördelning, step-down)"]
        for centre in dict.fromkeys(o["cost_center"] for o in e.overhead):
            rows = [o for o in e.overhead if o["cost_center"] == centre]
            out.append(f"  {name(centre)}: indirect {_sek(sum(o['amount'] for o in rows))} SEK from")
            for o in rows:
                out.append(f"      {name(o['source']):<52} key {o['allocation_key']:<12} {o['share']:>8.2%} {_sek(o['amount']):>15}")
    if e.ledger:
        out += ["", "4. Ledger rows (huvudbok, month × cost centre × account) behind this contact's cost, largest first",
                f"  {'month':<8} {'cost centre':<12} {'account':<8} {'kostnadsslag':<14} {'ledger amount':>16} {'contact part':>14}"]
        for p in e.ledger[:limit]:
            out.append(f"  {p.ledger_month:<8} {p.cost_center:<12} {p.account:<8} {p.cost_type or '-':<14} "
                       f"{_sek(p.ledger_amount):>16} {_sek(p.amount):>14}")
        rest = e.ledger[limit:]
        if rest:
            out.append(f"  … {len(rest):,} more ledger rows: {_sek(sum(p.amount for p in rest))} SEK (--limit to show more)")
        out.append(f"  Σ over {len(e.ledger):,} ledger rows: {_sek(e.ledger_total)} SEK")
    if e.published_total is None:
        out += ["", "Note: the contact is not in the period's published results (the exports): no run that built "
                    "this has passed every gate yet."]
    elif abs(e.published_total - e.total_cost) > TOLERANCE_SEK:
        out += ["", f"Note: this is the period's latest build; the published results (the exports) have "
                    f"{_sek(e.published_total)} SEK for this contact: a later run failed or was stopped before publishing."]
    difference = round(e.trace_total - e.total_cost, 2) + 0.0  # no "-0.00"
    out += ["", f"Σ trace {_sek(e.trace_total)} SEK − kostnadslista {_sek(e.total_cost)} SEK = {difference:,.2f}"
            + (" (to the öre)" if abs(difference) <= TOLERANCE_SEK else " — DOES NOT RECONCILE")]
    return "\n".join(out)


def explain_command(data_root: str | None, contact_id: str, partition_key: str, ledger: bool, limit: int) -> int:
    period_for_key(partition_key)
    root = DataRoot.resolve(data_root)
    try:
        if not root.duckdb_path.exists():
            raise ExplainError(f"No warehouse at {root.duckdb_path}: run the period first (kpp run {partition_key}).")
        try:
            con = duckdb.connect(str(root.duckdb_path), read_only=True)
        except duckdb.IOException as exc:
            raise ExplainError(f"{root.duckdb_path} is being written by a run; try again when it has finished ({exc}).") from exc
        with con:
            result = explain(con, partition_key, contact_id, ledger)
    except ExplainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(render(result, limit))
    return 0 if abs(result.trace_total - result.total_cost) <= TOLERANCE_SEK else 1
