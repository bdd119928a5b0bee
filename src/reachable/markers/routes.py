"""HTTP adapter for the marker code list and a child's markers (set, propose, review, end, history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.common.errors import NotFound
from reachable.markers import service as markers
from reachable.markers.schemas import MarkerCode, MarkerDecisionIn, MarkerHistoryOut, MarkerOut, MarkerSetIn

router = APIRouter(tags=["markers"])


def marker_target(session: Session, request: Request) -> access.Target:
    """A marker route's target: the child the marker is on."""
    try:
        marker = markers.get_marker(session, marker_id=int(request.path_params["marker_id"]))
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such marker") from None
    return access.Target(child_id=marker.child_id)


def _by(auth: Authorised, named: str | None) -> str:
    """Who decided: the signed-in user (or a named worker through an agency system)."""
    return f"{named} via {auth.actor.name}" if named else auth.actor.name


@router.get("/marker-codes")
def list_codes(_auth: Annotated[Authorised, Depends(authorise("public"))]) -> list[MarkerCode]:
    """The national marker list (reference data): definition, who may set each code, review and ending rules."""
    return list(markers.marker_codes().values())


@router.get("/children/{child_id}/markers")
def list_markers(child_id: int, session: SessionDep, _auth: Annotated[Authorised, Depends(authorise("child.view"))],
                 include_ended: bool = False) -> list[MarkerOut]:
    """A child's markers (open ones, or all with include_ended)."""
    found = markers.list_markers(session, child_id=child_id, include_ended=include_ended)
    return [MarkerOut.model_validate(marker) for marker in found]


@router.post("/children/{child_id}/markers", status_code=201)
def set_marker(child_id: int, body: MarkerSetIn, session: SessionDep,
               auth: Annotated[Authorised, Depends(authorise("child.change"))]) -> MarkerOut:
    """Set a marker (or propose it, if this agency may not set the code); an open marker is supported instead."""
    change = markers.set_marker(session, child_id=child_id, code=body.code, by=_by(auth, body.by), reason=body.reason,
                                agency_id=auth.actor.agency_id, evidence_event_ids=body.evidence_event_ids,
                                propose_only=body.propose_only)
    access.record(session, actor=auth.actor, action="change", object_type="marker", object_id=change.marker.id,
                  child_id=child_id, fields={"code": body.code, "action": change.action}, justification=body.reason)
    return MarkerOut.model_validate(change.marker)


Decider = Annotated[Authorised, Depends(authorise("child.change", target=marker_target))]


def _decide(session: Session, auth: Authorised, marker_id: int, body: MarkerDecisionIn, action: str) -> MarkerOut:
    """Review or end a marker for the caller's agency and audit what changed."""
    decide = markers.review_marker if action == "reviewed" else markers.end_marker
    marker = decide(session, marker_id=marker_id, by=_by(auth, body.by), reason=body.reason,
                    agency_id=auth.actor.agency_id)
    access.record(session, actor=auth.actor, action="change", object_type="marker", object_id=marker_id,
                  child_id=marker.child_id, fields={"action": action}, justification=body.reason)
    return MarkerOut.model_validate(marker)


@router.post("/markers/{marker_id}/review")
def review_marker(marker_id: int, body: MarkerDecisionIn, session: SessionDep, auth: Decider) -> MarkerOut:
    """Record a review of an active marker; the next review falls due."""
    return _decide(session, auth, marker_id, body, "reviewed")


@router.post("/markers/{marker_id}/end")
def end_marker(marker_id: int, body: MarkerDecisionIn, session: SessionDep, auth: Decider) -> MarkerOut:
    """End a marker (or reject a proposal) with the reason; its history is kept."""
    return _decide(session, auth, marker_id, body, "ended")


@router.get("/markers/{marker_id}/history")
def marker_history(marker_id: int, session: SessionDep,
                   _auth: Annotated[Authorised, Depends(authorise("child.view", target=marker_target))]
                   ) -> list[MarkerHistoryOut]:
    """Every step of a marker's life with who, when, why and the evidence."""
    return [MarkerHistoryOut.model_validate(step) for step in markers.history(session, marker_id=marker_id)]
