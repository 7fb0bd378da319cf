"""`dbt build` of one KPP step, run inside the step's own process on a manifest parsed once per period.

A `dbt build` subprocess per step (what `DbtCliResource.cli` does) cost ≈ 6 s of start-up on every
step, whatever the data size: importing dbt ≈ 3 s, partial parsing ≈ 2 s, writing manifest.json
≈ 1 s, plus one `dbt --version` subprocess per run. Six steps made that most of the demo's
orchestration overhead (docs/benchmarks.md). dbt's programmatic entry point (`dbtRunner`) takes a
parsed manifest: one parse per period and process, reused by all its steps.

What stays as with the subprocess: dbt's console lines go to stdout (the `kpp run` log, Dagster's
compute logs), its debug log to `dbt.log` in the period's target folder, and a failed build raises
`DagsterDbtCliRuntimeError` with dbt's error messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from kpp.dbt_manifest import newest_source_mtime

# dbt keeps flags, adapters and its event manager in globals: one invocation at a time per process.
_LOCK = threading.Lock()
# The last parse: ((project dir, vars, newest source mtime), dbt's Manifest). A process works on
# one period at a time; the mtime makes a model edited during a long-lived process parse again.
_parsed: tuple[tuple[str, str, float], Any] | None = None


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
    `progress` (a NodeProgress) is told of every node's start and result; `skip` gets the unique ids
    the selection resolves to and returns those not to build (kpp/rebuild.py).
    """
    # selection, manifest and translator come from the context's `@dbt_assets` definition
    params = get_updated_cli_invocation_params_for_context(
        context=context, manifest={}, dagster_dbt_translator=translator)
    project_dir = Path(params.dbt_project.project_dir if params.dbt_project else dbt.project_dir)
    target_path = Path(dbt.project_dir) / target_path
    vars_json = json.dumps(dict(dbt_vars), sort_keys=True)
    common = [
        "--project-dir", str(project_dir), "--profiles-dir", str(dbt.profiles_dir or dbt.project_dir),
        "--target-path", str(target_path), "--log-path", str(target_path), "--vars", vars_json,
        # stdout gets dbt's console lines from the callback below. The file log at info: at debug
        # it formatted every SQL statement (≈ 10 MB, ≈ 4 s per demo run); each node's SQL is
        # in the target folder's compiled/ and run/ anyway.
        "--log-level", "none", "--log-level-file", "info", "--no-use-colors", "--no-send-anonymous-usage-stats",
        # run_results.json/manifest.json of a step are read by nobody: ≈ 1 s per step
        "--no-write-json",
    ]
    build = DbtBuild(manifest=params.manifest, target_path=target_path)
    selection = [*params.selection_args]
    if params.indirect_selection:
        selection += ["--indirect-selection", params.indirect_selection]

    # imported here: dbt costs ≈ 3 s to import, and loading the code location does not need it
    from dbt_common.events.event_manager_client import cleanup_event_logger
    from dbt_common.events.functions import msg_to_dict

    def on_event(message) -> None:  # called by dbt's threads, for every event of every level
        if message.info.level == "debug":  # most events: skip before the costly conversion
            return
        raw = msg_to_dict(message)
        info = raw["info"]
        if info["level"] == "error":
            build.errors.append(info["msg"])
        if progress is not None:  # n of N, the model finished (kpp/progress.py)
            progress.on_event(info["name"], raw.get("data") or {})
        sys.stdout.write(info["msg"] + "\n")
        sys.stdout.flush()
        build.events.append(DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}))

    with _LOCK, _environment(environment):
        try:
            for result in _invocations(project_dir, vars_json, common, selection, on_event, build, skip):
                if isinstance(result.exception, BaseException) and not isinstance(result.exception, Exception):
                    # an interrupt (Dagster's stop, Ctrl-C) stops the step as one, not as a dbt failure
                    raise result.exception
                if not result.success and not build.errors:
                    build.errors.append(str(result.exception or "dbt failed without an error message"))
        finally:
            # dbt leaves the callback registered until its next invocation
            cleanup_event_logger()
            _release_duckdb()
    return build


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """dbt reads profiles.yml's env_var() from the process environment: set for this invocation only."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _invocations(project_dir: Path, vars_json: str, common: list[str], selection: list[str], on_event,
                 build: DbtBuild, skip: Callable[[set[str]], set[str]] | None):
    """The parse when this process has no manifest for these vars yet, then the build on it
    (of the selection less what `skip` keeps out: then the remaining nodes by name)."""
    global _parsed
    from dbt.cli.main import dbtRunner

    # Configs in dbt_project.yml render `var()` when the project is parsed: one manifest per vars.
    key = (str(project_dir), vars_json, newest_source_mtime())
    if _parsed is not None and _parsed[0] == key:
        manifest = _parsed[1]
    else:
        parse = dbtRunner(callbacks=[on_event]).invoke(["parse", *common])
        yield parse
        if not parse.success:
            return
        manifest = parse.result
        # dbt marks an ephemeral model's CTE as injected in the manifest itself, so a reused
        # manifest would lose it on the next build: with ephemeral models, parse every time.
        has_ephemeral = any(node.config.materialized == "ephemeral" for node in manifest.nodes.values())
        _parsed = None if has_ephemeral else (key, manifest)
    if skip is not None:
        # what dbt selects (tests by its indirect selection too), less the kept nodes, by fully qualified name
        listed = dbtRunner(manifest=manifest).invoke(["ls", *common, *selection, "--output", "json", "--quiet",
                                                      "--resource-types", "model", "seed", "snapshot", "test", "unit_test"])
        yield listed
        if not listed.success:
            return
        selected = {json.loads(line)["unique_id"] for line in listed.result}
        build.skipped = frozenset(skip(selected))
        remaining = sorted(selected - build.skipped)
        if not remaining:
            return
        nodes = {**manifest.nodes, **manifest.unit_tests}
        selection = ["--select", " ".join("fqn:" + ".".join(nodes[uid].fqn) for uid in remaining),
                     "--indirect-selection", "empty"]
    yield dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(["build", *common, *selection])


def _release_duckdb() -> None:
    """Close dbt-duckdb's database so this process's other DuckDB connections (gates, lineage,
    publish) can open the file: dbt-duckdb keeps it open for the life of the process."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
