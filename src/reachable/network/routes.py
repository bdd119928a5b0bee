"""HTTP adapter for the contextual safeguarding network: queries, exports, analysts' edits, sharing decisions.

Every answer is the caller's view: a police user sees the police compartment, other agencies see shared
links plus intelligence shared with them by a recorded decision. Every call is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.network import export as exports
from reachable.network import graph, queries
from reachable.network import service as network
from reachable.network.schemas import (
    Connector,
    Exposure,
    Hotspot,
    LineMap,
    LinkIn,
    LinkOut,
    LinkUpdate,
    PeerGroup,
    SharingIn,
    SharingOut,
)

router = APIRouter(prefix="/network", tags=["network"])
# Until the catalogue has network.* actions, reads use the list-of-children action (practitioners) and
# edits and sharing decisions the link-review action (team managers and police analysts).
Reader = Annotated[Authorised, Depends(authorise("children.list"))]
Analyst = Annotated[Authorised, Depends(authorise("identity.review"))]


class EndSharing(BaseModel):
    """Why a sharing decision ends."""

    reason: str


def _view(session: SessionDep, actor: access.Actor, query: str, fields: dict[str, Any]) -> network.Viewer:
    """The caller's view, with the read audited."""
    viewer = network.viewer_for(session, actor=actor)
    access.record(session, actor=actor, action="view", object_type="network", object_id=query,
                  fields={k: str(v) for k, v in fields.items() if v is not None}, justification="network query")
    return viewer


@router.get("/exposure")
def exposure(session: SessionDep, auth: Reader, seed: Annotated[list[str], Query()],
             hops: Annotated[int, Query(ge=1, le=4)] = 2,
             as_of: datetime | None = None) -> list[Exposure]:
    """Children within `hops` links of the seeds, each with the path that explains it."""
    viewer = _view(session, auth.actor, "exposure", {"seed": seed, "hops": hops, "as_of": as_of})
    return queries.exposure(session, viewer=viewer, seeds=seed, hops=hops, as_of=as_of)


@router.get("/groups")
def groups(session: SessionDep, auth: Reader, since: datetime | None = None, min_children: int = 2,
           resolution: float = 1.0) -> list[PeerGroup]:
    """Peer groups of children found by community detection."""
    viewer = _view(session, auth.actor, "groups", {"since": since})
    return graph.peer_groups(session, viewer=viewer, since=since, min_children=min_children, resolution=resolution)


@router.get("/hotspots")
def hotspots(session: SessionDep, auth: Reader, start: datetime, end: datetime, limit: int = 20,
             area_code: str | None = None, place_type: str | None = None) -> list[Hotspot]:
    """Places linking the most children over a period."""
    viewer = _view(session, auth.actor, "hotspots", {"start": start, "end": end, "area_code": area_code})
    return queries.hotspots(session, viewer=viewer, start=start, end=end, limit=limit, area_code=area_code,
                            place_type=place_type)


@router.get("/lines")
def lines(session: SessionDep, auth: Reader, line: str | None = None,
          period: Literal["month", "quarter", "year"] = "quarter") -> list[LineMap]:
    """Where each deal line runs, period by period."""
    viewer = _view(session, auth.actor, "lines", {"line": line, "period": period})
    return queries.line_map(session, viewer=viewer, line=line, period=period)


@router.get("/new-links")
def new_links(session: SessionDep, auth: Reader, since: datetime, recorded: bool = False) -> list[LinkOut]:
    """Links first seen (or recorded) since a date."""
    viewer = _view(session, auth.actor, "new-links", {"since": since, "recorded": recorded})
    return queries.new_links(session, viewer=viewer, since=since, recorded=recorded)


@router.get("/connectors")
def connectors(session: SessionDep, auth: Reader, top: int = 20, include_children: bool = False) -> list[Connector]:
    """Key connectors by betweenness and degree."""
    viewer = _view(session, auth.actor, "connectors", {"top": top, "include_children": include_children})
    return graph.connectors(session, viewer=viewer, top=top, include_children=include_children)


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}}}})
def export(session: SessionDep, auth: Reader, format: Literal["graphml", "gexf"] = "graphml",
           since: datetime | None = None,
           until: datetime | None = None) -> Response:
    """The caller's network as GraphML or GEXF (audited as a disclosure)."""
    viewer = network.viewer_for(session, actor=auth.actor)
    body, nodes, links = exports.export(session, viewer=viewer, fmt=format, since=since, until=until)
    access.record(session, actor=auth.actor, action="disclose", object_type="network_export", object_id=format,
                  fields={"nodes": nodes, "links": links}, justification="network export")
    return Response(content=body, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="network.{format}"'})


@router.get("/links/{link_id}")
def get_link(link_id: int, session: SessionDep, auth: Reader) -> LinkOut:
    """One link with its roles, basis, grading and source events."""
    viewer = _view(session, auth.actor, "link", {"link_id": link_id})
    return network.link_out(session, network.get_link(session, viewer=viewer, link_id=link_id))


@router.post("/links", status_code=201)
def create_link(data: LinkIn, session: SessionDep, auth: Analyst) -> LinkOut:
    """An analyst's new link, with its reason."""
    link = network.create_link(session, viewer=network.viewer_for(session, actor=auth.actor), data=data)
    return network.link_out(session, link)


@router.patch("/links/{link_id}")
def update_link(link_id: int, data: LinkUpdate, session: SessionDep, auth: Analyst) -> LinkOut:
    """An analyst's change to a link (remove, restore, re-grade), with its reason."""
    viewer = network.viewer_for(session, actor=auth.actor)
    link = network.update_link(session, viewer=viewer, link_id=link_id, data=data)
    return network.link_out(session, link)


@router.post("/sharing", status_code=201)
def share(data: SharingIn, session: SessionDep, auth: Analyst) -> list[SharingOut]:
    """A police decision to share intelligence with a partner agency (or all), with its reason."""
    return network.share(session, viewer=network.viewer_for(session, actor=auth.actor), data=data)


@router.post("/sharing/{decision_id}/end")
def end_sharing(decision_id: int, data: EndSharing, session: SessionDep, auth: Analyst) -> SharingOut:
    """End a sharing decision."""
    return network.end_sharing(session, viewer=network.viewer_for(session, actor=auth.actor), decision_id=decision_id,
                               reason=data.reason)
