"""Column-level lineage for auditors (orchestration/lineage.py): compiled SQL + schemas -> Dagster metadata."""

from __future__ import annotations

import logging

import duckdb
from dagster import AssetKey, AssetRecordsFilter, DagsterInstance, TableColumnDep

from orchestration.lineage import (
    StepLineage,
    column_dependencies,
    column_metadata,
    read_column_schemas,
    relation_of,
)

CONTACTS = ("kpp", "intermediate", "int_contacts_validated")
ITEMS = ("kpp", "intermediate", "int_cost_items_costed")
LEDGER = ("kpp", "landing", "ledger")
COST_LIST = ("kpp", "marts", "cost_list")

SCHEMAS = {
    CONTACTS: [("partition_key", "VARCHAR"), ("contact_id", "VARCHAR"), ("patient_pseudonym", "VARCHAR"),
               ("start_ts", "TIMESTAMP"), ("end_ts", "TIMESTAMP")],
    ITEMS: [("partition_key", "VARCHAR"), ("contact_id", "VARCHAR"), ("source", "VARCHAR"), ("cost", "DOUBLE")],
    LEDGER: [("partition_key", "VARCHAR"), ("month", "DATE"), ("amount", "DECIMAL(18,2)")],
    COST_LIST: [("partition_key", "VARCHAR"), ("contact_id", "VARCHAR"), ("total_cost", "DOUBLE")],
}
PARENTS = {CONTACTS: "contacts", ITEMS: "items", LEDGER: "landing/ledger"}

# shaped like the compiled marts: ref_period's subquery, a CTE, a join, an aggregate, a literal
COST_LIST_SQL = """
with items as (
    select contact_id, source, cost
    from (select * from "kpp"."intermediate"."int_cost_items_costed" where partition_key = '2025')
)
select
    c.partition_key,
    c.contact_id,
    c.patient_pseudonym,
    sum(i.cost) as total_cost,
    sum(case when i.source = 'specific' then i.cost else 0 end) as specific_cost,
    count(*) as n_items,
    'definitivt' as kind,
    c.end_ts > cast('2026-01-01' as timestamp) as spans_period_boundary
from (select * from "kpp"."intermediate"."int_contacts_validated" where partition_key = '2025') as c
left join items as i on i.contact_id = c.contact_id
group by all
"""


def test_each_column_depends_on_the_upstream_columns_it_is_computed_from():
    deps = column_dependencies(COST_LIST_SQL, SCHEMAS, PARENTS)
    assert deps == {
        "partition_key": [("contacts", "partition_key")],
        "contact_id": [("contacts", "contact_id")],
        "patient_pseudonym": [("contacts", "patient_pseudonym")],
        "total_cost": [("items", "cost")],
        "specific_cost": [("items", "cost"), ("items", "source")],
        "n_items": [],  # count(*): no column (the join key only relates rows)
        "kind": [],
        "spans_period_boundary": [("contacts", "end_ts")],
    }


def test_a_renamed_source_column_and_a_relation_that_is_no_parent():
    sql = ('select partition_key, month as ledger_month, amount, (select max(total_cost) from "kpp"."marts"."cost_list") as m '
           'from "kpp"."landing"."ledger" where partition_key = \'2025\'')
    deps = column_dependencies(sql, SCHEMAS, PARENTS)
    assert deps["ledger_month"] == [("landing/ledger", "month")]
    assert deps["amount"] == [("landing/ledger", "amount")]
    assert deps["m"] == []  # cost_list is not among the model's parents


def test_a_star_is_expanded_from_the_schema():
    deps = column_dependencies('select * from "kpp"."landing"."ledger"', SCHEMAS, PARENTS)
    assert deps == {c: [("landing/ledger", c)] for c in ("partition_key", "month", "amount")}


def test_metadata_holds_names_types_and_lineage_of_every_column():
    key = AssetKey(["intermediate", "int_cost_items_costed"])
    metadata = column_metadata(SCHEMAS[COST_LIST], {"total_cost": [(key, "cost")]}, {"total_cost": "Kostnad (SEK)."})
    schema = metadata["dagster/column_schema"]
    assert [(c.name, c.type, c.description) for c in schema.columns] == [
        ("partition_key", "VARCHAR", None), ("contact_id", "VARCHAR", None), ("total_cost", "DOUBLE", "Kostnad (SEK).")]
    assert metadata["dagster/column_lineage"].deps_by_column == {
        "partition_key": [], "contact_id": [], "total_cost": [TableColumnDep(asset_key=key, column_name="cost")]}
    assert "dagster/column_lineage" not in column_metadata(SCHEMAS[COST_LIST], None)


