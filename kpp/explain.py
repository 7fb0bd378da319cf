"""`kpp explain CONTACT_ID --partition P`: the cost trace of one vårdkontakt (spec §3).

Walks from the contact in the kostnadslista to its cost items (events ×
styckkostnad, särkostnader × omräkningsfaktor), the kostnadspool each unit cost
comes from and its kostnadsslag, the overhead sources of the indirect part
(step-down), and on demand down to the ledger rows (huvudbok, month × cost
centre × account) with the contact's part of each. Every level sums to the
contact's total_cost; the first level is the dbt model ``marts.cost_trace``.

Attribution to ledger rows is proportional, which is what the method does: a
pool's kostnadsslag is the sum of its centre's ledger rows of that type; an
overhead centre distributes, per kostnadsslag, its own rows plus what it
received from earlier centres, so a contact's part of it splits the same way,
back through the step-down order to the centres that booked the cost.
"""

from __future__ import annotations

import graphlib
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from kpp.periods import period_for_key
from kpp.publish import PUBLISHED
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
    overhead: list[dict]  # receiver × source: the contact's indirect cost by overhead source
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
    contacts = _rows(con, "select * from marts.cost_list where partition_key = ? and contact_id = ?", [partition_key, contact_id])
    if not contacts:
        raise ExplainError(
            f"Contact {contact_id} is not in the cost list of {partition_key}: it has no matched cost in the period, "
            "or the period has not been run (kpp run PARTITION)."
        )
    trace = _rows(
        con,
        "select * from marts.cost_trace where partition_key = ? and contact_id = ? "
        "order by source, cost_center, code, amount desc",
        [partition_key, contact_id],
    )
    # the contact's indirect cost per receiving centre, split over the sources that flowed into it
    overhead = _rows(
        con,
        """
        with contact_indirect as (
            select cost_center, sum(amount) as indirect
            from marts.cost_trace
            where partition_key = ? and contact_id = ? and cost_type = 'indirect'
            group by cost_center
        ),
        inflows as (
            select receiver_cost_center, source_cost_center, any_value(allocation_key) as allocation_key, sum(amount) as flow
            from intermediate.int_overhead_stepped_down
            where partition_key = ? and receiver_cost_center in (select cost_center from contact_indirect)
            group by all
        )
        select
            f.receiver_cost_center as cost_center, f.source_cost_center as source, f.allocation_key,
            f.flow / sum(f.flow) over (partition by f.receiver_cost_center) as share,
            c.indirect * f.flow / sum(f.flow) over (partition by f.receiver_cost_center) as amount
        from inflows as f
        inner join contact_indirect as c on c.cost_center = f.receiver_cost_center
        order by cost_center, amount desc
        """,
        [partition_key, contact_id, partition_key],
    )
    names = dict(con.execute("select cost_center, name from landing.cost_centers where partition_key = ?", [partition_key]).fetchall())
    result = Explanation(partition_key, contacts[0], trace, overhead, names,
                         published_total=_published_total(con, partition_key, contact_id))
    if ledger:
        result.ledger = _ledger_parts(con, partition_key, trace, overhead)
    return result


def _published_total(con: duckdb.DuckDBPyConnection, partition_key: str, contact_id: str) -> float | None:
    if not con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = 'cost_list'",
                       [PUBLISHED]).fetchone()[0]:
        return None
    row = con.execute(f"select total_cost from {PUBLISHED}.cost_list where partition_key = ? and contact_id = ?",
                      [partition_key, contact_id]).fetchone()
    return float(row[0]) if row else None


def _ledger_parts(con, partition_key: str, trace: list[dict], overhead: list[dict]) -> list[LedgerPart]:
    direct: dict[tuple[str, str], float] = defaultdict(float)  # (centre, cost type) -> contact's amount
    specific: dict[tuple[str, str], float] = defaultdict(float)  # (centre, account)
    for r in trace:
        if r["source"] == "specific_cost":
            specific[(r["cost_center"], r["code"])] += r["amount"]
        elif r["cost_type"] != "indirect":
            direct[(r["cost_center"], r["cost_type"])] += r["amount"]

    flows = con.execute(
        "select source_cost_center, receiver_cost_center, cost_type, amount from intermediate.int_overhead_stepped_down "
        "where partition_key = ? and (receiver_role = 'overhead' or receiver_cost_center in (select unnest(?)))",
        [partition_key, sorted({o["cost_center"] for o in overhead})],
    ).fetchall()
    inflow: dict[str, float] = defaultdict(float)
    distributed: dict[tuple[str, str], float] = defaultdict(float)  # (source, cost type) -> all it distributed
    receivers_of: dict[str, set[str]] = defaultdict(set)
    for source, receiver, cost_type, amount in flows:
        inflow[receiver] += amount
        receivers_of[source].add(receiver)
    for source, cost_type, amount in con.execute(
        "select source_cost_center, cost_type, sum(amount) from intermediate.int_overhead_stepped_down "
        "where partition_key = ? group by all",
        [partition_key],
    ).fetchall():
        distributed[(source, cost_type)] = amount

    # the contact's part of each (overhead centre, cost type), from the centres its events drew on
    from_source: dict[tuple[str, str], float] = defaultdict(float)
    indirect: dict[str, float] = defaultdict(float)
    for o in overhead:
        indirect[o["cost_center"]] += o["amount"]
    for source, receiver, cost_type, amount in flows:
        if receiver in indirect and inflow[receiver]:
            from_source[(source, cost_type)] += indirect[receiver] * amount / inflow[receiver]

    # a centre's part is complete once every centre it gave to has passed its part back: receivers first
    order = graphlib.TopologicalSorter({s: receivers_of[s] for s in receivers_of}).static_order()
    received_by: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for source, receiver, cost_type, amount in flows:
        received_by[receiver].append((source, cost_type, amount))
    for centre in order:
        for cost_type in {t for (c, t) in list(from_source) if c == centre}:
            part, total = from_source[(centre, cost_type)], distributed[(centre, cost_type)]
            if not total:
                continue
            own = total
            for source, t, amount in received_by[centre]:
                if t == cost_type:
                    from_source[(source, cost_type)] += part * amount / total
                    own -= amount
            direct[(centre, cost_type)] += part * own / total

    ledger = con.execute(
        "select ledger_month, cost_center, account, cost_type, is_specific, cast(amount as double) "
        "from intermediate.int_ledger_classified "
        "where partition_key = ? and classification = 'production' and cost_center in (select unnest(?))",
        [partition_key, sorted({c for c, _ in direct} | {c for c, _ in specific})],
    ).fetchall()
    totals: dict[tuple, float] = defaultdict(float)
    for month, centre, account, cost_type, is_specific, amount in ledger:
        totals[(centre, account) if is_specific else (centre, cost_type)] += amount
    parts = []
    for month, centre, account, cost_type, is_specific, amount in ledger:
        key = (centre, account) if is_specific else (centre, cost_type)
        contact_amount = (specific if is_specific else direct).get(key, 0.0)
        if contact_amount and totals[key]:
            parts.append(LedgerPart(str(month)[:7], centre, account, cost_type, amount, contact_amount * amount / totals[key]))
    return sorted(parts, key=lambda p: -abs(p.amount))


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
