"""dbt, run inside this process on a manifest parsed once per process: how the product runs dbt.

A `dbt build` subprocess per step (what `DbtCliResource.cli` does) cost ≈ 6 s of start-up on every
step, whatever the data size: importing dbt ≈ 3 s, parsing ≈ 2–4 s, writing manifest.json ≈ 1 s.
dbt's programmatic entry point (`dbtRunner`) takes a parsed manifest instead. The parse starts
from the project's saved parse state (kpp/dbt_manifest.py), in the same environment and with no
vars, so dbt finds nothing to parse; the manifest then serves every period, step and data root
of the process: the period's vars only matter when a node is compiled, at build time.

dbt's console lines go to stdout (the `kpp run` log, Dagster's compute logs), its file log to
`dbt.log` in the target folder. The orchestration (orchestration/dbt_invocation.py) turns the
events into Dagster's; the tests build their fixtures through here too. No Dagster here.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpp.dbt_manifest import (
    PARSE_STATE,
    ensure_manifest,
    newest_source_mtime,
    parse_environment,
)
from kpp.settings import DBT_PROJECT_DIR

# dbt keeps flags, adapters and its event manager in globals: one invocation at a time per process.
_LOCK = threading.Lock()
# The last parse: ((project dir, newest source mtime), dbt's Manifest). The mtime makes a model
# edited during a long-lived process (the `dagster dev` code server) parse again.
_parsed: tuple[tuple[str, float], Any] | None = None


@dataclass
class DbtInvocation:
    """What one dbt command left: its error messages and the nodes `skip` kept out of it."""

    target_path: Path
    errors: list[str] = field(default_factory=list)
    skipped: frozenset[str] = frozenset()  # unique ids of selected nodes `skip` kept out of the build

    @property
    def success(self) -> bool:
        return not self.errors


def run_dbt(command: str, *, target_path: Path, dbt_vars: Mapping[str, Any], environment: Mapping[str, str],
            selection: Sequence[str] = (), on_event: Callable[[dict], None] | None = None,
            skip: Callable[[set[str]], set[str]] | None = None, project_dir: Path = DBT_PROJECT_DIR,
            profiles_dir: Path = DBT_PROJECT_DIR) -> DbtInvocation:
    """`dbt <command> <selection>` (build, test, …) with these vars, on this process's manifest.

    `environment` is what profiles.yml reads (Settings.dbt_environment: the run's data root);
    `on_event` gets every event above debug level as dbt's dict; `skip` gets the unique ids the
    selection resolves to and returns those not to build (kpp/rebuild.py).
    """
    target_path = Path(target_path)
    common = _common_args(project_dir, profiles_dir, target_path)
    invocation = DbtInvocation(target_path)
    # imported here: dbt costs ≈ 3 s to import, and loading the code location does not need it
    from dbt_common.events.event_manager_client import cleanup_event_logger
    from dbt_common.events.functions import msg_to_dict

    def on_message(message) -> None:  # called by dbt's threads, for every event of every level
        if message.info.level == "debug":  # most events: skip before the costly conversion
            return
        raw = msg_to_dict(message)
        if raw["info"]["level"] == "error":
            invocation.errors.append(raw["info"]["msg"])
        sys.stdout.write(raw["info"]["msg"] + "\n")
        sys.stdout.flush()
        if on_event is not None:
            on_event(raw)

    vars_json = json.dumps(dict(dbt_vars), sort_keys=True)
    with _LOCK, _environment(environment):
        try:
            for result in _invocations(command, project_dir, common, vars_json, list(selection), on_message,
                                       invocation, skip):
                if isinstance(result.exception, BaseException) and not isinstance(result.exception, Exception):
                    # an interrupt (Dagster's stop, Ctrl-C) stops the step as one, not as a dbt failure
                    raise result.exception
                if not result.success and not invocation.errors:
                    invocation.errors.append(str(result.exception or "dbt failed without an error message"))
        finally:
            # dbt leaves the callback registered until its next invocation
            cleanup_event_logger()
            _release_duckdb()
    return invocation


def parse_ahead(target_path: Path) -> None:
    """Parse this process's manifest (≈ 1 s of dbt's Python) ahead of the first step: called in a
    background thread while DuckDB loads the landing files (orchestration/assets/landing.py).
    A parse that fails here is left to the first step, which parses again and reports it. Like
    every parse it unsets the profile's variables for a moment (`parse_environment`): the loader
    reads none of them, its settings are resolved before the load starts."""
    from dbt_common.events.event_manager_client import cleanup_event_logger

    with _LOCK:
        try:
            _manifest(DBT_PROJECT_DIR, _common_args(DBT_PROJECT_DIR, DBT_PROJECT_DIR, Path(target_path)),
                      lambda message: None)
        except Exception:  # noqa: BLE001 - the first step's own parse reports it
            pass
        finally:
            cleanup_event_logger()


def _common_args(project_dir: Path, profiles_dir: Path, target_path: Path) -> list[str]:
    return [
        "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir),
        "--target-path", str(target_path), "--log-path", str(target_path),
        # stdout gets dbt's console lines from run_dbt's callback. The file log at info: at debug
        # it formatted every SQL statement (≈ 10 MB, ≈ 4 s per demo run); each node's SQL is
        # in the target folder's compiled/ and run/ anyway.
        "--log-level", "none", "--log-level-file", "info", "--no-use-colors", "--no-send-anonymous-usage-stats",
        # run_results.json/manifest.json of a step are read by nobody: ≈ 1 s per step
        "--no-write-json",
    ]


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """dbt reads profiles.yml's env_var() from the process environment: set (None: unset) for one invocation only."""
    before = {name: os.environ.get(name) for name in values}

    def put(settings: Mapping[str, str | None]) -> None:
        for name, value in settings.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    put(values)
    try:
        yield
    finally:
        put(before)


