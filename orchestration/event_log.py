"""Dagster's SQLite event log with its connections kept open (the event log storage of every KPP Dagster home).

Dagster's `SqliteEventLogStorage` creates an engine, connects and disposes of it again for every
event it stores and every query it answers: a period run stores ≈ 400 events and reads the inputs'
versions before each step, and the connecting was ≈ 5 s of a demo run's 61 s (docs/benchmarks.md).
Here each database keeps one connection, opened on first use. The files, tables and locking are
Dagster's own, so `dagster dev` and the `kpp` commands share a home as before. With connections
kept open, a commit stays in the run's `<run>.db-wal` until a checkpoint (SQLite moves it into
`<run>.db` when the last connection closes, which no longer happens after every event), so the UI's
watch on a run's events is woken by the WAL file as well.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, StaticPool
from watchdog.observers import Observer

# The index database and the few runs in progress stay open; a process that reads many runs' logs
# (the UI) closes the least recently used one beyond this.
OPEN_DATABASES = 8


class KppSqliteEventLogStorage(SqliteEventLogStorage):
    """One open connection per SQLite database, used under the storage's own lock (Dagster's
    `_db_lock` serialises every connection of the storage already, so one per file is enough)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            url = self.conn_string_for_shard(shard)
            if shard not in self._initialized_dbs:  # Dagster's set-up, on an engine of its own as Dagster's
                setup = db.create_engine(url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
                try:
                    self._initdb(setup)
                finally:
                    setup.dispose()
                self._initialized_dbs.add(shard)
            engine = db.create_engine(
                url, poolclass=StaticPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
            # WAL (set by Dagster when it creates the file) with NORMAL sync: a commit no longer waits
            # for the disk; a power cut can lose the last events, never the file's consistency.
            db.event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=NORMAL"))
        self._engines[shard] = engine
        # the least recently used run's database closes first; the index, used by every run, stays open
        while len(self._engines) > OPEN_DATABASES:
            oldest = next(name for name in self._engines if name != INDEX_SHARD_NAME)
            self._engines.pop(oldest).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def watch(self, run_id: str, cursor: str | None, callback) -> None:
        """Dagster's watch, with the watchdog below."""
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _RunWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (watchdog, self._obs.schedule(watchdog, self._base_dir, recursive=True))

    def _close(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def delete_events(self, run_id: str) -> None:
        super().delete_events(run_id)
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
            if engine is not None:
                engine.dispose()

    def wipe(self) -> None:
        self._close()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close()


class _RunWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's watchdog of one run's events, woken by a change of the run's WAL file too."""

    @property
    def patterns(self) -> list[str]:
        return [self._log_path, self._log_path + "-wal"]

    def on_modified(self, event) -> None:
        self._process_log()
