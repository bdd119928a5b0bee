"""Plans (CIN, CP, looked-after, CCE disruption, context), their actions, and MACE panel meetings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class Plan(Base):
    """A plan about a child, or about a context (a place, group or deal line) linked to children."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # cin | cp | lac | disruption | context
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None, index=True)
    subject_entity_id: Mapped[int | None] = mapped_column(ForeignKey("network_entities.id"), default=None)
    title: Mapped[str] = mapped_column(String(300))
    goals: Mapped[str | None] = mapped_column(Text, default=None)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime]
    review_due_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str | None] = mapped_column(String(120), default=None)


class PlanChild(Base):
    """A child linked to a context plan (a place or peer group plan protects several children)."""

    __tablename__ = "plan_children"
    __table_args__ = (UniqueConstraint("plan_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)


class PlanAction(Base):
    """One action in a plan, targeting the child, an adult, a place or a line, owned by an agency."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    action_type: Mapped[str] = mapped_column(String(60))
    target_kind: Mapped[str] = mapped_column(String(16), default="child")  # child | adult | place | line | group
    target_entity_id: Mapped[int | None] = mapped_column(ForeignKey("network_entities.id"), default=None)
    target_label: Mapped[str | None] = mapped_column(String(200), default=None)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in_progress | done | not_done
    note: Mapped[str | None] = mapped_column(Text, default=None)
    history: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MaceMeeting(Base):
    """A multi-agency child exploitation panel meeting for an area."""

    __tablename__ = "mace_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    held_on: Mapped[date] = mapped_column(Date)
    chair: Mapped[str | None] = mapped_column(String(120), default=None)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | held
    created_at: Mapped[datetime]


class MaceItem(Base):
    """One child or context on a panel agenda, why it is there, and what the panel decided."""

    __tablename__ = "mace_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mace_meetings.id"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("network_entities.id"), default=None)
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision: Mapped[str | None] = mapped_column(Text, default=None)
    actions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