def _manifest(project_dir: Path, common: list[str], on_message):
    """This process's manifest: parsed once, from the project's saved parse state (nothing to parse
    when no source changed since the code location loaded); the parse's result when it failed."""
    global _parsed
    from dbt.cli.main import dbtRunner

    key = (str(project_dir), newest_source_mtime())
    if _parsed is not None and _parsed[0] == key:
        return _parsed[1]
    target_path = Path(common[common.index("--target-path") + 1])
    target_path.mkdir(parents=True, exist_ok=True)
    if project_dir == DBT_PROJECT_DIR:
        ensure_manifest()
        shutil.copyfile(PARSE_STATE, target_path / PARSE_STATE.name)
    with _environment(parse_environment()):
        parse = dbtRunner(callbacks=[on_message]).invoke(["parse", *common])
    if not parse.success:
        return parse
    # dbt marks an ephemeral model's CTE as injected in the manifest itself, so a reused
    # manifest would lose it on the next build: with ephemeral models, parse every time.
    has_ephemeral = any(node.config.materialized == "ephemeral" for node in parse.result.nodes.values())
    _parsed = None if has_ephemeral else (key, parse.result)
    return parse.result


def _invocations(command: str, project_dir: Path, common: list[str], vars_json: str, selection: list[str], on_message,
                 invocation: DbtInvocation, skip: Callable[[set[str]], set[str]] | None):
    """The parse when this process has none yet, then the command on it (of the selection less
    what `skip` keeps out: then the remaining nodes by name)."""
    from dbt.cli.main import dbtRunner, dbtRunnerResult

    manifest = _manifest(project_dir, common, on_message)
    if isinstance(manifest, dbtRunnerResult):  # the parse failed
        yield manifest
        return
    common = [*common, "--vars", vars_json]
    if skip is not None:
        # what dbt selects (tests by its indirect selection too), less the kept nodes, by fully qualified name
        listed = dbtRunner(manifest=manifest).invoke(["ls", *common, *selection, "--output", "json", "--quiet",
                                                      "--resource-types", "model", "seed", "snapshot", "test", "unit_test"])
        yield listed
        if not listed.success:
            return
        selected = {json.loads(line)["unique_id"] for line in listed.result}
        invocation.skipped = frozenset(skip(selected))
        remaining = sorted(selected - invocation.skipped)
        if not remaining:
            return
        nodes = {**manifest.nodes, **manifest.unit_tests}
        # the resource types the caller left out stay out: `fqn:` also selects the unit tests under a model's name
        excluded = [arg for flag, value in zip(selection, selection[1:]) if flag == "--exclude-resource-type"
                    for arg in (flag, value)]
        selection = ["--select", " ".join("fqn:" + ".".join(nodes[uid].fqn) for uid in remaining),
                     "--indirect-selection", "empty", *excluded]
    yield dbtRunner(manifest=manifest, callbacks=[on_message]).invoke([command, *common, *selection])


def _release_duckdb() -> None:
    """Close dbt-duckdb's database so this process's other DuckDB connections (gates, lineage,
    publish) can open the file: dbt-duckdb keeps it open for the life of the process."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
