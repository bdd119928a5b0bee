"""The child page: identity and links, markers, one chronology (paged, filterable), risk, tasks, plans, NRM."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.errors import NotFound
from reachable.identity import service as identity
from reachable.identity.models import Child
from reachable.markers import service as markers
from reachable.nrm import service as nrm
from reachable.plans import service as plans
from reachable.records.models import Event
from reachable.records.service import SourceRecord
from reachable.risk import service as risk
from reachable.tasks import service as tasks

PAGE_SIZE = 100
INTELLIGENCE_KINDS = ("intelligence_report",)
RISK_LEVELS = ("none", "low", "medium", "high", "very_high")


@dataclass
class Chronology:
    """One page of the child's chronology, newest first, with the filter options and counts."""

    events: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    agencies: list[tuple[str, str, int]]  # code, name, count
    kinds: list[tuple[str, int]]
    chosen_agencies: list[str] = field(default_factory=list)
    chosen_kinds: list[str] = field(default_factory=list)
    intelligence_hidden: bool = False


def find_child(session: Session, *, reference: str) -> Child | None:
    """An active child by reference (RCH-...), following a merge to the child it became."""
    child = session.scalar(select(Child).where(Child.reference == reference.strip().upper()))
    for _ in range(5):
        if child is None or child.status != "merged" or child.merged_into_id is None:
            break
        child = session.get(Child, child.merged_into_id)
    return child if child is not None and child.status == "active" else None


def chronology(session: Session, *, child_id: int, agencies: list[str], kinds: list[str], page: int,
               intelligence: bool) -> Chronology:
    """A page of events: filtered in SQL so a child with thousands of events still renders quickly."""
    record_ids = identity.record_ids_for_child(session, child_id=child_id)
    base = [Event.source_record_id.in_(record_ids), Event.superseded_at.is_(None)]
    if not intelligence:
        base.append(Event.kind.not_in(INTELLIGENCE_KINDS))
    # One grouped scan gives the filter options, their counts and the filtered total (no separate COUNT).
    grouped = session.execute(select(Event.agency_id, Event.kind, func.count()).where(*base)
                              .group_by(Event.agency_id, Event.kind)).tuples().all()
    named = areas.agencies_by_id(session, ids={agency_id for agency_id, _, _ in grouped})
    by_agency: dict[int, int] = {}
    by_kind: dict[str, int] = {}
    for agency_id, kind, count in grouped:
        by_agency[agency_id] = by_agency.get(agency_id, 0) + count
        by_kind[kind] = by_kind.get(kind, 0) + count
    code_to_id = {agency.code: agency.id for agency in named.values()}
    filters = list(base)
    chosen_ids = [code_to_id[code] for code in agencies if code in code_to_id]
    if agencies:
        filters.append(Event.agency_id.in_(chosen_ids))
    if kinds:
        filters.append(Event.kind.in_(kinds))
    total = sum(count for agency_id, kind, count in grouped
                if (not agencies or agency_id in chosen_ids) and (not kinds or kind in kinds))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.execute(select(Event.id, Event.kind, Event.occurred_at, Event.agency_id, Event.area_code,
                                  Event.place, Event.payload, Event.person_role, Event.version)
                           .where(*filters).order_by(Event.occurred_at.desc(), Event.id.desc())
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    events = [{"id": row.id, "kind": row.kind, "occurred_at": row.occurred_at, "agency": named[row.agency_id].name,
               "area_code": row.area_code, "place": row.place, "payload": row.payload, "role": row.person_role,
               "version": row.version} for row in rows]
    return Chronology(
        events=events, total=total, page=page, pages=pages,
        agencies=sorted(((named[i].code, named[i].name, n) for i, n in by_agency.items()), key=lambda a: a[1]),
        kinds=sorted(by_kind.items()), chosen_agencies=agencies, chosen_kinds=kinds,
        intelligence_hidden=not intelligence)


def linked_records(session: Session, *, child_id: int) -> list[dict[str, Any]]:
    """Each source record linked to the child with the decision and its reason."""
    links = identity.list_links(session, child_id=child_id)
    records = {row.id: row for row in session.scalars(
        select(SourceRecord).where(SourceRecord.id.in_([link.source_record_id for link in links])))}
    names = areas.agencies_by_id(session, ids={row.agency_id for row in records.values()})
    out = []
    for link in links:
        record = records.get(link.source_record_id)
        if record is None:
            continue
        out.append({"link": link, "record": record, "agency": names[record.agency_id].name})
    return out


def risk_chart(changes: list[Any]) -> dict[str, Any]:
    """Points for a step chart of risk level over time, drawn as SVG on the server (no script needed)."""
    width, height, left, top, bottom = 720, 260, 110, 20, 40
    if not changes:
        return {"points": [], "width": width, "height": height, "levels": []}
    levels = sorted({c.level for c in changes})
    known = list(RISK_LEVELS) + sorted({c.level for c in changes} - set(RISK_LEVELS))
    shown = [level for level in known if level in {c.level for c in changes} or level in ("low", "medium", "high")]
    start, end = changes[0].at.timestamp(), max(changes[-1].at.timestamp(), changes[0].at.timestamp() + 86400)
    span = end - start
    plot_w, plot_h = width - left - 20, height - top - bottom
    step = plot_h / max(len(shown) - 1, 1)
    y_of = {level: top + plot_h - index * step for index, level in enumerate(shown)}
    points = [{"x": round(left + (c.at.timestamp() - start) / span * plot_w, 1), "y": round(y_of[c.level], 1),
               "change": c} for c in changes]
    path = ""
    for index, point in enumerate(points):
        if index == 0:
            path = f"M{point['x']},{point['y']}"
        else:
            path += f" H{point['x']} V{point['y']}"
    path += f" H{left + plot_w}"
    return {"points": points, "path": path, "width": width, "height": height, "levels": levels,
            "axis": [{"level": level, "y": round(y, 1)} for level, y in y_of.items()], "left": left,
            "right": left + plot_w, "bottom": top + plot_h}


def child_page(session: Session, *, child: Child, may_audit: bool) -> dict[str, Any]:
    """Everything on the child page except the chronology (which pages and filters on its own)."""
    marker_rows = markers.list_markers(session, child_id=child.id, include_ended=True)
    changes = risk.history(session, child_id=child.id)
    plan_rows = plans.list_plans(session, child_id=child.id, include_ended=True)
    area = None
    if child.home_area_code:
        try:
            area = areas.get_area(session, code=child.home_area_code)
        except NotFound:
            area = None
    return {
        "child": child,
        "home_area": area.name if area is not None else child.home_area_code,
        "records": linked_records(session, child_id=child.id),
        "markers": [{"marker": m, "history": markers.history(session, marker_id=m.id)} for m in marker_rows],
        "risk": changes, "risk_chart": risk_chart(changes),
        "tasks": tasks.list_tasks(session, child_id=child.id, limit=200),
        "plans": [{"plan": p, "actions": plans.list_actions(session, plan_id=p.id)} for p in plan_rows],
        "nrm": nrm.list_referrals(session, child_id=child.id),
        "viewers": access.list_for_child(session, child_id=child.id)[:200] if may_audit else None,
    }
