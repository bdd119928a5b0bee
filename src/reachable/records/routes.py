"""HTTP adapter for submitting events in the canonical format."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from reachable import pipeline
from reachable.access import service as access
from reachable.api.deps import SessionDep, agency_caller
from reachable.areas import service as areas
from reachable.records import service as records
from reachable.records.models import ImportBatch
from reachable.records.schemas import EventIn, StoreResult

router = APIRouter(tags=["events"])
Submitter = Annotated[access.Actor, Depends(agency_caller("submit_events"))]


class Batch(BaseModel):
    """A batch of events, stored all or nothing."""

    events: list[EventIn]


class Submitted(BaseModel):
    """What a submission stored, and the children its events belong to."""

    stored: StoreResult
    child_ids: list[int]


def _own_agency_only(session: SessionDep, actor: access.Actor, events: list[EventIn]) -> None:
    """Refuse events claimed for another agency: a token submits its own agency's data only."""
    own = areas.agencies_by_id(session, ids={actor.agency_id} if actor.agency_id else set())
    code = own[actor.agency_id].code if actor.agency_id in own else None
    for index, event in enumerate(events):
        if event.agency != code:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"event {index}: this token may submit only {code}'s events, not {event.agency}'s")


def _provenance(session: SessionDep, actor: access.Actor, route: str, events: list[EventIn]) -> ImportBatch:
    """The API batch every submitted event points to: route, token, body hash, time; events keep their index."""
    body = records.content_hash({"events": [event.model_dump(mode="json") for event in events]})
    return records.create_batch(session, source_kind="api", source_name=route, format="canonical", digest=body,
                                imported_by=actor.name, agency_id=actor.agency_id, counts={"events": len(events)})


@router.post("/events", status_code=201)
def submit_event(event: EventIn, session: SessionDep, actor: Submitter) -> Submitted:
    """Submit one event; it is linked to a child and run through every stage before the reply."""
    _own_agency_only(session, actor, [event])
    outcome = pipeline.ingest(session, events=[event], actor=actor, first_line=0,
                              batch=_provenance(session, actor, "POST /api/v1/events", [event]))
    return Submitted(stored=outcome.stored, child_ids=outcome.child_ids)


@router.post("/events/batch", status_code=201)
def submit_batch(batch: Batch, session: SessionDep, actor: Submitter) -> Submitted:
    """Submit a batch of events, stored all or nothing."""
    _own_agency_only(session, actor, batch.events)
    outcome = pipeline.ingest(session, events=batch.events, actor=actor, first_line=0,
                              batch=_provenance(session, actor, "POST /api/v1/events/batch", batch.events))
    return Submitted(stored=outcome.stored, child_ids=outcome.child_ids)
