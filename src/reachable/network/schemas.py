"""Contracts of the network: analysts' edits, sharing decisions and the answers of each query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reachable.common.errors import FieldError

Reason = Annotated[str, Field(min_length=1, max_length=2000)]
Ref = Annotated[str, Field(min_length=1, max_length=200)]


def problem(field: str, reason: str, value: str | None = None) -> FieldError:
    """One refused field."""
    return FieldError(field=field, reason=reason, value=value)


class EntityOut(BaseModel):
    """A node as a viewer sees it; a child is shown by reference, never by name."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    key: str
    label: str
    child_id: int | None = None
    place_type: str | None = None
    area_code: str | None = None
    compartment: str


class LinkOut(BaseModel):
    """A link with its endpoints, roles, time span, basis, grading, compartment and source events."""

    id: int
    kind: str
    source: EntityOut
    target: EntityOut
    source_role: str | None
    target_role: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    confidence: float
    basis: str
    grading: str | None
    compartment: str
    origin: str
    status: str
    event_ids: list[int]
    reason: str | None

    @classmethod
    def from_link(cls, link: Any, source: Any, target: Any) -> LinkOut:
        """Build from ORM rows."""
        return cls(id=link.id, kind=link.kind, source=EntityOut.model_validate(source),
                   target=EntityOut.model_validate(target), source_role=link.source_role,
                   target_role=link.target_role, first_seen_at=link.first_seen_at, last_seen_at=link.last_seen_at,
                   confidence=link.confidence, basis=link.basis, grading=link.grading, compartment=link.compartment,
                   origin=link.origin, status=link.status,
                   event_ids=[int(e) for e in (link.source_event_ids or {}).get("ids", [])], reason=link.reason)


class LinkIn(BaseModel):
    """An analyst's new link; endpoints by entity id or key, new non-child entities created with a kind."""

    model_config = ConfigDict(extra="forbid")

    source: Ref
    target: Ref
    kind: Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[a-z_]+$")]
    source_kind: str | None = None
    target_kind: str | None = None
    source_label: str | None = None
    target_label: str | None = None
    target_place_type: str | None = None
    source_role: str | None = None
    target_role: str | None = None
    basis: Literal["fact", "assessment", "intelligence"] = "assessment"
    grading: Annotated[str, Field(max_length=16)] | None = None
    confidence: float = Field(default=0.5, ge=0, le=1)
    compartment: Literal["shared", "police"] = "shared"
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    event_ids: list[int] = []
    reason: Reason


class LinkUpdate(BaseModel):
    """An analyst's change to a link; `reason` is required."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["active", "removed"] | None = None
    kind: Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[a-z_]+$")] | None = None
    grading: Annotated[str, Field(max_length=16)] | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    reason: Reason


class SharingIn(BaseModel):
    """A police decision to share intelligence: one link or every police link of an entity."""

    model_config = ConfigDict(extra="forbid")

    link_id: int | None = None
    entity_id: int | None = None
    shared_with: Annotated[str, Field(min_length=1, max_length=40)]
    purpose: Annotated[str, Field(min_length=3, max_length=200)]
    reason: Reason


class SharingOut(BaseModel):
    """A recorded sharing decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    link_id: int | None
    entity_id: int | None
    shared_with: str
    purpose: str
    reason: str
    decided_by: str
    decided_by_agency: str
    decided_at: datetime
    ended_at: datetime | None
    end_reason: str | None


class PathStep(BaseModel):
    """One step of an explaining path: the link followed and the entity reached."""

    link_id: int
    link_kind: str
    basis: str
    grading: str | None
    first_seen_at: datetime
    entity: EntityOut


class Exposure(BaseModel):
    """A child within k hops of a seed, with the shortest path that explains why."""

    child: EntityOut
    role: Literal["child_at_risk"] = "child_at_risk"
    hops: int
    seed: EntityOut
    path: list[PathStep]


class PeerGroup(BaseModel):
    """A community of linked children, with the adults, places and lines that bind them."""

    group: int
    children: list[EntityOut]
    others: list[EntityOut]
    links: int


class Hotspot(BaseModel):
    """A place linking children over a period."""

    place: EntityOut
    children: int
    events: int
    first_seen_at: datetime
    last_seen_at: datetime


class LinePeriod(BaseModel):
    """Where a line was seen in one period, and what changed from the period before."""

    period: str
    areas: dict[str, int]
    added: list[str]
    dropped: list[str]


class LineMap(BaseModel):
    """A deal line: the areas its children and adults come from, and the areas it runs into over time."""

    line: EntityOut
    origin_areas: dict[str, int]
    periods: list[LinePeriod]


class Connector(BaseModel):
    """An entity that links many others: degree and (approximate on large graphs) betweenness."""

    entity: EntityOut
    degree: int
    betweenness: float
    note: str | None = None
