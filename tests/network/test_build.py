"""Building the network from events: the rules, idempotence, rebuild equivalence and analysts' removals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.network import service as network
from reachable.network.build import _moment
from reachable.network.derive import grading_confidence, normalise_place_type
from reachable.network.models import NetworkEntity, NetworkEvidence, NetworkLink
from reachable.network.schemas import LinkUpdate
from reachable.records.models import Event
from tests.network.conftest import scenario_events


def _links(session: Session) -> dict[tuple[str, str, str], NetworkLink]:
    """Links by (kind, source key, target key)."""
    keys: dict[int, str] = {}
    for ident, key in session.execute(select(NetworkEntity.id, NetworkEntity.key)):
        keys[ident] = key
    return {(link.kind, keys[link.source_id], keys[link.target_id]): link
            for link in session.scalars(select(NetworkLink))}


def test_ingest_builds_links_with_kinds_roles_basis_and_compartment(world: Session) -> None:
    links = _links(world)
    kinds = {kind for kind, _, _ in links}
    assert {"linked_to_line", "associates_with", "arrested_together", "found_at", "at_school",
            "arrested_at"} <= kinds
    line = next(link for (kind, _, _), link in links.items() if kind == "linked_to_line")
    assert (line.basis, line.compartment, line.grading) == ("intelligence", "police", "2/B/P")
    assert line.confidence == grading_confidence("2/B/P") == 0.48
    together = [link for (kind, _, _), link in links.items() if kind == "arrested_together"]
    assert len(together) == 3  # two children and one adult, pairwise
    for link in together:
        assert len(link.source_event_ids["ids"]) == 2 and link.basis == "fact" and link.compartment == "shared"
    adult_pair = next(link for (kind, _, target), link in links.items()
                      if kind == "arrested_together" and target.startswith("adult:"))
    # Victim first: the child recorded as a suspect is a child at risk on the link; the adult keeps the role.
    assert (adult_pair.source_role, adult_pair.target_role) == ("child_at_risk", "suspect")
    assert all(link.source_role != "suspect" for (_, source, _), link in links.items() if source.startswith("child"))
    assert all(link.target_role != "suspect" for (_, _, target), link in links.items() if target.startswith("child"))


def test_intelligence_about_a_known_adult_merges_with_the_adult_in_the_arrest(world: Session) -> None:
    adult = world.scalar(select(NetworkEntity).where(NetworkEntity.key == "adult:WM90000001"))
    assert adult is not None and adult.kind == "adult" and adult.compartment == "shared"
    line = world.scalar(select(NetworkEntity).where(NetworkEntity.kind == "line"))
    assert line is not None and line.compartment == "police" and line.key == "line:07700900123"


def test_building_is_idempotent_and_a_rebuild_gives_the_same_links(world: Session) -> None:
    before = {key: (link.first_seen_at, link.last_seen_at, link.source_event_ids["ids"], link.confidence)
              for key, link in _links(world).items()}
    evidence = world.scalar(select(func.count()).select_from(NetworkEvidence))
    pipeline.ingest(world, events=scenario_events(), actor=access.SYSTEM)  # the same extract again
    result = network.rebuild(world)
    world.flush()
    world.expire_all()
    after = {key: (link.first_seen_at, link.last_seen_at, link.source_event_ids["ids"], link.confidence)
             for key, link in _links(world).items()}
    assert after == before
    assert world.scalar(select(func.count()).select_from(NetworkEvidence)) == evidence
    assert result.links_created == 0 and result.links_lapsed == 0


def test_an_analysts_removal_survives_a_rebuild(world: Session, police: network.Viewer) -> None:
    link = next(link for (kind, _, _), link in _links(world).items() if kind == "at_school")
    network.update_link(world, viewer=police, link_id=link.id,
                        data=LinkUpdate(status="removed", reason="wrong school URN on the exclusion record"))
    network.rebuild(world)
    world.expire_all()
    assert world.get(NetworkLink, link.id).status == "removed"  # type: ignore[union-attr]


def test_place_types_and_grading_scales() -> None:
    assert normalise_place_type("trap_house") == "trap_house"
    assert normalise_place_type("station") == "transport_hub"
    assert normalise_place_type("car park") == "public_space"
    assert normalise_place_type("somewhere odd") == "other"
    assert grading_confidence("1/A/P") == 0.9 and grading_confidence("B2") == 0.64
    assert grading_confidence(None) == grading_confidence("unknown") == 0.5


def test_a_new_incident_member_links_to_earlier_members(world: Session) -> None:
    from reachable.records.kinds import EventKind
    from tests.network.conftest import at, child, ev

    late = ev(EventKind.ARREST, "ARR-9", child(4), at(5), {"offence_category": "pwits_class_a"},
              incident_ref="INC-9", occurred_at=datetime(2025, 3, 5, 13, tzinfo=UTC))
    pipeline.ingest(world, events=[late], actor=access.SYSTEM)
    together = [key for key in _links(world) if key[0] == "arrested_together"]
    assert len(together) == 6  # four people in the incident now


def test_a_second_rebuild_rewrites_no_link(world: Session) -> None:
    network.rebuild(world)
    stamps = {key: link.updated_at for key, link in _links(world).items()}
    again = network.rebuild(world)
    world.flush()
    world.expire_all()
    assert (again.links_created, again.links_updated, again.links_lapsed) == (0, 0, 0)
    assert {key: link.updated_at for key, link in _links(world).items()} == stamps
    assert again.evidence == world.scalar(select(func.count()).select_from(NetworkEvidence))


def test_a_first_rebuild_gives_the_same_network_and_keeps_its_constraints(world: Session) -> None:
    # A rebuild into empty tables loads with the secondary indexes and constraints dropped (PostgreSQL) and
    # re-creates them in the same transaction: same links and evidence, and duplicates still refused after.
    before = {key: (link.first_seen_at, link.last_seen_at, link.source_event_ids["ids"], link.confidence)
              for key, link in _links(world).items()}
    evidence = world.scalar(select(func.count()).select_from(NetworkEvidence))
    for model in (NetworkEvidence, NetworkLink, NetworkEntity):
        world.execute(delete(model))
    result = network.rebuild(world)
    world.flush()
    world.expire_all()
    after = {key: (link.first_seen_at, link.last_seen_at, link.source_event_ids["ids"], link.confidence)
             for key, link in _links(world).items()}
    assert after == before
    assert result.links_created == len(before)
    assert world.scalar(select(func.count()).select_from(NetworkEvidence)) == evidence
    row = world.execute(select(NetworkEvidence.link_id, NetworkEvidence.event_id, NetworkEvidence.occurred_at)).first()
    assert row is not None
    with pytest.raises(IntegrityError, match=r"(?i)unique"), world.begin_nested():
        world.execute(insert(NetworkEvidence).values(link_id=row[0], event_id=row[1], occurred_at=row[2]))
    link = world.scalars(select(NetworkLink)).first()
    assert link is not None
    with pytest.raises(IntegrityError, match=r"(?i)unique"), world.begin_nested():
        world.execute(insert(NetworkLink).values(
            link_key=link.link_key, source_id=link.source_id, target_id=link.target_id, kind=link.kind,
            basis=link.basis, compartment=link.compartment, origin="derived", status="active",
            source_event_ids={}, confidence=1.0, first_seen_at=link.first_seen_at, last_seen_at=link.last_seen_at,
            created_at=link.created_at, updated_at=link.updated_at))


def test_a_first_rebuild_keeps_each_events_time_and_place_on_its_evidence(world: Session) -> None:
    # The rebuild reads event rows straight from the driver and reuses SQLite's stored time text for the
    # evidence rows: the evidence must carry exactly the event's time (as the database returns it) and area.
    for model in (NetworkEvidence, NetworkLink, NetworkEntity):
        world.execute(delete(model))
    network.rebuild(world)
    world.flush()
    pairs = world.execute(select(NetworkEvidence.occurred_at, NetworkEvidence.area_code, Event.occurred_at,
                                 Event.area_code).join(Event, Event.id == NetworkEvidence.event_id)).all()
    assert pairs and all((seen, area) == (when, where) for seen, area, when, where in pairs)
    spans = world.execute(select(NetworkLink.first_seen_at, NetworkLink.last_seen_at)).all()
    assert all(first.tzinfo is not None and first <= last for first, last in spans)


def test_driver_times_become_aware_utc_whatever_their_text() -> None:
    stamps: dict[datetime, object] = {}
    stored = _moment("2025-03-05 12:00:00.250000", stamps)
    assert stored == datetime(2025, 3, 5, 12, 0, 0, 250000, tzinfo=UTC)
    assert stamps == {stored: "2025-03-05 12:00:00.250000"}  # the storage form is reused, not formatted again
    # Other text forms are parsed the general way and never reused as storage text.
    assert _moment("2025-03-05T12:00:00", stamps) == datetime(2025, 3, 5, 12, tzinfo=UTC)
    assert _moment("2025-03-05 12:00:00", stamps) == datetime(2025, 3, 5, 12, tzinfo=UTC)
    assert len(stamps) == 1
    assert _moment(datetime(2025, 3, 5, 12)) == datetime(2025, 3, 5, 12, tzinfo=UTC)
