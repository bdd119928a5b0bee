"""Contextual safeguarding network: children, adults, places, deal lines, vehicles, groups and links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class NetworkEntity(Base):
    """A node: a resolved child, an adult of concern, a place, a deal line, a vehicle or a group."""

    __tablename__ = "network_entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # child | adult | place | line | vehicle | group
    key: Mapped[str] = mapped_column(String(200), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None, index=True)
    place_type: Mapped[str | None] = mapped_column(String(32), default=None)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    compartment: Mapped[str] = mapped_column(String(16), default="shared")  # shared | police
    created_at: Mapped[datetime]


class NetworkLink(Base):
    """An edge with its type, time span, source events, confidence and basis (fact or graded intelligence)."""

    __tablename__ = "network_links"
    __table_args__ = (
        Index("ix_network_links_source", "source_id"),
        Index("ix_network_links_target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("network_entities.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("network_entities.id"))
    kind: Mapped[str] = mapped_column(String(40))
    source_role: Mapped[str | None] = mapped_column(String(20), default=None)
    target_role: Mapped[str | None] = mapped_column(String(20), default=None)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    basis: Mapped[str] = mapped_column(String(16), default="fact")
    grading: Mapped[str | None] = mapped_column(String(16), default=None)
    compartment: Mapped[str] = mapped_column(String(16), default="shared")
    source_event_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
