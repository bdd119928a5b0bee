"""Contracts for children and their record links."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class ChildOut(BaseModel):
    """A child's identity summary."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    display_name: str | None
    dob: date | None
    sex: str | None
    home_area_code: str | None
    status: str


class LinkOut(BaseModel):
    """Why one source record is linked to a child."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source_record_id: int
    child_id: int
    decision: str
    match_probability: float | None
    match_weight: float | None
    model_version: str | None
    reason: str
    decided_by: str
    decided_at: datetime
