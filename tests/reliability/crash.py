"""Crash trials: kill -9 a bulk import or an API server at a random moment, then check nothing was lost or half-written.

Used by tests/reliability/test_crash.py (a few trials) and bench/bench_crash.py (>= 50 per database and kind).
A store is a real SQLite file or a fresh PostgreSQL database; imports run as `reachable ingest` subprocesses and
API writes go to a `reachable serve` subprocess over HTTP, so the kill is a real SIGKILL of a real process.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.db.uow import session_factory, unit_of_work
from reachable.records.kinds import EventKind
from tests.factories import SAMPLE_PAYLOADS, event, person
from tests.reliability import invariants, stores
from tests.reliability.stores import drop_store, fresh_store
from tests.reliability.stores import postgres_available as postgres_available  # bench_crash imports it from here

AGENCY = "POL-E23000014"
KINDS = (EventKind.MISSING_REPORTED, EventKind.MISSING_FOUND, EventKind.STOP_SEARCH, EventKind.ARREST,
         EventKind.INTELLIGENCE_REPORT)


@dataclass
class Store:
    """A fresh store on one backend: its URL (for subprocesses) and an engine (for checks)."""

    backend: str
    url: str
    engine: Engine
    token: str = ""

    def drop(self) -> None:
        """Dispose of the engine and drop a PostgreSQL database."""
        self.engine.dispose()
        drop_store(self.url)


def make_store(backend: str, folder: Path, name: str) -> Store:
    """A new empty schema with reference areas and an agency submit token."""
    url, engine = fresh_store(backend, folder, f"crash_{name}")
    with unit_of_work(session_factory(engine)) as session:
        agency = areas.ensure_agency(session, code=AGENCY)
        token = access.create_token(session, agency_id=agency.id, name="crash", purpose="submit_events")
    return Store(backend, url, engine, token)


def canonical(prefix: str, n: int, people: int) -> list[dict[str, Any]]:
    """n canonical events (as JSON-ready dicts) about `people` children, keys prefixed so each file is traceable."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        who = person(agency_person_id=f"{prefix}P{i % people}", first_name=f"Crash{i % people}",
                     last_name=f"Trial{prefix}", police_person_id=None)
        rows.append(event(kind, agency=AGENCY, agency_key=f"{prefix}-{i}", person=who,
                          occurred_at=start + timedelta(hours=i), payload=SAMPLE_PAYLOADS[kind])
                    .model_dump(mode="json", exclude_none=True))
    return rows


def write_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A canonical JSON Lines extract."""
    import json

    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run_ingest(store: Store, path: Path, *, kill_after: float | None) -> int:
    """`reachable ingest` in a subprocess; SIGKILL it after `kill_after` seconds (None: wait for it to finish)."""
    env = {**os.environ, "REACHABLE_DATABASE_URL": store.url}
    process = subprocess.Popen([sys.executable, "-m", "reachable.cli", "ingest", str(path), "--no-progress",
                                "--by", "crash-bench"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is None:
        _, err = process.communicate(timeout=600)
        if process.returncode != 0:
            raise RuntimeError(f"import failed ({process.returncode}): {err.decode()[-2000:]}")
        return 0
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return int(process.returncode)


def keys_present(store: Store, prefix: str) -> int:
    """How many distinct events of a file (by key prefix) the store holds."""
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(DISTINCT agency_key) FROM events WHERE agency_key LIKE :p"),
                                      {"p": f"{prefix}-%"}).scalar() or 0)


@dataclass
class TrialResult:
    """One trial's outcome: where the kill fell, what was found, every problem."""

    kind: str
    backend: str
    kill_after: float
    present_after_kill: int
    expected: int
    problems: list[str] = field(default_factory=list)


