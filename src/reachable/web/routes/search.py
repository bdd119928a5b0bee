"""Find a child. Searches are sent by POST so names and dates of birth never appear in URLs or logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from reachable.access import service as access
from reachable.api.deps import declares
from reachable.common.dates import parse_uk_date
from reachable.web import guard
from reachable.web.render import page, translator_for
from reachable.web.routes.common import SessionDep, UserDep, check_csrf
from reachable.web.views.search import Query, search

router = APIRouter(include_in_schema=False)


@router.get("/children/search")
@declares("child.discover")
def search_form(request: Request, user: UserDep) -> Response:
    """The empty search form."""
    return page(request, "pages/search.html", {"values": {}, "errors": {}, "results": None})


@router.post("/children/search")
@declares("child.discover")
def search_results(request: Request, session: SessionDep, user: UserDep,
                   first_name: Annotated[str, Form()] = "", last_name: Annotated[str, Form()] = "",
                   dob: Annotated[str, Form()] = "", identifier: Annotated[str, Form()] = "",
                   csrf_token: Annotated[str, Form()] = "") -> Response:
    """Results best first; only children the person has a relationship with link to their page."""
    check_csrf(request, csrf_token)
    t = translator_for(request)
    values = {"first_name": first_name, "last_name": last_name, "dob": dob, "identifier": identifier}
    errors: dict[str, str] = {}
    born = None
    if dob.strip():
        try:
            born = parse_uk_date(dob)
        except ValueError:
            errors["dob"] = t("search.error_dob")
    query = Query(first_name=first_name[:100], last_name=last_name[:100], dob=born, identifier=identifier[:40])
    if not errors and query.empty():
        errors["first_name"] = t("search.error_empty")
    if errors:
        return page(request, "pages/search.html", {"values": values, "errors": errors, "results": None,
                                                   "error_summary": list(errors.items())}, status_code=400)
    decision = guard.allow(session, user=user, action="child.discover")
    results = search(session, query=query)
    visible = set(access.visible_child_ids(session, user=user.principal,
                                                 child_ids=[result.child.id for result in results]))
    # The audit names which fields were searched on, not their values (those are personal data too).
    guard.audit(session, user=user, decision=decision, object_type="search", fields={
        "searched_on": [name for name, value in values.items() if value.strip()], "results": len(results)},
        justification="search for a child")
    return page(request, "pages/search.html", {"values": values, "errors": {}, "results": results,
                                               "visible": visible})
