"""The MACE panel: an agenda built from configurable criteria, decisions per item, and exported minutes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import FieldError, InputRejected, NotFound
from reachable.identity import service as identity
from reachable.plans.models import MaceItem, MaceMeeting
from reachable.plans.schemas import AgendaItem, Criteria

# Read-only selections across domains, in SQL so an area's whole cohort is one query each.
HIGH_RISK = text("""
SELECT r.child_id FROM risk_assessments r JOIN children c ON c.id = r.child_id
WHERE c.home_area_code = :area AND c.status = 'active' AND r.status != 'moderated' AND r.id = (
  SELECT r2.id FROM risk_assessments r2 WHERE r2.child_id = r.child_id AND r2.status != 'moderated'
  ORDER BY r2.assessed_at DESC, r2.id DESC LIMIT 1) AND r.level = 'high'
""")
NEW_MARKERS = text("""
SELECT m.child_id, m.code FROM markers m JOIN children c ON c.id = m.child_id
WHERE c.home_area_code = :area AND c.status = 'active' AND m.status IN ('active', 'proposed') AND m.set_at >= :since
""")
OVERDUE = text("""
SELECT t.child_id, t.title FROM tasks t LEFT JOIN children c ON c.id = t.child_id
WHERE t.status = 'open' AND t.due_at < :now AND t.child_id IS NOT NULL
  AND (c.home_area_code = :area OR t.owner_area_code = :area)
""")
NOTICES = text("""
SELECT t.child_id, t.title FROM tasks t LEFT JOIN children c ON c.id = t.child_id
WHERE t.kind = 'notice' AND t.created_at >= :since AND t.child_id IS NOT NULL
  AND (c.home_area_code = :area OR t.owner_area_code = :area)
""")


def build_agenda(session: Session, *, area_code: str, criteria: Criteria,
                 now: datetime | None = None) -> list[AgendaItem]:
    """Children in the area meeting any criterion, each with every reason, most reasons first."""
    now = now or utcnow()
    reasons: dict[int, list[str]] = defaultdict(list)
    if criteria.high_risk:
        for (child_id,) in session.execute(HIGH_RISK, {"area": area_code}):
            reasons[child_id].append("assessed at high risk")
    if criteria.new_markers_days is not None:
        since = now - timedelta(days=criteria.new_markers_days)
        for child_id, code in session.execute(NEW_MARKERS, {"area": area_code, "since": since}):
            if code in criteria.marker_codes:
                reasons[child_id].append(f"new marker: {code.replace('_', ' ')}")
    if criteria.overdue_tasks:
        for child_id, title in session.execute(OVERDUE, {"area": area_code, "now": now}):
            reasons[child_id].append(f"overdue task: {title}")
    if criteria.cross_border_notices_days is not None:
        since = now - timedelta(days=criteria.cross_border_notices_days)
        for child_id, title in session.execute(NOTICES, {"area": area_code, "since": since}):
            reasons[child_id].append(f"cross-border notice: {title}")
    items = [AgendaItem(child_id=child_id, reference=identity.get_child(session, child_id=child_id).reference,
                        reasons=sorted(set(found))) for child_id, found in reasons.items()]
    return sorted(items, key=lambda item: (-len(item.reasons), item.reference))


def create_meeting(session: Session, *, area_code: str, held_on: date, criteria: Criteria, actor: access.Actor,
                   chair: str | None = None, now: datetime | None = None) -> MaceMeeting:
    """Plan a meeting and freeze its agenda, so everyone prepares for the same list."""
    if not areas.known_area_codes(session, {area_code}):  # refused with a reason, not a foreign-key crash
        raise InputRejected([FieldError("area_code", "unknown area code", area_code)])
    meeting = MaceMeeting(area_code=area_code, held_on=held_on, chair=chair, criteria=criteria.model_dump(),
                          status="planned", created_at=utcnow())
    session.add(meeting)
    session.flush()
    for item in build_agenda(session, area_code=area_code, criteria=criteria, now=now):
        session.add(MaceItem(meeting_id=meeting.id, child_id=item.child_id, reasons={"reasons": item.reasons},
                             actions={"actions": []}))
    session.flush()
    access.record(session, actor=actor, action="change", object_type="mace_meeting", object_id=meeting.id,
                  fields={"area": area_code, "items": len(items(session, meeting_id=meeting.id))},
                  justification="MACE agenda built")
    return meeting


def items(session: Session, *, meeting_id: int) -> list[MaceItem]:
    """A meeting's agenda items in order."""
    return list(session.scalars(select(MaceItem).where(MaceItem.meeting_id == meeting_id).order_by(MaceItem.id)))


def record_decision(session: Session, *, item_id: int, decision: str, actions: list[str],
                    actor: access.Actor) -> MaceItem:
    """Record the panel's decision and actions against one agenda item."""
    item = session.get(MaceItem, item_id)
    if item is None:
        raise NotFound(f"no agenda item {item_id}")
    if not decision.strip():
        raise InputRejected([FieldError("decision", "record what the panel decided")])
    item.decision, item.actions, item.decided_by = decision, {"actions": actions}, actor.name
    meeting = session.get(MaceMeeting, item.meeting_id)
    if meeting is not None:
        meeting.status = "held"
    access.record(session, actor=actor, action="change", object_type="mace_item", object_id=item.id,
                  child_id=item.child_id, fields={"actions": len(actions)}, justification=decision)
    return item


def minutes(session: Session, *, meeting_id: int, actor: access.Actor,
            can_see: Callable[[int], bool] | None = None) -> str:
    """The meeting's minutes as markdown; items about children the reader may not see are withheld; audited."""
    meeting = session.get(MaceMeeting, meeting_id)
    if meeting is None:
        raise NotFound(f"no MACE meeting {meeting_id}")
    lines = [f"# MACE panel, {meeting.area_code}, {meeting.held_on:%d/%m/%Y}", "",
             f"Chair: {meeting.chair or 'not recorded'}. OFFICIAL-SENSITIVE: share only under the local "
             "information sharing agreement.", ""]
    for number, item in enumerate(items(session, meeting_id=meeting_id), start=1):
        if item.child_id and can_see is not None and not can_see(item.child_id):
            lines += [f"## {number}. Withheld", "", "You have no legitimate relationship with this child.", ""]
            continue
        child = identity.get_child(session, child_id=item.child_id) if item.child_id else None
        lines += [f"## {number}. {child.reference if child else 'context item'}", "",
                  "Why on the agenda: " + "; ".join(item.reasons.get("reasons", [])), "",
                  f"Decision: {item.decision or 'not yet recorded'}", ""]
        lines += [f"- Action: {action}" for action in item.actions.get("actions", [])]
        lines.append("")
        if child:
            access.record(session, actor=actor, action="disclose", object_type="mace_minutes",
                          object_id=meeting_id, child_id=child.id, recipient=f"MACE panel {meeting.area_code}",
                          justification="MACE minutes exported")
    return "\n".join(lines)


def get_item(session: Session, *, item_id: int) -> MaceItem:
    """One agenda item, or NotFound."""
    item = session.get(MaceItem, item_id)
    if item is None:
        raise NotFound(f"no agenda item {item_id}")
    return item
