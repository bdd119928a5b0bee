"""Users, teams, sessions, sharing decisions, agreements, break-glass, exports, retention and the audit chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reachable.db.base import Base


class Team(Base):
    """A team inside one agency (e.g. the exploitation hub); its contact is shown to other agencies."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime]


class User(Base):
    """A person who signs in; belongs to one agency and team, with one role they cannot change themselves."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    # The last TOTP time step accepted: a code is single-use (ASVS 6.5.1).
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    team_ref: Mapped[Team | None] = relationship(lazy="joined")

    @property
    def team(self) -> str | None:
        """The name of the user's team, if they have one."""
        return self.team_ref.name if self.team_ref is not None else None


class UserSession(Base):
    """A signed-in session (API bearer or web cookie); only the token's hash is stored."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the absolute limit, fixed at sign-in
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoke_reason: Mapped[str | None] = mapped_column(String(60), default=None)
    origin: Mapped[str | None] = mapped_column(String(120), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)


class LoginAttempt(Base):
    """One sign-in attempt, for throttling (≤ 10 failures per 5 minutes per account) and misuse review."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_user_time", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(60))
    origin: Mapped[str | None] = mapped_column(String(120), default=None)


class SharingAgreement(Base):
    """An information sharing agreement (ISA): parties, purpose, lawful gateway, allowed fields, dates."""

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    lawful_gateway: Mapped[str] = mapped_column(String(120))
    party_agency_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [..]}
    allowed_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"fields": [..]}
    starts_at: Mapped[datetime]
    review_due_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class SharingDecision(Base):
    """A recorded decision to share (or not to share) a child's data with another agency, and why."""

    __tablename__ = "sharing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # share | decline
    scope: Mapped[str] = mapped_column(String(24))  # details | intelligence
    lawful_gateway: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    child_informed: Mapped[str] = mapped_column(String(24))  # yes | no-unsafe | no-impracticable
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class BreakGlass(Base):
    """Emergency access to a child with no recorded relationship: justified, time-boxed, reviewed by a manager."""

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    justification: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    review_outcome: Mapped[str | None] = mapped_column(String(24), default=None)  # justified | misuse
    review_note: Mapped[str | None] = mapped_column(Text, default=None)


class ExportRequest(Base):
    """A person-level or bulk export: its agreement, recipient, redaction, approvals and who downloaded it."""

    __tablename__ = "export_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # person | bulk
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id"))
    recipient: Mapped[str] = mapped_column(String(200))
    child_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [..]}
    redacted: Mapped[bool] = mapped_column(Boolean, default=True)
    justification: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | refused | delivered
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class RetentionRule(Base):
    """How long one record type from one kind of agency is kept before review, and what happens then."""

    __tablename__ = "retention_rules"
    __table_args__ = (UniqueConstraint("record_type", "agency_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))  # an event kind, or "*" for every kind
    agency_kind: Mapped[str] = mapped_column(String(32))  # an AgencyKind value, or "*"
    review_after_days: Mapped[int] = mapped_column(Integer)
    on_review: Mapped[str] = mapped_column(String(16))  # review (a person decides) | dispose (automatic)
    basis: Mapped[str] = mapped_column(Text)  # the schedule it follows (MoPI group, IRMS, care regulations)


class RetentionReview(Base):
    """A recorded review of one record: retain (with rationale), restrict or dispose, and the next review date."""

    __tablename__ = "retention_reviews"
    __table_args__ = (Index("ix_retention_reviews_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # retain | restrict | dispose
    rationale: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(120))
    reviewed_at: Mapped[datetime]
    next_review_at: Mapped[datetime | None] = mapped_column(default=None)
    disposed_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEvent(Base):
    """Who did what to which child's data, when, from where and why; each row chains the previous hash."""

    __tablename__ = "audit_events"
    # Rows waiting for the sealer (chain_seq NULL) are found through a small partial index (docs/security.md).
    __table_args__ = (Index("ix_audit_events_unsealed", "id", sqlite_where=text("chain_seq IS NULL"),
                            postgresql_where=text("chain_seq IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    actor_role: Mapped[str | None] = mapped_column(String(40), default=None)
    # collect | change | view | disclose | link | merge | erase | denied | login | logout | admin
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60), default=None)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None, index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    justification: Mapped[str | None] = mapped_column(Text, default=None)
    origin: Mapped[str | None] = mapped_column(String(120), default=None)
    recipient: Mapped[str | None] = mapped_column(String(200), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The row's place in the hash chain, given by the sealer; NULL (and empty hashes) until sealed.
    chain_seq: Mapped[int | None] = mapped_column(default=None, unique=True, index=True)


class AuditCheckpoint(Base):
    """The chain's head at a moment (written by verify/export): cutting rows off the end is then detected."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)


class ApiToken(Base):
    """An agency system's API token, scoped to one agency and one purpose; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(40))  # submit_events | read_children
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
