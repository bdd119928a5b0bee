"""Plans with goals, actions owned by any agency, reviews, and need-to-know views of disruption actions."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound
from reachable.identity import service as identity
from reachable.plans.actions import ACTION_TYPES
from reachable.plans.models import Plan, PlanAction, PlanChild
from reachable.plans.schemas import ActionIn, ActionStatus, ActionView, PlanIn
from reachable.tasks import service as tasks


def _day_end(day: object) -> datetime | None:
    """17:00 UTC on a date (deadlines fall in the working day), or None."""
    from datetime import date

    return datetime.combine(day, time(17, 0), UTC) if isinstance(day, date) else None


def create_plan(session: Session, *, plan: PlanIn, actor: access.Actor) -> Plan:
    """Create a plan about a child or a context (place, group, line) linked to children."""
    errors = []
    if plan.kind == "context":
        if plan.subject_entity_id is None:
            errors.append(FieldError("subject_entity_id", "a context plan needs a place, group or line as subject"))
    elif plan.child_id is None:
        errors.append(FieldError("child_id", f"a {plan.kind} plan is about one child"))
    if errors:
        raise InputRejected(errors)
    for child_id in [c for c in [plan.child_id, *plan.linked_child_ids] if c is not None]:
        identity.get_child(session, child_id=child_id)
    owner = areas.ensure_agency(session, code=plan.owner_agency)
    row = Plan(kind=plan.kind, child_id=plan.child_id, subject_entity_id=plan.subject_entity_id, title=plan.title,
               goals=plan.goals, owner_agency_id=owner.id, started_at=utcnow(),
               review_due_at=_day_end(plan.review_due_on), created_by=actor.name)
    session.add(row)
    session.flush()
    for child_id in sorted(set(plan.linked_child_ids) - {plan.child_id}):
        session.add(PlanChild(plan_id=row.id, child_id=child_id))
    session.flush()
    _audit(session, actor, row, "plan created", child_id=plan.child_id)
    return row


def get_plan(session: Session, *, plan_id: int) -> Plan:
    """One plan, or NotFound."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id}")
    return plan


def linked_children(session: Session, *, plan_id: int) -> list[int]:
    """Children a plan is about: its own child and any linked to a context plan."""
    plan = get_plan(session, plan_id=plan_id)
    linked = list(session.scalars(select(PlanChild.child_id).where(PlanChild.plan_id == plan_id)))
    return ([plan.child_id] if plan.child_id else []) + linked


def list_plans(session: Session, *, child_id: int, include_ended: bool = False) -> list[Plan]:
    """A child's plans, including context plans the child is linked to."""
    linked = select(PlanChild.plan_id).where(PlanChild.child_id == child_id)
    query = select(Plan).where((Plan.child_id == child_id) | Plan.id.in_(linked)).order_by(Plan.started_at)
    if not include_ended:
        query = query.where(Plan.status == "open")
    return list(session.scalars(query))


def add_action(session: Session, *, plan_id: int, action: ActionIn, actor: access.Actor) -> PlanAction:
    """Add an action; the type decides what it may target and which agencies may own it."""
    plan = get_plan(session, plan_id=plan_id)
    if plan.status != "open":
        raise Conflict("the plan has ended")
    kind = ACTION_TYPES.get(action.action_type)
    owner = areas.ensure_agency(session, code=action.owner_agency)
    errors = []
    if kind is None:
        errors.append(FieldError("action_type", f"unknown; one of {', '.join(sorted(ACTION_TYPES))}",
                                 action.action_type))
    else:
        if action.target_kind not in kind.targets:
            errors.append(FieldError("target_kind", f"{kind.label} targets {', '.join(kind.targets)}",
                                     action.target_kind))
        if kind.owners is not None and owner.kind not in kind.owners:
            errors.append(FieldError("owner_agency", f"{kind.label} is owned by {', '.join(kind.owners)}",
                                     action.owner_agency))
    if action.target_kind != "child" and not (action.target_entity_id or action.target_label):
        errors.append(FieldError("target_entity_id", "name the adult, place, line or group the action targets"))
    if errors:
        raise InputRejected(errors)
    row = PlanAction(plan_id=plan.id, title=action.title, action_type=action.action_type,
                     target_kind=action.target_kind, target_entity_id=action.target_entity_id,
                     target_label=action.target_label, owner_agency_id=owner.id, due_at=_day_end(action.due_on),
                     note=action.note, history={"steps": [{"at": utcnow().isoformat(), "by": actor.name,
                                                          "status": "open"}]})
    session.add(row)
    session.flush()
    _audit(session, actor, plan, f"action added: {action.action_type}", child_id=plan.child_id)
    return row


