"""Publishing one period's results: the marts of a run copied into schema `published` in one transaction.

dbt replaces a period model by model, so while a run is under way, or after
one was killed, the `marts` schema can hold a mix of the old and the new
build of that period. The results of record are therefore the `published`
tables: they change only when a run has passed every gate, all at once, and
a killed run leaves the previous results of the period intact (DuckDB rolls
back an unfinished transaction when the file is next opened).
"""

from __future__ import annotations

import duckdb

PUBLISHED = "published"


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The mart tables (views such as cost_trace are not copies of results)."""
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
    ]


def publish_period(con: duckdb.DuckDBPyConnection, partition_key: str) -> dict[str, int]:
    """Replace the period's published rows with the marts' rows; returns rows published per table."""
    counts = {}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {PUBLISHED}")
        for table in mart_tables(con):
            con.execute(f"create table if not exists {PUBLISHED}.{table} as select * from marts.{table} limit 0")
            _add_new_columns(con, table)
            con.execute(f"delete from {PUBLISHED}.{table} where partition_key = ?", [partition_key])
            con.execute(
                f"insert into {PUBLISHED}.{table} by name select * from marts.{table} where partition_key = ?",
                [partition_key],
            )
            counts[table] = con.execute(
                f"select count(*) from {PUBLISHED}.{table} where partition_key = ?", [partition_key]
            ).fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def _add_new_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """A mart that gained a column in a newer version: earlier periods' published rows get NULL there."""
    def columns(schema: str) -> dict[str, str]:
        return dict(con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall())

    published = columns(PUBLISHED)
    for name, data_type in columns("marts").items():
        if name not in published:
            con.execute(f'alter table {PUBLISHED}.{table} add column "{name}" {data_type}')