def test_schemas_come_from_one_information_schema_query():
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.Cost_List (partition_key varchar, Total_Cost decimal(18, 2))")
        con.execute("create view marts.v as select total_cost from marts.cost_list")
        schemas = read_column_schemas(con)
    assert schemas == {("memory", "marts", "cost_list"): [("partition_key", "VARCHAR"), ("total_cost", "DECIMAL(18,2)")],
                       ("memory", "marts", "v"): [("total_cost", "DECIMAL(18,2)")]}
    assert relation_of('"kpp"."marts"."cost_list"') == COST_LIST


def _manifest() -> dict:
    model = {"resource_type": "model", "package_name": "kpp", "depends_on": {"nodes": ["model.kpp.int_contacts_validated",
             "model.kpp.int_cost_items_costed"]}, "columns": {"total_cost": {"description": "Kostnad."}}}
    return {
        "nodes": {
            "model.kpp.cost_list": model | {"name": "cost_list", "unique_id": "model.kpp.cost_list",
                                            "relation_name": '"kpp"."marts"."cost_list"', "original_file_path": "models/marts/cost_list.sql"},
            "model.kpp.broken": model | {"name": "broken", "unique_id": "model.kpp.broken",
                                         "relation_name": '"kpp"."marts"."cost_list"', "original_file_path": "models/marts/broken.sql"},
            "model.kpp.int_contacts_validated": {"resource_type": "model", "relation_name": '"kpp"."intermediate"."int_contacts_validated"'},
            "model.kpp.int_cost_items_costed": {"resource_type": "model", "relation_name": '"kpp"."intermediate"."int_cost_items_costed"'},
        },
        "sources": {},
    }


def test_step_lineage_reads_the_compiled_sql_and_skips_a_model_sqlglot_cannot_trace(tmp_path, caplog):
    compiled = tmp_path / "compiled" / "kpp" / "models" / "marts"
    compiled.mkdir(parents=True)
    (compiled / "cost_list.sql").write_text(COST_LIST_SQL.replace("'definitivt' as kind,", ""), encoding="utf-8")
    (compiled / "broken.sql").write_text("select ((( from", encoding="utf-8")
    lineage = StepLineage(_manifest(), tmp_path, SCHEMAS, asset_key=lambda uid: AssetKey(uid.split(".")[-1]))

    metadata = lineage.metadata("model.kpp.cost_list")
    assert metadata["dagster/column_lineage"].deps_by_column["total_cost"] == [
        TableColumnDep(asset_key=AssetKey("int_cost_items_costed"), column_name="cost")]
    assert metadata["dagster/column_schema"].columns[2].description == "Kostnad."

    with caplog.at_level(logging.WARNING):
        broken = lineage.metadata("model.kpp.broken")
    assert "column lineage of broken skipped" in caplog.text
    assert set(broken) == {"dagster/column_schema"}  # the schema still, no lineage
    assert lineage.traced == 1


# --- on a real run ----------------------------------------------------------------------------------


def test_the_run_records_column_lineage_on_each_model(example_run):
    """After `kpp run` of the worked example, the UI's column lineage of the marts and staging models."""
    with DagsterInstance.from_config(str(example_run.root / "dagster_home")) as instance:

        def latest(*key: str) -> dict:
            records = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=AssetKey(list(key)), asset_partitions=["2025"]), limit=1).records
            return records[0].asset_materialization.metadata

        cost_list = latest("marts", "cost_list")
        deps = cost_list["dagster/column_lineage"].value.deps_by_column
        assert deps["total_cost"] == [TableColumnDep(AssetKey(["intermediate", "int_contacts_outliers_flagged"]), "total_cost")]
        assert {c.name: c.type for c in cost_list["dagster/column_schema"].value.columns}["total_cost"] == "DOUBLE"

        costed = latest("intermediate", "int_contacts_costed")["dagster/column_lineage"].value.deps_by_column
        assert TableColumnDep(AssetKey(["intermediate", "int_cost_items_costed"]), "cost") in costed["total_cost"]

        # a dbt source maps to the landing asset that loads it
        ledger = latest("staging", "stg_landing__ledger")["dagster/column_lineage"].value.deps_by_column
        assert ledger["ledger_month"] == [TableColumnDep(AssetKey(["landing", "ledger"]), "month")]

        # a seed: its schema, no lineage
        seed = latest("national", "service_groups")
        assert "dagster/column_schema" in seed and "dagster/column_lineage" not in seed
