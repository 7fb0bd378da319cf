"""Step progress for people watching a run: the Dagster log, and the `kpp` console when it runs the job."""

from __future__ import annotations

from typing import Callable

_console: Callable[[str], None] | None = None


def set_console(sink: Callable[[str], None] | None) -> None:
    global _console
    _console = sink


def report(context, message: str) -> None:
    context.log.info(message)
    if _console is not None:
        _console(message)
