"""The identity review queue and the decision on one pair (match or not, always with a reason)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from reachable.api.deps import declares
from reachable.common.errors import Conflict, NotFound
from reachable.web import guard
from reachable.web.render import page, translator_for
from reachable.web.routes.common import SessionDep, UserDep, check_csrf
from reachable.web.routes.language import prompts_for
from reachable.web.views import reviews

router = APIRouter(include_in_schema=False)


@router.get("/reviews/identity")
@declares("children.list")
def review_queue(request: Request, session: SessionDep, user: UserDep, decided: int | None = None) -> Response:
    """Pairs waiting for a person's decision."""
    guard.allow(session, user=user, action="children.list")
    items, total = reviews.queue(session)
    return page(request, "pages/review_queue.html", {"items": items, "total": total, "decided": decided})


def _detail(request: Request, session: SessionDep, user: UserDep, item_id: int, **extra: object) -> Response:
    """The side-by-side page, audited as a view of both records."""
    # The same checks as the API: seeing the pair needs the right to see the child's linked records.
    try:
        detail = reviews.item_detail(session, item_id=item_id)
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    decision = guard.allow(session, user=user, action="child.links", child_id=detail["item"]["left"]["child_id"])
    guard.audit(session, user=user, decision=decision, object_type="review_item", object_id=item_id,
                child_id=detail["item"]["left"]["child_id"],
                fields={"records": detail["record_ids"]}, justification="identity review")
    values = {"values": {}, "errors": {}, "prompts": [], **detail, **extra}
    return page(request, "pages/review_item.html", values, status_code=400 if extra.get("errors") else 200)


@router.get("/reviews/identity/{item_id}")
@declares("child.links")
def review_item(request: Request, session: SessionDep, user: UserDep, item_id: int) -> Response:
    """Both records side by side with the evidence for and against."""
    return _detail(request, session, user, item_id)


@router.post("/reviews/identity/{item_id}")
@declares("child.change")
def decide(request: Request, session: SessionDep, user: UserDep, item_id: int,
           decision: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
           language_reviewed: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    """Record match or no match with the reason."""
    check_csrf(request, csrf_token)
    t = translator_for(request)
    errors = {}
    if decision not in ("match", "no_match"):
        errors["decision"] = t("review.error_decision")
    if len(reason.strip()) < 3:
        errors["reason"] = t("review.error_reason")
    values = {"decision": decision, "reason": reason}
    if errors:
        return _detail(request, session, user, item_id, values=values, errors=errors,
                       error_summary=list(errors.items()))
    prompts = prompts_for(request, session, reason, child_id=None)
    if prompts and language_reviewed != "1":
        return _detail(request, session, user, item_id, values=values, prompts=prompts, language_checked=True)
    try:
        guard.allow(session, user=user, action="child.change", child_id=reviews.item_child(session, item_id=item_id))
        # The identity service applies the decision (merge or split) and writes its audit row.
        outcome = reviews.decide(session, item_id=item_id, decision=decision, reason=reason.strip(),
                                 actor=user.actor())
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    except Conflict as error:
        return _detail(request, session, user, item_id, values=values, errors={"decision": str(error)},
                       error_summary=[("decision", str(error))])
    return RedirectResponse(f"/reviews/identity?decided={outcome['item_id']}", status_code=303)
