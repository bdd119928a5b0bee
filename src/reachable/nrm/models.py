"""National Referral Mechanism referrals and their decisions, tracked per child."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class NrmReferral(Base):
    """A referral by a first responder, its reasonable and conclusive grounds decisions and timers."""

    __tablename__ = "nrm_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    referred_on: Mapped[date] = mapped_column(Date)
    first_responder_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    first_responder_person: Mapped[str | None] = mapped_column(String(120), default=None)
    exploitation_types: Mapped[dict[str, Any]] = mapped_column(default=dict)
    county_lines: Mapped[bool] = mapped_column(Boolean, default=False)
    age_at_exploitation: Mapped[int | None] = mapped_column(Integer, default=None)
    rg_decision: Mapped[str | None] = mapped_column(String(16), default=None)  # positive | negative
    rg_decided_on: Mapped[date | None] = mapped_column(Date, default=None)
    recovery_ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    cg_decision: Mapped[str | None] = mapped_column(String(16), default=None)
    cg_decided_on: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(32), default="awaiting_rg")
    reconsiderations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    turned_18_on: Mapped[date | None] = mapped_column(Date, default=None)
    criminal_case_ref: Mapped[str | None] = mapped_column(String(120), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
