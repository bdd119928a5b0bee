"""The identity review queue: pairs in the clerical band, with both records side by side and the evidence."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, NotFound
from reachable.identity import links, store
from reachable.identity.models import ReviewItem
from reachable.records.service import SourceRecord
from reachable.web.views.lookup import agency_names

FIELDS = ("first_name", "middle_names", "last_name", "dob", "sex", "postcode", "address", "upn", "nhs_number",
          "police_person_id", "council_child_id", "home_area_code")


def queue(session: Session, *, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """Open review items, most likely matches first, and how many are open in all."""
    total = int(session.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "open")) or 0)
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.status == "open")
                                 .order_by(ReviewItem.match_probability.desc(), ReviewItem.id).limit(limit)))
    records = _records(session, [i.record_a_id for i in items] + [i.record_b_id for i in items])
    return [{"item": item, "a": records.get(item.record_a_id), "b": records.get(item.record_b_id)}
            for item in items], total


def _records(session: Session, ids: list[int]) -> dict[int, SourceRecord]:
    """Source records by id."""
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(ids)))}


def item_detail(session: Session, *, item_id: int) -> dict[str, Any]:
    """One review item with both records field by field, differences marked, and the match-weight waterfall."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    records = _records(session, [item.record_a_id, item.record_b_id])
    a, b = records[item.record_a_id], records[item.record_b_id]
    names = agency_names(session, [a.agency_id, b.agency_id])
    rows = [{"field": name, "a": getattr(a, name), "b": getattr(b, name),
             "differs": bool(getattr(a, name) and getattr(b, name) and getattr(a, name) != getattr(b, name))}
            for name in FIELDS if getattr(a, name) or getattr(b, name)]
    children = {side: links.current_link(session, source_record_id=record.id) for side, record in (("a", a), ("b", b))}
    return {"item": item, "a": a, "b": b, "agency_a": names.get(a.agency_id), "agency_b": names.get(b.agency_id),
            "rows": rows, "steps": item.evidence.get("steps", []), "links": children}


def decide(session: Session, *, item_id: int, decision: str, reason: str, by: str) -> ReviewItem:
    """Record a person's decision on a pair; a match moves the second record to the first record's child."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    if item.status != "open":
        raise Conflict(f"review item {item_id} is already {item.status}")
    store.decide_pair(session, record_a=item.record_a_id, record_b=item.record_b_id, decision=decision,
                      reason=reason, decided_by=by, review_item_id=item.id)
    if decision == "match":
        target = links.current_link(session, source_record_id=item.record_a_id)
        if target is not None:
            links.link_record(session, record_id=item.record_b_id, child_id=target.child_id, decision="clerical_link",
                              reason=f"reviewer decided the records are the same child: {reason}", decided_by=by,
                              probability=item.match_probability, weight=item.match_weight,
                              model_version=item.model_version, evidence=item.evidence)
    item.status, item.decided_at = "decided", utcnow()
    session.flush()
    return item
