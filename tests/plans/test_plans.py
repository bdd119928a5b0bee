"""Plans and disruption actions across agencies, need-to-know views, and the MACE panel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.errors import InputRejected
from reachable.plans import mace
from reachable.plans import service as plans
from reachable.plans.schemas import ActionIn, Criteria, PlanIn
from reachable.records.kinds import EventKind
from reachable.risk import service as risk
from reachable.risk.schemas import AssessmentIn
from reachable.tasks import service as tasks
from reachable.tasks.schemas import TaskSpec
from tests.factories import event, person

WORKER = access.Actor(name="sw.khan")


def _child(session: Session, pid: str = "P1", home: str = "E08000025") -> int:
    return pipeline.ingest(session, events=[event(EventKind.MISSING_REPORTED, agency_key=pid, person=person(
        agency_person_id=pid, first_name=f"Kid{pid}", home_area_code=home))], actor=access.SYSTEM).child_ids[0]


def _disruption(session: Session, child: int) -> int:
    return plans.create_plan(session, actor=WORKER, plan=PlanIn(
        kind="disruption", title="Disrupt the 'Bando' line", child_id=child, owner_agency="CSC-E08000025",
        review_due_on=date(2025, 6, 1))).id


def test_actions_across_agencies_with_owner_rules(session: Session) -> None:
    child = _child(session)
    plan_id = _disruption(session, child)
    cawn = plans.add_action(session, plan_id=plan_id, actor=WORKER, action=ActionIn(
        action_type="child_abduction_warning_notice", title="CAWN on the adult collecting him",
        target_kind="adult", target_label="Adult A", owner_agency="POL-E23000014"))
    school = plans.add_action(session, plan_id=plan_id, actor=WORKER, action=ActionIn(
        action_type="education_placement", title="Full-time place at the PRU", owner_agency="EDU-E08000025"))
    with pytest.raises(InputRejected) as refused:
        plans.add_action(session, plan_id=plan_id, actor=WORKER, action=ActionIn(
            action_type="child_abduction_warning_notice", title="CAWN by the council", target_kind="adult",
            target_label="Adult A", owner_agency="CSC-E08000025"))
    assert refused.value.errors[0].field == "owner_agency"
    with pytest.raises(InputRejected):
        plans.update_action(session, action_id=school.id, status="not_done", reason="", actor=WORKER)
    plans.update_action(session, action_id=cawn.id, status="done", reason="served 02/05/2025", actor=WORKER)
    assert [a.status for a in plans.list_actions(session, plan_id=plan_id)] == ["done", "open"]


def test_action_against_an_adult_never_exposes_the_child_to_an_agency_without_a_relationship(session: Session) -> None:
    child = _child(session)  # lives in Birmingham (West Midlands Police)
    plan_id = _disruption(session, child)
    plans.add_action(session, plan_id=plan_id, actor=WORKER, action=ActionIn(
        action_type="closure_order", title="Closure order on the trap house", target_kind="place",
        target_label="Flat 3, Shrewsbury", owner_agency="POL-E23000038"))  # West Mercia: no relationship
    plans.add_action(session, plan_id=plan_id, actor=WORKER, action=ActionIn(
        action_type="child_abduction_warning_notice", title="CAWN", target_kind="adult", target_label="Adult A",
        owner_agency="POL-E23000014"))  # West Midlands: the child's home force
    far = areas.ensure_agency(session, code="POL-E23000038")
    home = areas.ensure_agency(session, code="POL-E23000014")
    [far_view] = plans.actions_for_agency(session, agency_id=far.id)
    assert far_view.redacted and far_view.child_reference is None and far_view.child_name is None
    [home_view] = plans.actions_for_agency(session, agency_id=home.id)
    assert not home_view.redacted and home_view.child_name == "KidP1 Smith"


def test_context_plan_links_children(session: Session) -> None:
    a, b = _child(session, "A"), _child(session, "B")
    with pytest.raises(InputRejected):
        plans.create_plan(session, actor=WORKER, plan=PlanIn(kind="context", title="Park plan",
                                                              owner_agency="CSC-E08000025"))
    from reachable.network.models import NetworkEntity

    park = NetworkEntity(kind="place", key="place:park", label="Victoria Park", place_type="park",
                         created_at=datetime.now(UTC))
    session.add(park)
    session.flush()
    plan = plans.create_plan(session, actor=WORKER, plan=PlanIn(
        kind="context", title="Safer Victoria Park", subject_entity_id=park.id, linked_child_ids=[a, b],
        owner_agency="CSC-E08000025"))
    assert plans.linked_children(session, plan_id=plan.id) == [a, b]
    assert [p.id for p in plans.list_plans(session, child_id=b)] == [plan.id]


def test_mace_agenda_decisions_and_minutes(session: Session) -> None:
    now = datetime(2025, 6, 1, 9, tzinfo=UTC)
    high, overdue, quiet = _child(session, "H"), _child(session, "O"), _child(session, "Q")
    risk.create_assessment(session, child_id=high, actor=WORKER, as_of=now - timedelta(days=3),
                           decision=AssessmentIn(level="high", judgement="panel", override_reason="intel"))
    tasks.create_task(session, at=now - timedelta(days=10), spec=TaskSpec(
        title="Return home interview", child_id=overdue, owner_area_code="E08000025",
        due_at=now - timedelta(days=7)))
    agenda = mace.build_agenda(session, area_code="E08000025", criteria=Criteria(), now=now)
    assert {item.child_id: item.reasons for item in agenda} == {
        high: ["assessed at high risk"], overdue: ["overdue task: Return home interview"]}
    assert quiet not in {item.child_id for item in agenda}
    assert mace.build_agenda(session, area_code="E08000025", now=now,
                             criteria=Criteria(high_risk=False, overdue_tasks=False)) == []
    meeting = mace.create_meeting(session, area_code="E08000025", held_on=date(2025, 6, 2), criteria=Criteria(),
                                  actor=WORKER, chair="DI Shaw", now=now)
    first = mace.items(session, meeting_id=meeting.id)[0]
    mace.record_decision(session, item_id=first.id, decision="Disruption plan; NRM referral",
                         actions=["Police: CAWN", "CSC: NRM referral"], actor=WORKER)
    text = mace.minutes(session, meeting_id=meeting.id, actor=WORKER)
    assert "Disruption plan; NRM referral" in text and "- Action: Police: CAWN" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert len(access.list_for_child(session, child_id=first.child_id or 0)) == 1  # the disclosure is audited
