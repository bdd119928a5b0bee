"""A neighbourhood of the contextual-safeguarding network as the viewer may see it (for cytoscape and tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reachable.network import service as network
from reachable.network.models import NetworkEntity, NetworkLink

MAX_LINKS = 400


def neighbourhood(session: Session, *, viewer: network.Viewer, entity_id: int) -> dict[str, Any]:
    """The entity, every visible link touching it and the entities at their other ends."""
    links = list(session.scalars(select(NetworkLink).where(
        or_(NetworkLink.source_id == entity_id, NetworkLink.target_id == entity_id),
        network.link_visible(viewer)).order_by(NetworkLink.last_seen_at.desc()).limit(MAX_LINKS)))
    ids = {entity_id} | {link.source_id for link in links} | {link.target_id for link in links}
    entities = {row.id: row for row in session.scalars(select(NetworkEntity).where(NetworkEntity.id.in_(ids)))}
    nodes = [{"id": row.id, "kind": row.kind, "label": _label(row), "key": row.key, "centre": row.id == entity_id}
             for row in entities.values()]
    edges = [{"id": link.id, "source": link.source_id, "target": link.target_id, "kind": link.kind,
              "basis": link.basis, "grading": link.grading, "first_seen_at": link.first_seen_at,
              "last_seen_at": link.last_seen_at, "reason": link.reason,
              "other": entities.get(link.target_id if link.source_id == entity_id else link.source_id)}
             for link in links]
    return {"nodes": nodes, "edges": edges}


def _label(entity: NetworkEntity) -> str:
    """How a node is labelled: children by reference only (the graph may be seen by many agencies)."""
    return entity.label if entity.kind != "child" else entity.key


def as_cytoscape(graph: dict[str, Any]) -> list[dict[str, Any]]:
    """Elements in cytoscape.js's JSON form."""
    elements: list[dict[str, Any]] = [
        {"data": {"id": f"n{node['id']}", "label": node["label"], "kind": node["kind"],
                  "centre": node["centre"], "href": f"/network/entities/{node['id']}"}} for node in graph["nodes"]]
    elements += [{"data": {"id": f"e{edge['id']}", "source": f"n{edge['source']}", "target": f"n{edge['target']}",
                           "label": edge["kind"].replace("_", " "), "basis": edge["basis"]}} for edge in graph["edges"]]
    return elements


def child_entity_id(session: Session, *, child_id: int) -> int | None:
    """The network node standing for a child, if the network has one."""
    return session.scalar(select(NetworkEntity.id).where(NetworkEntity.child_id == child_id).limit(1))
