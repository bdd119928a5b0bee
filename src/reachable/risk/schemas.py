"""Contracts for screening, risk history and early identification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AssessmentIn(BaseModel):
    """A practitioner's screening decision: confirmed indicators, judgement and level."""

    model_config = ConfigDict(extra="forbid")

    level: str
    confirmed: list[str] = Field(default=[], description="indicator ids the practitioner confirms")
    added: list[str] = Field(default=[], description="indicator ids added from professional knowledge")
    judgement: str = Field(min_length=1, max_length=4000)
    override_reason: str | None = Field(default=None, max_length=4000)


class AssessmentOut(BaseModel):
    """A stored assessment."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    child_id: int
    assessed_at: datetime
    tool_version: str
    level: str
    suggested_level: str | None
    indicators: dict[str, Any]
    reason: str
    override_reason: str | None
    assessor: str
    status: str
    moderates_id: int | None


class LevelChange(BaseModel):
    """One step in a child's risk history."""

    at: datetime
    level: str
    previous: str | None
    by: str
    reason: str
    assessment_id: int


class RankedChild(BaseModel):
    """A child on the early-identification list with the factors behind the score."""

    child_id: int
    reference: str | None = None
    score: int
    factors: list[dict[str, Any]]
    version: str
