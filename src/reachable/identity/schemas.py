"""Contracts for children and their record links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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


class ReviewItemOut(BaseModel):
    """A pair waiting for (or given) a reviewer's decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    record_a_id: int
    record_b_id: int
    match_probability: float
    match_weight: float
    model_version: str
    status: str
    created_at: datetime


class DecisionIn(BaseModel):
    """A reviewer's decision on a pair, with the reason that is stored with it."""

    decision: Literal["match", "no_match"]
    reason: Annotated[str, Field(min_length=3, max_length=2000)]


class MergeIn(BaseModel):
    """Merge another child into this one."""

    other_child_id: int
    reason: Annotated[str, Field(min_length=3, max_length=2000)]


class SplitIn(BaseModel):
    """Move some of a child's records to another child."""

    record_ids: Annotated[list[int], Field(min_length=1)]
    reason: Annotated[str, Field(min_length=3, max_length=2000)]
    carry: dict[str, list[int]] | None = None


class ChangeOut(BaseModel):
    """A merge or split, as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    child_id: int
    other_child_id: int
    record_ids: dict[str, Any]
    carried: dict[str, Any]
    reason: str
    decided_by: str
    decided_at: datetime
    reverses_id: int | None