def import_trial(store: Store, folder: Path, index: int, *, events: int, people: int,
                 window: float, rng: random.Random) -> TrialResult:
    """Kill an import at a random moment; the file must be all there or not at all; a re-run completes it."""
    prefix = f"I{index}"
    path = write_file(folder / f"{prefix}.jsonl", canonical(prefix, events, people))
    delay = rng.uniform(0.0, window)
    code = run_ingest(store, path, kill_after=delay)
    present = keys_present(store, prefix)
    result = TrialResult("import", store.backend, delay, present, events)
    if present not in (0, events):
        result.problems.append(f"half an import: {present} of {events} events after kill (exit {code})")
    result.problems += invariants.check_all(store.engine)
    run_ingest(store, path, kill_after=None)  # the re-run completes the file (or finds it already imported)
    if keys_present(store, prefix) != events:
        result.problems.append(f"re-run left {keys_present(store, prefix)} of {events} events")
    result.problems += invariants.orphans(store.engine)
    return result


def start_server(store: Store) -> tuple[subprocess.Popen[bytes], str]:
    """`reachable serve` on the store; returns once /health answers."""
    return stores.start_server(store.url)


def _writer(base: str, token: str, rows: list[dict[str, Any]], acked: list[str], stop: threading.Event) -> None:
    """Post events one by one until told to stop or the server dies; remember each acknowledged key."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        for row in rows:
            if stop.is_set():
                return
            try:
                response = http.post("/api/v1/events", json=row)
            except httpx.HTTPError:
                return  # the server is gone: this write was never acknowledged
            if response.status_code in (200, 201):
                acked.append(row["agency_key"])


def api_trial(store: Store, index: int, *, events: int, clients: int, window: float,
              rng: random.Random) -> TrialResult:
    """Kill the server while clients write; every acknowledged write must survive; resending completes the set."""
    prefix = f"A{index}"
    rows = canonical(prefix, events, max(1, events // 4))
    server, base = start_server(store)
    acked: list[str] = []
    stop = threading.Event()
    shares = [rows[c::clients] for c in range(clients)]
    threads = [threading.Thread(target=_writer, args=(base, store.token, share, acked, stop)) for share in shares]
    for thread in threads:
        thread.start()
    delay = rng.uniform(0.05, window)
    time.sleep(delay)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=60)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    result = TrialResult("api", store.backend, delay, keys_present(store, prefix), len(acked))
    with store.engine.connect() as connection:
        stored = {row[0] for row in connection.execute(text("SELECT agency_key FROM events WHERE agency_key LIKE :p"),
                                                        {"p": f"{prefix}-%"})}
    lost = [key for key in acked if key not in stored]
    if lost:
        result.problems.append(f"{len(lost)} acknowledged writes lost, e.g. {lost[:3]}")
    result.problems += invariants.check_all(store.engine)
    server, base = start_server(store)  # a re-run: the agency system resends everything it is unsure of
    try:
        done: list[str] = []
        _writer(base, store.token, rows, done, threading.Event())
        if len(done) != len(rows):
            result.problems.append(f"resend acknowledged {len(done)} of {len(rows)}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    if keys_present(store, prefix) != len(rows):
        result.problems.append(f"after resend {keys_present(store, prefix)} of {len(rows)} events")
    result.problems += invariants.orphans(store.engine)
    return result


def reference_state(backend: str, folder: Path, files: list[Path]) -> dict[str, Any]:
    """The state a clean store reaches importing the same files without any crash (for 'same final state')."""
    store = make_store(backend, folder, "reference")
    try:
        for path in files:
            run_ingest(store, path, kill_after=None)
        return invariants.counts(store.engine)
    finally:
        store.drop()


def measure_import(store: Store, folder: Path, *, events: int, people: int) -> float:
    """Seconds one uninterrupted import takes (start-up included): the window kills are drawn from."""
    path = write_file(folder / "warmup.jsonl", canonical("W", events, people))
    started = time.perf_counter()
    run_ingest(store, path, kill_after=None)
    return time.perf_counter() - started
