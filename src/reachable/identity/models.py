"""Children (resolved identities) and the reasoned links from source records to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    __table_args__ = (Index("ix_record_links_current", "source_record_id", "ended_at"),
                      # Reports: a record's current child from the index alone (no table read per event).
                      Index("ix_record_links_current_child", "source_record_id", "ended_at", "child_id"))

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


class LinkageModel(Base):
    """One trained version of the linkage model: Splink settings with m and u, term frequencies and thresholds."""

    __tablename__ = "linkage_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    engine: Mapped[str] = mapped_column(String(16))
    model: Mapped[dict[str, Any]] = mapped_column()  # the Splink model JSON, exactly as saved
    term_frequencies: Mapped[dict[str, Any]] = mapped_column(default=dict)
    auto_link_threshold: Mapped[float] = mapped_column(Float)
    review_threshold: Mapped[float] = mapped_column(Float)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trained_by: Mapped[str] = mapped_column(String(120))
    trained_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BlockingKey(Base):
    """A record filed under one blocking key, so a new record finds its candidates without scanning everyone."""

    __tablename__ = "identity_blocking_keys"
    __table_args__ = (UniqueConstraint("source_record_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    key: Mapped[str] = mapped_column(String(160), index=True)


class PairDecision(Base):
    """A person's decision that two records are, or are not, the same child; every later run obeys it."""

    __tablename__ = "identity_pair_decisions"
    __table_args__ = (Index("ix_pair_decisions_pair", "record_a_id", "record_b_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    decision: Mapped[str] = mapped_column(String(16))  # match | no_match
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime]
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("identity_review_items.id"), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class ReviewItem(Base):
    """A pair in the clerical-review band, with the evidence a reviewer needs to decide."""

    __tablename__ = "identity_review_items"
    __table_args__ = (Index("ix_review_items_pair", "record_a_id", "record_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the match-weight waterfall
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | decided | withdrawn
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class IdentityChange(Base):
    """One merge or split of children: what moved where, so it can be explained and exactly undone."""

    __tablename__ = "identity_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # merge | split
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)  # the child that gained or lost
    other_child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    record_ids: Mapped[dict[str, Any]] = mapped_column()  # {"records": [...]} moved between the two
    carried: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {table: [row ids]} moved with them
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("identity_changes.id"), default=None)
