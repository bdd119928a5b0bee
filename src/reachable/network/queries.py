"""Set-based network queries answered straight from the store: exposure, hotspots, line map and new links.

Exposure walks the graph breadth-first in SQL (one indexed query per hop and direction), so it always reads
the live network through the viewer's compartment filter and needs no in-memory copy of the graph.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session, aliased

from reachable.network.models import NetworkEntity, NetworkEvidence, NetworkLink
from reachable.network.schemas import EntityOut, Exposure, Hotspot, LineMap, LinePeriod, LinkOut, PathStep
from reachable.network.service import Viewer, find_entity, link_visible

CHUNK = 2000
SEED_KINDS = ("line", "group", "adult", "place", "vehicle")
_Link = tuple[int, int, int]  # id, source, target


def _neighbours(session: Session, *, viewer: Viewer, frontier: Sequence[int],
                as_of: datetime | None) -> list[_Link]:
    """Every visible link touching the frontier (both directions), optionally as known at a date."""
    found: list[_Link] = []
    for start in range(0, len(frontier), CHUNK):
        batch = frontier[start:start + CHUNK]
        # Integers only: the walk touches thousands of links, and converting dates for each costs more
        # than the query itself. Details are read for the links on the returned paths only.
        parts = []
        for end in (NetworkLink.source_id, NetworkLink.target_id):
            query = select(NetworkLink.id, NetworkLink.source_id, NetworkLink.target_id).where(
                end.in_(batch), link_visible(viewer))
            if as_of is not None:
                query = query.where(NetworkLink.first_seen_at <= as_of)
            parts.append(query)
        found.extend((row[0], row[1], row[2]) for row in session.execute(union_all(*parts)))
    return found


def _kinds(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Entity kinds by id."""
    out: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(select(NetworkEntity.id, NetworkEntity.kind).where(
            NetworkEntity.id.in_(ids[start:start + CHUNK])))
        out.update((row[0], row[1]) for row in rows)
    return out


def entities_by_id(session: Session, ids: Sequence[int]) -> dict[int, EntityOut]:
    """Entities by id."""
    out: dict[int, EntityOut] = {}
    # Only the shown columns, as plain rows: a peer-groups answer lists tens of thousands of entities, and
    # loading each as an ORM object (with its attributes JSON) cost more than finding the groups.
    columns = [NetworkEntity.id, NetworkEntity.kind, NetworkEntity.key, NetworkEntity.label, NetworkEntity.child_id,
               NetworkEntity.place_type, NetworkEntity.area_code, NetworkEntity.compartment]
    for start in range(0, len(ids), CHUNK):
        for row in session.execute(select(*columns).where(NetworkEntity.id.in_(ids[start:start + CHUNK]))):
            out[row[0]] = EntityOut(id=row[0], kind=row[1], key=row[2], label=row[3], child_id=row[4],
                                    place_type=row[5], area_code=row[6], compartment=row[7])
    return out


def exposure(session: Session, *, viewer: Viewer, seeds: Sequence[str | int], hops: int = 2,
             as_of: datetime | None = None, through_children: bool = True) -> list[Exposure]:
    """Children within `hops` links of any seed (line, group, adult, place, vehicle), each with its shortest path.

    A child's position only says the child may be exposed to harm: results carry the role child_at_risk.
    """
    if not 1 <= hops <= 4:
        raise ValueError("hops must be between 1 and 4")
    seed_rows = [find_entity(session, viewer=viewer, ref=ref) for ref in seeds]
    parent: dict[int, tuple[int, int] | None] = {row.id: None for row in seed_rows}
    origin = {row.id: row.id for row in seed_rows}
    hop_of = {row.id: 0 for row in seed_rows}
    kinds = {row.id: row.kind for row in seed_rows}
    frontier = sorted(parent)
    for hop in range(1, hops + 1):
        reached: list[int] = []
        for link_id, source, target in _neighbours(session, viewer=viewer, frontier=frontier, as_of=as_of):
            for here, there in ((source, target), (target, source)):
                if hop_of.get(here) == hop - 1 and there not in parent:
                    parent[there] = (here, link_id)
                    origin[there], hop_of[there] = origin[here], hop
                    reached.append(there)
        if not reached:
            break
        if not through_children:
            # Stop at children so a result never rests on a chain of children alone.
            kinds.update(_kinds(session, reached))
            reached = [r for r in reached if kinds.get(r) != "child"]
        frontier = sorted(reached)
    kinds.update(_kinds(session, [node for node in hop_of if node not in kinds]))
    children = sorted((node for node, kind in kinds.items() if kind == "child" and hop_of[node] > 0),
                      key=lambda node: (hop_of[node], node))
    paths = {child: _path(parent, child) for child in children}
    entities = entities_by_id(session, sorted({n for path in paths.values() for n, _ in path} | set(origin.values())))
    used = sorted({link for path in paths.values() for _, link in path})
    details = {row.id: row for start in range(0, len(used), CHUNK) for row in session.execute(
        select(NetworkLink.id, NetworkLink.kind, NetworkLink.basis, NetworkLink.grading, NetworkLink.first_seen_at)
        .where(NetworkLink.id.in_(used[start:start + CHUNK])))}
    return [Exposure(child=entities[child], hops=hop_of[child], seed=entities[origin[child]],
                     path=[PathStep(link_id=link, link_kind=details[link].kind, basis=details[link].basis,
                                    grading=details[link].grading, first_seen_at=details[link].first_seen_at,
                                    entity=entities[node]) for node, link in paths[child]])
            for child in children]


