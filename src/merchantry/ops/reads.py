"""One small read run many times a second, on a connection kept per thread.

Going through SQLAlchemy's pool and statement machinery for every request costs
far more than an indexed read of one row. :class:`PreparedRead` compiles its
statement once for the engine's dialect and runs it on the calling thread's own
DBAPI connection in autocommit mode, so every call sees the newest committed rows
of every process. A connection that fails (a restarted server) is dropped and the
read retried once on a new one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine


class PreparedRead:
    """``statement`` (a select or a compound of selects, with named ``bindparam`` s), ready
    to run on a per-thread connection; ``on_connect`` is given each new driver connection."""

    def __init__(
        self,
        engine: Engine,
        statement: Any,
        *,
        on_connect: Callable[[Any], None] | None = None,
    ) -> None:
        self.engine = engine
        self._on_connect = on_connect
        compiled = statement.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._order = tuple(compiled.positiontup or ())
        self._local = threading.local()
        self._open: set[Any] = set()
        """Every thread's connection, so :meth:`close_all` reaches those of threads that are
        gone (a connection left to the garbage collector is never closed)."""
        self._generation = 0
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if getattr(self._local, "generation", None) != self._generation:
            connection = None  # closed by close_all
        if connection is None:
            connection = self.engine.raw_connection()
            driver: Any = connection.driver_connection
            if hasattr(driver, "autocommit"):
                driver.autocommit = True
            if self.engine.dialect.name == "sqlite":
                driver.isolation_level = None
            if self._on_connect is not None:
                self._on_connect(driver)
            with self._lock:
                self._open.add(connection)
                self._local.generation = self._generation
            self._local.connection = connection
        return connection

    def driver(self) -> Any:
        """This thread's driver connection (opened if need be)."""
        return self._connection().driver_connection

    def _run(self, params: Mapping[str, Any]) -> list[Any]:
        cursor = self._connection().cursor()
        try:
            if self._order:
                cursor.execute(self._sql, tuple(params[name] for name in self._order))
            else:
                cursor.execute(self._sql, dict(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def all(self, params: Mapping[str, Any]) -> list[Any]:
        """Every row of the statement for ``params``."""
        try:
            return self._run(params)
        except self.engine.dialect.loaded_dbapi.Error:
            self.close()
            return self._run(params)

    def close(self) -> None:
        """Close this thread's connection (the next read opens a new one)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                self._open.discard(connection)
            _invalidate(connection)

    def close_all(self) -> None:
        """Close every thread's connection (at shutdown); a later read opens a new one."""
        with self._lock:
            opened, self._open = self._open, set()
            self._generation += 1
        for connection in opened:
            _invalidate(connection)


def _invalidate(connection: Any) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing left to close
        connection.invalidate()
