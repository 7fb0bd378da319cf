"""Dagster's SQLite event log with its connections kept open (the event log storage of every KPP Dagster home).

Dagster's `SqliteEventLogStorage` creates an engine, connects and disposes of it again for every
event it stores and every query it answers: a period run stores ≈ 400 events and reads the inputs'
versions before each step, and the connecting was ≈ 5 s of a demo run's 61 s (docs/benchmarks.md).
Here each database keeps one connection, opened on first use. The files, tables and locking are
Dagster's own, so `dagster dev` and the `kpp` commands share a home as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

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
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            # WAL (set by Dagster when it creates the file) with NORMAL sync: a commit no longer waits
            # for the disk; a power cut can lose the last events, never the file's consistency.
            db.event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=NORMAL"))
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

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
