"""Exports under agreements, bulk exports with a second approver, subject access, erasure, retention, alerts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from reachable import pipeline
from reachable.access import service as access
from reachable.access.models import AuditEvent
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, InputRejected
from reachable.db.registry import metadata
from reachable.records.kinds import EventKind
from tests.access.world import AREA_A, NAMES, World, principal
from tests.factories import event, person


def _agreement(session: Session, world: World, **overrides: object) -> int:
    now = utcnow()
    values: dict[str, object] = {
        "name": "MACE ISA", "purpose": "multi-agency child exploitation panel", "lawful_gateway":
        "Children Act 2004 s11", "party_codes": [f"CSC-{AREA_A}", "POL-E23000014"], "allowed_fields": [],
        "starts_at": now - timedelta(days=1), "review_due_at": now + timedelta(days=100),
        "expires_at": now + timedelta(days=365)}
    values.update(overrides)
    return access.create_agreement(session, actor=access.SYSTEM, **values).id  # type: ignore[arg-type]


def test_person_export_needs_an_agreement_and_is_redacted(session: Session, world: World) -> None:
    worker = principal(session, world, "social_worker")
    child = world.children["own_area"]
    pipeline.ingest(session, events=[event(EventKind.SCHOOL_EXCLUSION, agency=f"CSC-{AREA_A}", agency_key="x",
                                           person=person(agency_person_id="P-own_area", last_name=NAMES["own_area"]),
                                           payload={"exclusion_type": "permanent", "reason": "=cmd|' /C calc'!A0"})],
                    actor=access.SYSTEM)
    assert not access.decide(session, user=worker, action="child.export",
                             target=access.Target(child_id=child)).allowed
    expired = _agreement(session, world, starts_at=utcnow() - timedelta(days=10),
                         review_due_at=utcnow() - timedelta(days=5), expires_at=utcnow() - timedelta(days=1))
    assert not access.decide(session, user=worker, action="child.export",
                             target=access.Target(child_id=child, agreement_id=expired)).allowed
    isa = _agreement(session, world)
    assert access.decide(session, user=worker, action="child.export",
                         target=access.Target(child_id=child, agreement_id=isa)).allowed
    out = access.export_child(session, principal=worker, actor=access.actor_for(worker), child_id=child,
                              agreement_id=isa, recipient="West Midlands Police MACE", justification="MACE panel 3/6")
    assert NAMES["own_area"] not in out and "[redacted]" in out
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert "=cmd" in out and not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    row = session.scalar(select(AuditEvent).where(AuditEvent.action == "disclose", AuditEvent.child_id == child))
    assert row is not None and row.recipient == "West Midlands Police MACE" and row.justification


def test_bulk_export_needs_a_second_approver(session: Session, world: World) -> None:
    analyst, manager = principal(session, world, "data_analyst"), principal(session, world, "team_manager")
    isa = _agreement(session, world)
    request = access.request_bulk_export(session, principal=analyst, actor=access.actor_for(analyst),
                                         child_ids=[world.children["own_area"], world.children["other_area"]],
                                         agreement_id=isa, recipient="Partnership analyst",
                                         justification="quarterly partnership return")
    with pytest.raises(Conflict):
        access.download_bulk_export(session, principal=analyst, actor=access.SYSTEM, export_id=request.id)
    with pytest.raises(Conflict):
        access.approve_bulk_export(session, principal=analyst, actor=access.SYSTEM, export_id=request.id)
    access.approve_bulk_export(session, principal=manager, actor=access.actor_for(manager), export_id=request.id)
    out = access.download_bulk_export(session, principal=analyst, actor=access.actor_for(analyst),
                                      export_id=request.id)
    assert NAMES["other_area"] not in out and NAMES["own_area"] not in out  # analysts see no child details


def test_subject_access_withholds_third_parties_and_intelligence(session: Session, world: World) -> None:
    child = world.children["compartment"]
    report = access.subject_access(session, actor=access.SYSTEM, child_id=child)
    assert report["withheld"] and "Zqsecretline" not in repr(report)
    assert report["child"]["name"].endswith(NAMES["compartment"])


def test_erasure_leaves_no_trace(sessions: sessionmaker[Session], world: World) -> None:
    child = world.children["open_task"]
    name = NAMES["open_task"]
    with sessions() as session:
        access.erase_child(session, child_id=child, actor=access.SYSTEM, reason="erasure request upheld by DPO")
        session.commit()
    with sessions() as session:
        bind = session.get_bind()
        for table in metadata().sorted_tables:
            if table.name in ("audit_events", "audit_checkpoints"):
                continue
            names = [c["name"] for c in inspect(bind).get_columns(table.name)]
            for row in session.execute(select(table)).mappings():
                assert name not in repr(dict(row)), f"{table.name} still holds the erased child"
                if "child_id" in names:
                    assert row["child_id"] != child, f"{table.name} still refers to the erased child"
        assert not access.decide(session, user=principal(session, world, "social_worker"), action="child.view",
                                 target=access.Target(child_id=child)).allowed
        assert access.verify_chain(session) == []
        assert session.execute(text("SELECT status FROM children WHERE id = :i"), {"i": child}).scalar() == "erased"


def test_retention_review_and_disposal(session: Session, world: World) -> None:
    access.ensure_default_rules(session)
    assert access.retention_gaps(session) == []
    pipeline.ingest(session, events=[event(EventKind.RETURN_INTERVIEW_OFFERED, agency="VCS-test-charity",
                                           agency_key="old", occurred_at=utcnow() - timedelta(days=7 * 365),
                                           person=person(agency_person_id="OLD", last_name="Zqold"))],
                    actor=access.SYSTEM)
    due = access.list_due(session)
    assert due and all(item.review_due < utcnow() for item in due)
    with pytest.raises(InputRejected):
        access.record_review(session, record_id=due[0].record_id, outcome="retain", rationale="", actor=access.SYSTEM)
    result = access.run_disposal(session, actor=access.SYSTEM)
    assert result["events_disposed"] >= 1 and result["children_erased"] >= 1
    assert session.execute(text("SELECT count(*) FROM source_records WHERE last_name = 'Zqold'")).scalar() == 0


def test_break_glass_is_reviewed_by_another_manager(session: Session, world: World) -> None:
    worker, manager = principal(session, world, "social_worker"), principal(session, world, "team_manager")
    with pytest.raises(InputRejected):
        access.open_break_glass(session, principal=worker, actor=access.SYSTEM,
                                child_id=world.children["other_area"], justification="urgent")
    grant = access.open_break_glass(session, principal=worker, actor=access.SYSTEM,
                                    child_id=world.children["other_area"],
                                    justification="child found in our area at 2am, family unreachable")
    pending = access.list_break_glass(session, agency_id=manager.agency_id)
    assert grant.id in [g.id for g in pending]
    access.review_break_glass(session, principal=manager, actor=access.SYSTEM, grant_id=grant.id,
                              outcome="misuse", note="no safeguarding reason found")
    assert not access.decide(session, user=worker, action="child.view",
                             target=access.Target(child_id=world.children["other_area"])).allowed


def test_discovery_without_disclosure(session: Session, world: World) -> None:
    from reachable.access.sharing import known_to

    found = known_to(session, child_id=world.children["other_area"])
    assert found["summary"].startswith("known to:") and NAMES["other_area"] not in repr(found)


def test_unusual_read_volume_alert(session: Session, world: World) -> None:
    actor = access.Actor(name="user:curious", agency_id=1)
    for n in range(30):
        access.record(session, actor=actor, action="view", object_type="child", child_id=world.children["own_area"]
                      if n == 0 else None, justification="x")
    for child in world.children.values():
        access.record(session, actor=actor, action="view", object_type="child", child_id=child, justification="x")
    assert access.read_volume_alerts(session, min_reads=5)[0].actor == "user:curious"
    assert access.read_volume_alerts(session, min_reads=50) == []
