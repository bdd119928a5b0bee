"""The clerical review queue: pairs the model is unsure of, shown side by side with evidence, decided by people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, NotFound
from reachable.identity import links, store
from reachable.identity.merge_split import merge_children, split_child
from reachable.identity.models import ReviewItem
from reachable.records import service as records

SHOWN = ("first_name", "middle_names", "last_name", "dob", "sex", "ethnicity", "postcode", "upn", "nhs_number",
         "police_person_id", "council_child_id", "home_area_code")


def list_items(session: Session, *, status: str = "open", limit: int = 50, offset: int = 0) -> list[ReviewItem]:
    """Review items with a status, the most uncertain (closest to even odds) first."""
    query = (select(ReviewItem).where(ReviewItem.status == status)
             .order_by(ReviewItem.match_weight.desc(), ReviewItem.id).limit(limit).offset(offset))
    return list(session.scalars(query))


def _side(session: Session, record_id: int) -> dict[str, Any]:
    """One record of the pair as the reviewer sees it, with the child it is linked to now."""
    record = records.get_source_record(session, record_id=record_id)
    if record is None:
        raise NotFound(f"no source record {record_id}")
    link = links.current_link(session, source_record_id=record_id)
    shown = {name: getattr(record, name) for name in SHOWN}
    shown["dob"] = record.dob.isoformat() if record.dob else None
    return {"record_id": record_id, "agency_person_id": record.agency_person_id, "fields": shown,
            "child_id": link.child_id if link else None, "link_decision": link.decision if link else None}


def get_item(session: Session, *, item_id: int) -> dict[str, Any]:
    """A review item with both records side by side and the match-weight waterfall."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return {"id": item.id, "status": item.status, "match_probability": item.match_probability,
            "match_weight": item.match_weight, "model_version": item.model_version,
            "left": _side(session, item.record_a_id), "right": _side(session, item.record_b_id),
            "waterfall": item.evidence.get("steps", []), "created_at": item.created_at.isoformat()}


def decide_item(session: Session, *, item_id: int, decision: str, reason: str, actor: access.Actor) -> dict[str, Any]:
    """Record a reviewer's decision, apply it now (merge or split) and keep it for every later run."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    if item.status != "open":
        raise Conflict(f"review item {item_id} is already {item.status}")
    if decision not in ("match", "no_match"):
        raise Conflict("decision must be match or no_match")
    if not reason.strip():
        raise Conflict("a decision needs a reason")
    stored = store.decide_pair(session, record_a=item.record_a_id, record_b=item.record_b_id, decision=decision,
                               reason=reason, decided_by=actor.name, review_item_id=item.id)
    item.status, item.decided_at = "decided", utcnow()
    left = links.current_link(session, source_record_id=item.record_a_id)
    right = links.current_link(session, source_record_id=item.record_b_id)
    applied = "none"
    if left and right and decision == "match" and left.child_id != right.child_id:
        into, source = sorted((left.child_id, right.child_id))
        merge_children(session, into_id=into, from_id=source, reason=f"review item {item.id}: {reason}", actor=actor)
        applied = "merged"
    elif left and right and decision == "no_match" and left.child_id == right.child_id:
        split_child(session, child_id=right.child_id, record_ids=[item.record_b_id],
                    reason=f"review item {item.id}: {reason}", actor=actor)
        applied = "split"
    access.record(session, actor=actor, action="change", object_type="review_item", object_id=item.id,
                  child_id=left.child_id if left else None,
                  fields={"decision": decision, "applied": applied, "pair_decision_id": stored.id},
                  justification=reason)
    return {"item_id": item.id, "decision": decision, "applied": applied, "pair_decision_id": stored.id}
