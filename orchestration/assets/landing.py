"""Landing: one partition's delivery of eight files, typed and pseudonymised into DuckDB."""

import threading
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from kpp import dbt_runner, expectations, rebuild
from kpp.landing.contract import TABLES
from kpp.landing.pseudonym import demo_key_allowed, resolve_key
from kpp.landing.reader import LANDING_SCHEMA, ensure_drg_weights_table, load_partition
from kpp.progress import report
from kpp.steps import group_of
from orchestration.assets.dbt import dbt_manifest
from orchestration.partitions import period_for_key, period_partitions
from orchestration.resources import KppWarehouse

_DESCRIPTIONS = {
    "ledger": "Huvudbok / TKB (totalkostnadsbokslut): ledger rows of the delivery.",
    "accounts": "Kontoplan: account class, cost type (kostnadsslag), exclusion and särkostnad flag.",
    "cost_centers": "Kostnadsställen: role, exclusion, allocation key and step-down order.",
    "allocation_keys": "Fördelningsnycklar: key values per receiving cost centre.",
    "service_catalog": "Vårdtjänster: services per producing cost centre with relative weights.",
    "contacts": "Vårdkontakter (pseudonymised): the contacts costs are matched to.",
    "service_events": "Utförda vårdtjänster (pseudonymised): bed days, visits, OR, lab, radiology, ICU.",
    "specific_costs": "Särkostnader (pseudonymised): expensive drugs, implants, blood per patient.",
    "input_files": "One row per loaded file: SHA-256, dialect, rows read.",
    "drg_weights": "A DRG weight list delivered with the run (replaces the seed's list when present), "
                   "with the national cost-outlier limits (kostnadsytterfallsgräns) when it has them.",
    "hospitals": "Sjukhus (optional, spec §7.1): owning region and hospital type (regionsjukhus, länssjukhus, länsdelssjukhus).",
}

LANDING_TABLES = [*TABLES, "input_files", "drg_weights"]


def _prepare_steps(dbt_target: Path) -> None:
    expectations.import_gx()
    dbt_runner.parse_ahead(dbt_target)


@multi_asset(
    specs=[
        AssetSpec(key=[LANDING_SCHEMA, name], group_name=group_of("landing"), description=_DESCRIPTIONS[name], kinds={"duckdb"})
        for name in LANDING_TABLES
    ],
    partitions_def=period_partitions,
    pool="duckdb",
)
def landing(context: AssetExecutionContext, warehouse: KppWarehouse):
    settings, root = warehouse.settings, warehouse.root
    partition_key = context.partition_key
    key = resolve_key(allow_demo=demo_key_allowed(root.landing_dir(partition_key), settings.demo))
    # GX's import, then dbt's parse, while DuckDB loads the files (outside Python's lock): the first
    # gate and the first step find them done. One thread: two threads importing at once can
    # deadlock on Python's import locks.
    threading.Thread(target=_prepare_steps, args=(root.dbt_target_dir(partition_key),), name="prepare-steps",
                     daemon=True).start()
    report(context, f"landing: loading {root.landing_dir(partition_key)} (pseudonym key from {key.source}, fingerprint {key.fingerprint})")
    with warehouse.connect() as con:
        reports = load_partition(
            con, root.landing_dir(partition_key), partition_key, key, csv_dialect=settings.csv_dialect,
            progress=lambda m: report(context, m),
        )
        override = root.drg_weight_override(partition_key)
        _load_drg_weights(con, partition_key, override)
        # what the steps of this run rebuild (kpp/rebuild.py): recorded before any of them starts
        code = rebuild.code_fingerprint(dbt_manifest(), period_for_key(partition_key).dbt_vars, key.fingerprint, settings.csv_dialect)
        plan = rebuild.decide(con, partition_key, context.run.run_id, code,
                              rebuild.period_inputs(con, partition_key, override), settings.full_rebuild)
    report(context, f"landing: {plan.message()}")
    for name in sorted(set(TABLES) - {r.table_name for r in reports}):  # optional files not delivered
        yield MaterializeResult(asset_key=[LANDING_SCHEMA, name], metadata={"file": "(not delivered; optional)"})
    for r in reports:
        yield MaterializeResult(
            asset_key=[LANDING_SCHEMA, r.table_name],
            metadata={
                "file": r.file_name,
                "sha256": r.sha256,
                "rows_read": MetadataValue.int(r.rows_read),
                "format": r.file_format,
                "dialect": f"separator {r.separator!r}, decimal {r.decimal_mark!r}, {r.encoding}" if r.file_format == "csv" else "parquet",
                "loaded": "kept: unchanged since the last load" if r.kept else "read",
            },
        )
    yield MaterializeResult(
        asset_key=[LANDING_SCHEMA, "input_files"],
        metadata={"input_sha256": MetadataValue.json({r.file_name: r.sha256 for r in reports}),
                  "kept_files": MetadataValue.json(sorted(r.file_name for r in reports if r.kept)),
                  "rebuild": plan.message()},
    )
    yield MaterializeResult(
        asset_key=[LANDING_SCHEMA, "drg_weights"],
        metadata={"source": str(override) if override else "seed drg_weight_list (no drg_weights.csv delivered)"},
    )


def _load_drg_weights(con, partition_key: str, path) -> None:
    ensure_drg_weights_table(con)
    con.execute(f"delete from {LANDING_SCHEMA}.drg_weights where partition_key = ?", [partition_key])
    if path is not None:
        header = {name.lower() for (name, *_rest) in con.execute(
            "describe select * from read_csv(?, all_varchar=true, header=true)", [str(path)]).fetchall()}
        threshold = "outlier_threshold" if "outlier_threshold" in header else "null"
        con.execute(
            f"insert into {LANDING_SCHEMA}.drg_weights by name select ? as partition_key, drg, year, weight, mdc, description, "
            f"{threshold} as outlier_threshold from read_csv(?, all_varchar=true, header=true)",
            [partition_key, str(path)],
        )

