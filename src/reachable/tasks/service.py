"""Tasks with owners and deadlines: create (idempotently), list, reassign, complete with a reason, escalate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from reachable.common.dates import add_working_days, utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound
from reachable.db.dialect import insert_or_ignore
from reachable.tasks.models import Task
from reachable.tasks.schemas import Outcome, TaskCounts, TaskSpec

CLOSED_STATUS = {"cancelled": "cancelled", "duplicate": "cancelled"}  # every other outcome means "done"
ESCALATE_TO = {0: "manager", 1: "head_of_service"}


def create_task(session: Session, *, spec: TaskSpec, at: datetime | None = None) -> Task | None:
    """Create a task; with a dedupe key a repeat (replay, re-ingest, race) creates nothing and returns None."""
    at = at or utcnow()
    values = spec.model_dump()
    values["created_at"] = at
    if spec.dedupe_key is None:
        task = Task(**values)
        session.add(task)
        session.flush()
        return task
    inserted = create_task_id(session, spec=spec, at=at)
    return None if inserted is None else session.get(Task, inserted)


def create_task_id(session: Session, *, spec: TaskSpec, at: datetime) -> int | None:
    """Insert a task under its dedupe key and return its id, or None if the key exists (no read-back: fast path)."""
    values = spec.model_dump()
    values["created_at"] = at
    # Insert-or-ignore rather than check-then-insert: two ingests racing on one incident still make one task.
    table = cast(Table, Task.__table__)
    statement = insert_or_ignore(table, ["dedupe_key"])
    # RETURNING tells both databases apart reliably: no row back means the key already existed. The values go
    # as parameters so one compiled statement serves every task.
    inserted: int | None = session.execute(statement.returning(table.c.id), values).scalar()
    return inserted


# Built once: chunks that close tasks (a return interview answering a missing episode…) read them with it.
_OPEN_OF_CHILDREN = (select(Task).where(Task.child_id.in_(bindparam("ids", expanding=True)), Task.status == "open",
                                        Task.rule_id.in_(bindparam("rules", expanding=True)))
                     .order_by(Task.due_at.is_(None), Task.due_at, Task.id))


_TASKS = cast(Table, Task.__table__)
_INSERT_TASKS = insert_or_ignore(_TASKS, ["dedupe_key"]).returning(_TASKS.c.id, _TASKS.c.dedupe_key)


@dataclass
class PendingTask:
    """A task to be inserted when its chunk is written (its id is known after `TaskBook.write`)."""

    values: dict[str, Any]
    id: int | None = None
    dropped: bool = False  # the firing that asked for it turned out to be recorded already: insert nothing


class TaskBook:
    """One ingest chunk's tasks: new tasks and closures held in memory (later events of the chunk see them), then
    written in one insert; the children's open tasks are read once, when some rule first closes tasks."""

    def __init__(self, session: Session, *, child_ids: Sequence[int]) -> None:
        """A book for these children (nothing read yet)."""
        self.session, self.child_ids = session, sorted(set(child_ids))
        self.pending: list[PendingTask] = []
        self.keys: set[str] = set()
        self._open: dict[tuple[str, ...], dict[int, list[Task]]] = {}

    def add(self, *, spec: TaskSpec, at: datetime) -> PendingTask | None:
        """Queue a task under its dedupe key; a key already queued in this chunk queues nothing (None)."""
        if spec.dedupe_key is None:
            raise ValueError("a task queued in a book needs a dedupe key (replays must not duplicate it)")
        if spec.dedupe_key in self.keys:
            return None
        self.keys.add(spec.dedupe_key)
        values = spec.model_dump()
        values.update(created_at=at, status="open", outcome=None, outcome_reason=None, closed_by=None,
                      closed_at=None)
        pending = PendingTask(values)
        self.pending.append(pending)
        return pending

    def _open_tasks(self, child_id: int, rule_ids: Sequence[str]) -> list[Task]:
        """The child's open stored tasks of these rules, soonest due first (read for every child of the chunk at
        once, per set of rules: closing rules name one or two rules, and only their tasks are read)."""
        wanted = tuple(sorted(set(rule_ids)))
        if wanted not in self._open:
            found: dict[int, list[Task]] = {}
            for start in range(0, len(self.child_ids), 1000):
                params = {"ids": self.child_ids[start:start + 1000], "rules": list(wanted)}
                for task in self.session.scalars(_OPEN_OF_CHILDREN, params):
                    found.setdefault(cast(int, task.child_id), []).append(task)
            self._open[wanted] = found
        return self._open[wanted].get(child_id, [])

    def close_matching(self, *, child_id: int, rule_ids: Sequence[str], outcome: Outcome, reason: str, by: str,
                       at: datetime, match: dict[str, str] | None = None) -> list[Task | PendingTask]:
        """What `close_matching` does, over stored open tasks and those queued earlier in the chunk."""
        closed: list[Task | PendingTask] = []
        status = CLOSED_STATUS.get(outcome, "done")
        for task in self._open_tasks(child_id, rule_ids):
            if task.status != "open" or task.rule_id not in rule_ids or task.manager_only:
                continue
            facts = task.evidence.get("match", {})
            if match and any(facts.get(key) not in (None, value) for key, value in match.items()):
                continue
            task.status, task.outcome, task.outcome_reason, task.closed_by, task.closed_at = (
                status, outcome, reason, by, at)
            closed.append(task)
        for pending in self.pending:
            values = pending.values
            if (values["child_id"] != child_id or values["status"] != "open" or values["rule_id"] not in rule_ids
                    or values["manager_only"]):
                continue
            facts = values["evidence"].get("match", {})
            if match and any(facts.get(key) not in (None, value) for key, value in match.items()):
                continue
            values.update(status=status, outcome=outcome, outcome_reason=reason, closed_by=by, closed_at=at)
            closed.append(pending)
        return closed

    def write(self) -> None:
        """Insert the queued tasks in one statement; a dedupe key already stored inserts nothing (id stays None)."""
        wanted = [pending for pending in self.pending if not pending.dropped]
        self.pending, self.keys = [], set()
        if not wanted:
            return
        ids = {key: task_id for task_id, key in self.session.execute(_INSERT_TASKS, [p.values for p in wanted])}
        for pending in wanted:
            pending.id = ids.pop(pending.values["dedupe_key"], None)


