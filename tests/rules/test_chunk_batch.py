"""The set-based chunk gives what evaluating events one ingest at a time gives, including what a later event of the
same chunk must see of an earlier one (dedupe, markers set, tasks closed)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reachable.markers.models import MarkerHistory
from reachable.records.kinds import EventKind
from tests.rules.helpers import LIVERPOOL, MERSEYSIDE, ago, child_event, firings, ingest, markers, tasks

CSC = "CSC-E08000025"


def _scenario() -> list[Any]:
    """A week of one child's life across agencies, in time order, touching every kind of action."""
    return [
        child_event(EventKind.ASSESSMENT_COMPLETED, key="as1", at=ago(6), agency=CSC,
                    payload={"factors": ["24A"]}),
        child_event(EventKind.MISSING_REPORTED, key="m1", at=ago(5, 6), payload={"episode_ref": "E1"}),
        child_event(EventKind.MISSING_FOUND, key="f1", at=ago(5), area=LIVERPOOL, agency=f"POL-{MERSEYSIDE}",
                    payload={"episode_ref": "E1"}),
        child_event(EventKind.RETURN_INTERVIEW_OFFERED, key="r1", at=ago(4), agency=CSC,
                    payload={"episode_ref": "E1"}),
        child_event(EventKind.ARREST, key="a1", at=ago(2), role="suspect",
                    payload={"offence_category": "pwits_class_a"}),
        # The same arrest in another agency's extract: a repeat, not a new moment.
        child_event(EventKind.ARREST, key="a1-yjs", at=ago(2), agency="YJS-E08000025", role="suspect",
                    payload={"offence_category": "pwits_class_a"}),
        child_event(EventKind.STOP_SEARCH, key="s1", at=ago(1), payload={"grounds": "drugs", "items_found": ["drugs"]}),
    ]


def _outcome(session: Session) -> dict[str, Any]:
    """What the rules produced, without ids, storage times and the child's (random) reference."""
    return {
        "firings": sorted((f.rule_id, f.event_kind, f.mode, len(f.evidence_event_ids["ids"]), f.area_code)
                          for f in firings(session)),
        "tasks": sorted((t.rule_id or "", t.kind, re.sub(r"RCH-\w+", "RCH-?", t.title), t.status, t.outcome or "",
                         t.owner_area_code or "", t.owner_role or "") for t in tasks(session)),
        "markers": sorted((m.code, m.status, len(m.evidence_event_ids["ids"])) for m in markers(session)),
        "history": sorted((h.action, h.rule_id or "") for h in session.scalars(select(MarkerHistory))),
    }


def test_one_chunk_gives_what_one_event_at_a_time_gives(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for item in _scenario():
            ingest(session, item)
        one_by_one = _outcome(session)
        session.rollback()
    with sessions() as session:
        ingest(session, *_scenario())
        together = _outcome(session)
        session.rollback()
    assert together == one_by_one
    # Not vacuous: the scenario closes a task, repeats a moment and acts on a marker set earlier in the chunk.
    assert any(task[0] == "missing.rhi" and task[3] == "done" for task in together["tasks"])
    assert any(f[0] == "nrm.consideration" and f[3] == 2 for f in together["firings"])
    assert any(f[0] == "victim-first.s45" for f in together["firings"])
    assert ("cce_risk", "active") in [marker[:2] for marker in together["markers"]]


def test_a_chunk_repeating_a_moment_twice_records_it_once_with_both_reports(session: Session) -> None:
    arrest = {"offence_category": "possession_class_a"}
    ingest(session, child_event(EventKind.ARREST, key="x1", at=ago(1), payload=arrest),
           child_event(EventKind.ARREST, key="x2", at=ago(1, -1), agency="YJS-E08000025", payload=arrest))
    fired = firings(session, "cp.drugs-weapons")
    assert len(fired) == 1 and len(fired[0].evidence_event_ids["ids"]) == 2
    assert fired[0].evidence_event_ids["repeats"] == [fired[0].evidence_event_ids["ids"][1]]
    created = tasks(session, "cp.drugs-weapons", kind="task")
    assert len(created) == 1 and created[0].evidence["firing_id"] == fired[0].id
    # Again in a later chunk: still one moment, and the stored firing shows the new report too.
    ingest(session, child_event(EventKind.ARREST, key="x3", at=ago(1, -2), payload=arrest))
    session.expire_all()
    fired = firings(session, "cp.drugs-weapons")
    assert len(fired) == 1 and len(fired[0].evidence_event_ids["ids"]) == 3
