"""A re-run of a period after changed files: what the period's last published build can lend it.

A late correction usually changes one file (a ledger amount). Re-loading the other seven and
rebuilding every model costs as much as the first run; this module decides, per run, what a run
may keep (docs/orchestration.md, "Re-running a period"):

- the **guard**: the fingerprint of everything but the delivery — the dbt nodes (manifest
  checksums and configs), the project's macros, `dbt_project.yml` (its vars), the run's vars,
  the seed files, the pseudonym key, the loader's code and the package versions. Any
  difference from the last published build of the period, no published build, or a run of
  the period that started after it and did not publish (its models may hold its rows) →
  full rebuild;
- otherwise the **changed inputs**: the landing tables whose file's SHA-256 differs from the
  published build's. A dbt model is *tainted* when a changed table is upstream of it; an
  untainted model whose rows are kept per period (materialized `period_table`) and whose
  table exists is not rebuilt: it holds exactly what a rebuild would write. Views, seeds and
  whole tables are always rebuilt (cheap, and shared with the other periods), and so are the
  tests of tainted nodes and every gate test.

The state is one row per period in `kpp_state.period_builds`: written by the landing step
(status `running`, with the decision for the steps of the same run) and set to `published`
in the publication's transaction. No Dagster here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import duckdb

from kpp.settings import DBT_PROJECT_DIR, REPO_ROOT

STATE_SCHEMA = "kpp_state"
BUILDS = f"{STATE_SCHEMA}.period_builds"
# the landing source of the per-file records: it changes whenever any file does
INPUT_FILES = "input_files"
# the DRG weight list delivered with a run (not one of the contract's files; landing/drg_weights)
DRG_WEIGHTS = "drg_weights"
# dbt tests that are the spec's identities (orchestration/assets/dbt.py): run on every build
GATE_TESTS = ("all_checks_passed", "sums_to")
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")
_LOADER_SOURCES = ("kpp/landing/reader.py", "kpp/landing/contract.py", "kpp/landing/pseudonym.py")


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def stream_sha256(handle: BinaryIO) -> str:
    """SHA-256 of what is left to read of an open binary file, a megabyte at a time."""
    digest = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path | None) -> str | None:
    if path is None:
        return None
    with path.open("rb") as handle:
        return stream_sha256(handle)


def loader_version(csv_dialect: str) -> str:
    """The loader's code and its setting: a file loaded by another version is loaded again."""
    return _digest([(REPO_ROOT / p).read_bytes().hex() for p in _LOADER_SOURCES], csv_dialect)[:16]


def code_fingerprint(manifest: Mapping, dbt_vars: Mapping, key_fingerprint: str, csv_dialect: str) -> str:
    """Everything but the delivery that a period's numbers depend on (the guard's fingerprint)."""
    nodes = {
        uid: (node["resource_type"], node.get("checksum"), node.get("config"), node["depends_on"].get("nodes"),
              node.get("test_metadata"),
              # a seed's checksum is its path above 1 MiB: the bytes themselves
              file_sha256(Path(node["root_path"]) / node["original_file_path"]) if node["resource_type"] == "seed" else None)
        for uid, node in manifest["nodes"].items()
    }
    unit_tests = {uid: (test.get("checksum"), test.get("given"), test.get("expect")) for uid, test in manifest.get("unit_tests", {}).items()}
    macros = {uid: hashlib.sha256(m["macro_sql"].encode()).hexdigest()
              for uid, m in manifest["macros"].items() if m["package_name"] == manifest["metadata"].get("project_name", "kpp")}
    sources = {uid: (s.get("config"), s.get("loaded_at_field")) for uid, s in manifest["sources"].items()}
    versions = {p: metadata.version(p) for p in _PACKAGES}
    return _digest(nodes, unit_tests, macros, sources, (DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"),
                   dict(dbt_vars), key_fingerprint, loader_version(csv_dialect), versions)


def period_inputs(con: duckdb.DuckDBPyConnection, partition_key: str, drg_weights: Path | None) -> dict[str, str | None]:
    """The SHA-256 of each landing table's file of the period (None: not delivered), as last loaded."""
    inputs: dict[str, str | None] = dict(con.execute(
        "select table_name, sha256 from landing.input_files where partition_key = ? order by table_name",
        [partition_key]).fetchall())
    inputs[DRG_WEIGHTS] = file_sha256(drg_weights)
    inputs[INPUT_FILES] = _digest(sorted(inputs.items()))
    return inputs


@dataclass(frozen=True)
class Plan:
    """What the steps of one run rebuild: everything (`changed` None), or what reads a changed table."""

    run_id: str
    reason: str
    base_run_id: str | None = None  # the published build whose untainted models are kept
    changed: tuple[str, ...] | None = None  # landing tables whose file changed

    @property
    def is_full(self) -> bool:
        return self.changed is None

    def message(self) -> str:
        if self.is_full:
            return f"full rebuild: {self.reason}"
        return (f"re-run on the published build of run {self.base_run_id}: changed {', '.join(self.changed) or 'nothing'}; "
                "models that read only unchanged inputs are kept")


def _ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {STATE_SCHEMA}")
    con.execute(
        f"create table if not exists {BUILDS} (partition_key varchar primary key, run_id varchar, status varchar, "
        "code_fingerprint varchar, inputs json, base_run_id varchar, changed json, reason varchar, updated_at timestamp)"
    )


def decide(con: duckdb.DuckDBPyConnection, partition_key: str, run_id: str, code: str, inputs: Mapping[str, str | None],
           force_full: bool = False) -> Plan:
    """The run's plan, recorded as the period's state (`running`): a run that does not publish leaves it so."""
    _ensure_state(con)
    last = con.execute(f"select run_id, status, code_fingerprint, inputs from {BUILDS} where partition_key = ?",
                       [partition_key]).fetchone()
    if force_full:
        plan = Plan(run_id, "a full rebuild was asked for (setting full_rebuild)")
    elif last is None:
        plan = Plan(run_id, "no published build of the period recorded")
    elif last[1] != "published":
        plan = Plan(run_id, f"run {last[0]} of the period did not publish (its models may hold its rows)")
    elif last[2] != code:
        plan = Plan(run_id, f"code, vars, seeds, the pseudonym key or the loader changed since run {last[0]}")
    else:
        before = json.loads(last[3])
        changed = tuple(sorted(t for t in set(before) | set(inputs) if before.get(t) != inputs.get(t)))
        plan = Plan(run_id, "only files changed", base_run_id=last[0], changed=changed)
    con.execute(
        f"insert or replace into {BUILDS} values (?, ?, 'running', ?, ?, ?, ?, ?, current_localtimestamp())",
        [partition_key, run_id, code, json.dumps(dict(inputs), sort_keys=True), plan.base_run_id,
         None if plan.changed is None else json.dumps(plan.changed), plan.reason],
    )
    return plan


def plan_of(con: duckdb.DuckDBPyConnection, partition_key: str, run_id: str) -> Plan:
    """The plan the landing step of this run recorded; a run without that step rebuilds everything."""
    has_state = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [STATE_SCHEMA, BUILDS.split(".")[1]]).fetchone()[0]
    row = con.execute(f"select base_run_id, changed, reason from {BUILDS} where partition_key = ? and run_id = ? "
                      "and status = 'running'", [partition_key, run_id]).fetchone() if has_state else None
    if row is None:
        return Plan(run_id, "this run did not load the period (no plan of its landing step)")
    return Plan(run_id, row[2], row[0], None if row[1] is None else tuple(json.loads(row[1])))


