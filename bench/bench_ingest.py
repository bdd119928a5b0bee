"""Benchmark bulk ingest: events/s through the set-based path (validation included) into SQLite and PostgreSQL,
against row-by-row `records.service.store_events` measured in the same run (issue 4: >= 30,000 events/s), and
the streaming API: single-event submissions/s and p99 with 16 clients on a real server (>= 500/s, <= 100 ms).

Usage: python -m bench.bench_ingest --scale smoke|medium|full [--events N] [--postgres URL] [--no-api]
       [--world FILE] [--no-sqlite] [--save]
Figures: "bulk store" = read + parse + validate + write of a canonical JSONL file (no later stages), committed;
"bulk pipeline" = the same plus every stage (linkage, NRM, rules, network) on each chunk, as `reachable ingest`
runs it. --save writes bench/results/ingest-<scale>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.ingest_api import run_api
from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from reachable.records import service as records
from reachable.records.ingest.base import Source
from reachable.records.schemas import EventIn

TARGET = ">= 30000"
SCALES = {"smoke": 20_000, "medium": 100_000, "full": 5_000_000}  # full: the target's 5-million-event world
PG_URL = os.environ.get("REACHABLE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/reachable_bench")
KINDS = [
    ("missing_reported", {"missing_type": "M", "risk_level": "medium"}),
    ("arrest", {"offence_category": "pwits_class_a", "outcome": "charged"}),
    ("stop_search", {"grounds": "drugs", "items_found": ["drugs", "cash"]}),
    ("school_exclusion", {"exclusion_type": "suspension", "days": 2}),
    ("intelligence_report", {"association": "deal_line", "subject_key": "07700900123", "grading": "2/B/P"}),
]


def write_world(path: Path, events: int, children: int = 0) -> Path:
    """A canonical JSONL file: `events` events over about one child per 10 events, five agencies."""
    children = children or max(1, events // 10)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    agencies = ["POL-E23000014", "POL-E23000001", "EDU-E08000025", "CSC-E08000025", "HLT-E08000025"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(events):
            child = i % children
            kind, payload = KINDS[i % len(KINDS)]
            row = {"agency": agencies[child % len(agencies)], "agency_key": f"E{i}", "kind": kind,
                   "occurred_at": (start + timedelta(minutes=i)).isoformat(), "area_code": "E08000025",
                   "person": {"agency_person_id": f"C{child}", "first_name": f"Child{child}", "last_name": "Test",
                              "dob": "2009-04-03", "sex": "M", "postcode": "B15 2TT"},
                   "payload": payload}
            out.write(json.dumps(row) + "\n")
    return path


def fresh(url: str) -> Any:
    """An empty schema with reference areas."""
    engine = make_engine(url)
    with engine.begin() as connection:
        metadata().drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        metadata().create_all(connection)
    with unit_of_work(session_factory(engine)) as session:
        areas.load_reference_areas(session)
    return engine


def bulk(url: str, path: Path, *, stages: bool) -> tuple[float, float, float | None, float]:
    """Seconds to import the file in one committed transaction; CPU seconds of this process, of PostgreSQL's and
    of this thread (the reader: with the writer thread's database work overlapped, the critical path)."""
    engine = fresh(url)
    client = _cpu()
    reader = time.thread_time()
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as session:
        backend = _backend_pid(session)
        server = _process_cpu(backend)
        pipeline.ingest_files(session, sources=[Source(path, "canonical")], actor=access.SYSTEM,
                              stages=None if stages else [])
        server_after = _process_cpu(backend)
    elapsed = time.perf_counter() - started
    engine.dispose()
    used = None if server is None or server_after is None else server_after - server
    return elapsed, _cpu() - client, used, time.thread_time() - reader


def _cpu() -> float:
    """CPU seconds of this process so far (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_pid(session: Any) -> int | None:
    """The PostgreSQL server process serving this session (None on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.scalar(text("SELECT pg_backend_pid()")))


def _process_cpu(pid: int | None) -> float | None:
    """CPU seconds of a local process from /proc (None when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return None


def row_by_row(url: str, path: Path, limit: int) -> float:
    """Seconds per event through store_events (500 per call, as API batches arrive), over the first `limit`."""
    engine = fresh(url)
    with path.open(encoding="utf-8") as handle:  # only the lines used: the whole file would inflate peak memory
        lines = [line for _, line in zip(range(limit), handle, strict=False)]
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as session:
        for first in range(0, len(lines), 500):
            batch = [EventIn.model_validate_json(line) for line in lines[first:first + 500]]
            records.store_events(session, events=batch)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed / len(lines)


def run(scale: str, events: int | None = None, postgres: str | None = PG_URL, api: bool = True,
        world: Path | None = None, sqlite: bool = True) -> list[dict[str, Any]]:
    """Measure both databases, then the API; each figure with target, baseline (row-by-row) and ratio.

    `world`: the canonical file to import, written there unless it already holds the right number of events
    (a 5-million-event world takes minutes to write); `sqlite=False` measures PostgreSQL alone.
    """
    count = events or SCALES[scale]
    work = Path(tempfile.mkdtemp(prefix="reachable-ingest-bench-"))
    path = world or work / "world.jsonl"
    if not (path.exists() and _lines(path) == count):
        write_world(path, count)
    targets = {"sqlite": f"sqlite:///{work / 'bench.db'}"} if sqlite else {}
    if postgres and _postgres(postgres):
        targets["postgresql"] = postgres
    results: list[dict[str, Any]] = []
    for name, url in targets.items():
        if name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(work / "bench.db") + suffix).unlink(missing_ok=True)
        baseline = 1 / row_by_row(url, path, min(count, 5000))
        seconds, client, server, reader = bulk(url, path, stages=False)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        store_rate = count / seconds
        pipeline_rate = count / bulk(url, path, stages=True)[0] if count <= 100_000 else None
        # CPU per event is what a loaded machine distorts least: wall time also counts other programs' turns.
        cpu = f"CPU µs/event: client {client / count * 1e6:.0f} (reader thread {reader / count * 1e6:.0f})" + (
            f", server {server / count * 1e6:.0f}" if server is not None else "") + (
            f"; peak RSS so far {peak_mb:.0f} MB; load {os.getloadavg()[0]:.1f}")
        results.append({"name": f"bulk store {name}", "value": round(store_rate), "unit": "events/s",
                        "target": TARGET, "baseline": round(baseline), "ratio": round(store_rate / baseline, 1),
                        "note": f"{count:,} events, validation included; baseline = store_events row by row; {cpu}"})
        # A full-scale run takes a while per database: show each figure as soon as it is known.
        print(f"[{name}] {store_rate:,.0f} events/s in {seconds:,.0f} s; {cpu}", file=sys.stderr, flush=True)
        if pipeline_rate is not None:
            results.append({"name": f"bulk pipeline {name}", "value": round(pipeline_rate), "unit": "events/s",
                            "target": None, "baseline": round(baseline), "ratio": round(pipeline_rate / baseline, 1),
                            "note": "bulk store plus every stage (link, NRM, rules, network) per chunk"})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append({"name": "peak memory", "value": round(peak), "unit": "MB", "target": "<= 2048",
                    "baseline": None, "ratio": None, "note": "whole benchmark process (bulk runs)"})
    if api:
        results += run_api(scale, postgres if "postgresql" in targets else None)
    results.append({"name": "load average", "value": round(os.getloadavg()[0], 2), "unit": "", "target": None,
                    "baseline": None, "ratio": None, "note": "1-minute load at the end: other work on the machine"})
    return results


def _lines(path: Path) -> int:
    """The number of lines of a file, counted in blocks."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))


def _postgres(url: str) -> bool:
    """Whether the benchmark database answers (created on first use)."""
    from sqlalchemy import create_engine

    admin, name = url.rsplit("/", 1)
    try:
        engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--postgres", default=PG_URL)
    parser.add_argument("--no-api", action="store_true", help="skip the streaming API measurement")
    parser.add_argument("--world", type=Path, default=None, help="canonical file to import (kept; reused if complete)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--save", action="store_true", help="write bench/results/ingest-<scale>.json and .md")
    args = parser.parse_args()
    figures = run(args.scale, args.events, args.postgres, api=not args.no_api, world=args.world,
                  sqlite=not args.no_sqlite)
    for row in figures:
        ratio = f" ({row['ratio']}x baseline {row['baseline']:,})" if row["ratio"] else ""
        target = f" target {row['target']}" if row["target"] else ""
        print(f"{row['name']:<28} {row['value']:>10,} {row['unit']}{target}{ratio}  {row['note']}")
    if args.save:
        _save(args.scale, figures)


def _save(scale: str, figures: list[dict[str, Any]]) -> None:
    """Write the figures as bench/results/ingest-<scale>.json and .md, in the suite's own format."""
    from bench.__main__ import machine, markdown

    results = {"scale": scale, "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               "benchmarks": {"ingest": figures}}
    folder = Path(__file__).parent / "results"
    (folder / f"ingest-{scale}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (folder / f"ingest-{scale}.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
