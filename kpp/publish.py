"""Publishing one period's results: the marts of a run copied into schema `published` in one transaction.

dbt replaces a period model by model, so while a run is under way, or after
one was killed, the `marts` schema can hold a mix of the old and the new
build of that period. The results of record are therefore the `published`
tables: they change only when a run has passed every gate, all at once, and
a killed run leaves the previous results of the period intact (DuckDB rolls
back an unfinished transaction when the file is next opened).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import duckdb

from kpp.rebuild import mark_published
from kpp.steps import STEPS

PUBLISHED = "published"
# which run the period's published results come from: written here, beside the copies of the marts
PUBLICATIONS = f"{PUBLISHED}.publications"


def quote_ident(name: str) -> str:
    """A schema, table or column name as a SQL identifier (identifiers cannot be bound like values)."""
    return '"' + name.replace('"', '""') + '"'


def failed_checks(con: duckdb.DuckDBPyConnection, partition_key: str) -> list[tuple]:
    """The period's checks of severity error that did not pass, in reconciliation order: (step, check, expected,
    actual, detail). What stops a step (dbt's test all_checks_passed on its checks model, the same predicate), read
    from the steps' checks models, so also after a failed step, before the reconciliation mart is built."""
    tables = [name for (name,) in con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'intermediate' and table_name like 'int_%_checks_computed'").fetchall()]
    if not tables:
        return []
    checks = " union all ".join(f"select step, check_name, expected, actual, detail, passed, severity, partition_key "
                                f"from intermediate.{quote_ident(table)}" for table in tables)
    rows = con.execute(f"select step, check_name, expected, actual, detail from ({checks}) "
                       "where partition_key = ? and not passed and severity = 'error'", [partition_key]).fetchall()
    order = {step.name: step.order for step in STEPS}
    return sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[1].endswith(":total"), r[1]))


def publish_period(con: duckdb.DuckDBPyConnection, partition_key: str, run_id: str,
                   sources: Sequence[tuple[str, str]] | None = None) -> dict[str, int]:
    """Replace the period's published rows with the marts' rows; returns rows published per table.

    `sources`: the (schema, table) copied, by default the published marts and the input files of the
    dbt manifest (kpp/marts.py). `published.publications` records which run the period's results come from.
    """
    if sources is None:
        from kpp.marts import published_relations

        sources = [(relation.schema, relation.table) for relation in published_relations()]
    counts = {}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {PUBLISHED}")
        for schema, table in sources:
            con.execute(f"create table if not exists {PUBLISHED}.{table} as select * from {schema}.{table} limit 0")
            _add_new_columns(con, schema, table)
            con.execute(f"delete from {PUBLISHED}.{table} where partition_key = ?", [partition_key])
            # an insert returns its row count: the copy is not counted again
            (counts[table],) = con.execute(
                f"insert into {PUBLISHED}.{table} by name select * from {schema}.{table} where partition_key = ?",
                [partition_key],
            ).fetchone()
        con.execute(f"create table if not exists {PUBLICATIONS} "
                    "(partition_key varchar primary key, run_id varchar, published_at timestamp)")
        con.execute(f"insert or replace into {PUBLICATIONS} values (?, ?, current_localtimestamp())",
                    [partition_key, run_id])
        # the period's models are now this run's build of its inputs: a re-run may keep them (kpp/rebuild.py)
        mark_published(con, partition_key, run_id)
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # keep the original error if the rollback fails too
            con.execute("rollback")
        raise
    return counts


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """Column name -> type, in table order."""
    return dict(con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall())


def _add_new_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """A mart that gained a column in a newer version: earlier periods' published rows get NULL there."""
    published = columns(con, PUBLISHED, table)
    for name, data_type in columns(con, schema, table).items():
        if name not in published:
            con.execute(f"alter table {PUBLISHED}.{table} add column {duckdb.ColumnExpression(name)} {data_type}")
