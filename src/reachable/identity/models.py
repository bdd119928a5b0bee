"""Children (resolved identities) and the reasoned links from source records to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class Child(Base):
    """One real child, as far as linkage can tell; a summary of the linked records."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    dob: Mapped[date | None] = mapped_column(Date, default=None)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)
    home_area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | merged | erased
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None)
    created_at: Mapped[datetime]


class RecordLink(Base):
    """Why a source record belongs to a child: the decision, its evidence and who or what made it."""

    __tablename__ = "record_links"
    __table_args__ = (Index("ix_record_links_current", "source_record_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    decision: Mapped[str] = mapped_column(String(24))  # auto_link | clerical_link | manual | new_child
    match_probability: Mapped[float | None] = mapped_column(Float, default=None)
    match_weight: Mapped[float | None] = mapped_column(Float, default=None)
    model_version: Mapped[str | None] = mapped_column(String(40), default=None)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(Text, default=None)
