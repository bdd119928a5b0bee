"""Risk assessments (screenings): every one kept, so risk can be tracked over time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class RiskAssessment(Base):
    """One screening of one child: indicators with evidence, the level, who decided it and why."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    assessed_at: Mapped[datetime]
    tool_version: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    suggested_level: Mapped[str | None] = mapped_column(String(20), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    indicators: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)
    assessor: Mapped[str] = mapped_column(String(120))
    assessor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="final")  # final | disputed | moderated
    moderates_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessments.id"), default=None)
