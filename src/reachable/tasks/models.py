"""Tasks with owners and deadlines, created by reachable-moment rules or by people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class Task(Base):
    """Something an agency must do for a child by a deadline, and why it was asked."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None, index=True)
    kind: Mapped[str] = mapped_column(String(40))  # task | notice | review | escalation
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    rule_id: Mapped[str | None] = mapped_column(String(80), default=None)
    rule_version: Mapped[str | None] = mapped_column(String(20), default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None, index=True)
    owner_area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None, index=True)
    owner_role: Mapped[str | None] = mapped_column(String(40), default=None)
    owner_team: Mapped[str | None] = mapped_column(String(120), default=None)
    owner_name: Mapped[str | None] = mapped_column(String(120), default=None)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    manager_only: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), default=None)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | done | cancelled
    outcome: Mapped[str | None] = mapped_column(String(60), default=None)
    outcome_reason: Mapped[str | None] = mapped_column(Text, default=None)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
