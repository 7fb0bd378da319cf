"""Column-level lineage for auditors: which upstream columns each dbt model's column is computed from.

dagster-dbt's ``fetch_column_metadata()`` reads the schemas through the dbt adapter while
dbt still holds DuckDB's single-writer lock. Here the step's dbt process has ended first
(orchestration/assets/dbt.py holds the step's events until then); then one read-only
query on ``information_schema.columns`` gives every relation's columns, and each model's
compiled SQL (``<target path>/compiled/``) is traced with sqlglot (``lineage``, duckdb
dialect). The result is the metadata the Dagster UI shows on a materialisation:
``dagster/column_schema`` (names and types), ``dagster/column_lineage`` (which the Dagster
1.13 UI does not draw) and the same lineage as a markdown table ``column_sources`` (which it
shows), and ``dagster/row_count`` (the period's rows).

Only column names and types go into the metadata: never a data value (personal data).
A model sqlglot cannot trace keeps its schema and gets no lineage (a warning, not a failure).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import (
    AssetMaterialization,
    MetadataValue,
    Output,
    TableColumn,
    TableColumnDep,
    TableColumnLineage,
    TableSchema,
)
from dagster._core.definitions.metadata import TableMetadataSet
from dagster._utils.warnings import disable_dagster_warnings
from sqlglot import MappingSchema, exp, parse_one
from sqlglot.lineage import lineage

DIALECT = "duckdb"
_LOG = logging.getLogger(__name__)

# (catalog, schema, table), lower case: how DuckDB (case-insensitive) names a relation
Relation = tuple[str, str, str]
# A relation's columns in table order: (name, type)
Columns = Sequence[tuple[str, str]]

SCHEMA_QUERY = """
select table_catalog, table_schema, table_name, column_name, data_type
from information_schema.columns
where table_catalog = current_database()
order by table_schema, table_name, ordinal_position
"""


def read_column_schemas(con) -> dict[Relation, list[tuple[str, str]]]:
    """Every relation's columns (tables and views) in the connection's database: one query."""
    schemas: dict[Relation, list[tuple[str, str]]] = {}
    for catalog, schema, table, column, data_type in con.execute(SCHEMA_QUERY).fetchall():
        schemas.setdefault((catalog.lower(), schema.lower(), table.lower()), []).append((column.lower(), data_type))
    return schemas


def relation_of(relation_name: str) -> Relation:
    """'"kpp"."marts"."cost_list"' (dbt's relation_name) -> ('kpp', 'marts', 'cost_list')."""
    table = exp.to_table(relation_name, dialect=DIALECT)
    return (table.catalog.lower(), table.db.lower(), table.name.lower())


def mapping_schema(schemas: Mapping[Relation, Columns]) -> MappingSchema:
    """sqlglot's view of the database; built once per step and shared by its models."""
    nested: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for (catalog, schema, table), columns in schemas.items():
        nested.setdefault(catalog, {}).setdefault(schema, {})[table] = dict(columns)
    return MappingSchema(nested, dialect=DIALECT)


def column_dependencies(
    sql: str, schema: MappingSchema | Mapping[Relation, Columns], parents: Mapping[Relation, Hashable]
) -> dict[str, list[tuple[Hashable, str]]]:
    """For each output column of ``sql``: the (parent, column) pairs its value is computed from.

    ``parents`` maps the relations the model reads to what names them (a Dagster asset key).
    Columns used only to filter, join or group do not count (sqlglot's projection lineage);
    a relation that is not a parent (the model itself, say) is left out.
    """
    if not isinstance(schema, MappingSchema):
        schema = mapping_schema(schema)
    # trim_selects=False: no per-node copy of the query (the marts select 20-40 columns)
    nodes = lineage(None, parse_one(sql, dialect=DIALECT), schema, dialect=DIALECT, trim_selects=False)
    deps: dict[str, list[tuple[Hashable, str]]] = {}
    for column, node in nodes.items():
        found: set[tuple[Hashable, str]] = set()
        for leaf in node.walk():
            if leaf.downstream or not isinstance(leaf.expression, exp.Table):
                continue  # an inner step, or a literal / unresolved column
            table = leaf.expression
            parent = parents.get((table.catalog.lower(), table.db.lower(), table.name.lower()))
            name = exp.to_column(leaf.name, dialect=DIALECT).name.lower()
            if parent is not None and name != "*":
                found.add((parent, name))
        deps[column.lower()] = sorted(found, key=lambda d: (str(d[0]), d[1]))
    return deps


def column_metadata(
    columns: Columns,
    deps: Mapping[str, Sequence[tuple[Any, str]]] | None,
    descriptions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``dagster/column_schema`` (and ``dagster/column_lineage`` when ``deps`` is known) of one model.

    The lineage lists every column of the schema (an empty list: computed from no parent
    column, e.g. a literal or the run's partition key).
    """
    descriptions = descriptions or {}
    with disable_dagster_warnings():  # column lineage is a beta API
        schema = TableSchema(
            columns=[TableColumn(name=name, type=type_, description=descriptions.get(name) or None) for name, type_ in columns]
        )
        lineage_ = None
        if deps is not None:
            lineage_ = TableColumnLineage(
                deps_by_column={
                    name: [TableColumnDep(asset_key=key, column_name=col) for key, col in deps.get(name, ())]
                    for name, _ in columns
                }
            )
        metadata = dict(TableMetadataSet(column_schema=schema, column_lineage=lineage_))
    if deps is not None:
        # The Dagster 1.13 UI does not draw dagster/column_lineage: the same sources as a table
        # an auditor sees in the materialisation's metadata (docs/orchestration.md).
        metadata["column_sources"] = MetadataValue.md(sources_table(columns, deps))
    return metadata


def sources_table(columns: Columns, deps: Mapping[str, Sequence[tuple[Any, str]]]) -> str:
    """Markdown: each column, its type and the parent columns it is computed from."""
    def name(key: Any) -> str:
        return key.to_user_string() if hasattr(key, "to_user_string") else str(key)

    rows = ["| column | type | computed from |", "|---|---|---|"]
    for column, type_ in columns:
        sources = ", ".join(f"`{name(key)}.{col}`" for key, col in deps.get(column, ())) or "(no column: a constant or a count)"
        rows.append(f"| `{column}` | {type_} | {sources} |")
    return "\n".join(rows)


@dataclass
class StepLineage:
    """The column metadata of one dbt invocation's models, from its manifest, target path and the schemas."""

    manifest: Mapping[str, Any]
    target_path: Path
    schemas: Mapping[Relation, Columns]
    asset_key: Callable[[str], Any]  # dbt unique_id -> Dagster asset key
    log: logging.Logger | Any = _LOG  # a Dagster context.log in a run
    # relation -> rows of the run's period (dagster/row_count), when given
    count_rows: Callable[[Relation], int | None] | None = None

    def __post_init__(self) -> None:
        self._schema = mapping_schema(self.schemas)
        self.traced = 0  # models with lineage

    def _node(self, unique_id: str) -> Mapping[str, Any]:
        return self.manifest["nodes"].get(unique_id) or self.manifest["sources"][unique_id]

    def metadata(self, unique_id: str) -> dict[str, Any]:
        """Schema and lineage of one model or seed; {} if DuckDB does not have the relation."""
        node = self._node(unique_id)
        columns = self.schemas.get(relation_of(node["relation_name"])) if node.get("relation_name") else None
        if not columns:
            return {}
        descriptions = {name.lower(): c.get("description") for name, c in node.get("columns", {}).items()}
        deps = None
        if node["resource_type"] == "model":
            try:
                parents = {relation_of(self._node(p)["relation_name"]): self.asset_key(p)
                           for p in node["depends_on"]["nodes"]}
                sql_path = self.target_path / "compiled" / node["package_name"] / node["original_file_path"]
                deps = column_dependencies(sql_path.read_text(encoding="utf-8"), self._schema, parents)
                self.traced += 1
            except Exception as exc:  # sqlglot cannot parse or trace every statement
                self.log.warning(f"column lineage of {node['name']} skipped: {type(exc).__name__}: {exc}"[:500])
        metadata = column_metadata(columns, deps, descriptions)
        # a view holds no rows: counting one computes it (the cost trace's: every contact × ledger row)
        if self.count_rows is not None and node["config"].get("materialized") != "view":
            rows = self.count_rows(relation_of(node["relation_name"]))
            if rows is not None:
                metadata["dagster/row_count"] = MetadataValue.int(rows)
        return metadata

    def attach(self, events: Iterable[Any]) -> Iterator[Any]:
        """The events in their order; a model's or seed's materialisation with its column metadata."""
        for event in events:
            unique_id = _unique_id(event)
            if unique_id is not None and hasattr(event, "with_metadata"):
                extra = self.metadata(unique_id)
                if extra:
                    event = event.with_metadata({**event.metadata, **extra})
            yield event


def _unique_id(event: Any) -> str | None:
    """The dbt node of a model/seed materialisation (Output or AssetMaterialization); None otherwise."""
    if not isinstance(event, (Output, AssetMaterialization)):
        return None
    value = (event.metadata or {}).get("unique_id")
    text = getattr(value, "value", value)
    return text if isinstance(text, str) and text.split(".", 1)[0] in ("model", "seed", "snapshot") else None
