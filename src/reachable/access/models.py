"""Users of the system and the append-only, hash-chained audit of every view and change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class User(Base):
    """A person who signs in; belongs to one agency and team, with one role they cannot change themselves."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    team: Mapped[str | None] = mapped_column(String(120), default=None)
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Who did what to which child's data, when, from where and why; each row chains the previous hash."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))  # collect | view | change | disclose | link | merge ...
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60), default=None)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None, index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    justification: Mapped[str | None] = mapped_column(Text, default=None)
    origin: Mapped[str | None] = mapped_column(String(120), default=None)
    recipient: Mapped[str | None] = mapped_column(String(200), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ApiToken(Base):
    """An agency system's API token, scoped to one agency and one purpose; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(40))  # submit_events
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
