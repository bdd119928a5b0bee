"""Whole-graph analytics on an in-memory snapshot of the viewer's network: peer groups and key connectors.

igraph (C core) does the heavy work: Leiden community detection and betweenness on millions of links in
seconds, where networkx takes many minutes (figures in docs/network.md). igraph is GPL-2.0-or-later; the
networkx fallback (BSD) keeps every query working where igraph cannot be shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.network.models import NetworkEntity, NetworkLink
from reachable.network.queries import entities_by_id as _entities
from reachable.network.schemas import Connector, PeerGroup
from reachable.network.service import Viewer, link_visible

# Exact betweenness costs O(nodes x links): beyond this many entities only paths of up to BETWEENNESS_CUTOFF
# links count, i.e. how often an entity is the go-between of entities two steps apart (local brokerage).
EXACT_BETWEENNESS_LIMIT = 5_000
BETWEENNESS_CUTOFF = 2
# Leiden's second iteration raised modularity from 0.8613 to 0.8623 on the 5M-link benchmark graph and cost
# half as much again as the first (10 s -> 15 s CPU): beyond this many (merged) links one iteration is run.
LEIDEN_SECOND_PASS_LIMIT = 1_000_000


@dataclass
class Snapshot:
    """The viewer's visible network: entity ids (vertex order) and links as vertex-index pairs."""

    entity_ids: list[int]
    edges: list[tuple[int, int]]

    def index(self) -> dict[int, int]:
        """Vertex index by entity id."""
        return {entity: i for i, entity in enumerate(self.entity_ids)}


def load_snapshot(session: Session, *, viewer: Viewer, since: datetime | None = None,
                  until: datetime | None = None) -> Snapshot:
    """Every link the viewer may see (active during [since, until] when given), as a compact edge list.

    One set-based query, read straight from the driver's cursor in large batches: at millions of links,
    building a result row object per link cost more than the community detection itself.
    """
    query = select(NetworkLink.source_id, NetworkLink.target_id).where(link_visible(viewer))
    if since is not None:
        query = query.where(NetworkLink.last_seen_at >= since)
    if until is not None:
        query = query.where(NetworkLink.first_seen_at <= until)
    index: dict[int, int] = {}
    vertex = index.setdefault
    edges: list[tuple[int, int]] = []
    result = session.connection().execute(query)
    try:
        cursor = result.cursor
        while batch := cursor.fetchmany(100_000):
            # setdefault numbers each entity the first time it is seen: vertex ids 0..n-1 in one pass.
            edges.extend([(vertex(a, len(index)), vertex(b, len(index))) for a, b in batch])
    finally:
        result.close()
    return Snapshot(entity_ids=list(index), edges=edges)


def _igraph(snapshot: Snapshot) -> Any:
    """An undirected igraph graph of the snapshot (parallel links collapsed into weights)."""
    import igraph

    graph = igraph.Graph(n=len(snapshot.entity_ids), edges=snapshot.edges, directed=False)
    graph.es["weight"] = 1
    graph.simplify(multiple=True, loops=True, combine_edges="sum")
    return graph


def _leiden(graph: Any, *, resolution: float, seed: int) -> Any:
    """igraph's Leiden (modularity, weighted) on a graph from `_igraph`: a VertexClustering."""
    import random

    import igraph

    igraph.set_random_number_generator(random.Random(seed))
    return graph.community_leiden(objective_function="modularity", weights="weight", resolution=resolution,
                                  n_iterations=2 if graph.ecount() <= LEIDEN_SECOND_PASS_LIMIT else 1)


def communities(snapshot: Snapshot, *, backend: str = "igraph", resolution: float = 1.0,
                seed: int = 7) -> list[list[int]]:
    """Communities as lists of vertex indices: Leiden (igraph, modularity) or Louvain (networkx)."""
    if backend == "igraph":
        return [list(part) for part in _leiden(_igraph(snapshot), resolution=resolution, seed=seed)]
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(snapshot.entity_ids)))
    graph.add_edges_from(snapshot.edges)
    return [sorted(part) for part in nx.community.louvain_communities(graph, resolution=resolution, seed=seed)]


