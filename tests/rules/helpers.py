"""Scenario helpers for rule tests: recent events for named children, ingest, and what it produced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.markers.models import Marker
from reachable.records.kinds import EventKind
from reachable.rules.models import RuleFiring
from reachable.tasks.models import Task
from tests.factories import event, person

BIRMINGHAM, SHROPSHIRE, LIVERPOOL, CARDIFF, MAIDSTONE, KENT = (
    "E08000025", "E06000051", "E08000012", "W06000015", "E07000110", "E10000016")
WEST_MIDLANDS, WEST_MERCIA, MERSEYSIDE, SOUTH_WALES = "E23000014", "E23000016", "E23000004", "W15000003"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float = 0, hours: float = 0) -> datetime:
    """A time shortly before now (rules act only on events under 30 days old)."""
    return NOW - timedelta(days=days, hours=hours)


def child_event(kind: EventKind, *, key: str, at: datetime, agency: str = f"POL-{WEST_MIDLANDS}",
                area: str | None = BIRMINGHAM, payload: dict[str, Any] | None = None, home: str = BIRMINGHAM,
                dob: str = "2009-04-03", pid: str = "P1", **extra: Any) -> Any:
    """One event about 'Jayden Smith' (the same child across agencies by name and date of birth)."""
    values: dict[str, Any] = {"agency": agency, "agency_key": key, "occurred_at": at, "area_code": area,
                              "person": person(agency_person_id=pid, home_area_code=home, dob=dob)}
    if payload is not None:
        values["payload"] = payload
    values.update(extra)
    return event(kind, **values)


def ingest(session: Session, *events: Any) -> pipeline.IngestOutcome:
    """Run events through the real pipeline (store, link, rules) and flush."""
    outcome = pipeline.ingest(session, events=list(events), actor=access.SYSTEM)
    session.flush()
    return outcome


def tasks(session: Session, rule_id: str | None = None, kind: str | None = None) -> list[Task]:
    """Tasks, optionally of one rule and kind, by id."""
    query = select(Task).order_by(Task.id)
    if rule_id:
        query = query.where(Task.rule_id == rule_id)
    if kind:
        query = query.where(Task.kind == kind)
    return list(session.scalars(query))


def firings(session: Session, rule_id: str | None = None) -> list[RuleFiring]:
    """Rule firings, optionally of one rule."""
    query = select(RuleFiring).order_by(RuleFiring.id)
    if rule_id:
        query = query.where(RuleFiring.rule_id == rule_id)
    return list(session.scalars(query))


def markers(session: Session, code: str | None = None) -> list[Marker]:
    """Markers, optionally of one code."""
    query = select(Marker).order_by(Marker.id)
    if code:
        query = query.where(Marker.code == code)
    return list(session.scalars(query))


def owner_codes(session: Session, items: list[Task]) -> list[str]:
    """The owning agency codes of tasks."""
    from reachable.areas import service as areas

    agencies = areas.agencies_by_id(session, ids={t.owner_agency_id for t in items if t.owner_agency_id})
    return sorted(agencies[t.owner_agency_id].code if t.owner_agency_id else "-" for t in items)
