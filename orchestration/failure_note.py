"""The failure note of a run, `exports/<period>.FAILED.txt` (the uses': `exports/uses.FAILED.txt`).

Written inside the run, by a failure hook on both jobs (orchestration/jobs.py), so a run started from
the UI leaves the same note as `kpp run`; the next successful export removes it (kpp/exports.py). It
names the failed checks and the failed steps' errors, personnummer-shaped values masked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

import duckdb
from dagster import DagsterEventType, HookContext, failure_hook

from kpp.exports import failure_note
from kpp.landing.reader import mask_personnummer
from kpp.publish import failed_checks as checks_failed
from kpp.settings import DataRoot
from orchestration.assets.uses import USES_EXPORTS_DIR

# errors whose message is written for the user (the rest get their innermost cause)
_USER_ERRORS = ("InputError", "MissingKeyError", "DagsterDbtCliRuntimeError", "Failure")


def _number(value: float) -> str:
    """Amounts to the öre; shares with enough digits to see them."""
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}"


def failed_checks(root: DataRoot, partition_key: str) -> list[str]:
    """The failed checks of the period's steps, read from the checks models (no personal data in them)."""
    if not root.duckdb_path.exists():
        return []
    with duckdb.connect(str(root.duckdb_path), read_only=True) as con:
        return [f"gate {step} failed: {check}: expected {_number(expected)}, actual {_number(actual)}"
                + (f" — {detail}" if detail else "") for step, check, expected, actual, detail in checks_failed(con, partition_key)]


def error_text(error) -> str:
    """The user-facing part of a step's error: dbt's parsed errors, or the innermost exception's message."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause
    if not chain:
        return "unknown error"
    error = next((e for e in chain if e.cls_name in _USER_ERRORS), chain[-1])
    # "package.module.ClassName: text" -> "text"
    message = re.sub(r"^[\w.]+(Error|Failure|Exception): ", "", error.message.strip())
    if "Errors parsed from dbt logs:" in message:
        message = message.split("Errors parsed from dbt logs:", 1)[1].strip()
    lines = [line for line in re.sub(r"\x1b\[[0-9;]*m", "", message).splitlines() if line.strip()]
    return "\n    ".join(lines[:25]) + ("\n    …" if len(lines) > 25 else "")


def failure_reasons(root: DataRoot, note: str, step_failures: Iterable[tuple[str, object]]) -> list[str]:
    """What failed: a period's failed checks, then each failed step (step key, Dagster's error info).
    `note` is the period, or the uses' USES_EXPORTS_DIR."""
    reasons = failed_checks(root, note) if note != USES_EXPORTS_DIR else []
    return reasons + [f"step {step_key} failed: {error_text(error)}" for step_key, error in step_failures]


def write_note(root: DataRoot, note: str, reasons: list[str]) -> None:
    target = root.exports_dir(note)
    path = failure_note(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = f"The exports in {target.name}/ are from an earlier successful run." if target.exists() else "No exports exist for this period."
    path.write_text(f"KPP {note}: the run of {time.strftime('%Y-%m-%d %H:%M:%S')} failed. {previous}\n\n"
                    + mask_personnummer("\n".join(reasons)) + "\n", encoding="utf-8")


def step_failures(instance, run_id: str) -> list[tuple[str, object]]:
    """The run's failed steps so far, in order: (step key, error info)."""
    return [(entry.dagster_event.step_key, entry.dagster_event.step_failure_data.error)
            for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE)]


@failure_hook(required_resource_keys={"warehouse"})
def failure_note_hook(context: HookContext) -> None:
    """After each failed step: the note of everything failed so far in the run (the last one names all)."""
    run = context.instance.get_run_by_id(context.run_id)
    note = run.tags.get("dagster/partition") or USES_EXPORTS_DIR
    root = context.resources.warehouse.root
    write_note(root, note, failure_reasons(root, note, step_failures(context.instance, context.run_id)))
    context.log.info(f"wrote {failure_note(root.exports_dir(note))}")
