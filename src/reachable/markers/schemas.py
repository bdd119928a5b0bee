"""Contracts for the marker code list and for markers on a child's record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Reason = Annotated[str, Field(min_length=3, max_length=2000)]


class MarkerCode(BaseModel):
    """One code of the national marker list: what it means, who may set it, review and ending rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    label: Annotated[str, Field(min_length=3, max_length=120)]
    definition: Annotated[str, Field(min_length=10)]
    may_set: list[str]
    review_days: Annotated[int, Field(ge=1, le=730)]
    ending: Annotated[str, Field(min_length=10)]
    cin_factors: list[str] = []


class MarkerOut(BaseModel):
    """A marker as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    child_id: int
    code: str
    status: str
    basis: str
    set_by: str
    set_at: datetime
    reason: str
    evidence_event_ids: dict[str, Any]
    rule_id: str | None
    rule_version: str | None
    review_due_at: datetime | None
    last_reviewed_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None


class MarkerHistoryOut(BaseModel):
    """One step of a marker's life."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    marker_id: int
    action: str
    at: datetime
    by: str
    reason: str
    evidence_event_ids: dict[str, Any]
    rule_id: str | None
    rule_version: str | None


class MarkerSetIn(BaseModel):
    """A request to set (or propose) a marker on a child."""

    model_config = ConfigDict(extra="forbid")

    code: str
    reason: Reason
    evidence_event_ids: list[int] = []
    propose_only: bool = False
    by: Annotated[str, Field(min_length=1, max_length=120)] | None = None


class MarkerDecisionIn(BaseModel):
    """A review or an ending of a marker, always with a reason."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    by: Annotated[str, Field(min_length=1, max_length=120)] | None = None
