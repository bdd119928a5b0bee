"""Engines for the embedded default (SQLite) and production (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

SEALER_CONNECTIONS = 4  # the audit sealer's short transaction runs after a request commits, on its own connection


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """Create an engine; SQLite gets WAL, synchronous=FULL and foreign keys so nothing acknowledged is lost.

    The pool sizes apply to PostgreSQL; the server passes sizes that cover every request it admits at once
    (`pool_for`), the CLI and tests keep the small default.
    """
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def pool_for(concurrent_requests: int, pool_size: int) -> dict[str, int]:
    """Pool sizes for a server worker admitting `concurrent_requests` at once: `pool_size` kept once opened, and
    overflow up to one connection per admitted request plus a few for the audit sealer, so no request waits for
    a connection. Overflow connections are closed when returned, so a pool smaller than the load opens and closes
    a PostgreSQL connection (a new backend process) per request: the default keeps them all."""
    needed = concurrent_requests + SEALER_CONNECTIONS
    keep = min(pool_size, needed)
    return {"pool_size": keep, "max_overflow": needed - keep}


def read_first(engine: Engine) -> Engine | None:
    """An engine whose transactions begin DEFERRED (SQLite: reading without the write lock), or None where readers
    never hold writers up anyway (PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return None
    return engine.execution_options(sqlite_begin="BEGIN")


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    """SQLite with the pragmas the design requires; in-memory databases share one connection."""
    memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        # As many connections as the server has request threads (40): with fewer, requests queued for the single
        # write lock hold every connection, the rest time out after 30 s (bench_load, 50 clients).
        kwargs.update(pool_size=20, max_overflow=40)
    engine = create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Take control of transactions from pysqlite so BEGIN IMMEDIATE can be issued per unit of work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    gate = None if memory else _FairGate()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start, so two writers queue instead of deadlocking. A read-first
        # unit of work (`read_first`) begins DEFERRED and never writes in that transaction (db/uow.py).
        begin = connection.get_execution_options().get("sqlite_begin", "BEGIN IMMEDIATE")
        if gate is not None and begin == "BEGIN IMMEDIATE":
            connection.info["reachable.gate"] = gate.enter()
        try:
            connection.exec_driver_sql(begin)
        except BaseException:
            _end(connection)  # no transaction began, so no commit or rollback will let the next writer in
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Any) -> None:
        if gate is not None and connection.info.pop("reachable.gate", False):
            gate.leave()

    return engine


class _FairGate:
    """First come, first served among this process's SQLite writers.

    SQLite's busy handler lets waiting writers poll with growing sleeps, so under load a newcomer often beats a
    writer that has waited for seconds (bench_load: median 36 ms, p99 11 s). Queueing writers of one process in
    arrival order before BEGIN IMMEDIATE makes the wait fair; other processes (an import from the CLI) still
    meet the busy timeout. A writer that waited 30 s goes on regardless, so a leaked ticket cannot stop the store.
    """

    def __init__(self) -> None:
        """An open gate."""
        self._condition = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def enter(self) -> bool:
        """Wait for this caller's turn (at most 30 s); True if it then holds the gate."""
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            turn = self._condition.wait_for(lambda: self._serving >= ticket, timeout=30)
            if not turn:  # give up the place in the queue without holding the gate
                self._serving = max(self._serving, ticket + 1)
                self._condition.notify_all()
            return bool(turn)

    def leave(self) -> None:
        """Let the next writer in."""
        with self._condition:
            self._serving += 1
            self._condition.notify_all()
