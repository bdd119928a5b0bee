"""Helpers for the statistics tests: hand-built events for children whose right answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.records.kinds import EventKind
from reachable.records.schemas import EventIn, PersonIn
from reachable.reports import service
from reachable.reports.schemas import ALL, Cell

BHAM, COV, SHROP = "E08000025", "E08000026", "E06000051"  # Birmingham, Coventry (West Midlands), Shropshire
WMP, WMERCIA = "E23000014", "E23000016"
_keys: dict[str, int] = {}


def kid(name: str, *, dob: date, sex: str = "M", home: str = BHAM, nationality: str | None = None,
        agency_id: str | None = None) -> PersonIn:
    """A child as one agency recorded them (same name and dob across agencies: one child after linking)."""
    return PersonIn(agency_person_id=agency_id or f"id-{name}", first_name=name, last_name="Testchild", dob=dob,
                    sex=sex, home_area_code=home, nationality=nationality)


def at(text: str) -> datetime:
    """An aware UTC time from 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ev(kind: EventKind, who: PersonIn, when: str, *, agency: str = f"POL-{WMP}", area: str | None = BHAM,
       payload: dict[str, Any] | None = None, incident: str | None = None) -> EventIn:
    """One event with a unique agency key."""
    _keys[agency] = _keys.get(agency, 0) + 1
    return EventIn(agency=agency, agency_key=f"{kind.value}-{_keys[agency]}", kind=kind, occurred_at=at(when),
                   area_code=area, person=who, payload=payload or {}, incident_ref=incident)


def load(session: Session, events: list[EventIn]) -> list[int]:
    """Store and link events only (no rules), so the test controls markers and tasks; child id per event."""
    outcome = pipeline.ingest(session, events=events, actor=access.SYSTEM, stages=[pipeline.link_stage])
    session.flush()
    return outcome.child_ids


def run(session: Session, *, area: str = ALL, start: date = date(2024, 4, 1), end: date = date(2025, 3, 31),
        by_year: bool = False, stats: list[str] | None = None, exclude_force: str | None = None) -> list[Cell]:
    """Unsuppressed cells for the statistics named (or all)."""
    ctx = service.make_context(session, area=area, start=start, end=end, by_year=by_year, exclude_force=exclude_force)
    cells, _ = service.compute_cells(session, ctx=ctx, statistic_ids=stats)
    return cells


def value(cells: list[Cell], statistic: str, *, area: str = ALL, period: str | None = None, measure: str = "count",
          **dims: str) -> float | None:
    """The value of exactly one cell (period: the only one unless named)."""
    found = [c for c in cells if c.statistic == statistic and c.area == area and c.measure == measure
             and c.dims == dims and (period is None or c.period == period)]
    assert len(found) == 1, f"{statistic} {area} {period} {measure} {dims}: {len(found)} cells"
    return found[0].value
