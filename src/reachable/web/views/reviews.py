"""The identity review queue: pairs in the clerical band, with both records side by side and the evidence.

Everything comes through the identity service (the same functions the API uses), so a decision made here is
applied (merge or split), remembered by later linkage runs and audited exactly as one made through the API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.identity import service as identity
from reachable.web.views.lookup import agency_names


def _when(value: Any) -> Any:
    """ISO text from the service as a date or datetime, so pages can show it in UK format."""
    if not isinstance(value, str) or not value:
        return value
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def _name(side: dict[str, Any]) -> str:
    fields = side["fields"]
    return " ".join(part for part in (fields.get("first_name"), fields.get("last_name")) if part)


def queue(session: Session, *, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """Open review items in the service's order, and how many are open in all."""
    items = identity.list_reviews(session, status="open", limit=limit)
    return [{"id": item["id"], "probability": item["match_probability"], "created_at": _when(item["created_at"]),
             "a": _name(item["left"]), "b": _name(item["right"])} for item in items], identity.count_reviews(session)


def item_detail(session: Session, *, item_id: int) -> dict[str, Any]:
    """One review item with both records field by field, differences marked, and the match-weight waterfall."""
    detail = identity.review_evidence(session, item_id=item_id)
    left, right = detail["left"], detail["right"]
    names = agency_names(session, [i for i in (left["agency_id"], right["agency_id"]) if i is not None])
    rows = []
    for name in left["fields"]:
        a, b = (_when(side["fields"][name]) if name == "dob" else side["fields"][name] for side in (left, right))
        if a or b:
            rows.append({"field": name, "a": a, "b": b, "differs": bool(a and b and a != b)})
    return {"item": detail, "record_ids": [left["record_id"], right["record_id"]],
            "agency_a": names.get(left["agency_id"]), "agency_b": names.get(right["agency_id"]),
            "rows": rows, "steps": detail["waterfall"]}


def item_child(session: Session, *, item_id: int) -> int | None:
    """The child the pair's first record belongs to now: the object of the access check, as in the API."""
    child_id = identity.review_evidence(session, item_id=item_id)["left"]["child_id"]
    return int(child_id) if child_id is not None else None


def decide(session: Session, *, item_id: int, decision: str, reason: str, actor: access.Actor) -> dict[str, Any]:
    """Record a person's decision on a pair through the identity service (applied and audited there)."""
    return identity.decide_review(session, item_id=item_id, decision=decision, reason=reason, actor=actor)