def update_action(session: Session, *, action_id: int, status: ActionStatus, reason: str,
                  actor: access.Actor) -> PlanAction:
    """Move an action on (in progress, done, not done), with a reason kept in its history."""
    action = session.get(PlanAction, action_id)
    if action is None:
        raise NotFound(f"no plan action {action_id}")
    if status in ("done", "not_done") and not reason.strip():
        raise InputRejected([FieldError("reason", "say what was done, or why not")])
    action.status = status
    steps = [*action.history.get("steps", []), {"at": utcnow().isoformat(), "by": actor.name, "status": status,
                                                "reason": reason}]
    action.history = {"steps": steps}
    plan = get_plan(session, plan_id=action.plan_id)
    _audit(session, actor, plan, f"action {action_id} {status}: {reason}", child_id=plan.child_id)
    return action


def end_plan(session: Session, *, plan_id: int, reason: str, actor: access.Actor) -> Plan:
    """End a plan with a reason; open actions are left on record as not done."""
    plan = get_plan(session, plan_id=plan_id)
    if not reason.strip():
        raise InputRejected([FieldError("reason", "a plan ends with a reason")])
    plan.status, plan.ended_at, plan.end_reason = "ended", utcnow(), reason
    _audit(session, actor, plan, f"plan ended: {reason}", child_id=plan.child_id)
    return plan


def list_actions(session: Session, *, plan_id: int) -> list[PlanAction]:
    """A plan's actions, in the order they were added."""
    return list(session.scalars(select(PlanAction).where(PlanAction.plan_id == plan_id).order_by(PlanAction.id)))


def agency_knows_child(session: Session, *, agency_id: int, child_id: int) -> bool:
    """A legitimate relationship: the child's home area is the agency's (or its force's), or the agency owns
    the child's plan, a child-facing action or an open task. Owning an action against an adult is not one."""
    agency = areas.agencies_by_id(session, ids={agency_id}).get(agency_id)
    child = identity.get_child(session, child_id=child_id)
    if agency is None:
        return False
    if child.home_area_code and agency.area_code:
        if agency.area_code == child.home_area_code:
            return True
        if agency.area_code == areas.police_force_for(session, area_code=child.home_area_code):
            return True
    for plan in list_plans(session, child_id=child_id):
        if plan.owner_agency_id == agency_id:
            return True
        actions = list_actions(session, plan_id=plan.id)
        if any(a.owner_agency_id == agency_id and a.target_kind == "child" for a in actions):
            return True
    return any(t.owner_agency_id == agency_id for t in tasks.list_tasks(session, child_id=child_id, status=["open"]))


def actions_for_agency(session: Session, *, agency_id: int) -> list[ActionView]:
    """The actions an agency owns, with each child's details shown only where it has a relationship."""
    views = []
    codes = {a.id: a.code for a in areas.agencies_by_id(session, ids={agency_id}).values()}
    for action in session.scalars(select(PlanAction).where(PlanAction.owner_agency_id == agency_id)
                                  .order_by(PlanAction.id)):
        plan = get_plan(session, plan_id=action.plan_id)
        child = identity.get_child(session, child_id=plan.child_id) if plan.child_id else None
        visible = child is not None and agency_knows_child(session, agency_id=agency_id, child_id=child.id)
        views.append(ActionView(
            id=action.id, plan_id=plan.id, plan_kind=plan.kind, title=action.title, action_type=action.action_type,
            target_kind=action.target_kind, target_label=action.target_label,
            owner_agency_code=codes.get(agency_id), due_at=action.due_at, status=action.status,
            child_reference=child.reference if visible and child else None,
            child_name=child.display_name if visible and child else None, redacted=child is not None and not visible))
    return views


def _audit(session: Session, actor: access.Actor, plan: Plan, why: str, *, child_id: int | None) -> None:
    """Audit a change to a plan."""
    access.record(session, actor=actor, action="change", object_type="plan", object_id=plan.id, child_id=child_id,
                  fields={"kind": plan.kind, "status": plan.status}, justification=why)
