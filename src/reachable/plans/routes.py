"""HTTP adapter for plans, disruption actions and the MACE panel."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.plans import mace
from reachable.plans import service as plans
from reachable.plans.schemas import ActionIn, ActionStatus, ActionView, AgendaItem, Criteria, MeetingOut, PlanIn

router = APIRouter(tags=["plans"])


def plan_target(session: Session, request: Request) -> access.Target:
    """The child a plan is about (a context plan's first linked child)."""
    linked = plans.linked_children(session, plan_id=int(request.path_params["plan_id"]))
    return access.Target(child_id=linked[0] if linked else None)


class PlanOut(BaseModel):
    """A plan as the API shows it."""

    id: int
    kind: str
    title: str
    child_id: int | None
    status: str


class ActionUpdate(BaseModel):
    """A change of an action's status, with the reason."""

    status: ActionStatus
    reason: str


class Decision(BaseModel):
    """The panel's decision and actions for one agenda item."""

    decision: str
    actions: list[str] = []


class MeetingIn(BaseModel):
    """A MACE meeting to plan, with its agenda criteria."""

    area_code: str
    held_on: date
    chair: str | None = None
    criteria: Criteria = Criteria()


def _out(plan: object) -> PlanOut:
    """A plan row as the API contract."""
    return PlanOut.model_validate(plan, from_attributes=True)


@router.get("/children/{child_id}/plans")
def list_plans(child_id: int, session: SessionDep,
               _: Annotated[Authorised, Depends(authorise("child.view"))]) -> list[PlanOut]:
    """The child's open plans, including context plans the child is linked to."""
    return [_out(p) for p in plans.list_plans(session, child_id=child_id)]


@router.post("/children/{child_id}/plans", status_code=201)
def create_plan(child_id: int, plan: PlanIn, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("child.change"))]) -> PlanOut:
    """Create a plan about the child (CIN, CP, LAC or CCE disruption)."""
    return _out(plans.create_plan(session, plan=plan.model_copy(update={"child_id": child_id}), actor=auth.actor))


@router.post("/plans/{plan_id}/actions", status_code=201)
def add_action(plan_id: int, action: ActionIn, session: SessionDep,
               auth: Annotated[Authorised, Depends(authorise("child.change", target=plan_target))]) -> dict[str, int]:
    """Add an action owned by any agency (the type decides which agencies may own it)."""
    return {"id": plans.add_action(session, plan_id=plan_id, action=action, actor=auth.actor).id}


@router.post("/plans/{plan_id}/actions/{action_id}")
def update_action(plan_id: int, action_id: int, body: ActionUpdate, session: SessionDep,
                  auth: Annotated[Authorised, Depends(authorise("child.change", target=plan_target))]
                  ) -> dict[str, str]:
    """Move an action on, with a reason."""
    action = plans.update_action(session, action_id=action_id, status=body.status, reason=body.reason,
                                 actor=auth.actor)
    return {"status": action.status}


@router.get("/my-agency/plan-actions")
def my_actions(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("children.list"))]
               ) -> list[ActionView]:
    """Actions the caller's agency owns; a child's details appear only with a legitimate relationship."""
    return plans.actions_for_agency(session, agency_id=auth.user.agency_id)


@router.get("/mace/agenda")
def agenda(area_code: str, session: SessionDep, auth: Annotated[Authorised, Depends(authorise("children.list"))]
           ) -> list[AgendaItem]:
    """The children meeting the panel's default criteria in an area, each with every reason."""
    items = mace.build_agenda(session, area_code=area_code, criteria=Criteria())
    return [item for item in items if access.decide(session, user=auth.principal, action="child.view",
                                                    target=access.Target(child_id=item.child_id)).allowed]


@router.post("/mace/meetings", status_code=201)
def create_meeting(body: MeetingIn, session: SessionDep,
                   auth: Annotated[Authorised, Depends(authorise("children.list"))]) -> MeetingOut:
    """Plan a meeting and freeze its agenda."""
    meeting = mace.create_meeting(session, area_code=body.area_code, held_on=body.held_on, criteria=body.criteria,
                                  chair=body.chair, actor=auth.actor)
    return MeetingOut.model_validate(meeting)


def item_target(session: Session, request: Request) -> access.Target:
    """The child an agenda item is about."""
    return access.Target(child_id=mace.get_item(session, item_id=int(request.path_params["item_id"])).child_id)


@router.post("/mace/items/{item_id}/decision")
def decide(item_id: int, body: Decision, session: SessionDep,
           auth: Annotated[Authorised, Depends(authorise("child.change", target=item_target))]) -> dict[str, int]:
    """Record the panel's decision and actions for an agenda item."""
    return {"id": mace.record_decision(session, item_id=item_id, decision=body.decision, actions=body.actions,
                                       actor=auth.actor).id}


@router.get("/mace/meetings/{meeting_id}/minutes", response_class=PlainTextResponse)
def minutes(meeting_id: int, session: SessionDep,
            auth: Annotated[Authorised, Depends(authorise("children.list"))]) -> str:
    """The minutes as markdown (each child's disclosure to the panel is audited)."""
    def can_see(child_id: int) -> bool:
        return access.decide(session, user=auth.principal, action="child.view",
                             target=access.Target(child_id=child_id)).allowed

    return mace.minutes(session, meeting_id=meeting_id, actor=auth.actor, can_see=can_see)