def mark_published(con: duckdb.DuckDBPyConnection, partition_key: str, run_id: str) -> None:
    """In the publication's transaction: the period's models are this run's build of the recorded inputs.

    A run that did not start with the landing step has no state row of its own: the period's
    state is dropped (the next run rebuilds everything).
    """
    _ensure_state(con)
    updated = con.execute(f"update {BUILDS} set status = 'published', updated_at = current_localtimestamp() "
                          "where partition_key = ? and run_id = ? returning 1", [partition_key, run_id]).fetchall()
    if not updated:
        con.execute(f"delete from {BUILDS} where partition_key = ?", [partition_key])


def tainted_nodes(manifest: Mapping, changed: Iterable[str], schema: str = "landing") -> set[str]:
    """The dbt nodes downstream of the changed landing tables (a source not in the landing schema counts as changed)."""
    changed = set(changed)
    start = [uid for uid, s in manifest["sources"].items() if s["source_name"] != schema or s["name"] in changed]
    seen: set[str] = set()
    while start:
        uid = start.pop()
        for child in manifest["child_map"].get(uid, ()):
            if child not in seen:
                seen.add(child)
                start.append(child)
    return seen


def keeps_period_rows(node: Mapping) -> bool:
    """A model whose table holds every period, a run replacing only its own period's rows."""
    config = node["config"]
    return node["resource_type"] == "model" and config.get("materialized") == "period_table"


def nodes_to_skip(manifest: Mapping, selected: Iterable[str], tainted: set[str], existing: set[tuple[str, str]]) -> set[str]:
    """Of a build's selected nodes, those a plan keeps: untainted per-period models whose table exists,
    and the tests (not gates) of untainted nodes only. Unit tests test code, which the guard found unchanged."""
    skip = set()
    for uid in selected:
        if uid.startswith("unit_test."):
            skip.add(uid)
            continue
        node = manifest["nodes"].get(uid)
        if node is None or uid in tainted:  # a test is tainted when any node it tests is
            continue
        if keeps_period_rows(node) and (node["schema"], node["alias"]) in existing:
            skip.add(uid)
        elif node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") not in GATE_TESTS:
            skip.add(uid)
    return skip


def landing_inputs(manifest: Mapping, uid: str, schema: str = "landing") -> list[str]:
    """The landing tables a node reads, directly or through other models."""
    found, todo, seen = set(), [uid], set()
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            source = manifest["sources"].get(parent)
            if source is not None:
                if source["source_name"] == schema:
                    found.add(source["name"])
            else:
                todo.append(parent)
    return sorted(found)


def topological_order(manifest: Mapping) -> list[str]:
    """The nodes, each after every node it depends on."""
    order: list[str] = []
    done: set[str] = set()
    for root in sorted(manifest["nodes"]):
        stack = [(root, False)]
        while stack:
            uid, expanded = stack.pop()
            if uid in done:
                continue
            if expanded:
                done.add(uid)
                order.append(uid)
                continue
            stack.append((uid, True))
            stack.extend((parent, False) for parent in manifest["parent_map"].get(uid, ()) if parent not in done)
    return order


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall())
