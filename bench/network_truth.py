"""The network against ground truth: are exploited children within 2 hops of their true line before arrest?

A simulated world (`reachable.simulate`) is ingested through the real pipeline (the network stage builds
the links). For each truly exploited child with a true deal line and at least one recorded arrest, the
seeds are the line's entities the network knew before that arrest (the line's number, its group, its
adults' police ids and vehicles, its places' postcodes); the child counts as reached if 2-hop exposure,
as of the moment before the first arrest, finds them.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from reachable.network import queries
from reachable.network import service as network


def _rows(root: Path, name: str) -> list[dict[str, str]]:
    """A truth CSV."""
    path = root / "truth" / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _seed_keys(root: Path) -> dict[str, set[str]]:
    """Network keys of each true line's entities: number, group, adults, vehicles, places."""
    lines = _rows(root, "lines.csv")
    group_of = {row["line_id"]: row["group_id"] for row in lines}
    keys: dict[str, set[str]] = defaultdict(set)
    for row in lines:
        keys[row["line_id"]].add("line:" + row["phone"].replace(" ", ""))
    by_group: dict[str, set[str]] = defaultdict(set)
    adults = {row["adult_id"]: row for row in _rows(root, "adults.csv")}
    for row in adults.values():
        by_group[row["group_id"]].add("vehicle:" + row["vehicle"].replace(" ", "").upper())
    for row in _rows(root, "adult_records.csv"):
        by_group[adults[row["adult_id"]]["group_id"]].add("adult:" + row["agency_person_id"])
    for row in _rows(root, "places.csv"):
        by_group[row["group_id"]].add("place:" + row["postcode"].upper())
    for line, group in group_of.items():
        keys[line] |= by_group[group] | {f"group:OCG-{group}"}
    return keys


def simulated_share(children: int) -> list[dict[str, Any]]:
    """The share of exploited children reachable within 2 hops of their true line before first arrest."""
    from reachable.records.ingest.detect import expand
    from reachable.simulate import simulate

    name = "simulated: exploited children within 2 hops of their line before first arrest"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "world"
        simulate(root, children=children, years=3, seed=11)
        engine = make_engine(f"sqlite:///{tmp}/world.db")
        metadata().create_all(engine)
        sessions = session_factory(engine)
        with sessions() as session:
            areas.load_reference_areas(session)
            sources, _problems = expand([root])
            pipeline.ingest_files(session, sources=sources, actor=access.SYSTEM, accept_valid=True,
                                  rejects=Path(tmp) / "rejects.csv")
            session.commit()
        with sessions() as session:
            share, denominator, note = _measure(session, root, before_arrest=True)
            late, late_n, late_note = _measure(session, root, before_arrest=False)
        engine.dispose()
    elapsed = time.perf_counter() - started
    return [{"name": name, "value": share, "unit": "share", "target": None, "baseline": None, "ratio": None,
             "note": f"{denominator} exploited children with a true line and an arrest, {children:,} simulated; "
                     f"{note}; {elapsed:.0f}s"},
            {"name": "simulated: exploited children within 2 hops of their line by the end of the window",
             "value": late, "unit": "share", "target": None, "baseline": None, "ratio": None,
             "note": f"{late_n} exploited children with a true line; {late_note}"}]


def _measure(session: Any, root: Path, *, before_arrest: bool) -> tuple[float | None, int, str]:
    """Reached / eligible: before the first arrest (children with one), or by the end of the window (all)."""
    tables = metadata().tables
    ev, sr, rl, ag = tables["events"], tables["source_records"], tables["record_links"], tables["agencies"]
    ent = tables["network_entities"]
    truth_child = {row["child_id"]: row for row in _rows(root, "children.csv")
                   if row.get("exploited") == "Y" and row.get("line_id")}
    ours: dict[str, set[int]] = defaultdict(set)
    records = {(row["agency"], row["agency_person_id"]): row["child_id"] for row in _rows(root, "person_records.csv")
               if row["child_id"] in truth_child}
    query = (select(ag.c.code, sr.c.agency_person_id, rl.c.child_id)
             .join(ag, ag.c.id == sr.c.agency_id).join(rl, and_(rl.c.source_record_id == sr.c.id,
                                                                rl.c.ended_at.is_(None))))
    for code, person_id, child_id in session.execute(query):
        if (code, person_id) in records:
            ours[records[(code, person_id)]].add(child_id)
    arrests: dict[int, Any] = {}
    for child, moment in session.execute(
            select(rl.c.child_id, func.min(ev.c.occurred_at)).join(sr, sr.c.id == ev.c.source_record_id)
            .join(rl, and_(rl.c.source_record_id == sr.c.id, rl.c.ended_at.is_(None)))
            .where(ev.c.kind == "arrest").group_by(rl.c.child_id)):
        arrests[child] = moment
    keys = _seed_keys(root)
    known = set(session.scalars(select(ent.c.key)))
    police = network.Viewer(name="bench", agency=None, police=True)
    reached = eligible = no_seed = 0
    for truth_id, row in truth_child.items():
        mine = ours.get(truth_id, set())
        first = min((arrests[c] for c in mine if c in arrests), default=None)
        if before_arrest and first is None:
            continue
        if not mine:
            continue
        eligible += 1
        seeds = sorted(keys[row["line_id"]] & known)
        if not seeds:
            no_seed += 1
            continue
        as_of = first - timedelta(seconds=1) if before_arrest and first is not None else None
        found = queries.exposure(session, viewer=police, seeds=seeds, hops=2, as_of=as_of)
        if any(result.child.child_id in mine for result in found):
            reached += 1
    share = round(reached / eligible, 3) if eligible else None
    return share, eligible, f"{reached} reached; {no_seed} whose line had no known entity yet"
