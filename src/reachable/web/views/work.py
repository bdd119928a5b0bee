"""My work: the signed-in person's open tasks (overdue first), cross-border notices and reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.markers import service as markers
from reachable.tasks import service as tasks
from reachable.tasks.models import Task
from reachable.web.auth import WebUser
from reachable.web.views.lookup import children_by_id

DUE_SOON = timedelta(days=3)


@dataclass
class WorkItem:
    """One row on my work: the task, the child it is about and whether it is late."""

    task: Task
    child_ref: str | None
    child_name: str | None
    overdue: bool
    due_soon: bool


@dataclass
class MyWork:
    """Everything on the my work page."""

    overdue: list[WorkItem] = field(default_factory=list)
    due: list[WorkItem] = field(default_factory=list)
    notices: list[WorkItem] = field(default_factory=list)
    reviews: list[WorkItem] = field(default_factory=list)
    marker_reviews: list[dict[str, Any]] = field(default_factory=list)


def _open_tasks(session: Session, user: WebUser) -> list[Task]:
    """Open tasks owned by the person's agency, or by their area when no agency is named."""
    found = {task.id: task for task in tasks.list_tasks(session, owner_agency_id=user.agency_id, status=["open"])}
    if user.area_code:
        for task in tasks.list_tasks(session, area_code=user.area_code, status=["open"]):
            if task.owner_agency_id is None:
                found.setdefault(task.id, task)
    return sorted(found.values(), key=lambda task: (task.due_at is None, task.due_at or utcnow(), task.id))


def my_work(session: Session, *, user: WebUser, now: datetime | None = None) -> MyWork:
    """Sort the person's open tasks into overdue, due, notices and reviews."""
    now = now or utcnow()
    open_tasks = _open_tasks(session, user)
    children = children_by_id(session, (task.child_id for task in open_tasks))
    work = MyWork()
    for task in open_tasks:
        child = children.get(task.child_id) if task.child_id else None
        if task.child_id and child is None:
            continue  # the child was erased: nothing about them stays on a list
        item = WorkItem(task=task, child_ref=child.reference if child else None,
                        child_name=child.display_name if child else None,
                        overdue=bool(task.due_at and task.due_at < now),
                        due_soon=bool(task.due_at and now <= task.due_at < now + DUE_SOON))
        if task.kind == "notice":
            work.notices.append(item)
        elif task.kind in ("review", "escalation"):
            work.reviews.append(item)
        elif item.overdue:
            work.overdue.append(item)
        else:
            work.due.append(item)
    due_markers = markers.due_reviews(session, now=now)
    marked = children_by_id(session, (marker.child_id for marker in due_markers))
    for marker in due_markers:
        child = marked.get(marker.child_id)
        if child is not None and marker.set_by_agency_id == user.agency_id:
            work.marker_reviews.append({"marker": marker, "child_ref": child.reference,
                                        "child_name": child.display_name})
    return work
