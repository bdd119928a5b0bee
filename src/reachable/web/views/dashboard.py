"""The area dashboard: Counting Lives figures for the person's area, small numbers suppressed, with downloads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable.identity.models import Child, RecordLink
from reachable.markers.models import Marker
from reachable.nrm.models import NrmReferral
from reachable.records.models import Event
from reachable.tasks.models import Task

SUPPRESS_BELOW = 5  # counts of 1-4 could identify a child, so they are shown as suppressed
CCE_CODES = ("cce_risk", "cce_victim", "county_lines")


@dataclass(frozen=True)
class Figure:
    """One statistic for one financial year, in one area."""

    statistic: str
    year: str
    value: int | None  # None: suppressed

    def shown(self, suppressed: str) -> str:
        """The figure as displayed and downloaded."""
        return suppressed if self.value is None else str(self.value)


def financial_year(moment: datetime) -> str:
    """The financial year a moment falls in, e.g. 2024-25 (April to March)."""
    start = moment.year if moment.month >= 4 else moment.year - 1
    return f"{start}-{str(start + 1)[2:]}"


def _suppress(count: int) -> int | None:
    return None if 0 < count < SUPPRESS_BELOW else count


def _event_children(session: Session, area: str | None, kinds: tuple[str, ...],
                    where: list[object] | None = None) -> dict[str, set[int]]:
    """Distinct children per financial year with events of these kinds (by the child's home area)."""
    query = (select(RecordLink.child_id, Event.occurred_at)
             .join(RecordLink, (RecordLink.source_record_id == Event.source_record_id) & RecordLink.ended_at.is_(None))
             .join(Child, Child.id == RecordLink.child_id)
             .where(Event.kind.in_(kinds), Event.superseded_at.is_(None), Child.status == "active"))
    if area:
        query = query.where(Child.home_area_code == area)
    for clause in where or []:
        query = query.where(clause)  # type: ignore[arg-type]
    found: dict[str, set[int]] = {}
    for child_id, occurred in session.execute(query):
        found.setdefault(financial_year(occurred), set()).add(child_id)
    return found


def figures(session: Session, *, area: str | None) -> list[Figure]:
    """Each statistic per financial year for the area (the agency's council or force area)."""
    per_stat: dict[str, dict[str, int]] = {}
    per_stat["children_missing"] = {y: len(c) for y, c in _event_children(session, area, ("missing_reported",)).items()}
    per_stat["children_arrested_pwits"] = {y: len(c) for y, c in _event_children(
        session, area, ("arrest",), [Event.payload["offence_category"].as_string() == "pwits_class_a"]).items()}
    per_stat["children_excluded"] = {y: len(c) for y, c in _event_children(session, area,
                                                                          ("school_exclusion",)).items()}
    markers = select(Marker.child_id, Marker.set_at).join(Child, Child.id == Marker.child_id).where(
        Marker.code.in_(CCE_CODES), Marker.status != "proposed", Child.status == "active")
    nrm = select(NrmReferral.child_id, NrmReferral.created_at).join(Child, Child.id == NrmReferral.child_id).where(
        Child.status == "active")
    tasks = select(Task.child_id, Task.created_at).join(Child, Child.id == Task.child_id).where(
        Task.kind == "task", Child.status == "active")
    for name, query in (("children_cce_marker", markers), ("children_nrm_referred", nrm),
                        ("children_with_tasks", tasks)):
        if area:
            query = query.where(Child.home_area_code == area)
        years: dict[str, set[int]] = {}
        for child_id, at in session.execute(query):
            years.setdefault(financial_year(at), set()).add(child_id)
        per_stat[name] = {year: len(children) for year, children in years.items()}
    all_years = sorted({year for values in per_stat.values() for year in values})
    return [Figure(statistic=name, year=year, value=_suppress(values.get(year, 0)))
            for name, values in per_stat.items() for year in all_years]


def as_csv(rows: list[Figure], *, labels: dict[str, str], suppressed: str, area: str | None) -> str:
    """The figures as CSV, one row per statistic and year, with the area and the time it was produced."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["statistic_id", "statistic", "financial_year", "area", "value", "produced_at"])
    produced = datetime.now(UTC).isoformat(timespec="seconds")
    for row in rows:
        writer.writerow([row.statistic, labels[row.statistic], row.year, area or "all",
                         row.shown(suppressed), produced])
    return out.getvalue()


def count_children(session: Session, *, area: str | None) -> int:
    """Children known in the area (for the dashboard's headline)."""
    query = select(func.count()).select_from(Child).where(Child.status == "active")
    if area:
        query = query.where(Child.home_area_code == area)
    return int(session.scalar(query) or 0)
