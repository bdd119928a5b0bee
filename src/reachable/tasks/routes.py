"""HTTP adapter for tasks: list by child / area / status, reassign, complete with a reason, metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.common.errors import NotFound
from reachable.rules import service as rules
from reachable.rules.schemas import MetricsRow
from reachable.tasks import service as tasks
from reachable.tasks.schemas import TaskCompleteIn, TaskOut, TaskUpdateIn

router = APIRouter(tags=["tasks"])
MANAGERS = ("team_manager",)


def task_target(session: Session, request: Request) -> access.Target:
    """A task route's target: the child the task is about."""
    try:
        task = tasks.get_task(session, task_id=int(request.path_params["task_id"]))
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such task") from None
    return access.Target(child_id=task.child_id)


def list_target(session: Session, request: Request) -> access.Target:
    """The task list's target: the child asked for, if any."""
    raw = request.query_params.get("child_id")
    return access.Target(child_id=int(raw) if raw else None)


@router.get("/tasks")
def list_tasks(session: SessionDep, _auth: Annotated[Authorised, Depends(authorise("children.list",
                                                                                   target=list_target))],
               child_id: int | None = None, area: str | None = None,
               status_: Annotated[list[str] | None, Query(alias="status")] = None,
               kind: Annotated[list[str] | None, Query()] = None, rule_id: str | None = None,
               limit: int = Query(500, ge=1, le=5000)) -> list[TaskOut]:
    """Tasks (including notices and reviews) by child, owning area, status, kind or rule; soonest due first."""
    found = tasks.list_tasks(session, child_id=child_id, area_code=area, status=status_, kinds=kind,
                             rule_id=rule_id, limit=limit)
    return [TaskOut.model_validate(task) for task in found]


@router.get("/tasks/metrics")
def task_metrics(session: SessionDep, _auth: Annotated[Authorised, Depends(authorise("stats.view"))]
                 ) -> list[MetricsRow]:
    """Reachable moments fired and tasks acted on in time, by rule and area (counts only, no personal data)."""
    return rules.metrics(session)


@router.get("/tasks/{task_id}")
def get_task(task_id: int, session: SessionDep,
             _auth: Annotated[Authorised, Depends(authorise("child.view", target=task_target))]) -> TaskOut:
    """One task with the events and reason that caused it."""
    return TaskOut.model_validate(tasks.get_task(session, task_id=task_id))


@router.post("/tasks/{task_id}/complete")
def complete_task(task_id: int, body: TaskCompleteIn, session: SessionDep,
                  auth: Annotated[Authorised, Depends(authorise("child.change", target=task_target))]) -> TaskOut:
    """Close a task with an outcome and the reason for it (a manager review needs a team manager)."""
    by = f"{body.by} via {auth.actor.name}" if body.by else auth.actor.name
    role = "manager" if auth.user.role in MANAGERS else auth.user.role
    task = tasks.complete_task(session, task_id=task_id, outcome=body.outcome, reason=body.reason, by=by,
                               by_role=role)
    access.record(session, actor=auth.actor, action="change", object_type="task", object_id=task_id,
                  child_id=task.child_id, fields={"outcome": body.outcome}, justification=body.reason)
    return TaskOut.model_validate(task)


@router.patch("/tasks/{task_id}")
def update_task(task_id: int, body: TaskUpdateIn, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("child.change", target=task_target))]) -> TaskOut:
    """Reassign a task to a team or named worker, or move its deadline, with a reason."""
    task = tasks.update_task(session, task_id=task_id, by=auth.actor.name, reason=body.reason,
                             owner_team=body.owner_team, owner_name=body.owner_name, due_at=body.due_at)
    access.record(session, actor=auth.actor, action="change", object_type="task", object_id=task_id,
                  child_id=task.child_id, fields={"action": "updated"}, justification=body.reason)
    return TaskOut.model_validate(task)
