"""The NRM lifecycle: referral, overdue RG, positive and negative decisions, reconsideration, turning 18."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.common.errors import Conflict, InputRejected
from reachable.markers import service as markers
from reachable.nrm import service as nrm
from reachable.nrm.schemas import DecisionIn, ReferralIn
from reachable.records.kinds import EventKind
from reachable.tasks import service as tasks
from tests.factories import event, person

WORKER = access.Actor(name="sw.khan")


def _child(session: Session, dob: date = date(2009, 4, 3)) -> int:
    return pipeline.ingest(session, events=[event(EventKind.MISSING_REPORTED, person=person(dob=dob))],
                           actor=access.SYSTEM).child_ids[0]


def _refer(session: Session, child: int, on: date = date(2025, 3, 3), ref: str = "NRM-1") -> int:
    return nrm.refer(session, actor=WORKER, referral=ReferralIn(
        child_id=child, reference=ref, referred_on=on, first_responder_agency="CSC-E08000025",
        first_responder_person="S. Khan", county_lines=True, criminal_case_ref="URN 20/1234/25")).id


def test_referral_marks_child_and_rg_overdue_raises_one_task(session: Session) -> None:
    child = _child(session)
    referral_id = _refer(session, child)  # Monday 3 March 2025: RG due Monday 10 March
    referral = nrm.get_referral(session, referral_id=referral_id)
    assert nrm.rg_due(referral) == date(2025, 3, 10)
    assert referral.age_at_exploitation == 15
    assert "trafficking_nrm" in markers.active_codes(session, child_id=child)
    assert nrm.check_timers(session, now=datetime(2025, 3, 10, 18, tzinfo=UTC)) == []
    assert nrm.check_timers(session, now=datetime(2025, 3, 11, 9, tzinfo=UTC)) == ["overdue RG task for NRM-1"]
    assert nrm.check_timers(session, now=datetime(2025, 3, 12, 9, tzinfo=UTC)) == []  # no duplicate
    [task] = [t for t in tasks.list_tasks(session, child_id=child) if t.rule_id == "nrm.rg_overdue"]
    assert task.status == "open"
    nrm.record_rg(session, referral_id=referral_id, actor=WORKER,
                  decision=DecisionIn(outcome="positive", decided_on=date(2025, 3, 12)))
    assert tasks.get_task(session, task_id=task.id).status == "done"
    assert referral.status == "recovery_period"
    assert referral.recovery_ends_on == date(2025, 4, 11)
    assert "RG positive 12/03/2025" in (nrm.case_summary(session, child_id=child) or "")
    assert "URN 20/1234/25" in (nrm.case_summary(session, child_id=child) or "")


def test_positive_cg_confirms_victim(session: Session) -> None:
    child = _child(session)
    referral_id = _refer(session, child)
    with pytest.raises(Conflict):
        nrm.record_cg(session, referral_id=referral_id, actor=WORKER,
                      decision=DecisionIn(outcome="positive", decided_on=date(2025, 9, 1)))
    nrm.record_rg(session, referral_id=referral_id, actor=WORKER,
                  decision=DecisionIn(outcome="positive", decided_on=date(2025, 3, 7)))
    nrm.record_cg(session, referral_id=referral_id, actor=WORKER,
                  decision=DecisionIn(outcome="positive", decided_on=date(2025, 9, 1)))
    assert "cce_victim" in markers.active_codes(session, child_id=child)
    figures = nrm.figures(session)
    assert (figures.median_days_to_rg, figures.median_days_to_cg) == (4, 182)
    assert figures.share_rg_within_5_working_days == 1.0


def test_negative_rg_then_reconsideration(session: Session) -> None:
    child = _child(session)
    referral_id = _refer(session, child)
    nrm.record_rg(session, referral_id=referral_id, actor=WORKER,
                  decision=DecisionIn(outcome="negative", decided_on=date(2025, 3, 20)))
    assert nrm.get_referral(session, referral_id=referral_id).status == "negative_rg"
    assert nrm.figures(session).share_rg_within_5_working_days == 0.0
    with pytest.raises(InputRejected):
        nrm.request_reconsideration(session, referral_id=referral_id, reason=" ", actor=WORKER)
    nrm.request_reconsideration(session, referral_id=referral_id, actor=WORKER, on=date(2025, 3, 25),
                                reason="new evidence: phone download shows line messages")
    referral = nrm.get_referral(session, referral_id=referral_id)
    assert referral.status == "reconsideration_requested"
    assert referral.reconsiderations["requests"][0]["of"] == "negative_rg"
    nrm.record_rg(session, referral_id=referral_id, actor=WORKER,
                  decision=DecisionIn(outcome="positive", decided_on=date(2025, 4, 2)))
    assert referral.status == "recovery_period"


def test_child_turning_18_mid_process(session: Session) -> None:
    child = _child(session, dob=date(2007, 3, 20))
    referral_id = _refer(session, child)
    assert nrm.get_referral(session, referral_id=referral_id).age_at_exploitation == 17
    done = nrm.check_timers(session, now=datetime(2025, 3, 21, 9, tzinfo=UTC))
    assert "NRM-1: turned 18 on 20/03/2025" in done
    referral = nrm.get_referral(session, referral_id=referral_id)
    assert referral.turned_18_on == date(2025, 3, 20)
    assert referral.age_at_exploitation == 17  # still a child referral
    assert any(t.rule_id == "nrm.turned_18" for t in tasks.list_tasks(session, child_id=child))


def test_bad_dates_refused(session: Session) -> None:
    child = _child(session)
    referral_id = _refer(session, child)
    with pytest.raises(InputRejected) as refused:
        nrm.record_rg(session, referral_id=referral_id, actor=WORKER,
                      decision=DecisionIn(outcome="positive", decided_on=date(2025, 1, 1)))
    assert refused.value.errors[0].field == "decided_on"
    with pytest.raises(InputRejected):
        _refer(session, child)  # same reference again


def test_nrm_events_from_ingest_drive_the_referral(session: Session) -> None:
    child = _child(session)
    referral = event(EventKind.NRM_REFERRAL, agency="CSC-E08000025", agency_key="n1",
                     occurred_at=datetime(2025, 3, 3, 10, tzinfo=UTC),
                     payload={"referral_ref": "NRM-9", "exploitation_types": ["criminal"], "county_lines": True})
    rg = event(EventKind.NRM_RG_DECISION, agency="NRM-SCA", agency_key="n2",
               occurred_at=datetime(2025, 3, 6, 10, tzinfo=UTC),
               payload={"referral_ref": "NRM-9", "outcome": "positive", "decided_on": "2025-03-06"})
    for item in (referral, rg, rg):  # the pipeline's NRM stage applies each event; the repeat changes nothing
        pipeline.ingest(session, events=[item], actor=access.SYSTEM)
    [row] = nrm.list_referrals(session, child_id=child)
    assert (row.reference, row.status, row.rg_decided_on) == ("NRM-9", "recovery_period", date(2025, 3, 6))