def get_task(session: Session, *, task_id: int) -> Task:
    """One task by id, or NotFound."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def find_by_dedupe_key(session: Session, *, dedupe_key: str) -> Task | None:
    """The task created under a dedupe key, if any."""
    return session.scalar(select(Task).where(Task.dedupe_key == dedupe_key))


def list_tasks(session: Session, *, child_id: int | None = None, area_code: str | None = None,
               status: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
               owner_agency_id: int | None = None, rule_id: str | None = None, overdue_at: datetime | None = None,
               limit: int = 500, offset: int = 0) -> list[Task]:
    """Tasks filtered by child, owning area, status, kind, agency or rule; soonest due first."""
    query = select(Task)
    if child_id is not None:
        query = query.where(Task.child_id == child_id)
    if area_code:
        query = query.where(Task.owner_area_code == area_code)
    if status:
        query = query.where(Task.status.in_(list(status)))
    if kinds:
        query = query.where(Task.kind.in_(list(kinds)))
    if owner_agency_id is not None:
        query = query.where(Task.owner_agency_id == owner_agency_id)
    if rule_id:
        query = query.where(Task.rule_id == rule_id)
    if overdue_at is not None:
        query = query.where(Task.status == "open", Task.due_at < overdue_at)
    query = query.order_by(Task.due_at.is_(None), Task.due_at, Task.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def _note(task: Task, entry: dict[str, object]) -> None:
    """Append an entry to the task's own log inside its evidence (who changed what, and why)."""
    evidence = dict(task.evidence)
    evidence["log"] = [*evidence.get("log", []), entry]
    task.evidence = evidence


def update_task(session: Session, *, task_id: int, by: str, reason: str, owner_team: str | None = None,
                owner_name: str | None = None, due_at: datetime | None = None) -> Task:
    """Reassign an open task or move its deadline, logging who and why."""
    task = get_task(session, task_id=task_id)
    if task.status != "open":
        raise Conflict(f"task {task_id} is {task.status}; only open tasks change")
    changes: dict[str, object] = {}
    for name, value in (("owner_team", owner_team), ("owner_name", owner_name), ("due_at", due_at)):
        if value is not None:
            changes[name] = value.isoformat() if isinstance(value, datetime) else value
            setattr(task, name, value)
    _note(task, {"at": utcnow().isoformat(), "by": by, "action": "updated", "changes": changes, "reason": reason})
    session.flush()
    return task


