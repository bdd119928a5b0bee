"""Reachable moments before the first PWITS arrest, on a simulated world (issue 6 measure), for bench_rules.

A world from `reachable simulate` is imported through the real pipeline (files → store → link → NRM), then the
rules stage is replayed over every stored event in time order, a week of events at a time, with the clock set just
after that week: as if the agencies' events had arrived live (the world lies years in the past, so imported in one
go every firing would be historical and create no task). A reachable moment is a rule task for an agency (task,
review or notice); its time is the time of the event that fired it. For the exploited children (ground truth) who
were arrested for PWITS, the share with a moment strictly before their first PWITS arrest and the median lead time.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

WEEK = timedelta(days=7)


def _events_in_time_order(session: Any) -> list[tuple[int, int, datetime]]:
    """(event id, child id, time) of every current event linked to a child, oldest first."""
    from sqlalchemy import select

    from reachable.identity.models import RecordLink
    from reachable.records.models import Event

    query = (select(Event.id, RecordLink.child_id, Event.occurred_at)
             .join(RecordLink, (RecordLink.source_record_id == Event.source_record_id) & RecordLink.ended_at.is_(None))
             .where(Event.superseded_at.is_(None)).order_by(Event.occurred_at, Event.id))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def replay(session: Any, rows: list[tuple[int, int, datetime]], batch: int = 2_000) -> float:
    """Run the rules over the events a week (at most `batch` events) at a time; seconds spent in the rules."""
    from reachable.rules import service as rules

    spent, start = 0.0, 0
    while start < len(rows):
        end = start
        while end < len(rows) and end - start < batch and rows[end][2] - rows[start][2] < WEEK:
            end += 1
        part = rows[start:end]
        started = time.perf_counter()
        rules.run_for_events(session, event_ids=[r[0] for r in part], child_ids=[r[1] for r in part],
                             now=part[-1][2] + timedelta(hours=1))
        spent += time.perf_counter() - started
        session.commit()
        start = end
    return spent


def measure(session: Any, truth_dir: Path) -> dict[str, Any]:
    """Share of exploited children with a PWITS arrest who had a reachable moment first, and the lead times."""
    from sqlalchemy import select

    from reachable.identity.models import RecordLink
    from reachable.records.models import Event
    from reachable.risk import evaluate
    from reachable.rules.models import RuleFiring
    from reachable.tasks.models import Task

    children, people = evaluate.load_truth(truth_dir)
    mapping = evaluate.our_to_true(session, people)
    first_pwits: dict[str, datetime] = {}
    for child_id, occurred_at, payload in session.execute(
            select(RecordLink.child_id, Event.occurred_at, Event.payload)
            .join(RecordLink, (RecordLink.source_record_id == Event.source_record_id) & RecordLink.ended_at.is_(None))
            .where(Event.kind == "arrest", Event.superseded_at.is_(None))):
        truth = mapping.get(child_id)
        if truth and (payload or {}).get("offence_category") == "pwits_class_a":
            first_pwits[truth] = min(first_pwits.get(truth, occurred_at), occurred_at)
    fired_at = dict(session.execute(select(RuleFiring.id, RuleFiring.event_occurred_at)).all())
    first_moment: dict[str, tuple[datetime, str]] = {}
    for child_id, evidence, rule_id in session.execute(
            select(Task.child_id, Task.evidence, Task.rule_id).where(Task.rule_id.is_not(None),
                                                                      Task.kind.in_(["task", "review", "notice"]))):
        truth = mapping.get(child_id)
        at = fired_at.get((evidence or {}).get("firing_id"))
        if truth and at is not None and (truth not in first_moment or at < first_moment[truth][0]):
            first_moment[truth] = (at, rule_id)
    exploited = [c.child_id for c in children.values() if c.exploited]
    with_pwits = [c for c in exploited if c in first_pwits]
    before = [c for c in with_pwits if c in first_moment and first_moment[c][0] < first_pwits[c]]
    leads = [(first_pwits[c] - first_moment[c][0]).total_seconds() / 86400 for c in before]
    return {"exploited": len(exploited), "exploited_with_moment": sum(1 for c in exploited if c in first_moment),
            "exploited_with_pwits": len(with_pwits), "moment_before_pwits": len(before),
            "share": len(before) / len(with_pwits) if with_pwits else None,
            "median_lead_days": median(leads) if leads else None,
            "first_rules": Counter(first_moment[c][1] for c in before).most_common(4),
            "not_exploited_with_moment": sum(1 for c, v in children.items() if not v.exploited and c in first_moment)}


def world_figures(children: int, seed: int = 11) -> list[dict[str, Any]]:
    """Simulate, import, replay the rules and report the measure (SQLite file store)."""
    from bench.bench_rules import _store
    from reachable import pipeline
    from reachable.access import service as access
    from reachable.db.uow import session_factory
    from reachable.records.ingest.detect import expand
    from reachable.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        simulate(folder / "world", children=children, years=3, seed=seed)
        engine = _store(f"sqlite:///{folder / 'rules-world.db'}")
        factory = session_factory(engine)
        sources, problems = expand([folder / "world"], format="auto", agency=None)
        started = time.perf_counter()
        with factory() as session:
            pipeline.ingest_files(session, sources=sources, actor=access.Actor(name="bench:rules"),
                                  accept_valid=True, rejects=folder / "rejects.csv", progress=False, errors=problems,
                                  stages=[pipeline.link_stage, pipeline.nrm_stage])
            session.commit()
        imported = time.perf_counter() - started
        with factory() as session:
            rows = _events_in_time_order(session)
            spent = replay(session, rows)
            found = measure(session, folder / "world" / "truth")
        engine.dispose()
    load = os.getloadavg()[0]
    lead = found["median_lead_days"]
    context = (f"{children} simulated children, {len(rows)} events imported in {imported:.0f} s, rules replayed in "
               f"time order (a week at a time, clock just after it); {found['exploited']} exploited children, "
               f"{found['exploited_with_moment']} with any moment, {found['exploited_with_pwits']} arrested for "
               f"PWITS, {found['moment_before_pwits']} with a moment first; commonest first rules "
               f"{found['first_rules']}; {found['not_exploited_with_moment']} children never exploited also had "
               f"a moment; load average {load:.1f}")
    return [
        {"name": "reachable_moment_before_first_pwits_share", "value": round(found["share"] or 0, 3),
         "unit": "share", "target": None, "baseline": None, "ratio": None, "note": context},
        {"name": "reachable_moment_median_lead_days_before_pwits", "value": round(lead, 1) if lead else None,
         "unit": "days", "target": None, "baseline": None, "ratio": None,
         "note": "median days from the first reachable moment (a rule task for an agency) to the first PWITS arrest, "
                 "over the children who had one first"},
        {"name": "rules_replay_events_per_s_world", "value": round(len(rows) / spent) if spent else None,
         "unit": "events/s", "target": ">= 20000", "baseline": None, "ratio": None,
         "note": f"the rules stage alone over the simulated world's {len(rows)} events (SQLite file, chunks of a "
                 f"week); load average {load:.1f}"},
    ]


def main() -> None:
    """Run the world measure alone and write bench/results/rules-world<children>.json|md:
    python -m bench.rules_world [children]."""
    import sys

    from bench.bench_rules import write_results

    children = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000
    figures = world_figures(children)
    for figure in figures:
        print(f"{figure['name']}: {figure['value']} {figure['unit']} — {figure['note']}")
    write_results(f"world{children}", figures, "python -m bench.rules_world " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
