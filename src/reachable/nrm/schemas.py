"""Contracts for NRM referrals and decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Exploitation = Literal["criminal", "sexual", "labour", "domestic_servitude", "unknown"]


class ReferralIn(BaseModel):
    """A first responder's referral of a child to the NRM."""

    model_config = ConfigDict(extra="forbid")

    child_id: int
    reference: str = Field(min_length=1, max_length=120)
    referred_on: date
    first_responder_agency: str = Field(min_length=3, max_length=40, description="agency code, e.g. CSC-E08000025")
    first_responder_person: str | None = Field(default=None, max_length=120)
    exploitation_types: list[Exploitation] = Field(default=["criminal"], min_length=1)
    county_lines: bool = False
    criminal_case_ref: str | None = Field(default=None, max_length=120)


class DecisionIn(BaseModel):
    """A reasonable or conclusive grounds decision from the competent authority."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["positive", "negative"]
    decided_on: date


class ReferralOut(BaseModel):
    """A referral with its timers and decisions."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    child_id: int
    referred_on: date
    first_responder_person: str | None
    exploitation_types: dict[str, Any]
    county_lines: bool
    age_at_exploitation: int | None
    rg_decision: str | None
    rg_decided_on: date | None
    recovery_ends_on: date | None
    cg_decision: str | None
    cg_decided_on: date | None
    status: str
    reconsiderations: dict[str, Any]
    turned_18_on: date | None
    criminal_case_ref: str | None
    created_at: datetime


class NrmFigures(BaseModel):
    """Timeliness of decisions for a set of referrals."""

    referrals: int
    rg_decisions: int
    cg_decisions: int
    median_days_to_rg: float | None
    median_days_to_cg: float | None
    share_rg_within_5_working_days: float | None
    positive_rg_rate: float | None
    positive_cg_rate: float | None
