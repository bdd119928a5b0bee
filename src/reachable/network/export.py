"""Exports of the viewer's network to GraphML (i2, yEd, Gephi) and GEXF (Gephi, with time spans)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.network.models import NetworkEntity, NetworkLink
from reachable.network.service import Viewer, link_visible

FORMATS = ("graphml", "gexf")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Attributes both formats accept: no None, times as ISO text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def build_graph(session: Session, *, viewer: Viewer, since: datetime | None = None,
                until: datetime | None = None) -> Any:
    """A networkx multigraph of the links the viewer may see, with each link's kind, roles, basis and dates."""
    import networkx as nx

    graph = nx.MultiDiGraph(name="Reachable contextual safeguarding network", viewer=viewer.label)
    query = select(NetworkLink).where(link_visible(viewer)).order_by(NetworkLink.id)
    if since is not None:
        query = query.where(NetworkLink.last_seen_at >= since)
    if until is not None:
        query = query.where(NetworkLink.first_seen_at <= until)
    links = list(session.scalars(query))
    ids = sorted({n for link in links for n in (link.source_id, link.target_id)})
    for start in range(0, len(ids), 2000):
        for entity in session.scalars(select(NetworkEntity).where(NetworkEntity.id.in_(ids[start:start + 2000]))):
            # Children appear by reference only: an export leaves the system, names do not need to.
            graph.add_node(f"n{entity.id}", **_clean({
                "label": entity.label, "kind": entity.kind, "key": entity.key if entity.kind != "child" else None,
                "place_type": entity.place_type, "area_code": entity.area_code,
                "role": "child_at_risk" if entity.kind == "child" else None}))
    for link in links:
        graph.add_edge(f"n{link.source_id}", f"n{link.target_id}", key=f"e{link.id}", **_clean({
            "id": f"e{link.id}", "kind": link.kind, "source_role": link.source_role, "target_role": link.target_role,
            "first_seen": link.first_seen_at.date().isoformat(), "last_seen": link.last_seen_at.date().isoformat(),
            "confidence": float(link.confidence), "basis": link.basis, "grading": link.grading,
            "compartment": link.compartment, "origin": link.origin,
            "events": len((link.source_event_ids or {}).get("ids", []))}))
    return graph


def export(session: Session, *, viewer: Viewer, fmt: str, since: datetime | None = None,
           until: datetime | None = None) -> tuple[bytes, int, int]:
    """The viewer's network as GraphML or GEXF bytes, with node and link counts."""
    import networkx as nx

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    graph = build_graph(session, viewer=viewer, since=since, until=until)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer, named_key_ids=True)
    else:
        for _, _, data in graph.edges(data=True):
            # GEXF's own time span lets Gephi's timeline replay how the network grew.
            data["start"], data["end"] = data["first_seen"], data["last_seen"]
        nx.write_gexf(graph, buffer)
    return buffer.getvalue(), graph.number_of_nodes(), graph.number_of_edges()