def _path(parent: dict[int, tuple[int, int] | None], node: int) -> list[tuple[int, int]]:
    """(entity reached, link followed) from the seed out to the node."""
    steps = []
    while (step := parent[node]) is not None:
        steps.append((node, step[1]))
        node = step[0]
    return list(reversed(steps))


def hotspots(session: Session, *, viewer: Viewer, start: datetime, end: datetime, limit: int = 20,
             area_code: str | None = None, place_type: str | None = None) -> list[Hotspot]:
    """Places linking the most distinct children through events in [start, end]."""
    child, place = aliased(NetworkEntity), aliased(NetworkEntity)
    query = (select(NetworkLink.target_id, func.count(func.distinct(NetworkLink.source_id)),
                    func.count(func.distinct(NetworkEvidence.event_id)), func.min(NetworkEvidence.occurred_at),
                    func.max(NetworkEvidence.occurred_at))
             .join(NetworkLink, NetworkLink.id == NetworkEvidence.link_id)
             .join(child, child.id == NetworkLink.source_id).join(place, place.id == NetworkLink.target_id)
             .where(child.kind == "child", place.kind == "place", NetworkEvidence.occurred_at >= start,
                    NetworkEvidence.occurred_at <= end, link_visible(viewer))
             .group_by(NetworkLink.target_id)
             .order_by(func.count(func.distinct(NetworkLink.source_id)).desc(), NetworkLink.target_id).limit(limit))
    if area_code:
        query = query.where(place.area_code == area_code)
    if place_type:
        query = query.where(place.place_type == place_type)
    rows = list(session.execute(query))
    places = entities_by_id(session, [row[0] for row in rows])
    return [Hotspot(place=places[row[0]], children=row[1], events=row[2], first_seen_at=row[3], last_seen_at=row[4])
            for row in rows]


def _period(moment: datetime, period: str) -> str:
    """The period a moment falls in: 2025-03 (month), 2025-Q1 (quarter) or 2025 (year)."""
    if period == "month":
        return f"{moment.year}-{moment.month:02d}"
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return str(moment.year)


def line_map(session: Session, *, viewer: Viewer, line: str | int | None = None,
             period: str = "quarter") -> list[LineMap]:
    """For each deal line: areas its linked people come from, and the areas it was seen in, period by period."""
    if period not in ("month", "quarter", "year"):
        raise ValueError("period must be month, quarter or year")
    person = aliased(NetworkEntity)
    line_row = aliased(NetworkEntity)
    query = (select(NetworkLink.target_id, NetworkEvidence.occurred_at, NetworkEvidence.area_code,
                    person.area_code, person.id)
             .join(NetworkLink, NetworkLink.id == NetworkEvidence.link_id)
             .join(line_row, line_row.id == NetworkLink.target_id).join(person, person.id == NetworkLink.source_id)
             .where(line_row.kind == "line", link_visible(viewer)))
    if line is not None:
        query = query.where(NetworkLink.target_id == find_entity(session, viewer=viewer, ref=line).id)
    seen: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    origins: dict[int, dict[int, str]] = defaultdict(dict)
    for line_id, moment, area, home, person_id in session.execute(query):
        if area:
            seen[line_id][_period(moment, period)][area] += 1
        if home:
            origins[line_id][person_id] = home
    lines = entities_by_id(session, sorted(seen.keys() | origins.keys()))
    out = []
    for line_id, entity in lines.items():
        periods: list[LinePeriod] = []
        before: set[str] = set()
        for key in sorted(seen[line_id]):
            areas = dict(sorted(seen[line_id][key].items()))
            periods.append(LinePeriod(period=key, areas=areas, added=sorted(set(areas) - before),
                                      dropped=sorted(before - set(areas))))
            before = set(areas)
        out.append(LineMap(line=entity, origin_areas=dict(Counter(origins[line_id].values()).most_common()),
                           periods=periods))
    return out


def new_links(session: Session, *, viewer: Viewer, since: datetime, recorded: bool = False,
              limit: int = 1000) -> list[LinkOut]:
    """Links first seen (or, with `recorded`, first recorded here) since a date, newest first."""
    column = NetworkLink.created_at if recorded else NetworkLink.first_seen_at
    links = list(session.scalars(select(NetworkLink).where(column >= since, link_visible(viewer))
                                 .order_by(column.desc(), NetworkLink.id.desc()).limit(limit)))
    ends = {e.id: e for e in session.scalars(select(NetworkEntity).where(
        NetworkEntity.id.in_({n for link in links for n in (link.source_id, link.target_id)})))}
    return [LinkOut.from_link(link, ends[link.source_id], ends[link.target_id]) for link in links]
