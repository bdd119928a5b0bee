"""HTTP adapter for a child's identity and chronology: signed-in users or agency read tokens, via the policy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.common.errors import NotFound
from reachable.identity import service as identity
from reachable.identity.schemas import ChangeOut, ChildOut, DecisionIn, LinkOut, MergeIn, ReviewItemOut, SplitIn
from reachable.records.schemas import EventOut

router = APIRouter(tags=["children"])
INTELLIGENCE_KINDS = ("intelligence_report",)


@router.get("/children/{child_id}")
def get_child(child_id: int, session: SessionDep,
              auth: Annotated[Authorised, Depends(authorise("child.view"))]) -> ChildOut:
    """A child's identity summary (needs a legitimate relationship; audited as a view)."""
    return ChildOut.model_validate(identity.get_child(session, child_id=child_id))


@router.get("/children/{child_id}/links")
def list_links(child_id: int, session: SessionDep,
               auth: Annotated[Authorised, Depends(authorise("child.links"))]) -> list[LinkOut]:
    """Why each record is linked to the child."""
    return [LinkOut.model_validate(link) for link in identity.list_links(session, child_id=child_id)]


@router.get("/children/{child_id}/chronology")
def chronology(child_id: int, session: SessionDep,
               auth: Annotated[Authorised, Depends(authorise("child.chronology"))],
               kind: Annotated[list[str] | None, Query()] = None,
               agency: Annotated[list[str] | None, Query()] = None) -> list[EventOut]:
    """The child's multi-agency chronology, oldest first; police intelligence only where the policy allows."""
    events = identity.chronology(session, child_id=child_id, kinds=kind, agency_codes=agency)
    if not any(e.kind in INTELLIGENCE_KINDS for e in events):
        return events  # nothing to withhold: no need to ask the policy
    intelligence = access.decide(session, user=auth.user, action="child.intelligence",
                                 target=access.Target(child_id=child_id))
    # The guard has audited this consultation; intelligence the caller may not see is never returned.
    return [e for e in events if e.kind not in INTELLIGENCE_KINDS or intelligence.allowed]


def review_target(session: Session, request: Request) -> access.Target:
    """A review item's target: the child its first record is linked to now."""
    try:
        detail = identity.get_item(session, item_id=int(request.path_params["item_id"]))
    except (ValueError, NotFound):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such review item") from None
    return access.Target(child_id=detail["left"]["child_id"])


@router.get("/identity/review", tags=["identity"])
def review_queue(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("children.list"))],
                 status_: Annotated[str, Query(alias="status")] = "open", limit: int = 50,
                 offset: int = 0) -> list[ReviewItemOut]:
    """Pairs waiting for a clerical decision (scores and record ids only), most uncertain first."""
    items = identity.list_items(session, status=status_, limit=min(limit, 500), offset=offset)
    return [ReviewItemOut.model_validate(item) for item in items]


@router.get("/identity/review/{item_id}", tags=["identity"])
def review_item(item_id: int, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("child.links", target=review_target))]) -> dict[str, Any]:
    """Both records side by side, with the field-by-field match-weight waterfall."""
    detail = identity.get_item(session, item_id=item_id)
    other = detail["right"]["child_id"]
    if other is not None and other != auth.target.child_id:
        _check_other(session, auth=auth, child_id=other, action="child.links")
    return detail


@router.post("/identity/review/{item_id}/decision", tags=["identity"])
def decide(item_id: int, body: DecisionIn, session: SessionDep,
           auth: Annotated[Authorised, Depends(authorise("child.change", target=review_target))]) -> dict[str, Any]:
    """Decide a pair: applied now (merge or split) and respected by every later run."""
    return identity.decide_item(session, item_id=item_id, decision=body.decision, reason=body.reason,
                                actor=auth.actor)


@router.post("/children/{child_id}/merge", tags=["identity"])
def merge(child_id: int, body: MergeIn, session: SessionDep,
          auth: Annotated[Authorised, Depends(authorise("child.change"))]) -> ChangeOut:
    """Merge another child into this one, carrying records, events, markers and tasks (audited)."""
    _check_other(session, auth=auth, child_id=body.other_child_id, action="child.change")
    change = identity.merge_children(session, into_id=child_id, from_id=body.other_child_id, reason=body.reason,
                                     actor=auth.actor)
    return ChangeOut.model_validate(change)


@router.post("/children/{child_id}/split", tags=["identity"])
def split(child_id: int, body: SplitIn, session: SessionDep,
          auth: Annotated[Authorised, Depends(authorise("child.change"))]) -> ChangeOut:
    """Move records off this child; undoing a merge restores the merged child exactly (audited)."""
    change = identity.split_child(session, child_id=child_id, record_ids=body.record_ids, reason=body.reason,
                                  actor=auth.actor, carry=body.carry)
    return ChangeOut.model_validate(change)


@router.get("/children/{child_id}/identity-history", tags=["identity"])
def identity_history(child_id: int, session: SessionDep,
                     auth: Annotated[Authorised, Depends(authorise("child.links"))]) -> list[ChangeOut]:
    """Merges and splits that involved the child, with their reasons."""
    return [ChangeOut.model_validate(change) for change in identity.history(session, child_id=child_id)]


def _check_other(session: Session, *, auth: Authorised, child_id: int, action: str) -> None:
    """The caller must be entitled to the second child of a pair too; refusals are audited."""
    decision = access.decide(session, user=auth.principal, action=action, target=access.Target(child_id=child_id))
    if not decision.allowed:
        access.record(session, actor=auth.actor, action="denied", object_type=action, child_id=child_id,
                      fields={"reason": decision.reason}, justification=decision.reason)
        raise HTTPException(status.HTTP_403_FORBIDDEN, decision.reason)
