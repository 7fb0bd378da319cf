"""What keeps a data root usable across faults: one `kpp run` at a time, stale runs marked failed,
a readable warehouse, bounded history (docs/data-protection.md, "Faults and retention").
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

from kpp.settings import DataRoot

LOCK_FILE = ".kpp.lock"
# tags of every run `kpp` starts: the clean-up below touches only runs of this data root's CLI
CLI_TAG = "kpp/launched_by"
DATA_ROOT_TAG = "kpp/data_root"


class DataRootError(ValueError):
    """A data root `kpp` cannot use as it is; the message says what to do (exit 2)."""


@contextlib.contextmanager
def exclusive(root: DataRoot, period_key: str, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the data root's lock file for one `kpp run`; wait, saying for whom, while another holds it.

    The operating system releases the lock when its process ends, killed or not: no stale lock.
    """
    path = root.path / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise DataRootError(f"the data root {root.path} is not writable ({exc.strerror}): run kpp as a user who may "
                            "write there, or point --data-root at a writable copy.") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            say(f"waiting: the data root {root.path} is in use by kpp run {holder.get('period', '?')} "
                f"(pid {holder.get('pid', '?')}, started {holder.get('started', '?')}); this run starts when it ends")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"period": period_key, "pid": os.getpid(),
                                  "started": time.strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (ValueError, OSError):
        return {}


def check_warehouse(root: DataRoot) -> None:
    """A kpp.duckdb that DuckDB cannot open gets a one-line error saying what to do, not a traceback."""
    import duckdb

    if not root.duckdb_path.exists():
        return
    if not os.access(root.duckdb_path, os.R_OK | os.W_OK):
        raise DataRootError(f"{root.duckdb_path} is not readable and writable by this user: run kpp as its owner "
                            "(the warehouse is created owner-only).")
    try:
        duckdb.connect(str(root.duckdb_path)).close()
    except duckdb.IOException as exc:
        text = str(exc)
        if "permission denied" in text.lower() or "read-only" in text.lower():
            raise DataRootError(f"{root.duckdb_path} cannot be opened for writing (read-only disk or folder): run on a "
                                "writable copy of the data root.") from None
        if "lock" in text.lower():
            raise DataRootError(f"{root.duckdb_path} is open in another process (a run started from the UI, a "
                                "notebook or a database tool): close it, then run again.") from None
        raise DataRootError(_damaged(root)) from None
    except duckdb.Error:
        raise DataRootError(_damaged(root)) from None


def _damaged(root: DataRoot) -> str:
    return (f"{root.duckdb_path} is not a DuckDB database file DuckDB can open (damaged, or another file under that name): "
            f"move it away (`mv {root.duckdb_path} {root.duckdb_path}.damaged`) and run each period again; "
            "its exports under exports/ are kept.")


def clear_stale(root: DataRoot, instance, say: Callable[[str], None], spill_files: bool = True) -> None:
    """With the lock held no other `kpp run` of this data root is alive: its unfinished runs were killed.

    They are marked failed (else `dagster dev`'s queue counts them as in progress for good). With
    `spill_files`, what a killed load left behind (DuckDB's spill files, the loader's spill folder)
    is removed too: only once the caller knows no process has the warehouse open (a run the UI
    started takes no lock file).
    """
    from dagster import DagsterRunStatus, RunsFilter

    unfinished = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED,
                  DagsterRunStatus.CANCELING]
    ours = run_tags(root)
    for run in instance.get_runs(RunsFilter(statuses=unfinished)):
        # this data root's CLI runs; and in-process runs without our tags (no code location: not the UI's), which
        # an earlier kpp started before it tagged its runs
        if not (all(run.tags.get(k) == v for k, v in ours.items())
                or (CLI_TAG not in run.tags and run.remote_job_origin is None)):
            continue
        instance.report_run_failed(run, message="kpp: the process of this run ended without finishing it (killed); "
                                                "marked failed at the next kpp start.")
        say(f"marked the unfinished run {run.run_id[:8]} of {run.tags.get('dagster/partition', '?')} as failed (its process had ended)")
    from kpp.landing.reader import SPILL_DIR_NAME

    for folder in (root.duckdb_temp_dir, root.path / SPILL_DIR_NAME) if spill_files else ():
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def clear_stale_if_idle(root: DataRoot, instance, say: Callable[[str], None]) -> None:
    """clear_stale for commands other than `kpp run` (`kpp status`): only while no run holds the lock."""
    try:
        fd = os.open(root.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return  # a read-only data root: nothing can have run here since
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return
    try:
        clear_stale(root, instance, say, spill_files=False)
    finally:
        os.close(fd)


def run_tags(root: DataRoot) -> dict[str, str]:
    return {CLI_TAG: "cli", DATA_ROOT_TAG: str(root.path)}


def prune(root: DataRoot, instance, period_key: str, keep: int) -> None:
    """Keep the last `keep` runs of the period (setting keep_runs): run history, run logs, GX results and pages."""
    from dagster import DagsterRunStatus, RunsFilter

    # this data root's runs only (a DAGSTER_HOME may be shared by several data roots)
    tags = {"dagster/partition": period_key, DATA_ROOT_TAG: str(root.path)}
    finished = [r for r in instance.get_runs(RunsFilter(tags=tags)) if r.is_finished]  # newest first
    # the newest successful run holds the published period's materialisations (kpp status, the UI): never pruned
    success = next((r.run_id for r in finished if r.status == DagsterRunStatus.SUCCESS), None)
    for run in [r for r in finished[keep:] if r.run_id != success]:
        instance.delete_run(run.run_id)
        shutil.rmtree(Path(instance.root_directory) / "storage" / run.run_id, ignore_errors=True)  # compute logs
    # names hold the start time (kpp-2025-H1-… is another period's than kpp-2025-…)
    logs = sorted((p for p in (root.path / "logs").glob(f"kpp-{period_key}-*.log")
                   if re.fullmatch(rf"kpp-{re.escape(period_key)}-[0-9]{{8}}-[0-9]{{6}}\.log", p.name)), reverse=True)
    for log in logs[keep:]:
        log.unlink(missing_ok=True)
    docs = root.path / "gx_docs" / period_key
    # <store>/<suite>/<run name>/<run time>/…: one run-name folder per gate and run
    for store in ("results", "validations"):
        for suite in (p for p in (docs / store).glob("*") if p.is_dir()):
            runs = sorted((p for p in suite.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in runs[keep:]:
                shutil.rmtree(old, ignore_errors=True)
