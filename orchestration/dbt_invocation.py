"""`dbt build` of one KPP step for Dagster: the selection of the `@dbt_assets` being executed, run
in the step's own process (kpp/dbt_runner.py), its events turned into dagster-dbt's.

What stays as with dagster-dbt's subprocess: a failed build raises `DagsterDbtCliRuntimeError`
with dbt's error messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from kpp.dbt_runner import run_dbt


@dataclass
class DbtBuild:
    """What one `dbt build` left: its result events (for Dagster) and where its compiled SQL is."""

    manifest: Mapping[str, Any]  # manifest.json as the Dagster definitions read it
    target_path: Path
    events: list[DbtCoreCliEventMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: frozenset[str] = frozenset()  # unique ids of selected nodes `skip` kept out of the build

    def error(self) -> DagsterDbtCliRuntimeError | None:
        if not self.errors:
            return None
        return DagsterDbtCliRuntimeError(
            description=f"dbt build failed; its log: {self.target_path / 'dbt.log'}\n\n"
            "Errors parsed from dbt logs:\n\n" + "\n\n".join(self.errors)
        )


def dbt_build(context, dbt, translator, dbt_vars: Mapping[str, Any], target_path: Path, environment: Mapping[str, str],
              progress=None, skip: Callable[[set[str]], set[str]] | None = None) -> DbtBuild:
    """Build the selection of the `@dbt_assets` being executed (or the subset Dagster asked for).

    `dbt` is the DbtCliResource (project and profiles folders); `target_path` is the data root's (DataRoot.dbt_target_dir);
    `environment` is what dbt_project/profiles.yml reads (Settings.dbt_environment: the run's data root);
    `progress` (a NodeProgress) is told of every node's start and result; `skip` as in kpp.dbt_runner.run_dbt.
    """
    # selection, manifest and translator come from the context's `@dbt_assets` definition
    params = get_updated_cli_invocation_params_for_context(
        context=context, manifest={}, dagster_dbt_translator=translator)
    project_dir = Path(params.dbt_project.project_dir if params.dbt_project else dbt.project_dir)
    selection = [*params.selection_args]
    if params.indirect_selection:
        selection += ["--indirect-selection", params.indirect_selection]
    # dbt's unit tests check the SQL logic on fixed inputs, not the period's data: the test suite
    # runs them (tests/test_end_to_end.py), a period's run need not (docs/orchestration.md)
    selection += ["--exclude-resource-type", "unit_test"]
    events: list[DbtCoreCliEventMessage] = []

    def on_event(raw: dict) -> None:
        if progress is not None:  # n of N, the model finished (kpp/progress.py)
            progress.on_event(raw["info"]["name"], raw.get("data") or {})
        events.append(DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}))

    invocation = run_dbt("build", target_path=Path(dbt.project_dir) / target_path, dbt_vars=dbt_vars,
                         environment=environment, selection=selection, on_event=on_event, skip=skip,
                         project_dir=project_dir, profiles_dir=Path(dbt.profiles_dir or dbt.project_dir))
    return DbtBuild(manifest=params.manifest, target_path=invocation.target_path, events=events,
                    errors=invocation.errors, skipped=invocation.skipped)
