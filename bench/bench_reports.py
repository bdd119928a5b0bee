"""Benchmark the full Counting Lives return (issue 10: 1,000,000 children / 5,000,000 events in <= 10 s) on SQLite
and PostgreSQL, against the naive approach of loading the period's events into Python, measured in the same run.

Usage: python -m bench.bench_reports --scale smoke|medium|full [--children N] [--events N] [--postgres URL]
[--no-naive] [--store-dir DIR [--reuse]] [--only sqlite|postgresql]
The synthetic store is inserted directly (bulk SQL, not the pipeline): children with a police and a council record
each, events of every kind over three financial years, markers, rule tasks and risk assessments. "Full return" =
`reports.service.build_return(area=all, 2022-04-01..2025-03-31, by year)` including tables; the naive baseline
loads every event of the period joined to its child into Python and computes just five of the figures.
"Area dashboard" = `reports.service.area_dashboard` for the council with most children, one financial year.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.schema import CreateIndex

from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from reachable.reports import service

SCALES = {"smoke": (2_000, 10_000), "medium": (100_000, 500_000), "full": (1_000_000, 5_000_000)}
TARGET_SECONDS = 10.0
DASHBOARD_TARGET_SECONDS = 1.0
DASHBOARD_YEAR = (date(2024, 4, 1), date(2025, 3, 31))
PG_URL = os.environ.get("REACHABLE_BENCH_REPORTS_POSTGRES_URL",
                        "postgresql://postgres@127.0.0.1:5432/reachable_bench_reports")
START, END = date(2022, 4, 1), date(2025, 3, 31)
POLICE_KINDS = {"missing_reported": 14, "missing_found": 11, "stop_search": 8, "arrest": 6, "custody": 3,
                "intelligence_report": 7}
COUNCIL_KINDS = {"return_interview_offered": 6, "return_interview_accepted": 3, "referral": 6,
                 "assessment_completed": 6, "cin_plan_start": 3, "cp_plan_start": 2, "looked_after_start": 1.5,
                 "placement_change": 2, "nrm_referral": 1, "nrm_rg_decision": 0.7, "concern_raised": 10,
                 "school_exclusion": 6, "health_attendance": 4}
TABLES = ("agencies", "children", "source_records", "record_links", "events", "markers", "tasks", "risk_assessments")


def _payload(kind: str, rng: random.Random, child: int) -> dict[str, Any]:
    """A small valid payload per kind (enough for every statistic to have something to count)."""
    episode = f"E{child}-{rng.randrange(3)}"
    if kind == "missing_reported":
        return {"episode_ref": episode, "from_care": rng.random() < 0.3, "missing_type": "M"}
    if kind == "missing_found":
        return {"episode_ref": episode, "found_outside_home_area": rng.random() < 0.2}
    if kind.startswith("return_interview"):
        return {"episode_ref": episode, **({"accepted": rng.random() < 0.7} if kind.endswith("accepted") else {})}
    if kind == "stop_search":
        return {"grounds": rng.choice(["drugs", "drugs", "offensive_weapon", "other"]),
                "items_found": rng.choice([[], ["drugs"], ["drugs", "offensive_weapon"], ["firearm"]])}
    if kind == "arrest":
        return {"offence_category": rng.choice(["pwits_class_a", "possession_class_a", "other_drugs", "other"])}
    if kind == "assessment_completed":
        return {"factors": rng.choice([["24A"], ["10A", "14A"], ["24A", "13A"], ["3A"]]), "assessment_type": "s17"}
    if kind == "placement_change":
        return {"in_area": rng.random() < 0.6}
    if kind == "nrm_referral":
        return {"referral_ref": f"R{child}", "exploitation_types": [rng.choice(["criminal", "sexual", "labour"])]}
    if kind == "nrm_rg_decision":
        return {"referral_ref": f"R{child}", "outcome": rng.choice(["positive", "negative"])}
    if kind == "concern_raised":
        return {"categories": ["new_phones"]}
    if kind == "school_exclusion":
        return {"exclusion_type": rng.choice(["suspension", "permanent"])}
    return {}


def _stamp(value: datetime, dialect: str) -> str:
    """A timestamp as each database stores it (SQLite: SQLAlchemy's naive text format)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else value.isoformat()


def generate(children: int, events: int, seed: int, dialect: str, councils: list[tuple[str, str]]
             ) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Rows per table (columns, tuples) for a synthetic store."""
    rng = random.Random(seed)
    now = _stamp(datetime(2025, 4, 1, tzinfo=UTC), dialect)
    forces = sorted({force for _, force in councils})
    agency_rows: list[tuple[Any, ...]] = []
    agency_id: dict[str, int] = {}
    for code, kind, area in ([(f"POL-{f}", "police", f) for f in forces]
                             + [(f"CSC-{c}", "childrens_social_care", c) for c, _ in councils]
                             + [("NRM-SCA", "nrm_competent_authority", None)]):
        agency_id[code] = len(agency_rows) + 1
        agency_rows.append((agency_id[code], code, code, kind, area))
    kids, records, links = [], [], []
    homes = []
    for child in range(1, children + 1):
        home, force = councils[rng.randrange(len(councils))]
        dob = date(2004, 1, 1) + timedelta(days=rng.randrange(12 * 365))
        sex = "M" if rng.random() < 0.55 else "F"
        homes.append((home, force))
        kids.append((child, f"RCH-{child:08d}", dob.isoformat(), sex, home, "active", now))
        nationality = "British" if rng.random() < 0.85 else "Albanian"
        for offset, agency in ((0, f"POL-{force}"), (1, f"CSC-{home}")):
            record = 2 * child - 1 + offset
            records.append((record, agency_id[agency], f"P{child}", dob.isoformat(), sex, nationality, home,
                            "h", now, now))
            links.append((record, record, child, "new_child", "bench", "{}", "bench", now))
    kinds = list(POLICE_KINDS) + list(COUNCIL_KINDS)
    weights = list(POLICE_KINDS.values()) + list(COUNCIL_KINDS.values())
    span = (END - START).days * 86400
    event_rows = []
    for number, kind in enumerate(rng.choices(kinds, weights, k=events), start=1):
        child = rng.randrange(1, children + 1)
        home, force = homes[child - 1]
        police = kind in POLICE_KINDS
        agency = f"POL-{force}" if police else ("NRM-SCA" if kind.startswith("nrm_rg") else f"CSC-{home}")
        area = home if rng.random() < 0.9 else councils[rng.randrange(len(councils))][0]
        at = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(span))
        event_rows.append((number, kind, _stamp(at, dialect), now, agency_id[agency], f"k{number}", 1,
                           2 * child - (1 if police else 0), "child_at_risk", area,
                           json.dumps(_payload(kind, rng, child)), "h"))
    markers = [(n + 1, c, rng.choice(["cce_risk", "cse_risk", "missing_risk"]), "active", "assessment", "bench",
                _stamp(datetime(2023, 1, 1, tzinfo=UTC), dialect), "bench", "{}")
               for n, c in enumerate(rng.sample(range(1, children + 1), children // 50))]
    tasks = []
    for n in range(children // 10):
        created = datetime(2022, 6, 1, tzinfo=UTC) + timedelta(days=rng.randrange(1000))
        done = rng.random() < 0.7
        rule = rng.choice(["arrest-cp", "exclusion-cin", "missing-rhi"])
        closed = _stamp(created + timedelta(days=rng.randrange(6)), dialect) if done else None
        tasks.append((n + 1, rng.randrange(1, children + 1), "task", "respond", rule, _stamp(created, dialect),
                      _stamp(created + timedelta(days=3), dialect), "done" if done else "open", closed, "{}"))
    risks = [(n + 1, rng.randrange(1, children + 1),
              _stamp(datetime(2022, 6, 1, tzinfo=UTC) + timedelta(days=rng.randrange(1000)), dialect), "t1",
              rng.choice(["low", "medium", "high"]), "bench", "bench", "final", "{}")
             for n in range(children // 20)]
    return {
        "agencies": (["id", "code", "name", "kind", "area_code"], agency_rows),
        "children": (["id", "reference", "dob", "sex", "home_area_code", "status", "created_at"], kids),
        "source_records": (["id", "agency_id", "agency_person_id", "dob", "sex", "nationality", "home_area_code",
                            "content_hash", "first_seen_at", "updated_at"], records),
        "record_links": (["id", "source_record_id", "child_id", "decision", "reason", "evidence", "decided_by",
                          "decided_at"], links),
        "events": (["id", "kind", "occurred_at", "recorded_at", "agency_id", "agency_key", "version",
                    "source_record_id", "person_role", "area_code", "payload", "content_hash"], event_rows),
        "markers": (["id", "child_id", "code", "status", "basis", "set_by", "set_at", "reason",
                     "evidence_event_ids"], markers),
        "tasks": (["id", "child_id", "kind", "title", "rule_id", "created_at", "due_at", "status", "closed_at",
                   "evidence"], tasks),
        "risk_assessments": (["id", "child_id", "assessed_at", "tool_version", "level", "reason", "assessor",
                              "status", "indicators"], risks),
    }


def _with_defaults(table: Any, columns: list[str], rows: list[tuple[Any, ...]]
                   ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Add the NOT NULL columns other domains have since given Python-side defaults (raw SQL skips those)."""
    extra, values = [], []
    for column in table.columns:
        if column.name in columns or column.nullable or column.primary_key or column.default is None:
            continue
        default = column.default.arg
        extra.append(column.name)
        values.append("{}" if callable(default) else default)
    if not extra:
        return columns, rows
    return columns + extra, [(*row, *values) for row in rows]


def build_store(engine: Engine, children: int, events: int, seed: int = 10) -> float:
    """Create the schema, load areas and bulk-insert a synthetic store; returns seconds taken."""
    started = time.perf_counter()
    meta = metadata()
    meta.drop_all(engine)
    meta.create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        session.commit()
        councils = [(a.code, a.police_force_code) for a in areas.list_areas(session)
                    if a.police_force_code and a.kind != "police_force"]
    data = generate(children, events, seed, engine.dialect.name, sorted(councils))
    # Indexes are built once after the rows are in (as a bulk load would), not maintained row by row.
    indexes = [index for table in TABLES for index in meta.tables[table].indexes]
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")  # a throwaway store: no fsync per page while loading
        for table in TABLES:
            columns, rows = _with_defaults(meta.tables[table], *data[table])
            if engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        raw.commit()
        for index in indexes:
            cursor.execute(str(CreateIndex(index).compile(engine)))
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def _cpu() -> float:
    """This process's CPU seconds (SQLite works in-process, so this is its share on a shared machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def full_return(engine: Engine) -> tuple[float, int, float]:
    """Seconds for the whole national return (cells, suppression-free, tables), its figures and CPU seconds."""
    with session_factory(engine)() as session:
        started, cpu = time.perf_counter(), _cpu()
        ret = service.build_return(session, area="all", start=START, end=END, by_year=True)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        session.rollback()
    return seconds, len(ret.cells), cpu


def naive(engine: Engine) -> tuple[float, dict[str, int], float]:
    """The naive way: load the period's events with their child into Python and count five figures there."""
    started, cpu = time.perf_counter(), _cpu()
    sql = text("SELECT e.kind, e.occurred_at, e.payload, l.child_id, s.dob, s.sex FROM events e "
               "JOIN source_records s ON s.id = e.source_record_id "
               "JOIN record_links l ON l.source_record_id = e.source_record_id AND l.ended_at IS NULL "
               "WHERE e.superseded_at IS NULL AND e.occurred_at >= :start AND e.occurred_at < :end")
    counts: dict[str, set[Any]] = defaultdict(set)
    bound = {"start": _stamp(datetime(2022, 4, 1, tzinfo=UTC), engine.dialect.name),
             "end": _stamp(datetime(2025, 4, 1, tzinfo=UTC), engine.dialect.name)}
    with engine.connect() as connection:
        for kind, occurred, payload, child, dob, sex in connection.execute(sql, bound):
            data = json.loads(payload) if isinstance(payload, str) else payload
            when = datetime.fromisoformat(str(occurred)[:19])
            year = when.year - (when.month < 4)
            born = date.fromisoformat(str(dob))
            age = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
            if kind == "missing_reported" and age < 18:
                counts[f"missing_children {year}"].add(child)
                counts[f"missing_episodes {year}"].add((child, data.get("episode_ref")))
            elif kind == "arrest" and 10 <= age <= 17 and data.get("offence_category") == "pwits_class_a":
                counts[f"pwits_children {year} {sex}"].add(child)
            elif kind == "stop_search" and 10 <= age <= 17:
                counts[f"stop_searches {year}"].add(when)
    return time.perf_counter() - started, {key: len(value) for key, value in counts.items()}, _cpu() - cpu


def _postgres(url: str) -> Engine | None:
    """A PostgreSQL engine on the bench database (created if needed), or None if no server answers."""
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    try:
        admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            name = url.rsplit("/", 1)[1]
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_engine(url)
    except Exception:  # no PostgreSQL answering: report SQLite only
        return None


def _store_is_built(engine: Engine, events: int) -> bool:
    """Whether a kept store already holds a synthetic world of this size (for --reuse)."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM events")).scalar() == events
    except Exception:  # no tables yet
        return False


def dashboard(engine: Engine) -> tuple[float, int, str, float]:
    """Seconds for one council's published figures for one year (what the area dashboard shows)."""
    with session_factory(engine)() as session:
        area = session.execute(text("SELECT home_area_code FROM children GROUP BY home_area_code "
                                    "ORDER BY count(*) DESC, home_area_code LIMIT 1")).scalar_one()
        session.rollback()
        started, cpu = time.perf_counter(), _cpu()
        cells = service.area_dashboard(session, area=area, start=DASHBOARD_YEAR[0], end=DASHBOARD_YEAR[1])
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        session.rollback()
    return seconds, len(cells), str(area), cpu


def run(scale: str, *, children: int | None = None, events: int | None = None, postgres: str = PG_URL,
        with_naive: bool = True, store_dir: str | None = None, reuse: bool = False,
        only: str | None = None) -> list[dict[str, Any]]:
    """Figures for both databases at a scale (stores in a temporary folder unless `store_dir` keeps them)."""
    default_children, default_events = SCALES[scale]
    children, events = children or default_children, events or default_events
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(store_dir or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        engines = []
        if only in (None, "sqlite"):
            engines.append(("sqlite", make_engine(f"sqlite:///{folder / f'bench-reports-{children}-{events}.db'}")))
        pg = _postgres(postgres) if only in (None, "postgresql") else None
        if pg is not None:
            engines.append(("postgresql", pg))
        for name, engine in engines:
            kept = reuse and _store_is_built(engine, events)
            load_seconds = None if kept else build_store(engine, children, events)
            seconds, cells, cpu = full_return(engine)
            baseline, found, naive_cpu = naive(engine) if with_naive else (None, {}, None)
            built = "kept store reused" if load_seconds is None else f"store built in {load_seconds:.0f}s"
            note = (f"{children:,} children, {events:,} events, {cells:,} figures; {built} (not timed in the "
                    f"return); naive computes only {len(found)} of them")
            figures.append({"name": f"counting-lives full return ({name})", "value": round(seconds, 2),
                            "unit": "s", "target": f"<= {TARGET_SECONDS:g}",
                            "baseline": None if baseline is None else round(baseline, 2),
                            "ratio": None if baseline is None else round(baseline / seconds, 2), "note": note,
                            "store_build_s": None if load_seconds is None else round(load_seconds, 1),
                            "client_cpu_s": round(cpu, 2),
                            "naive_client_cpu_s": None if naive_cpu is None else round(naive_cpu, 2),
                            "load_average": os.getloadavg()[0]})
            one, dash_cells, area, dash_cpu = dashboard(engine)
            figures.append({"name": f"counting-lives area dashboard ({name})", "value": round(one, 2), "unit": "s",
                            "target": f"<= {DASHBOARD_TARGET_SECONDS:g}", "baseline": None, "ratio": None,
                            "note": f"council {area}, {DASHBOARD_YEAR[0]} to {DASHBOARD_YEAR[1]}, published, "
                                    f"{dash_cells} figures", "client_cpu_s": round(dash_cpu, 2),
                            "load_average": os.getloadavg()[0]})
            engine.dispose()
    return figures


def main() -> None:
    """Command line entry: print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
    parser.add_argument("--children", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--postgres", default=PG_URL)
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--store-dir", help="keep the SQLite store here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="reuse kept stores of the same size if present")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="measure one database")
    args = parser.parse_args()
    for figure in run(args.scale, children=args.children, events=args.events, postgres=args.postgres,
                      with_naive=not args.no_naive, store_dir=args.store_dir, reuse=args.reuse, only=args.only):
        print(json.dumps(figure), flush=True)


if __name__ == "__main__":
    main()
