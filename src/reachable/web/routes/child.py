"""The child page and its network neighbourhood (JSON for the interactive graph)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from reachable.api.deps import declares
from reachable.identity.models import Child
from reachable.network import service as network
from reachable.web import guard
from reachable.web.auth import WebUser
from reachable.web.render import page
from reachable.web.routes.common import SessionDep, UserDep
from reachable.web.views.child import child_page, chronology, find_child
from reachable.web.views.network import as_cytoscape, child_entity_id, neighbourhood

router = APIRouter(include_in_schema=False)


def _child(session: SessionDep, reference: str) -> Child:
    """The child by reference or a 404 page."""
    child = find_child(session, reference=reference)
    if child is None:
        raise HTTPException(status_code=404)
    return child


def _graph(session: SessionDep, user: WebUser, child: Child) -> dict[str, object] | None:
    """The child's network neighbourhood as this person's agency may see it."""
    entity_id = child_entity_id(session, child_id=child.id)
    if entity_id is None:
        return None
    viewer = network.viewer_for(session, actor=user.actor())
    return neighbourhood(session, viewer=viewer, entity_id=entity_id)


@router.get("/children/{reference}")
@declares("child.view")
def child_view(request: Request, session: SessionDep, user: UserDep, reference: str,
               agency: Annotated[list[str] | None, Query()] = None, kind: Annotated[list[str] | None, Query()] = None,
               page_number: Annotated[int, Query(alias="page")] = 1) -> Response:
    """Everything known about one child across agencies, for someone with a legitimate relationship."""
    child = _child(session, reference)
    decision = guard.allow(session, user=user, action="child.view", child_id=child.id)
    intelligence = guard.decide(session, user=user, action="child.intelligence", child_id=child.id).allowed
    may_audit = guard.decide(session, user=user, action="child.audit", child_id=child.id).allowed
    context = child_page(session, child=child, may_audit=may_audit)
    agencies, kinds = [code for code in agency or [] if code], [name for name in kind or [] if name]  # "All" is ""
    context["chronology"] = chronology(session, child_id=child.id, agencies=agencies, kinds=kinds,
                                       page=page_number, intelligence=intelligence)
    context["graph"] = _graph(session, user, child)
    guard.audit(session, user=user, decision=decision, object_type="child", object_id=child.id, child_id=child.id,
                fields={"page": "child", "chronology_page": context["chronology"].page,
                        "intelligence": intelligence})
    return page(request, "pages/child.html", context)


@router.get("/children/{reference}/network.json")
@declares("child.view")
def child_network(session: SessionDep, user: UserDep, reference: str) -> Response:
    """The neighbourhood as cytoscape.js elements (the page's table shows the same without script)."""
    child = _child(session, reference)
    decision = guard.allow(session, user=user, action="child.view", child_id=child.id)
    graph = _graph(session, user, child)
    guard.audit(session, user=user, decision=decision, object_type="network", object_id=child.id, child_id=child.id,
                fields={"page": "child network"})
    return JSONResponse({"elements": as_cytoscape(graph) if graph else []}, headers={"Cache-Control": "no-store"})
