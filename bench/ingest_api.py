"""The streaming API half of bench_ingest: single-event submissions against a real server (issue 4: >= 500/s,
p99 <= 100 ms on PostgreSQL with 16 concurrent clients).

A real `reachable serve` (uvicorn, two workers on PostgreSQL) on a fresh store; each client is an agency system
posting one event per request to POST /api/v1/events with its agency token, as the API tests do. Every
submission runs the whole pipeline (link, NRM, rules, network) before its reply. Requests are bounded in time
and go to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

CLIENTS = 16
SECONDS = {"smoke": 8.0, "medium": 20.0, "full": 60.0}
WARM_UP = 3.0  # seconds of the same load first: each worker's first requests import modules and fill caches
TARGET_RATE = ">= 500"
CORES = 2  # the target machine's cores
TARGET_P99_MS = 100
KINDS: list[tuple[str, dict[str, Any]]] = [
    ("missing_reported", {"missing_type": "M", "risk_level": "medium"}),
    ("stop_search", {"grounds": "drugs", "items_found": ["cash"]}),
    ("missing_found", {}),
    ("arrest", {"offence_category": "pwits_class_a", "outcome": "charged"}),
]


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds used so far by these processes (Linux /proc; 0 for any that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def _server_pids(root: int, url: str | None) -> list[int]:
    """The server process, its workers and (PostgreSQL) the backends serving its database."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    if url:
        server, name = url.rsplit("/", 1)
        admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://") + "/postgres")
        with admin.connect() as connection:
            pids += [int(pid) for pid in connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": name}).scalars()]
        admin.dispose()
    return pids


def _free_port() -> int:
    """An unused local port for the server under test."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _store(postgres: str | None, folder: Path) -> str:
    """A fresh store with reference areas: a new PostgreSQL database beside `postgres`, else a SQLite file."""
    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.registry import metadata
    from reachable.db.uow import session_factory, unit_of_work

    if postgres:
        server, _ = postgres.rsplit("/", 1)
        url = f"{server}/reachable_ingest_api_{os.getpid()}"
        _admin(url, create=True)
    else:
        url = f"sqlite:///{folder / 'api.db'}"
    engine = make_engine(url)
    metadata().create_all(engine)
    with unit_of_work(session_factory(engine)) as session:
        areas.load_reference_areas(session)
    engine.dispose()
    return url


def _admin(url: str, *, create: bool) -> None:
    """Create (afresh) or drop the PostgreSQL database named by `url`."""
    server, name = url.rsplit("/", 1)
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _token(url: str) -> str:
    """A submit_events token for the police force whose events the clients send."""
    from reachable.access import service as access
    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.uow import session_factory, unit_of_work

    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        agency = areas.ensure_agency(session, code="POL-E23000014")
        token = access.create_token(session, agency_id=agency.id, name="bench api", purpose="submit_events")
    engine.dispose()
    return token


START = datetime.now(UTC) - timedelta(days=200)  # events recent enough for the rules to act on


POOL = 400  # children the clients' events are about


def _body(number: int, n: int) -> dict[str, Any]:
    """Client `number`'s `n`th event: about one of the pool's children, a kind in turn from KINDS."""
    child = (number * 7919 + n) % POOL
    kind, payload = KINDS[n % len(KINDS)]
    return {"agency": "POL-E23000014", "agency_key": f"API-{number}-{n}", "kind": kind,
            "occurred_at": (START + timedelta(minutes=n * 17 + number)).isoformat(), "area_code": "E08000025",
            "payload": payload,
            "person": {"agency_person_id": f"API-C{child}", "first_name": f"Child{child}", "last_name": "Api",
                       "dob": "2010-05-04", "home_area_code": "E08000025"}}


class Submitter(threading.Thread):
    """One agency system posting single events until the deadline, timing each reply."""

    def __init__(self, base: str, token: str, number: int, measure_from: float, deadline: float) -> None:
        """A client; replies that start before `measure_from` are warm-up and not counted."""
        super().__init__(daemon=True)
        self.base, self.number, self.measure_from, self.deadline = base, number, measure_from, deadline
        self.headers = {"Authorization": f"Bearer {token}"}
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        """Post events about a pool of 400 children, recent enough for the rules to act on."""
        with httpx.Client(base_url=self.base, timeout=30) as http:
            n = 0
            while time.perf_counter() < self.deadline:
                n += 1
                body = _body(self.number, n)
                started = time.perf_counter()
                try:
                    status = http.post("/api/v1/events", json=body, headers=self.headers).status_code
                except httpx.HTTPError:
                    status = 599
                if started >= self.measure_from:
                    self.samples.append(((time.perf_counter() - started) * 1000, status))


def _make_known(url: str) -> None:
    """One event about every child of the pool, stored before the server starts (keys no client uses)."""
    from reachable import pipeline
    from reachable.access import service as access
    from reachable.db.engine import make_engine
    from reachable.db.uow import session_factory, unit_of_work
    from reachable.records.schemas import EventIn

    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        pipeline.ingest(session, actor=access.SYSTEM, events=[
            EventIn.model_validate({**_body(0, n), "agency_key": f"KNOWN-{n}"}) for n in range(POOL)])
    engine.dispose()


def run_api(scale: str, postgres: str | None, *, known: bool = False) -> list[dict[str, Any]]:
    """Serve a fresh store, run 16 submitting clients, stop; the rate, p99 and failures as figures.

    `known`: every child of the pool is on file before the clients start, so no two submissions wait for each
    other to create the same new child (what the default run spends much of its first seconds doing).
    """
    folder = Path(tempfile.mkdtemp(prefix="reachable-ingest-api-"))
    url = _store(postgres, folder)
    backend = "postgresql" if postgres else "sqlite"
    token = _token(url)
    if known:
        _make_known(url)
    port = _free_port()
    env = {**os.environ, "REACHABLE_DATABASE_URL": url}
    server = subprocess.Popen([sys.executable, "-m", "reachable.cli", "serve", "--port", str(port), "--workers",
                               "2" if postgres else "1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=(folder / "server.log").open("wb"), start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    seconds = SECONDS.get(scale, SECONDS["smoke"])
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        measure_from = time.perf_counter() + WARM_UP
        clients = [Submitter(base, token, i, measure_from, measure_from + seconds) for i in range(CLIENTS)]
        for client in clients:
            client.start()
        # CPU seconds spent in the measured window, per side: on a loaded machine the rate says more about the
        # other tenants than about us, while CPU per event does not (it predicts the rate on idle cores).
        time.sleep(max(0.0, measure_from - time.perf_counter()))
        pids = _server_pids(server.pid, url if postgres else None)
        database = pids[len(_server_pids(server.pid, None)):]
        before = (_cpu_seconds(pids), _cpu_seconds(database), time.process_time())
        time.sleep(max(0.0, measure_from + seconds - time.perf_counter()))
        used = (_cpu_seconds(pids) - before[0], _cpu_seconds(database) - before[1], time.process_time() - before[2])
        for client in clients:
            client.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        if postgres:
            _admin(url, create=False)
        if os.environ.get("REACHABLE_BENCH_KEEP_LOG"):
            print((folder / "server.log").read_text(errors="replace")[-5000:])
    samples = [sample for client in clients for sample in client.samples]
    ok = sorted(ms for ms, status in samples if status == 201)
    failed = len(samples) - len(ok)
    statuses = sorted({status for _, status in samples if status != 201})
    failures = f"replies other than 201, of {len(samples)}" + (f"; statuses {statuses}" if statuses else "")
    p99 = ok[max(0, -(-len(ok) * 99 // 100) - 1)] if ok else float("nan")
    p50 = ok[len(ok) // 2] if ok else float("nan")
    note = (f"{CLIENTS} clients, {seconds:.0f} s after {WARM_UP:.0f} s warm-up, whole pipeline per event"
            + ("; every child already known" if known else ""))
    return [
        {"name": f"api single events {backend}", "value": round(len(ok) / seconds), "unit": "events/s",
         "target": TARGET_RATE, "baseline": None, "ratio": None, "note": note},
        {"name": f"api p99 {backend}", "value": round(p99, 1), "unit": "ms", "target": f"<= {TARGET_P99_MS}",
         "baseline": round(p50, 1), "ratio": round(p99 / p50, 1) if ok else None, "note": "baseline = p50"},
        {"name": f"api cpu per event {backend}", "value": round(used[0] * 1000 / max(len(ok), 1), 1), "unit": "ms",
         "target": None, "baseline": round(used[2] * 1000 / max(len(ok), 1), 1),
         "ratio": round(CORES * 1000 / max(used[0] * 1000 / max(len(ok), 1), 0.001)),
         "note": f"server{' and PostgreSQL backends' if postgres else ''} (of which database "
                 f"{used[1] * 1000 / max(len(ok), 1):.1f} ms); baseline = the 16 clients' CPU; "
                 f"ratio = events/s that CPU allows on {CORES} idle cores"},
        {"name": f"api failed {backend}", "value": failed, "unit": "requests", "target": "<= 0", "baseline": None,
         "ratio": None, "note": failures},
    ]
