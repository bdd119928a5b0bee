"""Contracts for plans, their actions and MACE panel agendas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PlanKind = Literal["cin", "cp", "lac", "disruption", "context"]
TargetKind = Literal["child", "adult", "place", "line", "group"]
ActionStatus = Literal["open", "in_progress", "done", "not_done"]


class PlanIn(BaseModel):
    """A new plan: about one child, or a context plan about a place, group or line linked to children."""

    model_config = ConfigDict(extra="forbid")

    kind: PlanKind
    title: str = Field(min_length=3, max_length=300)
    child_id: int | None = None
    subject_entity_id: int | None = None
    linked_child_ids: list[int] = []
    goals: str | None = Field(default=None, max_length=4000)
    owner_agency: str = Field(min_length=3, max_length=40)
    review_due_on: date | None = None


class ActionIn(BaseModel):
    """A new action in a plan, owned by any agency."""

    model_config = ConfigDict(extra="forbid")

    action_type: str = Field(min_length=2, max_length=60)
    title: str = Field(min_length=3, max_length=300)
    target_kind: TargetKind = "child"
    target_entity_id: int | None = None
    target_label: str | None = Field(default=None, max_length=200)
    owner_agency: str = Field(min_length=3, max_length=40)
    due_on: date | None = None
    note: str | None = Field(default=None, max_length=4000)


class ActionView(BaseModel):
    """An action as one agency may see it: the child is redacted without a legitimate relationship."""

    id: int
    plan_id: int
    plan_kind: str
    title: str
    action_type: str
    target_kind: str
    target_label: str | None
    owner_agency_code: str | None
    due_at: datetime | None
    status: str
    child_reference: str | None
    child_name: str | None
    redacted: bool


class AgendaItem(BaseModel):
    """A child on a MACE agenda and every reason they are there."""

    child_id: int
    reference: str
    reasons: list[str]


class Criteria(BaseModel):
    """Which children a MACE agenda includes (configurable per panel)."""

    model_config = ConfigDict(extra="forbid")

    high_risk: bool = True
    new_markers_days: int | None = 28
    overdue_tasks: bool = True
    cross_border_notices_days: int | None = 28
    marker_codes: list[str] = ["cce_risk", "cce_victim", "county_lines", "trafficking_nrm"]


class MeetingOut(BaseModel):
    """A MACE meeting with its items."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    area_code: str
    held_on: date
    chair: str | None
    status: str
    criteria: dict[str, Any]
