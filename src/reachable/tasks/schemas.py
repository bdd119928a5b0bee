"""Contracts for tasks (including notices, reviews and escalations) and their metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["done", "referred", "no_further_action", "no_concern", "duplicate", "cancelled"]
Status = Literal["open", "done", "cancelled"]


class TaskSpec(BaseModel):
    """What to create: a task for an agency role in an area, due by a time, with the events that caused it."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["task", "notice", "review", "escalation"] = "task"
    title: Annotated[str, Field(min_length=3, max_length=300)]
    detail: str | None = None
    child_id: int | None = None
    owner_agency_id: int | None = None
    owner_area_code: str | None = None
    owner_role: str | None = None
    owner_team: str | None = None
    owner_name: str | None = None
    due_at: datetime | None = None
    manager_only: bool = False
    rule_id: str | None = None
    rule_version: str | None = None
    dedupe_key: str | None = None
    parent_task_id: int | None = None
    escalation_level: int = 0
    evidence: dict[str, Any] = {}


class TaskOut(BaseModel):
    """A task as the API and CLI show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    child_id: int | None
    kind: str
    title: str
    detail: str | None
    rule_id: str | None
    rule_version: str | None
    owner_agency_id: int | None
    owner_area_code: str | None
    owner_role: str | None
    owner_team: str | None
    owner_name: str | None
    manager_only: bool
    parent_task_id: int | None
    escalation_level: int
    due_at: datetime | None
    status: str
    outcome: str | None
    outcome_reason: str | None
    evidence: dict[str, Any]
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    escalated_at: datetime | None


class TaskCompleteIn(BaseModel):
    """Closing a task: an outcome and the reason for it (always required)."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: Annotated[str, Field(min_length=3, max_length=4000)]
    by: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    by_role: Annotated[str, Field(max_length=40)] | None = None


class TaskUpdateIn(BaseModel):
    """Reassigning a task to a team or a named worker, or moving its deadline (with a reason)."""

    model_config = ConfigDict(extra="forbid")

    owner_team: str | None = None
    owner_name: str | None = None
    due_at: datetime | None = None
    reason: Annotated[str, Field(min_length=3, max_length=2000)]


class TaskCounts(BaseModel):
    """Task counts for one rule in one area: how many were acted on in time."""

    rule_id: str | None
    area_code: str | None
    tasks: int = 0
    closed_in_time: int = 0
    closed_late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0
