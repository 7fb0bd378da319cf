"""The uses of KPP across periods (spec §7), outside the period partitions (group `uses`).

`published` (every period) → `uses_inputs` (the data root's price index and agreed
prices) → the dbt models of models/uses (productivity, reimbursement) → the blocking
gate `expectations_uses` → `uses_exports` (exports/uses/). Job `kpp_uses` runs them;
`kpp run` starts it after every successful publish, `kpp uses` on demand, and in the
UI the sensor `kpp_uses_after_exports` does (docs/uses.md).
"""


from dagster import (
    AssetCheckExecutionContext,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
    multi_asset,
)

from kpp.expectations import USES_SUITE, Suite, Thresholds, validate_frames
from kpp.exports import ExportOptions
from kpp.landing.contract import DATA_ROOT_TABLES
from kpp.progress import report
from kpp.steps import USES
from kpp.uses.agreement import agreement_files, load_agreement
from kpp.uses.exports import (
    RECONCILIATION_MART,
    USES_EXPORTS,
    USES_SCHEMA,
    write_uses_exports,
)
from kpp.uses.inputs import USES_INPUTS_SCHEMA, load_uses_inputs
from orchestration.assets.dbt import kpp_dbt_assets
from orchestration.assets.published import published
from orchestration.checks.gates import gate_results, gated_asset
from orchestration.resources import KppWarehouse

USES_GROUP = USES.group
USES_EXPORTS_DIR = "uses"  # <data root>/exports/uses


@multi_asset(
    specs=[
        AssetSpec(key=[USES_INPUTS_SCHEMA, name], deps=[published], group_name=USES_GROUP, kinds={"duckdb"},
                  description=f"<data root>/{name}.csv (spec §7.1); no rows when the data root has none. "
                  + ("LPIK excl. drugs; replaces the illustrative seed price_index." if name == "price_index"
                     else "The agreed price per DRG point per year and hospital (empty = every hospital)."))
        for name in DATA_ROOT_TABLES
    ],
    pool="duckdb",
)
def uses_inputs(context: AssetExecutionContext, warehouse: KppWarehouse):
    with warehouse.connect() as con:
        reports = {r.table_name: r for r in load_uses_inputs(con, warehouse.root.path, warehouse.settings.csv_dialect)}
    for name in DATA_ROOT_TABLES:
        r = reports.get(name)
        if r:
            report(context, f"uses: loaded {r.file_name}: {r.rows_read} rows (sha256 {r.sha256[:12]}…)")
        yield MaterializeResult(asset_key=[USES_INPUTS_SCHEMA, name], metadata={
            "file": r.file_name if r else "(not in the data root; optional)",
            "sha256": r.sha256 if r else "",
            "rows_read": MetadataValue.int(r.rows_read if r else 0),
            "agreement": MetadataValue.json([str(p) for p in agreement_files(warehouse.root.path, warehouse.settings.agreement)]),
        })


def _dbt_vars(warehouse: KppWarehouse) -> dict:
    return load_agreement(warehouse.root.path, warehouse.settings.agreement)


uses_models = kpp_dbt_assets(USES, run_vars=_dbt_vars)

GATED_MODEL = gated_asset(USES)


@asset_check(
    asset=GATED_MODEL,
    name=f"expectations_{USES_SUITE}",
    blocking=True,
    pool="duckdb",
    description=f"{USES.label_sv} ({USES.label}): Great Expectations suite expectations/{USES_SUITE}.json.",
)
def expectations_uses(context: AssetCheckExecutionContext, warehouse: KppWarehouse):
    suite = Suite.load(USES_SUITE)
    with warehouse.connect(read_only=True) as con:
        frames = {frame: con.execute(suite.query(frame)).df() for frame in suite.frames}
    thresholds = Thresholds.load()
    docs = warehouse.root.gx_docs_dir(USES_SUITE)
    outcome = validate_frames(suite, frames, thresholds, USES_SUITE, docs, context.run.run_id)
    yield from gate_results(context, outcome, thresholds, docs, USES_SUITE)


@asset(
    deps=[GATED_MODEL, *(AssetKey([USES_SCHEMA, mart]) for mart in [*USES_EXPORTS, RECONCILIATION_MART])],
    group_name=USES_GROUP,
    description="productivity.csv, mdc_cost_shares.csv, comparison_ladder.csv, invoices.csv and "
    "reimbursement_follow_up.csv (spec §7.4) with reconciliation.csv and summary.json, in exports/uses/.",
    kinds={"csv"},
    pool="duckdb",
)
def uses_exports(context: AssetExecutionContext, warehouse: KppWarehouse) -> MaterializeResult:
    target = warehouse.root.exports_dir(USES_EXPORTS_DIR)
    with warehouse.connect(read_only=True) as con:
        summary = write_uses_exports(con, target, ExportOptions.of(warehouse.settings))
    report(context, f"uses: wrote {len(summary['rows'])} files to {target}")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(target)),
        "published": MetadataValue.json(summary["published"]),
        "invoiced_per_buyer_region": MetadataValue.json(summary["invoiced_per_buyer_region"]),
        "rows": MetadataValue.json(summary["rows"]),
    })
