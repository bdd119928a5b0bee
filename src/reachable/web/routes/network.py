"""The network explorer (lines, places, groups and adults of concern) and one entity's page."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, or_, select

from reachable.api.deps import declares
from reachable.common.errors import NotFound
from reachable.network import service as network
from reachable.network.models import NetworkEntity, NetworkLink
from reachable.web import guard
from reachable.web.render import page
from reachable.web.routes.common import SessionDep, UserDep
from reachable.web.views.network import as_cytoscape, neighbourhood

router = APIRouter(include_in_schema=False)
EXPLORER_KINDS = ("line", "place", "group", "adult")


@router.get("/network")
@declares("children.list")
def explorer(request: Request, session: SessionDep, user: UserDep) -> Response:
    """The most connected lines, places, groups and adults this agency may see."""
    decision = guard.allow(session, user=user, action="children.list")
    viewer = network.viewer_for(session, actor=user.actor())
    sections = {}
    for kind in EXPLORER_KINDS:
        touching = or_(NetworkLink.source_id == NetworkEntity.id, NetworkLink.target_id == NetworkEntity.id)
        rows = session.execute(
            select(NetworkEntity, func.count(NetworkLink.id)).join(NetworkLink, touching)
            .where(NetworkEntity.kind == kind, network.link_visible(viewer))
            .group_by(NetworkEntity.id).order_by(func.count(NetworkLink.id).desc()).limit(25)).all()
        sections[kind] = [(row[0], row[1]) for row in rows]
    guard.audit(session, user=user, decision=decision, object_type="network", fields={"page": "explorer"},
                justification="network explorer")
    return page(request, "pages/network.html", {"sections": sections})


def _entity(session: SessionDep, user: UserDep, entity_id: int) -> tuple[NetworkEntity, network.Viewer]:
    """An entity this agency may see, or 404 (existence is not disclosed)."""
    viewer = network.viewer_for(session, actor=user.actor())
    try:
        return network.find_entity(session, viewer=viewer, ref=entity_id), viewer
    except NotFound as error:
        raise HTTPException(status_code=404) from error


@router.get("/network/entities/{entity_id}")
@declares("children.list")
def entity_page(request: Request, session: SessionDep, user: UserDep, entity_id: int) -> Response:
    """A place, line, group, adult or child node: what it is linked to, how and on what basis."""
    decision = guard.allow(session, user=user, action="children.list")
    entity, viewer = _entity(session, user, entity_id)
    if entity.child_id is not None:
        decision = guard.allow(session, user=user, action="child.view", child_id=entity.child_id)
    graph = neighbourhood(session, viewer=viewer, entity_id=entity.id)
    guard.audit(session, user=user, decision=decision, object_type="network_entity", object_id=entity.id,
                child_id=entity.child_id, fields={"page": "entity"})
    return page(request, "pages/entity.html", {"entity": entity, "graph": graph})


@router.get("/network/entities/{entity_id}/graph.json")
@declares("children.list")
def entity_graph(session: SessionDep, user: UserDep, entity_id: int) -> Response:
    """The entity's neighbourhood as cytoscape.js elements."""
    guard.allow(session, user=user, action="children.list")
    entity, viewer = _entity(session, user, entity_id)
    if entity.child_id is not None:
        guard.allow(session, user=user, action="child.view", child_id=entity.child_id)
    graph = neighbourhood(session, viewer=viewer, entity_id=entity.id)
    return JSONResponse({"elements": as_cytoscape(graph)}, headers={"Cache-Control": "no-store"})
