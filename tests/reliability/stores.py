"""Throw-away stores and servers for the reliability trials and benchmarks (crash, load).

A store is a SQLite file in a folder or a new PostgreSQL database, with the models' schema and the reference
areas; a server is a real `reachable serve` subprocess on a free port, in its own process group so that it and
its workers can be stopped (or killed) together.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import Engine, create_engine, text

from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work

PG_ADMIN = os.environ.get("REACHABLE_BENCH_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_HOST = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://")


def _admin(statement: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance database (outside a transaction)."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def postgres_available() -> bool:
    """Whether the PostgreSQL server answers."""
    try:
        admin = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
        admin.dispose()
        return True
    except Exception:
        return False


def fresh_store(backend: str, folder: Path, name: str) -> tuple[str, Engine]:
    """A new store (SQLite file `folder/name.db` or PostgreSQL database `reachable_<name>_<pid>`): its URL and
    an engine on it, with the models' schema (the migrations can lag them while the tree changes) and areas."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / (name + '.db')}"
    else:
        database = f"reachable_{name}_{os.getpid()}"
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{database}"')
        url = f"{PG_HOST}/{database}"
    engine = make_engine(url)
    metadata().create_all(engine)
    with unit_of_work(session_factory(engine)) as session:
        areas.load_reference_areas(session)
    return url, engine


def drop_store(url: str) -> None:
    """Drop a PostgreSQL store (SQLite files go with their temporary folder)."""
    if url.startswith("postgresql"):
        _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def free_port() -> int:
    """An unused local port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, *, workers: int = 1, log: IO[bytes] | None = None,
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`reachable serve` on the store in its own process group; returns once /health answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "reachable.cli", "serve", "--port", str(port),
                                "--workers", str(workers)],
                               env={**os.environ, **(env or {}), "REACHABLE_DATABASE_URL": url},
                               stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,  # a pipe nobody
                               start_new_session=True)  # reads would block the server; the group: its workers
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_server(process, kill=True)
    raise RuntimeError("server did not start")


def stop_server(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """Stop a server and its workers: SIGKILL at once if `kill`, else SIGTERM, then SIGKILL after 30 s."""
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:  # uvicorn's workers can outwait a graceful stop
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:  # already gone
        process.wait(timeout=30)
