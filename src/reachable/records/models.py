"""Source records (a person as one agency recorded them), import batches and the append-only events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class ImportBatch(Base):
    """Provenance of a set of events: a file or an API batch, who brought it and what it held."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(16))  # file | api
    source_name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    imported_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SourceRecord(Base):
    """One agency's record of one person, with the identifiers that agency holds."""

    __tablename__ = "source_records"
    __table_args__ = (UniqueConstraint("agency_id", "agency_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    agency_person_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(100), default=None)
    middle_names: Mapped[str | None] = mapped_column(String(200), default=None)
    last_name: Mapped[str | None] = mapped_column(String(100), default=None)
    dob: Mapped[date | None] = mapped_column(Date, default=None)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)
    ethnicity: Mapped[str | None] = mapped_column(String(8), default=None)
    nationality: Mapped[str | None] = mapped_column(String(60), default=None)
    address: Mapped[str | None] = mapped_column(String(300), default=None)
    postcode: Mapped[str | None] = mapped_column(String(10), default=None, index=True)
    upn: Mapped[str | None] = mapped_column(String(13), default=None, index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), default=None, index=True)
    police_person_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    council_child_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    # Indexed so a single area's report starts from its children's records, not from every event.
    home_area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Event(Base):
    """One agency fact on a child's chronology. Rows are never changed except to mark a newer version."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("agency_id", "agency_key", "version"),
        Index("ix_events_subject_time", "source_record_id", "occurred_at"),
        Index("ix_events_kind_time", "kind", "occurred_at"),
        # Reports: current events of some kinds in a range, with their record, read from the index alone.
        Index("ix_events_current_kind_time", "kind", "occurred_at", "source_record_id",
              sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    agency_key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    person_role: Mapped[str] = mapped_column(String(20), default="child_at_risk")
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None, index=True)
    postcode: Mapped[str | None] = mapped_column(String(10), default=None)
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    incident_ref: Mapped[str | None] = mapped_column(String(120), default=None, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), default=None)
    source_line: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
