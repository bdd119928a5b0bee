"""Benchmark bulk ingest: events/s through the set-based path (validation included) into SQLite and PostgreSQL,
against row-by-row `records.service.store_events` measured in the same run (issue 4: >= 30,000 events/s).

Usage: python -m bench.bench_ingest --scale smoke|full [--events N] [--postgres URL]
Figures: "bulk store" = read + validate + write (no later stages); "bulk pipeline" = the same plus every stage
(linkage, NRM, rules, network) on each chunk, as `reachable ingest` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from reachable.records import service as records
from reachable.records.ingest.base import Source
from reachable.records.schemas import EventIn

TARGET = 30_000
SCALES = {"smoke": 20_000, "full": 500_000}
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


def bulk(url: str, path: Path, *, stages: bool) -> float:
    """Seconds to import the file through the bulk path (one transaction, committed)."""
    engine = fresh(url)
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as session:
        pipeline.ingest_files(session, sources=[Source(path, "canonical")], actor=access.SYSTEM,
                              stages=None if stages else [])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def row_by_row(url: str, path: Path, limit: int) -> float:
    """Seconds per event through store_events (500 per call, as API batches arrive), over the first `limit`."""
    engine = fresh(url)
    lines = path.read_text(encoding="utf-8").splitlines()[:limit]
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as session:
        for first in range(0, len(lines), 500):
            batch = [EventIn.model_validate_json(line) for line in lines[first:first + 500]]
            records.store_events(session, events=batch)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed / len(lines)


def run(scale: str, events: int | None = None, postgres: str | None = PG_URL) -> list[dict[str, Any]]:
    """Measure both databases; each figure with target, baseline (row-by-row) and ratio."""
    count = events or SCALES[scale]
    work = Path(tempfile.mkdtemp(prefix="reachable-ingest-bench-"))
    path = write_world(work / "world.jsonl", count)
    targets = {"sqlite": f"sqlite:///{work / 'bench.db'}"}
    if postgres and _postgres(postgres):
        targets["postgresql"] = postgres
    results: list[dict[str, Any]] = []
    for name, url in targets.items():
        if name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(work / "bench.db") + suffix).unlink(missing_ok=True)
        baseline = 1 / row_by_row(url, path, min(count, 5000))
        store_rate = count / bulk(url, path, stages=False)
        pipeline_rate = count / bulk(url, path, stages=True) if scale == "smoke" or count <= 50_000 else None
        results.append({"name": f"bulk store {name}", "value": round(store_rate), "unit": "events/s",
                        "target": TARGET, "baseline": round(baseline), "ratio": round(store_rate / baseline, 1),
                        "note": f"{count:,} events, validation included; baseline = store_events row by row"})
        if pipeline_rate is not None:
            results.append({"name": f"bulk pipeline {name}", "value": round(pipeline_rate), "unit": "events/s",
                            "target": None, "baseline": round(baseline), "ratio": round(pipeline_rate / baseline, 1),
                            "note": "bulk store plus every stage (link, NRM, rules, network) per chunk"})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append({"name": "peak memory", "value": round(peak), "unit": "MB", "target": 2048, "baseline": None,
                    "ratio": None, "note": "whole benchmark process"})
    return results


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
    args = parser.parse_args()
    for row in run(args.scale, args.events, args.postgres):
        ratio = f" ({row['ratio']}x row-by-row {row['baseline']:,}/s)" if row["ratio"] else ""
        target = f" target {row['target']:,}" if row["target"] else ""
        print(f"{row['name']:<26} {row['value']:>10,} {row['unit']}{target}{ratio}  {row['note']}")


if __name__ == "__main__":
    main()
