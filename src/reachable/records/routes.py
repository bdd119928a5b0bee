"""HTTP adapter for submitting events in the canonical format."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, cast

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel

from reachable import pipeline
from reachable.access import service as access
from reachable.api.deps import SessionDep, agency_caller
from reachable.api.groupcommit import GroupCommitter, provenance
from reachable.areas import service as areas
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


def _own_agency_only(session: SessionDep, request: Request, actor: access.Actor, events: list[EventIn]) -> None:
    """Refuse events claimed for another agency: a token submits its own agency's data only."""
    codes = _state(request).agency_codes
    if actor.agency_id is not None and actor.agency_id not in codes:
        own = areas.agencies_by_id(session, ids={actor.agency_id})
        if actor.agency_id in own:
            codes[actor.agency_id] = own[actor.agency_id].code  # an agency's code never changes: one look-up
    code = codes.get(actor.agency_id) if actor.agency_id is not None else None
    for index, event in enumerate(events):
        if event.agency != code:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"event {index}: this token may submit only {code}'s events, not {event.agency}'s")


@dataclass
class _ApiState:
    """Per-app state of the submission routes: the group committer and the agency codes already looked up."""

    committer: GroupCommitter
    agency_codes: dict[int, str] = field(default_factory=dict)


_STATE_LOCK = threading.Lock()


def _state(request: Request) -> _ApiState:
    """This app's submission state, made on first use (apps share no state: tests run many stores at once)."""
    state = getattr(request.app.state, "records_api", None)
    if state is None:
        with _STATE_LOCK:
            state = getattr(request.app.state, "records_api", None)
            if state is None:
                state = _ApiState(committer=GroupCommitter(sessions=request.app.state.sessions))
                request.app.state.records_api = state
    return cast(_ApiState, state)


@router.post("/events", status_code=201)
def submit_event(event: EventIn, session: SessionDep, request: Request, actor: Submitter) -> Submitted:
    """Submit one event; it is linked to a child and run through every stage, and committed, before the reply.

    Concurrent submissions of the same token share one transaction (group commit, api/groupcommit.py).
    """
    _own_agency_only(session, request, actor, [event])
    session.commit()  # the checks wrote nothing: hand the connection back rather than hold it while the group runs
    outcome = _state(request).committer.submit(actor=actor, events=[event], route="POST /api/v1/events")
    return Submitted(stored=outcome.stored, child_ids=outcome.child_ids)


@router.post("/events/batch", status_code=201)
def submit_batch(batch: Batch, session: SessionDep, request: Request, actor: Submitter) -> Submitted:
    """Submit a batch of events, stored all or nothing."""
    _own_agency_only(session, request, actor, batch.events)
    outcome = pipeline.ingest(session, events=batch.events, actor=actor, first_line=0,
                              batch=provenance(session, actor, "POST /api/v1/events/batch", batch.events))
    return Submitted(stored=outcome.stored, child_ids=outcome.child_ids)
