"""Scenario tests for each network query, and for the police compartment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.common.errors import InputRejected, NotFound
from reachable.network import export, graph, queries
from reachable.network import service as network
from reachable.network.models import NetworkEntity, NetworkLink
from reachable.network.schemas import LinkIn, SharingIn
from tests.network.conftest import COUNCIL

START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
LINE = "line:07700900123"


def test_exposure_finds_children_within_k_hops_with_the_explaining_path(world: Session,
                                                                        police: network.Viewer) -> None:
    found = queries.exposure(world, viewer=police, seeds=[LINE], hops=2)
    assert [r.hops for r in found] == [1, 2]
    direct, peer = found
    assert [s.link_kind for s in direct.path] == ["linked_to_line"]
    assert [s.link_kind for s in peer.path] == ["linked_to_line", "arrested_together"]
    assert peer.path[0].entity.id == direct.child.id and peer.path[-1].entity.id == peer.child.id
    assert all(r.role == "child_at_risk" for r in found)
    assert len(queries.exposure(world, viewer=police, seeds=[LINE], hops=3)) == 2
    four = queries.exposure(world, viewer=police, seeds=[LINE], hops=4)
    assert len(four) == 3 and [s.link_kind for s in four[-1].path][-2:] == ["found_at", "found_at"]


def test_exposure_as_of_a_date_uses_only_links_known_then(world: Session, police: network.Viewer) -> None:
    before = queries.exposure(world, viewer=police, seeds=[LINE], hops=2, as_of=datetime(2025, 3, 4, tzinfo=UTC))
    assert [r.hops for r in before] == [1]


def test_intelligence_is_invisible_outside_the_police_compartment(world: Session, police: network.Viewer,
                                                                  council: network.Viewer) -> None:
    with pytest.raises(NotFound):
        queries.exposure(world, viewer=council, seeds=[LINE])
    assert queries.line_map(world, viewer=council) == []
    assert all(link.basis != "intelligence" for link in queries.new_links(world, viewer=council, since=START))
    body, _, _ = export.export(world, viewer=council, fmt="graphml")
    assert b"linked_to_line" not in body and b"Bando" not in body and b"associates_with" not in body
    assert b"linked_to_line" in export.export(world, viewer=police, fmt="graphml")[0]
    shared_nodes = {e.id for g in graph.peer_groups(world, viewer=council) for e in g.others}
    line_id = world.scalar(select(NetworkEntity.id).where(NetworkEntity.key == LINE))
    assert line_id not in shared_nodes


def test_a_recorded_sharing_decision_shares_one_link(world: Session, police: network.Viewer,
                                                     council: network.Viewer) -> None:
    link = world.scalar(select(NetworkLink).where(NetworkLink.kind == "linked_to_line"))
    assert link is not None
    with pytest.raises(InputRejected):
        network.share(world, viewer=council, data=SharingIn(link_id=link.id, shared_with=COUNCIL,
                                                            purpose="MACE panel", reason="council cannot share"))
    decisions = network.share(world, viewer=police, data=SharingIn(
        link_id=link.id, shared_with=COUNCIL, purpose="MACE panel 2025-03", reason="child 1 safety planning"))
    assert decisions[0].decided_by_agency == police.agency and decisions[0].reason == "child 1 safety planning"
    found = queries.exposure(world, viewer=council, seeds=[LINE], hops=2)
    assert [r.hops for r in found] == [1, 2]
    assert not any(k.kind == "associates_with" and k.basis == "intelligence"
                   for k in queries.new_links(world, viewer=council, since=START))
    network.end_sharing(world, viewer=police, decision_id=decisions[0].id, reason="panel closed the case")
    with pytest.raises(NotFound):
        queries.exposure(world, viewer=council, seeds=[LINE])


def test_peer_groups_by_community_detection(world: Session, police: network.Viewer) -> None:
    groups = graph.peer_groups(world, viewer=police)
    members = [{c.key for c in g.children} for g in groups]
    assert all(len(m) >= 2 for m in members)
    everyone = set().union(*members)
    assert len(everyone) >= 4  # children 1-4; child 5 has no links at all
    networkx_groups = graph.peer_groups(world, viewer=police, backend="networkx")
    assert sum(len(g.children) for g in networkx_groups) >= 4


def test_hotspots_rank_places_by_children_in_the_period(world: Session, council: network.Viewer) -> None:
    spots = queries.hotspots(world, viewer=council, start=START, end=END)
    assert {s.place.key for s in spots} == {"place:B15 2TT", "place:SY1 1AA", "school:100001"}
    assert all(s.children == 2 for s in spots)
    later = queries.hotspots(world, viewer=council, start=datetime(2025, 3, 11, tzinfo=UTC), end=END)
    assert {s.place.key: s.children for s in later} == {"school:100001": 2, "place:SY1 1AA": 1}
    schools = queries.hotspots(world, viewer=council, start=START, end=END, place_type="school")
    assert [s.place.key for s in schools] == ["school:100001"]


def test_line_map_shows_areas_by_period(world: Session, police: network.Viewer) -> None:
    (line,) = queries.line_map(world, viewer=police, period="month")
    assert line.line.key == LINE and line.periods[0].period == "2025-03"
    assert line.periods[0].areas == {"E08000025": 1} and line.origin_areas == {"E08000025": 1}


def test_new_links_since_a_date(world: Session, council: network.Viewer) -> None:
    recent = queries.new_links(world, viewer=council, since=datetime(2025, 3, 15, tzinfo=UTC))
    assert {k.kind for k in recent} == {"at_school"}


def test_connectors_leave_children_out_unless_asked_and_then_mark_them(world: Session,
                                                                       police: network.Viewer) -> None:
    top = graph.connectors(world, viewer=police)
    assert top and all(c.entity.kind != "child" for c in top)
    with_children = graph.connectors(world, viewer=police, include_children=True)
    assert any(c.entity.kind == "child" and c.note and "never evidence" in c.note for c in with_children)


def test_exports_are_valid_graphml_and_gexf(world: Session, police: network.Viewer) -> None:
    import io

    import networkx as nx

    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        body, nodes, links = export.export(world, viewer=police, fmt=fmt)
        graph_back = reader(io.BytesIO(body))
        assert graph_back.number_of_nodes() == nodes and graph_back.number_of_edges() == links
        assert b"Child1" not in body  # children by reference, never by name


def test_analyst_links_need_reasons_and_are_audited(world: Session, police: network.Viewer,
                                                    council: network.Viewer) -> None:
    from reachable.access.models import AuditEvent

    child = world.scalar(select(NetworkEntity.key).where(NetworkEntity.kind == "child"))
    assert child is not None
    with pytest.raises(InputRejected):
        network.create_link(world, viewer=council, data=LinkIn(source=child, target="vehicle:AB12CDE",
                                                               target_kind="vehicle", kind="seen_in_vehicle",
                                                               reason=" "))
    with pytest.raises(InputRejected):
        network.create_link(world, viewer=council, data=LinkIn(source=child, target="x", target_kind="vehicle",
                                                               kind="seen_in_vehicle", compartment="police",
                                                               reason="should be refused"))
    link = network.create_link(world, viewer=council, data=LinkIn(
        source=child, target="AB12CDE", target_kind="vehicle", kind="seen_in_vehicle", basis="fact",
        reason="youth worker saw the child get into this car"))
    assert link.origin == "analyst" and link.source_role == "child_at_risk"
    audit = world.scalar(select(AuditEvent).where(AuditEvent.object_type == "network_link")
                         .order_by(AuditEvent.id.desc()))
    assert audit is not None and audit.justification == "youth worker saw the child get into this car"
    assert any(k.kind == "seen_in_vehicle" for k in queries.new_links(world, viewer=council, since=START,
                                                                      recorded=True))
