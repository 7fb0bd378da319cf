"""The expectation gates as blocking Dagster asset checks, one per KPP stage.

Dagster makes a run wait for a blocking check before any asset that reads the
checked asset, and skips those assets when the check fails with ERROR severity.
So each gate sits on the asset of its stage that the next stage reads; the
steps after that depend on the next stage, so a failed gate stops them all.
The check runs after its stage's dbt process has exited, so it can open the
DuckDB file read-only.
"""

import warnings
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    Failure,
    MetadataValue,
    PreviewWarning,
    asset_check,
)

from kpp.expectations import GateOutcome, Thresholds, run_gate
from kpp.gate_report import record_outcome, write_gate_report
from kpp.progress import report
from kpp.steps import Step
from orchestration.partitions import period_for_key, period_partitions
from orchestration.resources import KppWarehouse


def gated_asset(step: Step) -> AssetKey:
    """The model the step hands to the next step: its gate sits there (seeds/kpp_steps.csv)."""
    return AssetKey(list(step.gated_model))


def _metadata(outcome: GateOutcome, gate_report: Path) -> dict:
    rows = ["| rule | severity | result | observed | offending (first rows) |", "|---|---|---|---|---|"]
    for r in outcome.rules:
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in row.items()) for row in r.offending[:5])
        rows.append(f"| {r.rule} | {r.severity} | {'passed' if r.success else 'FAILED'} | {r.observed} | {shown} |".replace("\n", " "))
    failed = {r.rule: {"severity": r.severity, "observed": r.observed, "offending": list(r.offending)}
              for r in outcome.errors + outcome.warnings}
    return {
        "expectations": MetadataValue.md("\n".join(rows)),
        "passed_expectations": MetadataValue.int(sum(r.success for r in outcome.rules)),
        "failed_errors": MetadataValue.json([r.rule for r in outcome.errors]),
        "failed_warnings": MetadataValue.json([r.rule for r in outcome.warnings]),
        "failed": MetadataValue.json(failed),
        "observed": MetadataValue.json({r.rule: r.observed for r in outcome.rules}),
        "frame_rows": MetadataValue.json(outcome.frame_rows),
        "duration_s": MetadataValue.float(round(outcome.seconds, 3)),
        "thresholds": outcome.region,
        "data_docs": MetadataValue.path(str(outcome.data_docs)),  # this run's validation page of the suite
        "gate_report": MetadataValue.path(str(gate_report)),  # every suite of the period, offline
    }


def gate_results(context, outcome: GateOutcome, thresholds: Thresholds, docs: Path, report_name: str):
    """A gate's check result, its record in the offline gate report (also when it failed), and the
    step failure that carries the gate, its expectations and the offending values to `kpp run`."""
    report(context, outcome.message().replace("\n", "\n    "))
    record_outcome(docs, outcome, context.run.run_id, thresholds.parameters(outcome.suite))
    page = write_gate_report(docs, report_name)
    yield AssetCheckResult(
        passed=not (outcome.errors or outcome.warnings),
        severity=AssetCheckSeverity.ERROR if outcome.errors else AssetCheckSeverity.WARN,
        metadata=_metadata(outcome, page),
    )
    if not outcome.passed:
        raise Failure(description=outcome.message())


def gate_check(step: Step) -> AssetChecksDefinition:
    suite = step.suite

    def check(context: AssetCheckExecutionContext, warehouse: KppWarehouse):
        period = period_for_key(context.partition_key)
        thresholds = Thresholds.load()
        docs = warehouse.root.gx_docs_dir(period.key)
        with warehouse.connect(read_only=True) as con:
            outcome = run_gate(suite, con, period, thresholds, docs_dir=docs, run_name=context.run.run_id)
        yield from gate_results(context, outcome, thresholds, docs, period.key)

    with warnings.catch_warnings():
        # A gate checks one period: partitioned checks are a preview feature in Dagster 1.13.
        warnings.simplefilter("ignore", PreviewWarning)
        return asset_check(
            asset=gated_asset(step),
            name=f"expectations_{suite}",
            blocking=True,
            partitions_def=period_partitions,
            pool="duckdb",
            description=f"{step.label_sv} ({step.label}): Great Expectations suite expectations/{suite}.json, "
            "region overrides expectations/thresholds.yml.",
        )(check)


def gate_checks(steps: tuple[Step, ...]) -> list[AssetChecksDefinition]:
    return [gate_check(step) for step in steps]
