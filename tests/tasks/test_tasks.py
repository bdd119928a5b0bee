"""Tasks: idempotent creation, filters, completing with a reason, reassigning, escalation and metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.errors import Conflict, InputRejected
from reachable.rules import service as rules
from reachable.tasks import service as tasks
from reachable.tasks.schemas import TaskSpec

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def _spec(session: Session, key: str | None, area: str = "E08000025", **extra: object) -> TaskSpec:
    agency = areas.ensure_agency(session, code=f"CSC-{area}")
    values: dict[str, object] = {"title": f"Task {key}", "owner_agency_id": agency.id, "owner_area_code": area,
                                 "owner_role": "social_worker", "due_at": AT + timedelta(hours=24),
                                 "rule_id": "cp.drugs-weapons", "rule_version": "1.0", "dedupe_key": key}
    values.update(extra)
    return TaskSpec(**values)  # type: ignore[arg-type]


def test_a_dedupe_key_makes_creation_idempotent(session: Session) -> None:
    first = tasks.create_task(session, spec=_spec(session, "k1"), at=AT)
    assert first is not None
    assert tasks.create_task(session, spec=_spec(session, "k1"), at=AT) is None
    assert tasks.find_by_dedupe_key(session, dedupe_key="k1") is first
    assert tasks.create_task(session, spec=_spec(session, None), at=AT) is not None  # no key: always new


def test_filters_by_area_status_and_kind(session: Session) -> None:
    tasks.create_task(session, spec=_spec(session, "a"), at=AT)
    tasks.create_task(session, spec=_spec(session, "b", area="W06000015", kind="notice"), at=AT)
    done = tasks.create_task(session, spec=_spec(session, "c"), at=AT)
    assert done is not None
    tasks.complete_task(session, task_id=done.id, outcome="done", reason="strategy discussion held", by="sw", at=AT)
    assert [t.dedupe_key for t in tasks.list_tasks(session, area_code="E08000025", status=["open"])] == ["a"]
    assert [t.dedupe_key for t in tasks.list_tasks(session, kinds=["notice"])] == ["b"]
    assert len(tasks.list_tasks(session, status=["open", "done"])) == 3


def test_completing_needs_a_reason_and_happens_once(session: Session) -> None:
    task = tasks.create_task(session, spec=_spec(session, "r"), at=AT)
    assert task is not None
    with pytest.raises(InputRejected):
        tasks.complete_task(session, task_id=task.id, outcome="no_further_action", reason=" ", by="sw")
    tasks.complete_task(session, task_id=task.id, outcome="duplicate", reason="same as task 1", by="sw", at=AT)
    assert task.status == "cancelled" and task.closed_by == "sw"
    with pytest.raises(Conflict):
        tasks.complete_task(session, task_id=task.id, outcome="done", reason="again", by="sw")


def test_reassigning_logs_who_and_why(session: Session) -> None:
    task = tasks.create_task(session, spec=_spec(session, "u"), at=AT)
    assert task is not None
    tasks.update_task(session, task_id=task.id, by="tm", reason="allocated", owner_name="Sam Patel",
                      owner_team="Exploitation team")
    assert task.owner_name == "Sam Patel" and task.evidence["log"][0]["reason"] == "allocated"


def test_overdue_tasks_escalate_to_manager_then_head_of_service(session: Session) -> None:
    task = tasks.create_task(session, spec=_spec(session, "e"), at=AT)
    assert task is not None
    assert tasks.escalate_overdue(session, now=AT + timedelta(hours=23)) == []
    [first] = tasks.escalate_overdue(session, now=AT + timedelta(hours=25))
    assert first.owner_role == "manager" and first.parent_task_id == task.id and first.escalation_level == 1
    assert first.due_at == AT + timedelta(days=2, hours=1)  # one working day later
    assert tasks.escalate_overdue(session, now=AT + timedelta(hours=26)) == []
    [second] = tasks.escalate_overdue(session, now=AT + timedelta(days=5))
    assert second.owner_role == "head_of_service" and second.parent_task_id == first.id


def test_metrics_count_tasks_acted_on_in_time_by_rule_and_area(session: Session) -> None:
    on_time = tasks.create_task(session, spec=_spec(session, "m1"), at=AT)
    late = tasks.create_task(session, spec=_spec(session, "m2"), at=AT)
    tasks.create_task(session, spec=_spec(session, "m3"), at=AT)  # left open, overdue at `now`
    tasks.create_task(session, spec=_spec(session, "m4", kind="notice"), at=AT)  # notices are not counted
    assert on_time is not None and late is not None
    tasks.complete_task(session, task_id=on_time.id, outcome="done", reason="held", by="sw",
                        at=AT + timedelta(hours=3))
    tasks.complete_task(session, task_id=late.id, outcome="done", reason="held", by="sw", at=AT + timedelta(days=3))
    [row] = rules.metrics(session, now=AT + timedelta(days=4))
    assert (row.rule_id, row.area_code, row.tasks) == ("cp.drugs-weapons", "E08000025", 3)
    assert (row.closed_in_time, row.closed_late, row.open_overdue) == (1, 1, 1)
    assert row.on_time_rate == pytest.approx(1 / 3)
