"""HTTP adapter for a child's identity and chronology."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from reachable.access import service as access
from reachable.api.deps import SessionDep, agency_caller
from reachable.identity import service as identity
from reachable.identity.schemas import ChildOut, LinkOut
from reachable.records.schemas import EventOut

router = APIRouter(tags=["children"])
Reader = Annotated[access.Actor, Depends(agency_caller("read_children"))]


@router.get("/children/{child_id}")
def get_child(child_id: int, session: SessionDep, actor: Reader) -> ChildOut:
    """A child's identity summary (audited as a view)."""
    child = identity.get_child(session, child_id=child_id)
    access.record(session, actor=actor, action="view", object_type="child", object_id=child_id, child_id=child_id,
                  fields={"part": "identity"}, justification="agency system read")
    return ChildOut.model_validate(child)


@router.get("/children/{child_id}/links")
def list_links(child_id: int, session: SessionDep, actor: Reader) -> list[LinkOut]:
    """Why each record is linked to the child."""
    links = identity.list_links(session, child_id=child_id)
    access.record(session, actor=actor, action="view", object_type="child", object_id=child_id, child_id=child_id,
                  fields={"part": "links"}, justification="agency system read")
    return [LinkOut.model_validate(link) for link in links]


@router.get("/children/{child_id}/chronology")
def chronology(child_id: int, session: SessionDep, actor: Reader,
               kind: Annotated[list[str] | None, Query()] = None,
               agency: Annotated[list[str] | None, Query()] = None) -> list[EventOut]:
    """The child's multi-agency chronology, oldest first, filterable by kind and agency."""
    events = identity.chronology(session, child_id=child_id, kinds=kind, agency_codes=agency)
    access.record(session, actor=actor, action="view", object_type="chronology", object_id=child_id,
                  child_id=child_id, fields={"events": len(events)}, justification="agency system read")
    return events
