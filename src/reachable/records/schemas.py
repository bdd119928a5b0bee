"""The canonical interchange format: one event, with the person as the recording agency knows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from reachable.common.types import PersonRole, Sex
from reachable.records.kinds import PAYLOADS as PAYLOADS  # re-exported for other domains (rules)
from reachable.records.kinds import EventKind as EventKind

Name = Annotated[str, Field(max_length=100)]


class PersonIn(BaseModel):
    """A person as one agency recorded them: names, date of birth, identifiers that agency holds."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency_person_id: Annotated[str, Field(min_length=1, max_length=64)]
    first_name: Name | None = None
    middle_names: Annotated[str, Field(max_length=200)] | None = None
    last_name: Name | None = None
    dob: date | None = None
    sex: Sex | None = None
    ethnicity: Annotated[str, Field(max_length=8)] | None = None
    nationality: Annotated[str, Field(max_length=60)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    postcode: Annotated[str, Field(max_length=10)] | None = None
    upn: Annotated[str, Field(pattern=r"^[A-Z][0-9]{11}[0-9A-Z]$")] | None = None
    nhs_number: Annotated[str, Field(pattern=r"^[0-9]{10}$")] | None = None
    police_person_id: Annotated[str, Field(max_length=40)] | None = None
    council_child_id: Annotated[str, Field(max_length=40)] | None = None
    home_area_code: Annotated[str, Field(max_length=12)] | None = None

    @field_validator("postcode")
    @classmethod
    def _normalise_postcode(cls, value: str | None) -> str | None:
        """Store postcodes upper-case with one space before the inward code."""
        if not value:
            return None
        compact = value.replace(" ", "").upper()
        if len(compact) > 9:  # the added space must still fit the 10-character column (a UK postcode is <= 7)
            raise ValueError("too long for a postcode")
        return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


class EventIn(BaseModel):
    """One event in the canonical format (a JSON Lines row, or one item of an API batch)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency: Annotated[str, Field(min_length=3, max_length=40)]
    agency_key: Annotated[str, Field(min_length=1, max_length=120)]
    kind: EventKind
    occurred_at: datetime
    recorded_at: datetime | None = None
    area_code: Annotated[str, Field(max_length=12)] | None = None
    postcode: Annotated[str, Field(max_length=10)] | None = None
    place: Annotated[str, Field(max_length=200)] | None = None
    incident_ref: Annotated[str, Field(max_length=120)] | None = None
    person: PersonIn
    role: PersonRole = PersonRole.CHILD_AT_RISK
    payload: dict[str, Any] = {}
    note: Annotated[str, Field(max_length=4000)] | None = None


class EventOut(BaseModel):
    """An event as it appears on a child's chronology."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    agency_code: str
    agency_name: str
    person_role: str
    area_code: str | None
    place: str | None
    payload: dict[str, Any]
    version: int


class StoreResult(BaseModel):
    """What storing a set of events did."""

    created: int = 0
    unchanged: int = 0
    new_versions: int = 0
    event_ids: list[int] = []
    source_record_ids: list[int] = []
    # Not part of the reply: what the row-by-row store already holds, so the later stages need not read it back.
    _record_of: dict[int, int] = PrivateAttr(default_factory=dict)  # event id -> source record id
    _rows: dict[int, Any] = PrivateAttr(default_factory=dict)  # event id -> the stored Event row
