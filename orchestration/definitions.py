"""The Dagster code location: what the UI (`dagster dev -w workspace.yaml`) and `kpp run` load."""

from dagster import Definitions, in_process_executor, load_assets_from_modules

from orchestration.assets import exports, landing, published
from orchestration.assets.steps import step_assets
from orchestration.checks.gates import gate_checks
from orchestration.jobs import kpp_period_job
from orchestration.resources import build_resources
from orchestration.schedules import calendar_schedules
from orchestration.sensors import kpp_landing_sensor
from orchestration.steps import STEPS, Step


def build_definitions(steps: tuple[Step, ...]) -> Definitions:
    return Definitions(
        # the loader, the dbt models of each step, then publication and exports
        assets=[*load_assets_from_modules([landing]), *step_assets(steps), *load_assets_from_modules([published, exports])],
        # a blocking Great Expectations gate after every step (docs/gates.md)
        asset_checks=gate_checks(steps),
        jobs=[kpp_period_job],
        schedules=calendar_schedules,
        sensors=[kpp_landing_sensor],
        resources=build_resources(),
        # DuckDB takes one writer process: run a period's steps in one process, one after another.
        executor=in_process_executor,
    )


defs = build_definitions(STEPS)
