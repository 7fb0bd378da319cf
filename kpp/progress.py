"""Step progress for people watching a run: the Dagster log, and the `kpp` console when it runs the job
(there also each model finished)."""

from __future__ import annotations

import threading
import time
from typing import Callable

from kpp.landing.reader import mask_personnummer

_console: Callable[[str], None] | None = None
# (step, nodes done, nodes in the build, a node still running) -> a progress bar, when the console is a terminal
_bar: Callable[[str, int, int, str], None] | None = None


def set_console(sink: Callable[[str], None] | None, bar: Callable[[str, int, int, str], None] | None = None) -> None:
    global _console, _bar
    _console, _bar = sink, bar


def report(context, message: str) -> None:
    """To the run's Dagster log and the console."""
    message = mask_personnummer(message)  # values in a message may be a personnummer in the wrong column
    context.log.info(message)
    _to_console(message)


def say(message: str) -> None:
    """To the console only: a line per finished model would be ≈ 100 more events a run in
    Dagster's event log (each a write), where the model's materialisation already stands."""
    _to_console(mask_personnummer(message))


def _to_console(message: str) -> None:
    if _console is not None:
        _console(message)


class NodeProgress:
    """Progress through one `dbt build`: n of N nodes, elapsed, the models still running.

    Fed with dbt's start and result events (orchestration/dbt_invocation.py). Each model or
    seed finished is reported; tests are counted. While nodes run, a line every `heartbeat_s`
    names the longest running one, so a long step is never silent.
    """

    RESULTS = ("LogModelResult", "LogSeedResult", "LogTestResult", "LogSnapshotResult", "LogNodeResult")

    def __init__(self, context, step: str, heartbeat_s: float = 30.0):
        self.context, self.step, self.heartbeat_s = context, step, heartbeat_s
        self.started = time.monotonic()
        self.running: dict[str, tuple[str, float]] = {}  # unique_id -> (name, started)
        self.done = self.total = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"progress-{step}", daemon=True)

    def __enter__(self) -> "NodeProgress":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def on_event(self, name: str, data: dict) -> None:
        node = data.get("node_info") or {}
        unique_id = node.get("unique_id")
        if not unique_id:
            return
        now = time.monotonic()
        with self._lock:
            if name == "LogStartLine":
                self.running[unique_id] = (node.get("node_name", unique_id), now)
                self.total = max(self.total, int(data.get("total") or 0))
                return
            if name not in self.RESULTS:
                return
            self.running.pop(unique_id, None)
            self.done += 1
            self.total = max(self.total, int(data.get("total") or 0))
            done, total = self.done, self.total
            running = min(self.running.values(), key=lambda r: r[1])[0] if self.running else ""
        if _bar is not None:
            _bar(self.step, done, total, running)
        if unique_id.split(".", 1)[0] in ("model", "seed", "snapshot"):
            took = float(data.get("execution_time") or 0)
            say(f"{self.step}: {done} of {total} ({now - self.started:.0f} s): "
                f"{node.get('node_name')} {data.get('status', '')} in {took:.1f} s")

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            with self._lock:
                if not self.running:
                    continue
                name, since = min(self.running.values(), key=lambda r: r[1])
                done, total, others = self.done, self.total, len(self.running) - 1
            now = time.monotonic()
            report(self.context, f"{self.step}: {done} of {total} done, {now - self.started:.0f} s; still running: "
                                 f"{name} ({now - since:.0f} s)" + (f" and {others} more" if others else ""))
