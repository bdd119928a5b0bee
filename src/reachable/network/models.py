"""Contextual safeguarding network: children, adults, places, deal lines, vehicles, groups and links."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Float, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class NetworkEntity(Base):
    """A node: a resolved child, an adult of concern, a place, a deal line, a vehicle or a group."""

    __tablename__ = "network_entities"
    __table_args__ = (Index("ix_network_entities_kind", "kind"),)

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
        Index("ix_network_links_first_seen", "first_seen_at"),
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
    # The natural key makes building idempotent: one derived link per (kind, endpoints, compartment).
    link_key: Mapped[str] = mapped_column(String(255), unique=True)
    origin: Mapped[str] = mapped_column(String(16), default="derived")  # derived | analyst
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | removed
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(120), default="network-build")


class NetworkEvidence(Base):
    """One event supporting one link, with when and where it happened (for time and area queries)."""

    __tablename__ = "network_evidence"
    __table_args__ = (
        UniqueConstraint("link_id", "event_id"),
        Index("ix_network_evidence_event", "event_id"),
        Index("ix_network_evidence_time", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("network_links.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    occurred_at: Mapped[datetime]
    area_code: Mapped[str | None] = mapped_column(String(12), default=None)


class NetworkSharingDecision(Base):
    """A recorded decision to share police-compartment intelligence (a link or an entity) with partners."""

    __tablename__ = "network_sharing_decisions"
    __table_args__ = (Index("ix_network_sharing_link", "link_id"), Index("ix_network_sharing_entity", "entity_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("network_links.id"), default=None)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("network_entities.id"), default=None)
    shared_with: Mapped[str] = mapped_column(String(40))  # an agency code, or "*" for every partner agency
    purpose: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_by_agency: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(Text, default=None)


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for set-based reads and bulk writes."""
    return cast(Table, model.__table__)
