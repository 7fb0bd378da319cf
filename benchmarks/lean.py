"""Lean reference: spec §0–4 of one period as a single DuckDB script, for benchmarks/run.py.

    uv run python benchmarks/lean.py LANDING_DIR OUT_DIR --partition 2025 [--drg-weights FILE]

It reads a landing folder (the eight files, CSV or Parquet) and writes the eight contract
exports of spec §4 into OUT_DIR with the pipeline's file names, columns and row order. It is
the floor the pipeline is measured against (issue 13): the least work of the contract, with
none of the pipeline's architecture (no stored intermediates, no dbt, Dagster or gates).
It keeps what the contract needs to give the same numbers: the same rejects, the same
matching rules, exact (order-independent) money sums, and the key HMAC pseudonyms
(kpp.landing.pseudonym, so `patient_pseudonym` is comparable). What it leaves out: the
loader's error messages for malformed files (it assumes a well-formed delivery), the
workbook and reports, and the pipeline's audit extras.

Each distinct personnummer is pseudonymised once and carried as an integer patient key;
rule 2 of the matching is decided once per distinct (patient, time, orderer) key.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kpp.landing.pseudonym import flag_sql, normalised_sql, pseudonym_sql, resolve_key  # noqa: E402
from kpp.publish import quote_ident  # noqa: E402

# method settings: dbt_project.yml's vars (their defaults)
MATCH_WINDOW_DAYS = 3
MIN_GROUP = 10
PCT = {"inpatient": 0.95, "outpatient": 0.97}
MAX_QUANTITY_DEFAULT = 100000
MAX_SPECIFIC_AMOUNT = 100000000
TOLERANCE = 0.005
UNABSORBED_MAX, UNMATCHED_MAX = 0.005, 0.02

TABLES = ("ledger", "accounts", "cost_centers", "allocation_keys", "service_catalog", "contacts",
          "service_events", "specific_costs")
# (column, kind): kind text | lower (an enumeration) | amount (DECIMAL) | decimal (DOUBLE) | integer | timestamp |
# boolean | month | pnr
COLUMNS = {
    "ledger": [("month", "month"), ("cost_center", "text"), ("account", "text"), ("amount", "amount")],
    "accounts": [("account", "text"), ("account_class", "lower"), ("cost_type", "text"), ("exclusion", "lower"),
                 ("specific", "boolean")],
    "cost_centers": [("cost_center", "text"), ("hospital", "text"), ("clinic", "text"), ("role", "lower"),
                     ("exclusion", "lower"), ("allocation_key", "text"), ("allocation_order", "integer")],
    "allocation_keys": [("key", "text"), ("cost_center", "text"), ("value", "decimal")],
    "service_catalog": [("cost_center", "text"), ("service_code", "text"), ("service_group", "text"),
                        ("unit", "text"), ("weight", "decimal")],
    "contacts": [("contact_id", "text"), ("personnummer", "pnr"), ("hospital", "text"), ("clinic", "text"),
                 ("cost_center", "text"), ("care_type", "lower"), ("care_field", "lower"), ("start_ts", "timestamp"),
                 ("end_ts", "timestamp"), ("drg", "text"), ("age", "text"), ("home_region", "text")],
    "service_events": [("event_id", "text"), ("contact_id", "text"), ("personnummer", "pnr"),
                       ("event_ts", "timestamp"), ("cost_center", "text"), ("service_code", "text"),
                       ("quantity", "decimal"), ("ordering_cost_center", "text")],
    "specific_costs": [("specific_cost_id", "text"), ("contact_id", "text"), ("personnummer", "pnr"),
                       ("event_ts", "timestamp"), ("cost_center", "text"), ("account", "text"), ("amount", "amount")],
}
TYPES = {"amount": "DECIMAL(38, 10)", "decimal": "DOUBLE", "integer": "INTEGER", "timestamp": "TIMESTAMP"}


def xsum(expr: str, where: str | None = None) -> str:
    """An order-independent sum (as the pipeline's exact_sum macro): terms at 1e-12, added as DECIMAL."""
    return f"cast(sum(cast({expr} as decimal(38, 12))){f' filter (where {where})' if where else ''} as double)"


def period(partition: str) -> tuple[str, str, int]:
    year = int(partition[:4])
    return f"{year}-01-01", (f"{year}-07-01" if partition.endswith("-H1") else f"{year + 1}-01-01"), year


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def source(con, landing: Path, table: str, spill: Path) -> tuple[str, bool, dict[str, str]]:
    """The file's relation, whether it is CSV, and its column types; a `;` header is the Swedish dialect."""
    for suffix in (".parquet", ".csv"):
        path = landing / f"{table}{suffix}"
        if path.is_file():
            break
    else:
        raise SystemExit(f"{landing}: no {table}.csv or {table}.parquet")
    if suffix == ".csv":
        if not _is_utf8(path):  # Windows-1252 (spec §1): DuckDB reads UTF-8, so a UTF-8 copy
            copy = spill / path.name
            with path.open(encoding="cp1252", newline="") as src, copy.open("w", encoding="utf-8", newline="") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            path = copy
        header = path.open(encoding="utf-8-sig").readline()
        delim = ";" if ";" in header and "," not in header else ","
        rel = f"read_csv({duckdb.ConstantExpression(str(path))}, header=true, all_varchar=true, delim='{delim}', quote='\"')"
    else:
        rel, delim = f"read_parquet({duckdb.ConstantExpression(str(path))})", None
    types = {n.strip().lower(): (n, t) for n, t, *_ in con.execute(f"describe select * from {rel}").fetchall()}
    return rel, delim, types


def typed(name: str, kind: str, types: dict, delim: str | None) -> str:
    if name not in types:
        return f"cast(null as {TYPES.get(kind, 'VARCHAR')})"
    src, src_type = types[name]
    col = quote_ident(src)
    text = f"nullif(trim(cast({col} as varchar)), '')"
    native = src_type != "VARCHAR"
    if kind in ("text", "pnr"):
        return text
    if kind == "lower":
        return f"lower({text})"
    if kind == "month":
        return f"cast(date_trunc('month', {col}) as date)" if src_type in ("DATE", "TIMESTAMP") else f"try_cast({text} || '-01' as date)"
    if kind == "boolean":
        return f"try_cast({col} as boolean)" if native else (
            f"case lower({text}) when 'true' then true when '1' then true when 't' then true when 'yes' then true "
            f"when 'y' then true when 'ja' then true when 'false' then false when '0' then false when 'f' then false "
            f"when 'no' then false when 'n' then false when 'nej' then false end")
    if native:
        return f"try_cast({col} as {TYPES[kind]})"
    if kind == "timestamp":
        return f"try_cast(replace({text}, 'T', ' ') as timestamp)"
    number = f"replace({text}, ',', '.')" if delim == ";" else text
    return f"try_cast(try_cast({number} as double) as integer)" if kind == "integer" else f"try_cast({number} as {TYPES[kind]})"


def load(con, landing: Path, key) -> dict[str, int]:
    """Typed tables of the delivery (temp), personnummer replaced by pseudonym, flag and an integer patient key."""
    rows = {}
    with tempfile.TemporaryDirectory(prefix="kpp-lean-") as spill:
        for table in TABLES:
            rows[table] = _load_table(con, landing, table, Path(spill))
    _pseudonymise(con, key)
    return rows


def _load_table(con, landing: Path, table: str, spill: Path) -> int:
    rel, delim, types = source(con, landing, table, spill)
    cols = [f"{typed(n, k, types, delim)} as {quote_ident(n)}" for n, k in COLUMNS[table]]
    (rows,) = con.execute(f"create temp table {quote_ident('raw_' + table)} as select row_number() over () as line, "
                          f"{', '.join(cols)} from {rel}").fetchone()
    return rows


def _pseudonymise(con, key) -> None:
    # each distinct delivered number once: normalise, hash, flag; one integer key per pseudonym
    con.execute(
        "create temp table pnr as select raw, pseudonym, flag, dense_rank() over (order by pseudonym) as patient "
        f"from (select raw, {pseudonym_sql('n')} as pseudonym, {flag_sql('n')} as flag "
        f"from (select raw, {normalised_sql('raw')} as n from (select personnummer as raw from raw_contacts "
        "union select personnummer from raw_service_events union select personnummer from raw_specific_costs)) "
        "where n is not null)", key.pads)
    # the pseudonym text only where an export shows it (the cost list); events carry the integer key
    for table, kept in (("contacts", "p.pseudonym, coalesce(p.flag, 'missing') as flag, "), ("service_events", ""),
                        ("specific_costs", "")):
        raw = quote_ident("raw_" + table)
        con.execute(f"create temp table {quote_ident(table)} as select r.* exclude (personnummer), {kept}p.patient "
                    f"from {raw} r left join pnr p on p.raw = r.personnummer")
        con.execute(f"drop table {raw}")
    con.execute("drop table pnr")


def step_down(con) -> None:
    """Step 2.3: overhead centres in allocation order, each distributing its own cost plus what it received."""
    sources = con.execute("select cost_center, allocation_order from raw_cost_centers where role = 'overhead' "
                          "order by allocation_order, cost_center").fetchall()
    shares = {}
    for src, key_total, receiver, share in con.execute("select * from shares").fetchall():
        shares.setdefault(src, []).append((receiver, share))
    balance = {}
    for cc, cost_type, amount in con.execute(
            "select cost_center, cost_type, cast(amount as double) from split where role = 'overhead'").fetchall():
        balance[(cc, cost_type)] = amount
    cost_types = sorted({t for _, t in balance})
    rows = []
    for src, _order in sources:
        for t in cost_types:
            amount = balance.get((src, t), 0.0)
            if amount == 0:
                continue
            for receiver, share in shares.get(src, []):
                if share:
                    balance[(receiver, t)] = balance.get((receiver, t), 0.0) + share * amount
                    rows.append((src, receiver, t, amount * share))
    con.execute("create temp table allocated (source varchar, receiver varchar, cost_type varchar, amount double)")
    if rows:
        con.executemany("insert into allocated values (?, ?, ?, ?)", rows)


def _run(con, script: str) -> None:
    """Statements one by one, so an error names its statement."""
    for statement in filter(str.strip, script.split(";\n")):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise RuntimeError(f"{exc}\nin: {statement.strip()[:200]}") from None


def compute(con, start: str, end: str, year: int, drg_weights: Path | None, service_groups: Path) -> None:
    s, e = f"timestamp '{start}'", f"timestamp '{end}'"
    w = MATCH_WINDOW_DAYS * 86400
    sql = f"""
    create temp table ledger_c as
    select l.cost_center, l.account, sum(l.amount) as amount, cc.role, a.cost_type, coalesce(a.specific, false) as specific,
        case when cc.cost_center is null or a.account is null then 'unknown'
             when a.account_class = 'revenue' then 'revenue' when a.account_class = 'internal' then 'eliminated_internal'
             when a.exclusion is not null or cc.role = 'excluded' then 'excluded' else 'production' end as class
    from raw_ledger l
    left join raw_cost_centers cc using (cost_center) left join raw_accounts a using (account)
    where l.month >= {s} and l.month < {e}
    group by all;

    create temp table parked as select cost_center, account, any_value(cost_type) as cost_type, sum(amount) as parked
    from ledger_c where class = 'production' and specific group by all;
    create temp table split as select cost_center, any_value(role) as role, cost_type, sum(amount) as amount
    from ledger_c where class = 'production' and not specific group by all;

    create temp table shares as
    with k as (select key, cost_center, {xsum('value')} as value from raw_allocation_keys group by all),
    el as (select s.cost_center as source, r.cost_center as receiver, coalesce(k.value, 0) as value
        from raw_cost_centers s join raw_cost_centers r
          on s.role = 'overhead' and (r.role in ('care', 'service') or (r.role = 'overhead' and r.allocation_order > s.allocation_order))
        left join k on k.key = s.allocation_key and k.cost_center = r.cost_center)
    select source, cast(sum(cast(value as decimal(38, 12))) over (partition by source) as double) as key_total, receiver,
        value / nullif(cast(sum(cast(value as decimal(38, 12))) over (partition by source) as double), 0) as share
    from el;
    """
    _run(con, sql)
    step_down(con)
    groups = f"read_csv({duckdb.ConstantExpression(str(service_groups))}, header=true)"
    list_ = f"read_csv({duckdb.ConstantExpression(str(drg_weights))}, header=true, all_varchar=true)"
    has_threshold = "outlier_threshold" in {r[0].lower() for r in con.execute(f"describe select * from {list_}").fetchall()}
    threshold = "try_cast(nullif(trim(outlier_threshold), '') as double)" if has_threshold else "cast(null as double)"
    weights = (f"(select drg, try_cast(weight as double) as weight, mdc, {threshold} as national_threshold "
               f"from {list_} where try_cast(year as integer) = {year})")
    _run(con, f"""
    create temp table pools as
    with d as (select cost_center, sum(amount) as direct from split group by 1),
    i as (select receiver as cost_center, {xsum('amount')} as indirect from allocated group by 1),
    p as (select cost_center, sum(parked) as parked from parked group by 1)
    select c.cost_center, cast(coalesce(d.direct, 0) as double) as direct_cost, coalesce(i.indirect, 0) as indirect_cost,
        cast(coalesce(p.parked, 0) as double) as parked_cost,
        cast(coalesce(d.direct, 0) as double) + coalesce(i.indirect, 0) as pool
    from raw_cost_centers c left join d using (cost_center) left join i using (cost_center) left join p using (cost_center)
    where c.role in ('care', 'service');

    create temp table composition as
    with parts as (select cost_center, cost_type, cast(amount as double) as amount from split where role in ('care', 'service')
        union all select a.receiver, 'indirect', {xsum('a.amount')} from allocated a
        join raw_cost_centers r on r.cost_center = a.receiver and r.role in ('care', 'service') group by a.receiver)
    select parts.cost_center, cost_type, amount / nullif(pool, 0) as share from parts join pools using (cost_center);

    -- rejects (spec §2): the first of a repeated id is kept
    create temp table events as
    with rep as (select event_id, min(line) as first from service_events group by 1 having count(*) > 1)
    select ev.*, s.service_group,
        case when r.first is not null and ev.line > r.first then 'duplicate_event_id'
             when s.service_code is null then 'unknown_service'
             when ev.quantity <= 0 then 'non_positive_quantity'
             when ev.quantity > coalesce(g.max_quantity, {MAX_QUANTITY_DEFAULT}) then 'implausible_quantity'
             when ev.contact_id is null and ev.patient is null then 'no_patient_identifier' end as reject
    from service_events ev left join rep r on r.event_id is not distinct from ev.event_id
    left join raw_service_catalog s on s.cost_center = ev.cost_center and s.service_code = ev.service_code
    left join {groups} g on g.service_group = s.service_group;
    drop table service_events;

    create temp table specifics as
    with rep as (select specific_cost_id, min(line) as first from specific_costs group by 1 having count(*) > 1)
    select sc.*, a.cost_type,
        case when r.first is not null and sc.line > r.first then 'duplicate_specific_cost_id'
             when sc.amount <= 0 then 'non_positive_amount' when sc.amount > {MAX_SPECIFIC_AMOUNT} then 'implausible_amount'
             when not coalesce(a.specific, false) then 'account_not_specific' end as reject
    from specific_costs sc left join rep r on r.specific_cost_id is not distinct from sc.specific_cost_id
    left join raw_accounts a using (account);

    create temp table accepted_contacts as
    with rep as (select contact_id, min(line) as first from contacts group by 1 having count(*) > 1)
    select c.* from contacts c left join rep r on r.contact_id is not distinct from c.contact_id
    where r.first is null or c.line <= r.first;

    create temp table unit_costs as
    with v as (select cost_center, service_code, {xsum('quantity')} as volume from events
               where reject is null and event_ts >= {s} and event_ts < {e} group by all),
    sv as (select s.cost_center, s.service_code, s.service_group, s.unit, s.weight, coalesce(v.volume, 0) as volume,
               coalesce(v.volume, 0) * s.weight as weighted_volume
           from raw_service_catalog s left join v using (cost_center, service_code)),
    c as (select *, cast(sum(cast(weighted_volume as decimal(38, 12))) over (partition by cost_center) as double) as cwv from sv)
    select c.cost_center, c.service_code, c.volume,
        case when c.cwv > 0 then coalesce(p.pool, 0) * c.weight / c.cwv end as unit_cost,
        c.service_group, c.unit, c.weight, c.weighted_volume, coalesce(p.pool, 0) as pool, c.cwv as center_weighted_volume
    from c left join pools p using (cost_center);

    create temp table absorbed as
    with w as (select cost_center, {xsum('weighted_volume')} as wv, {xsum('coalesce(unit_cost, 0) * volume')} as ab
               from unit_costs group by 1)
    select p.*, coalesce(w.wv, 0) as weighted_volume, coalesce(w.ab, 0) as absorbed_cost,
        case when coalesce(w.wv, 0) > 0 then 0 else p.pool end as unabsorbed
    from pools p left join w using (cost_center);

    -- matching (spec §2 step 4)
    create temp table items as
    select 'service_event' as source, event_id as item_id, contact_id, patient, event_ts, cost_center, service_code as code,
        quantity, cast(null as decimal(38, 10)) as registered, ordering_cost_center as orderer
    from events where reject is null and event_ts >= {s} and event_ts < {e}
    union all
    select 'specific_cost', specific_cost_id, contact_id, patient, event_ts, cost_center, account, null, amount, null
    from specifics where reject is null and event_ts >= {s} and event_ts < {e};

    create temp table best as
    with k as (select distinct patient, event_ts, orderer from items where contact_id is null and patient is not null),
    c as (select contact_id, patient, care_type, cost_center, start_ts, end_ts from accepted_contacts where patient is not null),
    ob as (select *, unnest(range(cast(floor((epoch(least(start_ts, coalesce(end_ts, start_ts))) - {w}) / {w}) as bigint),
                                  cast(floor((epoch(greatest(start_ts, coalesce(end_ts, start_ts))) + {w}) / {w}) as bigint) + 1)) as bucket
           from c where care_type = 'outpatient'),
    pairs as (
        select k.*, c.contact_id, c.start_ts, c.end_ts, c.cost_center, true as inside from k join c
          on c.patient = k.patient and c.care_type = 'inpatient' and k.event_ts >= c.start_ts and (c.end_ts is null or k.event_ts <= c.end_ts)
        union all
        select k.*, ob.contact_id, ob.start_ts, ob.end_ts, ob.cost_center, false from k join ob
          on ob.patient = k.patient and ob.bucket = cast(floor(epoch(k.event_ts) / {w}) as bigint)),
    cand as (select *, coalesce(cost_center = orderer, false) as is_orderer,
        case when event_ts < start_ts then epoch(start_ts) - epoch(event_ts)
             when event_ts > coalesce(end_ts, start_ts) then epoch(event_ts) - epoch(coalesce(end_ts, start_ts)) else 0 end as dist
        from pairs)
    select patient, event_ts, orderer,
        arg_min({{'contact_id': contact_id, 'rule': case when inside then '2a' else '2b' end}},
                {{'o': not inside, 'l': case when inside then -epoch(start_ts) else 0 end, 'n': not is_orderer, 'd': dist, 'c': contact_id}}) as b
    from cand where inside or dist <= {w}
    group by all;

    create temp table matched as
    select i.*, case when i.contact_id is not null then c.contact_id else b.b.contact_id end as matched,
        case when i.contact_id is not null then (case when c.contact_id is not null then '1' end) else b.b.rule end as rule,
        case when i.contact_id is not null and c.contact_id is null then 'unknown_contact'
             when i.contact_id is null and b.b is null then 'no_contact_in_window' end as reason
    from items i left join accepted_contacts c on c.contact_id = i.contact_id
    left join best b on i.contact_id is null and b.patient = i.patient and b.event_ts = i.event_ts and b.orderer is not distinct from i.orderer;

    create temp table factors as
    with r as (select cost_center, code as account, count(*) as n, count(matched) as n_matched,
                  coalesce(sum(registered) filter (where matched is not null), 0) as reg
               from matched where source = 'specific_cost' group by all)
    select cost_center, account, cast(coalesce(p.parked, 0) as double) as parked, cast(coalesce(r.reg, 0) as double) as reg,
        coalesce(r.n_matched, 0) as n_matched,
        case when coalesce(r.n_matched, 0) > 0 then cast(coalesce(p.parked, 0) as double) / cast(r.reg as double) end as factor
    from parked p full outer join r using (cost_center, account);

    create temp table costed as
    select m.*, coalesce(u.service_group, 'specific_cost') as service_group, u.unit_cost, f.factor,
        case when m.source = 'service_event' then m.quantity * coalesce(u.unit_cost, 0)
             when m.matched is not null then cast(m.registered as double) * f.factor else cast(m.registered as double) end as cost
    from matched m
    left join unit_costs u on m.source = 'service_event' and u.cost_center = m.cost_center and u.service_code = m.code
    left join factors f on m.source = 'specific_cost' and f.cost_center = m.cost_center and f.account = m.code;
    drop table matched; drop table items; drop table events;

    create temp table breakdown as
    with ec as (select matched as contact_id, cost_center, service_group, {xsum('cost')} as cost from costed
                where source = 'service_event' and matched is not null and unit_cost is not null group by all)
    select ec.contact_id, ec.service_group, pc.cost_type, {xsum('ec.cost * pc.share')} as amount
    from ec join composition pc using (cost_center) where pc.share is not null group by all
    union all
    select c.matched, 'specific_cost', a.cost_type, {xsum('c.cost')} from costed c join raw_accounts a on a.account = c.code
    where c.source = 'specific_cost' and c.matched is not null group by all;

    create temp table contact_costs as
    with k as (select matched as contact_id, coalesce({xsum('cost', "source = 'service_event'")}, 0) as event_cost,
                   coalesce({xsum('cost', "source = 'specific_cost'")}, 0) as specific_cost,
                   count(*) filter (where source = 'service_event') as n_events,
                   count(*) filter (where source = 'specific_cost') as n_specific_costs,
                   coalesce(sum(quantity) filter (where source = 'service_event' and service_group = 'bed_day'), 0) as bed_days
               from costed where matched is not null group by 1)
    select c.contact_id, c.pseudonym, c.flag, c.hospital, c.clinic, c.cost_center, c.care_type, c.care_field, c.start_ts, c.end_ts,
        c.drg, c.age, c.home_region, k.event_cost + k.specific_cost as total_cost, k.event_cost, k.specific_cost, k.n_events,
        k.n_specific_costs, k.bed_days, c.start_ts < {s} or c.end_ts is null or c.end_ts >= {e} as spans
    from k join accepted_contacts c using (contact_id);

    create temp table cost_list as
    with c as (select *, not spans and drg is not null and total_cost > 0 as evaluated from contact_costs),
    g as (select care_type, drg, case when count(*) >= {MIN_GROUP} then case care_type
              when 'inpatient' then quantile_cont(total_cost, {PCT['inpatient']}) else quantile_cont(total_cost, {PCT['outpatient']}) end end as threshold
          from c where evaluated group by care_type, drg),
    w as {weights}
    select c.*, g.threshold, coalesce(c.evaluated and c.total_cost > g.threshold, false) as is_outlier,
        coalesce(c.evaluated and not (c.total_cost > g.threshold), c.evaluated) as is_inlier,
        w.weight as drg_points, w.mdc, w.national_threshold
    from c left join g on c.evaluated and g.care_type = c.care_type and g.drg = c.drg left join w on w.drg = c.drg;
    """)


def _d(expr: str) -> str:
    """An amount as the export prints it: 6 decimals (a DECIMAL is written with its scale, never -0.000000)."""
    return f"cast(round({expr}, 6) as decimal(38, 6))"


def _ts(expr: str) -> str:
    return f"strftime({expr}, '%Y-%m-%d %H:%M:%S')"


def _age(expr: str) -> str:
    n = f"try_cast(replace({expr}, ',', '.') as double)"
    return f"case when {n} >= 0 and {n} = floor({n}) then cast({n} as integer) end"


def exports(con, out: Path, rows_read: dict[str, int]) -> dict[str, int]:
    checks = checks_sql(rows_read)
    queries = {
        "cost_list": f"""select contact_id, pseudonym as patient_pseudonym, hospital, clinic, cost_center, care_type, care_field, drg,
            {_d('total_cost')} as total_cost, is_outlier, spans as spans_period_boundary, {_d('event_cost')} as event_cost,
            {_d('specific_cost')} as specific_cost, n_events, n_specific_costs, {_ts('start_ts')} as start_ts, {_ts('end_ts')} as end_ts,
            flag as personnummer_flag, is_inlier, {_d('threshold')} as outlier_threshold, {_d('drg_points')} as drg_points, mdc,
            home_region, {_age('age')} as age, {_d('bed_days')} as bed_days, {_d('national_threshold')} as national_outlier_threshold
            from cost_list order by contact_id""",
        "cost_list_breakdown": f"select contact_id, service_group, cost_type, {_d('amount')} as amount from breakdown "
                               "order by contact_id, service_group, cost_type",
        "unit_costs": f"""select cost_center, service_code, {_d('volume')} as volume, {_d('unit_cost')} as unit_cost, service_group, unit,
            {_d('weight')} as weight, {_d('weighted_volume')} as weighted_volume, {_d('pool')} as pool,
            {_d('center_weighted_volume')} as center_weighted_volume from unit_costs order by cost_center, service_code""",
        "cost_pools": f"""select cost_center, {_d('direct_cost')} as direct_cost, {_d('indirect_cost')} as indirect_cost,
            {_d('parked_cost')} as parked_cost, {_d('pool')} as pool, {_d('weighted_volume')} as weighted_volume,
            {_d('unabsorbed')} as unabsorbed from absorbed order by cost_center""",
        "unmatched": f"""select source, item_id as id, cost_center, {_d('cost')} as amount, reason, code, {_d('quantity')} as quantity,
            {_ts('event_ts')} as event_ts, source = 'service_event' as in_reconciliation
            from costed where matched is null order by source, id""",
        "drg_weights": f"""with base as (select {xsum('total_cost')} / nullif(count(*), 0) as m from cost_list
                where is_inlier and care_type = 'inpatient' and care_field = 'somatic')
            select drg, care_type, count(*) as n_contacts, count(*) filter (where is_inlier) as n_inliers,
            count(*) filter (where is_outlier) as n_outliers, {_d('any_value(threshold)')} as outlier_threshold,
            {_d(xsum('total_cost', 'is_inlier') + ' / nullif(count(*) filter (where is_inlier), 0)')} as mean_inlier_cost,
            {_d(xsum('total_cost', 'is_inlier') + ' / nullif(count(*) filter (where is_inlier), 0) / nullif(any_value(base.m), 0)')} as retro_weight,
            {_d('any_value(drg_points)')} as national_weight
            from cost_list, base where evaluated group by drg, care_type order by drg, care_type""",
        "cost_per_drg_point": f"""select hospital, clinic, care_type, {_d(xsum('total_cost'))} as inlier_cost,
            {_d(xsum('drg_points'))} as drg_points, count(*) as n_contacts,
            {_d(xsum('total_cost') + ' / nullif(' + xsum('drg_points') + ', 0)')} as cost_per_point
            from cost_list where is_inlier and drg_points is not null group by all order by hospital, clinic, care_type""",
        "reconciliation": checks,
    }
    counts = {}
    out.mkdir(parents=True, exist_ok=True)
    for name, sql in queries.items():
        path = out / f"{name}.csv"
        (counts[name],) = con.execute(f"copy ({sql}) to ? (header, delimiter ',')", [str(path)]).fetchone()
    return counts


def checks_sql(rows_read: dict[str, int]) -> str:
    """The identities of spec §2 (a subset of the pipeline's reconciliation rows, same columns)."""
    # every row read is kept or rejected by construction here: rows read = accepted + rejected
    read = " union all ".join(f"select 'rows_read:{t}' as c, {n} as n" for t, n in rows_read.items())
    return f"""
    with production as (select sum(amount) as p from ledger_c where class = 'production'),
    t as (select (select {xsum('total_cost')} from cost_list) as contacts,
                 (select {xsum('amount')} from breakdown) as breakdown,
                 (select {xsum('cost', "source = 'service_event' and matched is null")} from costed) as unmatched,
                 (select coalesce({xsum('case when factor is null then parked else 0 end')}, 0) from factors) as residual,
                 (select coalesce({xsum('pool')}, 0) from absorbed) as pools,
                 (select coalesce({xsum('absorbed_cost')}, 0) from absorbed) as absorbed,
                 (select coalesce({xsum('unabsorbed')}, 0) from absorbed) as unabsorbed,
                 (select coalesce({xsum('direct_cost + indirect_cost')}, 0) from pools) + (select coalesce(sum(parked), 0) from parked) as allocated,
                 (select sum(amount) from ledger_c) as ledger_total,
                 (select sum(amount) filter (where class in ('revenue', 'eliminated_internal', 'excluded', 'production')) from ledger_c) as classified),
    rows as ({read}),
    c(step, name, expected, actual, comparison) as (
        select 'landing', rows.c, rows.n, rows.n, 'equal' from rows
        union all select 'step1_tkb', 'tkb_reconciliation:total', ledger_total, classified, 'equal' from t
        union all select 'step2_allocation', 'allocation_complete', p, allocated, 'equal' from t, production
        union all select 'step3_calculation', 'unit_cost_absorption', pools, absorbed + unabsorbed, 'equal' from t
        union all select 'step3_calculation', 'unabsorbed_share_max', {UNABSORBED_MAX}, unabsorbed / nullif(p, 0), 'at_most' from t, production
        union all select 'step4_matching', 'breakdown_equals_total', contacts, breakdown, 'equal' from t
        union all select 'step4_matching', 'central_reconciliation', p, contacts + unmatched + unabsorbed + residual, 'equal' from t, production
        union all select 'step4_matching', 'unmatched_share_max', {UNMATCHED_MAX}, unmatched / nullif(p, 0), 'at_most' from t, production)
    select name as "check", {_d('cast(expected as double)')} as expected, {_d('cast(actual as double)')} as actual,
        {_d('cast(actual as double) - cast(expected as double)')} as difference,
        case comparison when 'equal' then abs(cast(actual as double) - cast(expected as double)) <= {TOLERANCE}
             else cast(actual as double) <= cast(expected as double) end as passed, step, 'error' as severity, '' as detail
    from c order by step, name"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--partition", default="2025")
    parser.add_argument("--drg-weights", type=Path, help="a DRG weight list (drg_weights.csv); default: the seed's")
    parser.add_argument("--memory-limit", default=os.environ.get("KPP_DUCKDB_MEMORY_LIMIT", "6GB"))
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    start, end, year = period(args.partition)
    key = resolve_key()
    drg_weights = args.drg_weights
    if drg_weights is None:  # as the pipeline: a drg_weights.csv in the landing folder or the data root replaces the seed
        found = [p for p in (args.landing / "drg_weights.csv", args.landing.parent.parent / "drg_weights.csv") if p.is_file()]
        drg_weights = found[0] if found else REPO / "seeds" / "drg_weight_list.csv"
    temp = args.out.parent / ".lean_spill"
    temp.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(config={"memory_limit": args.memory_limit, "temp_directory": str(temp)}) as con:
        rows_read = load(con, args.landing, key)
        t_load = time.monotonic() - t0
        compute(con, start, end, year, drg_weights, REPO / "seeds" / "service_groups.csv")
        t_compute = time.monotonic() - t0 - t_load
        counts = exports(con, args.out, rows_read)
    print(json.dumps({"seconds": round(time.monotonic() - t0, 3), "load_seconds": round(t_load, 3),
                      "compute_seconds": round(t_compute, 3), "rows": counts}), flush=True)
    return 0


def compare(ours: Path, theirs: Path) -> dict:
    """The probe's comparison: every contact's total within 0.01 SEK, unit costs, outlier flags and the contact set.
    In DuckDB over the CSVs: a region's two cost lists (5 M contacts each) do not fit in Python objects."""
    num = "coalesce(try_cast(nullif({}, '') as double), 0)"
    scan = "read_csv({}, header = true, all_varchar = true)"  # the files' paths are bound
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        contacts = con.execute(f"""
            with a as (select contact_id, {num.format('total_cost')} as cost, is_outlier from {scan.format('$ours')}),
                 b as (select contact_id, {num.format('total_cost')} as cost, is_outlier from {scan.format('$theirs')})
            select count(b.contact_id), count(*) filter (where b.contact_id is null), count(*) filter (where a.contact_id is null),
                   coalesce(max(abs(a.cost - b.cost)), 0), count(*) filter (where abs(a.cost - b.cost) > 0.01),
                   count(*) filter (where a.is_outlier is distinct from b.is_outlier and a.contact_id is not null
                                    and b.contact_id is not null)
            from a full join b using (contact_id)""",
            {"ours": str(ours / "cost_list.csv"), "theirs": str(theirs / "cost_list.csv")}).fetchone()
        units = con.execute(f"""
            with a as (select cost_center, service_code, {num.format('unit_cost')} as cost from {scan.format('$ours')}),
                 b as (select cost_center, service_code, {num.format('unit_cost')} as cost from {scan.format('$theirs')})
            select count(*), count(*) filter (where abs(a.cost - b.cost) <= 1e-6 * greatest(1.0, abs(b.cost)))
            from b left join a using (cost_center, service_code)""",
            {"ours": str(ours / "unit_costs.csv"), "theirs": str(theirs / "unit_costs.csv")}).fetchone()
    keys = ("contacts", "contacts_only_lean", "contacts_only_pipeline", "max_total_cost_difference", "contacts_over_0_01_sek",
            "outlier_flags_differ")
    return dict(zip(keys, contacts)) | {"unit_costs": units[0], "unit_costs_equal": units[1]}


if __name__ == "__main__":
    sys.exit(main())
