"""My work, and completing a task with an outcome and its reason."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from reachable.access import service as access
from reachable.api.deps import declares
from reachable.common.errors import Conflict, InputRejected, NotFound
from reachable.tasks import service as tasks
from reachable.tasks.models import Task
from reachable.tasks.schemas import Outcome
from reachable.web import guard
from reachable.web.render import page, translator_for
from reachable.web.routes.common import SessionDep, UserDep, check_csrf
from reachable.web.routes.language import prompts_for
from reachable.web.views.lookup import agency_names, children_by_id
from reachable.web.views.work import my_work

router = APIRouter(include_in_schema=False)
OUTCOMES: tuple[str, ...] = get_args(Outcome)


@router.get("/")
@declares("children.list")
def home(request: Request, session: SessionDep, user: UserDep, done: int | None = None) -> Response:
    """My work: overdue tasks first, then due, cross-border notices and reviews."""
    if not guard.decide(session, user=user, action="children.list").allowed and guard.decide(
            session, user=user, action="stats.view").allowed:
        return RedirectResponse("/dashboard", status_code=303)  # analysts have no casework, only statistics
    guard.allow(session, user=user, action="children.list")
    return page(request, "pages/my_work.html", {"work": my_work(session, user=user), "done": done})


def _task_for(session: SessionDep, user: UserDep, task_id: int, action: str) -> tuple[Task, access.Decision]:
    """The task if this person may act on it (its child's relationship, or its owning agency)."""
    try:
        task = tasks.get_task(session, task_id=task_id)
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    if task.child_id is not None:
        decision = guard.allow(session, user=user, action=action, child_id=task.child_id)
    else:
        decision = guard.allow(session, user=user, action="children.list", owner_agency_id=task.owner_agency_id)
    return task, decision


def _task_page(request: Request, session: SessionDep, task: Task, **context: object) -> Response:
    """The task page with its child and owner labelled."""
    child = children_by_id(session, [task.child_id]).get(task.child_id or 0)
    owner = agency_names(session, [task.owner_agency_id]).get(task.owner_agency_id or 0)
    values: dict[str, object] = {"task": task, "child": child, "owner": owner, "outcomes": OUTCOMES, "values": {},
                                 "errors": {}, "prompts": []}
    values.update(context)
    status = 400 if values.get("errors") else 200
    return page(request, "pages/task.html", values, status_code=status)


@router.get("/tasks/{task_id}")
@declares("child.view")
def task_page(request: Request, session: SessionDep, user: UserDep, task_id: int) -> Response:
    """One task: why it was created, its deadline and the form to complete it."""
    task, decision = _task_for(session, user, task_id, "child.view")
    guard.audit(session, user=user, decision=decision, object_type="task", object_id=task.id, child_id=task.child_id,
                fields={"page": "task"})
    return _task_page(request, session, task)


@router.post("/tasks/{task_id}/complete")
@declares("child.change")
def complete(request: Request, session: SessionDep, user: UserDep, task_id: int,
             outcome: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
             language_reviewed: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    """Close the task with an outcome and reason; prompt (once, never block) on victim-blaming wording."""
    check_csrf(request, csrf_token)
    t = translator_for(request)
    task, decision = _task_for(session, user, task_id, "child.change")
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = t("task.error_outcome")
    if len(reason.strip()) < 3:
        errors["reason"] = t("task.error_reason")
    values = {"outcome": outcome, "reason": reason}
    if errors:
        return _task_page(request, session, task, values=values, errors=errors,
                          error_summary=list(errors.items()))
    prompts = prompts_for(request, session, reason, child_id=task.child_id)
    if prompts and language_reviewed != "1":
        return _task_page(request, session, task, values=values, prompts=prompts, language_checked=True)
    try:
        tasks.complete_task(session, task_id=task.id, outcome=outcome, reason=reason.strip(),  # type: ignore[arg-type]
                            by=f"user:{user.username}", by_role=user.role)
    except (Conflict, InputRejected) as error:
        errors = {"outcome": str(error)}
        return _task_page(request, session, task, values=values, errors=errors,
                          error_summary=list(errors.items()))
    guard.audit(session, user=user, decision=decision, object_type="task", object_id=task.id, child_id=task.child_id,
                fields={"status": task.status, "outcome": outcome})
    return RedirectResponse(f"/?done={task.id}", status_code=303)
