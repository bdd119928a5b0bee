"""Rules at ingest: per-event cost of rule evaluation (target p99 <= 5 ms) and bulk throughput with rules on.

A synthetic multi-agency stream (missing episodes, arrests, stops, exclusions, assessments, intelligence…) for
children in English and Welsh councils, all within the last weeks so rules act (tasks, notices, markers) rather
than record historical firings. Per-event cost is measured on single-event ingests (the API path): the time spent
in the rules stage for each event. Bulk throughput imports the stream as a canonical file (the bulk path, chunks of
1,000) with and without the rules stage.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

SCALES = {"smoke": (150, 2_000), "medium": (600, 8_000), "full": (1_500, 20_000)}
WORLD = {"smoke": 3_000, "medium": 6_000, "full": 10_000}  # simulated children for the reachable-moment measure
COUNCILS = [("E08000025", "E23000014"), ("E06000051", "E23000016"), ("E08000012", "E23000004"),
            ("W06000015", "W15000003"), ("E10000016", "E23000032")]


def _payload(kind: str, rng: random.Random, episode: str) -> dict[str, Any]:
    """A plausible payload for a kind."""
    if kind == "arrest":
        return {"offence_category": rng.choice(["pwits_class_a", "possession_class_a", "other_drugs",
                                                "offensive_weapon", "other", "other"]),
                "drugs_concealed_internally": rng.random() < 0.02}
    if kind == "stop_search":
        return {"grounds": "drugs", "items_found": rng.choice([[], ["drugs"], ["cash", "phone"]])}
    if kind in ("missing_reported", "missing_found", "return_interview_offered"):
        return {"episode_ref": episode}
    if kind == "school_exclusion":
        return {"exclusion_type": rng.choice(["suspension", "suspension", "permanent"])}
    if kind == "assessment_completed":
        return {"factors": rng.sample(["24A", "13A", "10A", "2A", "4A", "21"], 2)}
    if kind == "intelligence_report":
        return {"association": rng.choice(["deal_line", "adult", "place"]), "subject_key": f"S{rng.randint(1, 50)}"}
    if kind == "concern_raised":
        return {"categories": ["new_phones"]}
    return {}


KINDS = ["missing_reported", "missing_found", "return_interview_offered", "arrest", "stop_search", "school_exclusion",
         "assessment_completed", "intelligence_report", "concern_raised", "health_attendance", "referral",
         "cp_plan_start", "custody"]
WEIGHTS = [14, 12, 6, 10, 10, 8, 5, 6, 10, 4, 6, 2, 7]


def events(children: int, total: int, seed: int = 11) -> list[Any]:
    """A synthetic canonical event stream, in time order."""
    from reachable.records.schemas import EventIn

    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for index in range(total):
        child = rng.randrange(children)
        home, force = COUNCILS[child % len(COUNCILS)]
        where, where_force = COUNCILS[rng.randrange(len(COUNCILS))] if rng.random() < 0.2 else (home, force)
        kind = rng.choices(KINDS, WEIGHTS)[0]
        agency = (f"POL-{where_force}" if kind in ("arrest", "stop_search", "missing_reported", "missing_found",
                                                   "intelligence_report", "custody")
                  else f"EDU-{home}" if kind in ("school_exclusion", "concern_raised")
                  else f"HLT-{home}" if kind == "health_attendance" else f"CSC-{home}")
        out.append(EventIn.model_validate({
            "agency": agency, "agency_key": f"b{index}", "kind": kind,
            "occurred_at": now - timedelta(days=25) + timedelta(seconds=index * 100), "area_code": where,
            "person": {"agency_person_id": f"{agency}-{child}", "first_name": f"Child{child}", "last_name": "Bench",
                       "dob": f"{2008 + child % 9}-0{1 + child % 9}-1{child % 9}", "home_area_code": home},
            "role": "suspect" if kind == "arrest" and rng.random() < 0.5 else "child_at_risk",
            "payload": _payload(kind, rng, f"E{child}-{index // 50}")}))
    return out


def _store(url: str) -> Any:
    """A fresh store (schema and reference areas) on the given database."""
    from sqlalchemy import text

    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.registry import metadata
    from reachable.db.uow import session_factory

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            metadata().drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        session.commit()
    return engine


def per_event(url: str, stream: list[Any]) -> tuple[list[float], list[float], list[int], int, int]:
    """Ingest events one by one: the rules stage's wall and CPU ms and SQL statements per event; firings; tasks."""
    from sqlalchemy import event as sql_events
    from sqlalchemy import func, select

    from reachable import pipeline
    from reachable.access import service as access
    from reachable.db.uow import session_factory
    from reachable.rules.models import RuleFiring
    from reachable.tasks.models import Task

    engine = _store(url)
    timings: list[float] = []
    cpu: list[float] = []
    statements: list[int] = []
    counting = [False]

    @sql_events.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        if counting[0]:
            statements[-1] += 1

    def timed(session: Any, outcome: Any, actor: Any) -> None:
        statements.append(0)
        counting[0] = True
        started, started_cpu = time.perf_counter(), time.thread_time()
        pipeline.rules_stage(session, outcome, actor)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        counting[0] = False

    factory = session_factory(engine)
    from reachable.api.app import settle_heap

    settle_heap()  # as a server worker does once started: the per-event path is the API's
    for item in stream:
        with factory() as session:
            pipeline.ingest(session, events=[item], actor=access.SYSTEM, stages=[pipeline.link_stage, timed])
            session.commit()
    with factory() as session:
        firings = int(session.scalar(select(func.count()).select_from(RuleFiring)) or 0)
        tasks = int(session.scalar(select(func.count()).select_from(Task)) or 0)
    engine.dispose()
    return timings, cpu, statements, firings, tasks


