"""Plans (CIN, CP, looked-after, CCE disruption, context) and their actions owned by any agency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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


class PlanAction(Base):
    """One action in a plan, targeting the child, an adult, a place or a line, owned by an agency."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    action_type: Mapped[str] = mapped_column(String(60))
    target_entity_id: Mapped[int | None] = mapped_column(ForeignKey("network_entities.id"), default=None)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(Text, default=None)
