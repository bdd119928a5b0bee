"""Load: many concurrent clients doing mixed reads and writes against a real server, PostgreSQL and SQLite.

Reads: a child's chronology (the child page's data), a child's markers, the task list. Writes: single
events from an agency system and task completions. Targets (issue 13): zero errors and p99 <= 250 ms with
50 clients for 60 s on PostgreSQL with the production settings (several workers); SQLite shows where the
embedded default stops being enough.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import httpx
import pyotp
from tests.reliability.stores import drop_store, fresh_store, start_server, stop_server

from reachable.db.engine import make_engine
from reachable.db.uow import session_factory, unit_of_work

SCALES = {"smoke": (8, 5.0, 40), "medium": (25, 20.0, 200), "full": (50, 60.0, 500)}
WARM_UP = 5.0  # seconds of the same load before measuring: each worker's first requests import and cache


def _seed(url: str, children: int) -> tuple[list[tuple[str, str, str]], dict[str, str], list[int], list[int]]:
    """Demo users, agency tokens (submit, read), children with a few events each and their open tasks."""
    from reachable import pipeline
    from reachable.access import service as access
    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.uow import session_factory, unit_of_work
    from reachable.records.schemas import EventIn, PersonIn
    from reachable.tasks import service as tasks

    engine = make_engine(url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        users = access.create_demo_users(session, area_codes=["E08000025"])
        agency = areas.ensure_agency(session, code="POL-E23000014")
        tokens = {purpose: access.create_token(session, agency_id=agency.id, name=f"load {purpose}", purpose=purpose)
                  for purpose in ("submit_events", "read_children")}
    child_ids: list[int] = []
    start = datetime.now(UTC) - timedelta(days=320)  # recent: the rules act on recent events only
    for first in range(0, children, 100):
        with unit_of_work(sessions) as session:
            batch = []
            for n in range(first, min(first + 100, children)):
                person = PersonIn(agency_person_id=f"L{n}", first_name=f"Child{n}", last_name="Load",
                                  dob=datetime(2009, 1, 1).date() + timedelta(days=n % 900),
                                  home_area_code="E08000025")
                # Every fifth child is also arrested for supplying class A drugs: the rules open tasks to update.
                kinds = ("missing_reported", "missing_found", "stop_search") + (("arrest",) if n % 5 == 0 else ())
                for k, kind in enumerate(kinds):
                    payload: dict[str, Any] = {"grounds": "drugs"} if kind == "stop_search" else (
                        {"offence_category": "pwits_class_a", "outcome": "released"} if kind == "arrest" else {})
                    batch.append(EventIn(agency="POL-E23000014", agency_key=f"L{n}-{k}", kind=kind,  # type: ignore[arg-type]
                                         occurred_at=start + timedelta(days=n % 300, hours=k), area_code="E08000025",
                                         person=person, payload=payload))
            outcome = pipeline.ingest(session, events=batch, actor=access.SYSTEM)
            child_ids.extend(sorted(set(outcome.child_ids)))
    with unit_of_work(sessions) as session:
        task_ids = [task.id for task in tasks.list_tasks(session, status=["open"], limit=5000)]
    engine.dispose()
    return users, tokens, child_ids, task_ids


class Client(threading.Thread):
    """One simulated practitioner or agency system issuing requests until the deadline."""

    def __init__(self, base: str, session_token: str, tokens: dict[str, str], child_ids: list[int],
                 task_ids: list[int], deadline: float, seed: int, measure_from: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.base, self.deadline, self.child_ids, self.task_ids = base, deadline, child_ids, task_ids
        self.user = {"Authorization": f"Bearer {session_token}"}
        self.agency = {"Authorization": f"Bearer {tokens['submit_events']}"}
        self.seed = seed
        self.measure_from = measure_from  # requests before this (warm-up: lazy imports, caches) are not counted
        self.random = random.Random(seed)
        self.samples: list[tuple[str, float, int]] = []

    def run(self) -> None:
        """Issue the mix: 40% chronology, 20% markers, 20% tasks (as practitioners), 15% event submissions (as an
        agency system), 5% task updates (as practitioners)."""
        with httpx.Client(base_url=self.base, timeout=30) as http:
            n = 0
            while time.perf_counter() < self.deadline:
                n += 1
                child = self.random.choice(self.child_ids)
                roll = self.random.random()
                started = time.perf_counter()
                try:
                    if roll < 0.4:
                        kind = "chronology"
                        response = http.get(f"/api/v1/children/{child}/chronology", headers=self.user)
                    elif roll < 0.6:
                        kind = "markers"
                        response = http.get(f"/api/v1/children/{child}/markers", headers=self.user)
                    elif roll < 0.8:
                        kind = "tasks"
                        response = http.get("/api/v1/tasks", params={"child_id": child}, headers=self.user)
                    elif roll < 0.95 or not self.task_ids:
                        kind = "submit"
                        body = {"agency": "POL-E23000014", "agency_key": f"W{self.seed}-{n}",
                                "kind": "missing_reported",
                                "occurred_at": datetime.now(UTC).isoformat(), "area_code": "E08000025",
                                "person": {"agency_person_id": f"L{child % 1000}", "home_area_code": "E08000025"},
                                "payload": {}}
                        response = http.post("/api/v1/events", json=body, headers=self.agency)
                    else:
                        kind = "task update"
                        response = http.patch(f"/api/v1/tasks/{self.random.choice(self.task_ids)}",
                                              json={"owner_team": f"Team {n % 7}", "reason": "load test reassignment"},
                                              headers=self.user)
                    status = response.status_code
                except httpx.HTTPError:
                    kind, status = "error", 599
                if started >= self.measure_from:
                    self.samples.append((kind, (time.perf_counter() - started) * 1000, status))


class CpuMeter(threading.Thread):
    """CPU seconds the server (its process group), its PostgreSQL backends and this process use while measuring.

    The machine is shared, so latencies depend on what else runs; CPU time per request does much less, and shows
    what the mix costs (2 cores / CPU per request = the most requests per second this machine could serve).
    """

    def __init__(self, server_pid: int, url: str, start: float, end: float) -> None:
        super().__init__(daemon=True)
        self.server_pid, self.url, self.start_at, self.end_at = server_pid, url, start, end
        self.used: dict[str, float] = {"server": 0.0, "database": 0.0, "clients": 0.0}
        self.load_average = ""

    def run(self) -> None:
        """Sample at the start and the end of the measured window."""
        time.sleep(max(0.0, self.start_at - time.perf_counter()))
        before = self._sample()
        time.sleep(max(0.0, self.end_at - time.perf_counter()))
        after = self._sample()
        self.used = {part: after[part] - before[part] for part in self.used}
        self.load_average = " ".join(f"{value:.2f}" for value in os.getloadavg())

    def _sample(self) -> dict[str, float]:
        """Current CPU seconds of each part."""
        database_pids: set[int] = set()
        if self.url.startswith("postgresql"):
            from sqlalchemy import create_engine, text

            admin = create_engine(self.url.replace("postgresql://", "postgresql+psycopg://"))
            with admin.connect() as connection:
                database_pids = {int(pid) for pid in connection.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                         "AND pid <> pg_backend_pid()")).scalars()}
            admin.dispose()
        server = database = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            if int(fields[2]) == self.server_pid:  # the process group: the server and its workers
                server += seconds
            elif int(entry.name) in database_pids:
                database += seconds
        own = os.times()
        return {"server": server, "database": database, "clients": own.user + own.system}


def _login(base: str, users: list[tuple[str, str, str]]) -> str:
    """Sign in as the demo social worker and return the session token."""
    username, password, secret = next(u for u in users if u[0].startswith("social.worker"))
    response = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password,
                                                              "totp": pyotp.TOTP(secret).now()}, timeout=30)
    response.raise_for_status()
    return str(response.json()["token"])


def _more_sessions(url: str, users: list[tuple[str, str, str]], count: int) -> list[str]:
    """Sessions opened directly in the store (a TOTP code may be used once, so 49 sign-ins would need 49 minutes)."""
    from reachable.access import service as access
    from reachable.db.engine import make_engine
    from reachable.db.uow import session_factory, unit_of_work

    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        user = access.find_user(session, username=next(u[0] for u in users if u[0].startswith("social.worker")))
        tokens = [access.start_session(session, user=user).token for _ in range(count)]
    engine.dispose()
    return tokens


def run_backend(backend: str, scale: str, folder: Path) -> list[dict[str, Any]]:
    """Start a server on a fresh seeded store, hammer it, stop it; return the figures."""
    clients, seconds, children = SCALES[scale]
    url, engine = fresh_store(backend, folder, "load")
    engine.dispose()
    users, tokens, child_ids, task_ids = _seed(url, children)
    workers = 2 if backend == "postgresql" else 1
    server, base = start_server(url, workers=workers, log=(folder / f"server-{backend}.log").open("wb"))
    try:
        session_token = _login(base, users)  # a real sign-in (password and TOTP) for the first client
        sessions = [session_token, *_more_sessions(url, users, clients - 1)]  # one practitioner per client
        measure_from = time.perf_counter() + WARM_UP
        deadline = measure_from + seconds
        threads = [Client(base, sessions[i], tokens, child_ids, task_ids, deadline, seed=i, measure_from=measure_from)
                   for i in range(clients)]
        meter = CpuMeter(server.pid, url, measure_from, deadline)
        for thread in [*threads, meter]:
            thread.start()
        for thread in [*threads, meter]:
            thread.join()
    finally:
        stop_server(server)
    try:
        unsealed, broken = _seal_and_verify(url)
    finally:
        drop_store(url)
    samples = [s for t in threads for s in t.samples]
    latencies = sorted(ms for _, ms, _ in samples)
    errors = sum(1 for _, _, status in samples if status >= 500 or status == 599)
    unexpected = sum(1 for _, _, status in samples if status >= 400)
    p99 = _p99(latencies)
    by_kind = {kind: sorted(ms for k, ms, _ in samples if k == kind) for kind in sorted({k for k, _, _ in samples})}
    failing = sorted({(kind, status) for kind, _, status in samples if status >= 400})
    per_kind = ", ".join(f"{kind} n={len(values)} p50={median(values):.0f} p99={_p99(values):.0f}"
                         for kind, values in by_kind.items()) + (f"; failing {failing}" if failing else "")
    print(f"   {backend}: {per_kind}", flush=True)
    per_request = {part: 1000 * used / max(len(samples), 1) for part, used in meter.used.items()}
    cpu_note = (f"CPU per request: server {per_request['server']:.1f} ms, database {per_request['database']:.1f} ms, "
                f"load generator {per_request['clients']:.1f} ms; load average {meter.load_average}")
    return [
        {"name": f"{backend}: requests/s ({clients} clients, {seconds:.0f}s)", "value": len(samples) / seconds,
         "unit": "req/s", "target": None, "baseline": None, "ratio": None, "note": cpu_note},
        {"name": f"{backend}: p99 latency", "value": p99, "unit": "ms", "target": "<= 250",
         "baseline": median(latencies) if latencies else None, "ratio": p99 / median(latencies) if latencies else None,
         "note": "baseline = median latency in the same run"},
        {"name": f"{backend}: server errors", "value": errors, "unit": "count", "target": "<= 0", "baseline": None,
         "ratio": None, "note": f"5xx or no answer, of {len(samples)} requests"},
        {"name": f"{backend}: failed requests", "value": unexpected, "unit": "count", "target": "<= 0",
         "baseline": None, "ratio": None, "note": "any response >= 400 or no answer; per kind (ms): " + per_kind},
        {"name": f"{backend}: audit chain breaks after the run", "value": broken, "unit": "count", "target": "<= 0",
         "baseline": None, "ratio": None,
         "note": f"verify_chain after the server stopped; {unsealed} rows were still waiting for the sealer"},
    ]


def _p99(values: list[float]) -> float:
    """The 99th percentile of sorted values (nearest rank)."""
    return values[max(0, -(-len(values) * 99 // 100) - 1)] if values else float("nan")


def _seal_and_verify(url: str) -> tuple[int, int]:
    """Audit rows the server left unsealed (sealed now) and the breaks `verify_chain` then finds."""
    from sqlalchemy import func, select

    from reachable.access import service as access
    from reachable.access.models import AuditEvent

    engine = make_engine(url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            unsealed = int(session.scalar(select(func.count()).select_from(AuditEvent)
                                          .where(AuditEvent.chain_seq.is_(None))) or 0)
            problems = access.verify_chain(session)
        for problem in problems[:5]:
            print(f"   audit chain: {problem}", flush=True)
        return unsealed, len(problems)
    finally:
        engine.dispose()


def run(scale: str) -> list[dict[str, Any]]:
    """Both backends at a scale."""
    import tempfile

    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in ("postgresql", "sqlite"):
            figures += run_backend(backend, scale, Path(folder))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="smoke", choices=sorted(SCALES))
    for figure in run(parser.parse_args().scale):
        print(figure)