def bulk(url: str, stream: list[Any], rules_on: bool) -> tuple[float, float | None]:
    """Events per second of a bulk import (`reachable ingest`'s path: the set-based writer, chunks of 1,000) of
    the stream as a canonical file, through linkage with or without the rules; and per second of the rules stage."""
    import tempfile
    from pathlib import Path

    from reachable import pipeline
    from reachable.access import service as access
    from reachable.db.uow import session_factory
    from reachable.records.ingest.base import Source

    engine = _store(url)
    in_rules = [0.0]

    def timed_rules(session: Any, outcome: Any, actor: Any) -> None:
        started = time.perf_counter()
        pipeline.rules_stage(session, outcome, actor)
        in_rules[0] += time.perf_counter() - started

    stages = [pipeline.link_stage, timed_rules] if rules_on else [pipeline.link_stage]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.jsonl"
        path.write_text("".join(item.model_dump_json() + "\n" for item in stream))
        started = time.perf_counter()
        with session_factory(engine)() as session:
            pipeline.ingest_files(session, sources=[Source(path, "canonical")], actor=access.SYSTEM, stages=stages,
                                  chunk_size=1000)
            session.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return len(stream) / elapsed, (len(stream) / in_rules[0] if rules_on and in_rules[0] else None)


def _p(values: list[float], share: float) -> float:
    """A percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _postgres_url() -> str | None:
    """The benchmark PostgreSQL database if one answers."""
    from sqlalchemy import create_engine, text

    admin = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname='reachable_bench_rules'")).first():
                connection.execute(text("CREATE DATABASE reachable_bench_rules"))
        engine.dispose()
        return "postgresql://postgres@127.0.0.1:5432/reachable_bench_rules"
    except Exception:
        return None


def run(scale: str) -> list[dict[str, Any]]:
    """Measure and return the figures for a scale (smoke or full)."""
    children, total = SCALES[scale]
    stream = events(children, total)
    figures: list[dict[str, Any]] = []
    backends = [("sqlite", "sqlite://")]
    pg = _postgres_url()
    if pg:
        backends.append(("postgresql", pg))
    single = stream[: min(len(stream), 3_000)]
    for name, url in backends:
        timings, cpu, statements, fired, tasks = per_event(url, single)
        load = os.getloadavg()[0]
        figures += [
            {"name": f"rules_p99_ms_per_event_{name}", "value": round(_p(timings, 0.99), 3), "unit": "ms",
             "target": "<= 5", "baseline": round(median(timings), 3), "ratio": None,
             "note": f"wall time; {len(single)} single-event ingests, {children} children; baseline = p50; "
                     f"{fired} firings, {tasks} tasks; max {max(timings):.2f} ms; load average {load:.1f}"},
            {"name": f"rules_p99_cpu_ms_per_event_{name}", "value": round(_p(cpu, 0.99), 3), "unit": "ms",
             "target": "<= 5", "baseline": round(median(cpu), 3), "ratio": None,
             "note": "CPU time of this process in the rules stage (unaffected by other processes on a shared "
                     "machine; excludes the database server's time on PostgreSQL); baseline = p50"},
            {"name": f"rules_p99_sql_statements_per_event_{name}", "value": _p([float(n) for n in statements], 0.99),
             "unit": "statements", "target": None, "baseline": median(statements), "ratio": None,
             "note": "SQL statements the rules stage ran per event (machine-independent cost); baseline = p50"},
        ]
    for name, url in backends:
        off, _ = bulk(url, stream, rules_on=False)
        on, rules_only = bulk(url, stream, rules_on=True)
        load = os.getloadavg()[0]
        figures.append({"name": f"bulk_events_per_s_rules_on_{name}", "value": round(on), "unit": "events/s",
                        "target": ">= 20000", "baseline": round(off), "ratio": round(on / off, 3),
                        "note": f"{len(stream)} events, bulk import of a canonical file (chunks of 1,000) "
                                "through store + link (+ rules); "
                                "baseline = rules off; the store/link path belongs to ingest (issue 4); "
                                f"load average {load:.1f}"})
        figures.append({"name": f"bulk_rules_stage_events_per_s_{name}", "value": round(rules_only or 0),
                        "unit": "events/s", "target": ">= 20000", "baseline": None, "ratio": None,
                        "note": "the rules stage alone in the same run (events / seconds spent in rules_stage): the "
                                f"part of bulk import this issue owns; load average {load:.1f}"})
    from bench.rules_world import world_figures

    figures += world_figures(WORLD[scale])
    return figures


def write_results(scale: str, figures: list[dict[str, Any]], command: str) -> None:
    """bench/results/rules-<scale>.json and .md for a standalone run (the lead's `python -m bench` writes latest.*)."""
    import json
    import platform
    from pathlib import Path

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    meta = {"scale": scale, "command": command, "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
            "python": platform.python_version()}
    (out / f"rules-{scale}.json").write_text(json.dumps({**meta, "figures": figures}, indent=2, default=str))
    lines = [f"# bench_rules ({scale}, {meta['date']})", "", f"Command: `{command}`; {meta['cores']} cores, load "
             f"average at the end {meta['load_average']} (other work shares the machine: wall times are "
             "pessimistic).", "", "| figure | value | unit | target | baseline | ratio | note |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {f['name']} | {f['value']} | {f['unit']} | {f['target']} | {f['baseline']} | {f['ratio']} | "
              f"{str(f['note']).replace('|', '/')} |" for f in figures]
    (out / f"rules-{scale}.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    """Run standalone, print the figures and write bench/results/rules-<scale>.json|md."""
    import sys

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
    args = parser.parse_args()
    figures = run(args.scale)
    for figure in figures:
        print(f"{figure['name']}: {figure['value']} {figure['unit']} (target {figure['target']}, "
              f"baseline {figure['baseline']}, ratio {figure['ratio']}) — {figure['note']}")
    write_results(args.scale, figures, "python -m bench.bench_rules " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
