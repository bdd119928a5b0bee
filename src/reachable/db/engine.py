"""Engines for the embedded default (SQLite) and production (PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, synchronous=FULL and foreign keys so nothing acknowledged is lost."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


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

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start, so two writers queue instead of deadlocking.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
