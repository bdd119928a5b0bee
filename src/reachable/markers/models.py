"""Shared CCE markers on a child's record, with their full lifecycle history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class Marker(Base):
    """A coded, reviewed statement on a child's record shared across agencies (e.g. at risk of CCE)."""

    __tablename__ = "markers"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # proposed | active | ended
    basis: Mapped[str] = mapped_column(String(16), default="assessment")
    set_by: Mapped[str] = mapped_column(String(120))
    set_by_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    set_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    evidence_event_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rule_id: Mapped[str | None] = mapped_column(String(80), default=None)
    rule_version: Mapped[str | None] = mapped_column(String(20), default=None)
    review_due_at: Mapped[datetime | None] = mapped_column(default=None)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(Text, default=None)


class MarkerHistory(Base):
    """One step in a marker's life: set, reviewed, supported, ended — who, when and why."""

    __tablename__ = "marker_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    marker_id: Mapped[int] = mapped_column(ForeignKey("markers.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # proposed | set | supported | confirmed | reviewed | ended
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(120))
    by_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    reason: Mapped[str] = mapped_column(Text)
    evidence_event_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rule_id: Mapped[str | None] = mapped_column(String(80), default=None)
    rule_version: Mapped[str | None] = mapped_column(String(20), default=None)
