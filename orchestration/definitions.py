"""The Dagster code location: what the UI (`dagster dev -w workspace.yaml`) and `kpp run` load."""

from dagster import Definitions, in_process_executor, load_assets_from_modules

from kpp.steps import STEPS, Step
from orchestration.assets import exports, landing, published, uses
from orchestration.assets.steps import step_assets
from orchestration.checks.gates import gate_checks
from orchestration.jobs import kpp_period_job, kpp_uses_job
from orchestration.resources import build_resources
from orchestration.schedules import calendar_schedules
from orchestration.sensors import kpp_landing_sensor, kpp_uses_after_exports


def build_definitions(steps: tuple[Step, ...]) -> Definitions:
    return Definitions(
        # the loader, the dbt models of each period step, publication and exports; then the uses across periods
        assets=[*load_assets_from_modules([landing]), *step_assets(steps),
                *load_assets_from_modules([published, exports, uses])],
        # a blocking Great Expectations gate after every step (docs/gates.md), and the uses' gate
        asset_checks=[*gate_checks(steps), uses.expectations_uses],
        jobs=[kpp_period_job, kpp_uses_job],
        schedules=calendar_schedules,
        sensors=[kpp_landing_sensor, kpp_uses_after_exports],
        resources=build_resources(),
        # DuckDB takes one writer process: run a period's steps in one process, one after another.
        executor=in_process_executor,
    )


defs = build_definitions(STEPS)
