"""Rule firings: every time a reachable-moment rule fired for a child, why, and on which evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class RuleFiring(Base):
    """One reachable moment: rule id and version, the child, the events that made it fire, and the reason."""

    __tablename__ = "rule_firings"
    __table_args__ = (Index("ix_rule_firings_rule_child_time", "rule_id", "child_id", "event_occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(80))
    rule_version: Mapped[str] = mapped_column(String(20))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None, index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), default=None)
    event_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    event_occurred_at: Mapped[datetime | None] = mapped_column(default=None)
    incident_ref: Mapped[str | None] = mapped_column(String(120), default=None)
    dedupe_key: Mapped[str] = mapped_column(String(240), unique=True)
    jurisdiction: Mapped[str | None] = mapped_column(String(16), default=None)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None, index=True)
    mode: Mapped[str] = mapped_column(String(16), default="live")  # live | historical (too old to act on)
    reason: Mapped[str] = mapped_column(Text)
    evidence_event_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fired_at: Mapped[datetime]
