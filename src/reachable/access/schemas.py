"""Contracts for signing in, users, sharing, break-glass, exports and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    """Username, password and the current TOTP code."""

    username: str = Field(max_length=120)
    password: str = Field(max_length=256)
    totp: str = Field(max_length=12)


class SessionOut(BaseModel):
    """A new session token (shown once) and its limits."""

    token: str
    expires_at: datetime
    idle_timeout_seconds: int


class UserOut(BaseModel):
    """A user as administrators and the user themself see them (never the password hash or TOTP secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    agency_id: int
    team: str | None
    role: str
    active: bool


class MeOut(BaseModel):
    """The signed-in user and the agency they act for."""

    id: int
    username: str
    role: str
    agency_code: str
    agency_kind: str
    area_code: str | None


class UserIn(BaseModel):
    """A new user of the administrator's own agency."""

    username: str = Field(min_length=1, max_length=120)
    display_name: str = Field(min_length=1, max_length=200)
    role: str
    team: str | None = None
    password: str = Field(max_length=256)


class UserCreated(BaseModel):
    """The new user and their TOTP enrolment (shown once)."""

    user: UserOut
    totp_secret: str
    provisioning_uri: str


class UserChange(BaseModel):
    """Changes an administrator may make to another user (agency never changes here)."""

    model_config = ConfigDict(extra="forbid")

    role: str | None = None
    team: str | None = None
    active: bool | None = None


class JustificationIn(BaseModel):
    """A reason that someone will read later."""

    justification: str = Field(min_length=1, max_length=2000)


class ReviewIn(BaseModel):
    """A manager's review of a break-glass use."""

    outcome: str
    note: str = Field(max_length=2000)


class SharingDecisionIn(BaseModel):
    """A decision to share, or not to share, a child's data with another agency."""

    to_agency: str
    decision: str
    scope: str = "details"
    lawful_gateway: str
    reason: str = Field(max_length=4000)
    child_informed: str
    expires_at: datetime | None = None


class AgreementIn(BaseModel):
    """An information sharing agreement."""

    name: str = Field(max_length=200)
    purpose: str = Field(max_length=4000)
    lawful_gateway: str
    party_codes: list[str]
    allowed_fields: list[str] = []
    starts_at: datetime
    review_due_at: datetime
    expires_at: datetime


class AgreementOut(BaseModel):
    """An agreement as recorded."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    purpose: str
    lawful_gateway: str
    party_agency_ids: dict[str, Any]
    allowed_fields: dict[str, Any]
    starts_at: datetime
    review_due_at: datetime
    expires_at: datetime


class ExportIn(BaseModel):
    """A person-level export to a named recipient under an agreement."""

    agreement_id: int
    recipient: str = Field(min_length=1, max_length=200)
    recipient_agency: str | None = None
    justification: str = Field(max_length=2000)
    redacted: bool = True


class BulkExportIn(BaseModel):
    """A bulk export request (always redacted; needs a second approver)."""

    agreement_id: int
    recipient: str = Field(min_length=1, max_length=200)
    child_ids: list[int] = Field(max_length=10000)
    justification: str = Field(max_length=2000)


class RetentionReviewIn(BaseModel):
    """A review decision on one record."""

    record_id: int
    outcome: str
    rationale: str = Field(default="", max_length=4000)
    next_review_days: int | None = Field(default=None, ge=1, le=3650)


class EraseIn(BaseModel):
    """Why a child is being erased or de-listed, and optionally only one agency's records."""

    reason: str = Field(max_length=2000)
    agency_only: bool = False