def peer_groups(session: Session, *, viewer: Viewer, since: datetime | None = None, min_children: int = 2,
                backend: str = "igraph", resolution: float = 1.0, limit: int = 200, seed: int = 7) -> list[PeerGroup]:
    """Groups of children the network binds together (community detection), largest first."""
    snapshot = load_snapshot(session, viewer=viewer, since=since)
    if not snapshot.edges:
        return []
    graph = _igraph(snapshot) if backend == "igraph" else None
    parts = ([list(part) for part in _leiden(graph, resolution=resolution, seed=seed)] if graph is not None
             else communities(snapshot, backend=backend, resolution=resolution, seed=seed))
    # Only the ids, straight from the driver (no row objects): hundreds of thousands of children at scale.
    result = session.connection().execute(select(NetworkEntity.id).where(NetworkEntity.kind == "child"))
    try:
        child_ids = {ident for (ident,) in result.cursor.fetchall()}
    finally:
        result.close()
    entity_ids = snapshot.entity_ids
    is_child = [ident in child_ids for ident in entity_ids]
    candidates = []
    for number, part in enumerate(parts):
        count = sum(is_child[v] for v in part)
        if count >= min_children:
            candidates.append((-count, number))
    candidates.sort()
    chosen = [number for _, number in candidates[:limit]]
    entities = _entities(session, sorted({entity_ids[v] for number in chosen for v in parts[number]}))
    groups = []
    for number in chosen:
        members = [entities[entity_ids[v]] for v in parts[number]]
        groups.append(PeerGroup(group=number, children=[m for m in members if m.kind == "child"],
                                others=[m for m in members if m.kind != "child"],
                                links=_inner_links(snapshot, graph, parts[number])))
    return groups


def _inner_links(snapshot: Snapshot, graph: Any, part: list[int]) -> int:
    """How many links join two members of one group (parallel links counted; igraph keeps them as weights)."""
    if graph is not None:
        return int(sum(graph.induced_subgraph(part).es["weight"]))
    members = set(part)
    return sum(1 for a, b in snapshot.edges if a in members and b in members and a != b)


def connectors(session: Session, *, viewer: Viewer, top: int = 20, kinds: list[str] | None = None,
               include_children: bool = False, since: datetime | None = None) -> list[Connector]:
    """Entities with the highest betweenness (then degree): who or what holds the network together.

    Children are left out unless asked for; when included they are marked as children at risk, because a
    child's central position is a sign of how exploited they are, not of culpability.
    """
    snapshot = load_snapshot(session, viewer=viewer, since=since)
    if not snapshot.edges:
        return []
    graph = _igraph(snapshot)
    degree = graph.degree()
    if graph.vcount() <= EXACT_BETWEENNESS_LIMIT:
        between = graph.betweenness(directed=False)
    else:
        between = graph.betweenness(directed=False, cutoff=BETWEENNESS_CUTOFF)
    allowed = set(kinds or ["adult", "place", "line", "vehicle", "group"]) | ({"child"} if include_children else set())
    order = sorted(range(graph.vcount()), key=lambda v: (-between[v], -degree[v]))
    wanted: dict[int, tuple[int, float]] = {}
    by_kind: dict[int, str] = {}
    for start in range(0, len(order), 2000):
        chunk = [snapshot.entity_ids[v] for v in order[start:start + 2000]]
        rows = session.execute(select(NetworkEntity.id, NetworkEntity.kind).where(NetworkEntity.id.in_(chunk)))
        by_kind.update((row[0], row[1]) for row in rows)
        for v in order[start:start + 2000]:
            if by_kind[snapshot.entity_ids[v]] in allowed and len(wanted) < top:
                wanted[snapshot.entity_ids[v]] = (degree[v], float(between[v]))
        if len(wanted) >= top:
            break
    entities = _entities(session, list(wanted))
    note = "child at risk: a central position is a safeguarding concern, never evidence of culpability"
    return [Connector(entity=entities[e], degree=d, betweenness=round(b, 3),
                      note=note if entities[e].kind == "child" else None) for e, (d, b) in wanted.items()]
