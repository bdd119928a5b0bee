"""Contracts for areas and agencies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AreaOut(BaseModel):
    """An area as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: str
    country: str
    police_force_code: str | None
    parent_code: str | None


class AgencyOut(BaseModel):
    """An agency as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: str
    area_code: str | None