def complete_task(session: Session, *, task_id: int, outcome: Outcome, reason: str, by: str,
                  by_role: str | None = None, at: datetime | None = None) -> Task:
    """Close a task with an outcome and its reason; a manager-only review needs a manager."""
    task = get_task(session, task_id=task_id)
    if task.status != "open":
        raise Conflict(f"task {task_id} is already {task.status} ({task.outcome})")
    if not reason or len(reason.strip()) < 3:
        raise InputRejected([FieldError("reason", f"closing a task as {outcome!r} needs a reason", reason)])
    if task.manager_only and by_role not in ("manager", "team_manager", "head_of_service"):
        raise Conflict(f"task {task_id} must be reviewed and closed by a manager (by_role {by_role!r})")
    task.status = CLOSED_STATUS.get(outcome, "done")
    task.outcome, task.outcome_reason, task.closed_by = outcome, reason, by
    task.closed_at = at or utcnow()
    session.flush()
    return task


def close_matching(session: Session, *, child_id: int, rule_ids: Sequence[str], outcome: Outcome, reason: str,
                   by: str, at: datetime, match: dict[str, str] | None = None) -> list[Task]:
    """Close a child's open tasks from given rules (e.g. an RHI offered closes the RHI task for that episode)."""
    closed = []
    for task in list_tasks(session, child_id=child_id, status=["open"]):
        if task.rule_id not in rule_ids or task.manager_only:
            continue
        facts = task.evidence.get("match", {})
        if match and any(facts.get(key) not in (None, value) for key, value in match.items()):
            continue
        closed.append(complete_task(session, task_id=task.id, outcome=outcome, reason=reason, by=by, at=at))
    return closed


def escalate_overdue(session: Session, *, now: datetime | None = None, by: str = "system") -> list[Task]:
    """Escalate each overdue open task once to a manager (an overdue escalation goes to the head of service)."""
    now = now or utcnow()
    created = []
    for task in list_tasks(session, overdue_at=now, limit=100_000):
        if task.escalated_at is not None or task.escalation_level >= len(ESCALATE_TO):
            continue
        role = ESCALATE_TO[task.escalation_level]
        spec = TaskSpec(
            kind="escalation", title=f"Overdue: {task.title}"[:300],
            detail=(f"Task {task.id} for {task.owner_role or 'the owner'} was due {task.due_at:%d/%m/%Y %H:%M} UTC "
                    f"and is still open. Make sure it is done, or record why not."),
            child_id=task.child_id, owner_agency_id=task.owner_agency_id, owner_area_code=task.owner_area_code,
            owner_role=role, owner_team=task.owner_team, due_at=add_working_days(now, 1), rule_id=task.rule_id,
            rule_version=task.rule_version, dedupe_key=f"escalate|{task.id}", parent_task_id=task.id,
            escalation_level=task.escalation_level + 1,
            evidence={"reason": f"task {task.id} overdue at {now.isoformat()}", "event_ids":
                      task.evidence.get("event_ids", [])})
        escalation = create_task(session, spec=spec, at=now)
        task.escalated_at = now
        _note(task, {"at": now.isoformat(), "by": by, "action": "escalated", "to_role": role,
                     "reason": "overdue"})
        if escalation is not None:
            created.append(escalation)
    session.flush()
    return created


def task_counts(session: Session, *, now: datetime | None = None, since: datetime | None = None,
                until: datetime | None = None) -> list[TaskCounts]:
    """Per rule and owning area: tasks created and how many were (or are being) acted on in time."""
    now = now or utcnow()
    query = select(Task.rule_id, Task.owner_area_code, Task.status, Task.due_at, Task.closed_at).where(
        Task.kind.in_(["task", "review"]))
    if since is not None:
        query = query.where(Task.created_at >= since)
    if until is not None:
        query = query.where(Task.created_at < until)
    rows: dict[tuple[str | None, str | None], TaskCounts] = {}
    for rule_id, area_code, status, due_at, closed_at in session.execute(query):
        counts = rows.setdefault((rule_id, area_code), TaskCounts(rule_id=rule_id, area_code=area_code))
        counts.tasks += 1
        if status == "open":
            if due_at is not None and due_at < now:
                counts.open_overdue += 1
            else:
                counts.open_in_time += 1
        elif status == "done":
            if due_at is None or (closed_at is not None and closed_at <= due_at):
                counts.closed_in_time += 1
            else:
                counts.closed_late += 1
    return sorted(rows.values(), key=lambda c: (c.rule_id or "", c.area_code or ""))
