"""On a simulated world, the rules give the same firings, tasks and markers whether its events arrive one at a time
(the API path) or as one chunk (bulk import): the set-based chunk must not change what fires."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.identity.models import RecordLink
from reachable.markers.models import Marker, MarkerHistory
from reachable.records.ingest.detect import expand
from reachable.records.models import Event
from reachable.rules import service as rules
from reachable.rules.models import RuleFiring
from reachable.simulate import simulate
from reachable.tasks.models import Task

WINDOW = timedelta(days=180)  # the last six months: over 30 days old records historical firings, newer acts


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated area (its agencies' extracts in their real formats)."""
    out = tmp_path_factory.mktemp("rules-world")
    simulate(out, children=400, years=2, seed=5)
    return out


def _latest_events(session: Session) -> list[tuple[int, int, datetime]]:
    """(event id, child id, time) of the current linked events of the world's last six months, oldest first."""
    query = (select(Event.id, RecordLink.child_id, Event.occurred_at)
             .join(RecordLink, (RecordLink.source_record_id == Event.source_record_id) & RecordLink.ended_at.is_(None))
             .where(Event.superseded_at.is_(None)).order_by(Event.occurred_at, Event.id))
    rows = [(row[0], row[1], row[2]) for row in session.execute(query)]
    return [row for row in rows if row[2] > rows[-1][2] - WINDOW]


def _outcome(session: Session) -> dict[str, Any]:
    """Everything the rules wrote, without database ids that differ between runs."""
    session.expire_all()
    return {
        "firings": sorted((f.rule_id, f.child_id or 0, f.event_id or 0, f.mode, f.reason, str(f.evidence_event_ids),
                           f.area_code or "") for f in session.scalars(select(RuleFiring))),
        "tasks": sorted((t.rule_id or "", t.child_id or 0, t.kind, t.title, t.status, t.outcome or "",
                         t.owner_agency_id or 0, str(t.due_at), t.dedupe_key or "")
                        for t in session.scalars(select(Task))),
        "markers": sorted((m.child_id, m.code, m.status, str(m.evidence_event_ids), str(m.review_due_at))
                          for m in session.scalars(select(Marker))),
        "history": sorted((h.action, h.rule_id or "", str(h.at), str(h.evidence_event_ids))
                          for h in session.scalars(select(MarkerHistory))),
    }


def test_chunk_and_one_event_at_a_time_agree_on_a_simulated_world(session: Session, world: Path,
                                                                  tmp_path: Path) -> None:
    sources, problems = expand([world], format="auto", agency=None)
    pipeline.ingest_files(session, sources=sources, actor=access.SYSTEM, accept_valid=True,
                          rejects=tmp_path / "rejects.csv", errors=problems,
                          stages=[pipeline.link_stage, pipeline.nrm_stage])
    session.flush()
    rows = _latest_events(session)
    now = rows[-1][2] + timedelta(hours=1)
    before = _outcome(session)

    together = session.begin_nested()
    rules.run_for_events(session, event_ids=[row[0] for row in rows], child_ids=[row[1] for row in rows], now=now)
    session.flush()
    chunked = _outcome(session)
    together.rollback()

    assert _outcome(session) == before
    one_by_one = session.begin_nested()
    for event_id, child_id, _ in rows:
        rules.run_for_events(session, event_ids=[event_id], child_ids=[child_id], now=now)
        session.flush()
    single = _outcome(session)
    one_by_one.rollback()

    assert chunked == single
    # Not vacuous: the last six months fire rules live and historically, create tasks and touch markers.
    fired = {firing[3] for firing in chunked["firings"]}
    assert len(chunked["firings"]) > len(before["firings"]) and fired >= {"live", "historical"}
    assert len(chunked["tasks"]) > len(before["tasks"])
    assert len(chunked["history"]) > len(before["history"])
