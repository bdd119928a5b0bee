"""Scenario tests for exclusion, missing, under-10, plan and marker rules (fire, near-miss, England/Wales)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from reachable.common.dates import add_working_days
from reachable.common.errors import Conflict, InputRejected
from reachable.records.kinds import EventKind
from reachable.rules import service as rules
from reachable.tasks import service as task_service
from tests.rules.helpers import (
    BIRMINGHAM,
    CARDIFF,
    LIVERPOOL,
    NOW,
    ago,
    child_event,
    firings,
    ingest,
    markers,
    owner_codes,
    tasks,
)

CSC_BHM, EDU_BHM = f"CSC-{BIRMINGHAM}", f"EDU-{BIRMINGHAM}"


def _exclusion(key: str, kind: str, at: object = None, **extra: object) -> object:
    """A school's exclusion of the child."""
    return child_event(EventKind.SCHOOL_EXCLUSION, key=key, at=at or ago(hours=3), agency=extra.pop("agency", EDU_BHM),
                       payload={"exclusion_type": kind}, **extra)


def _missing(key: str, days: float, agency: str = f"CSC-{BIRMINGHAM}", **extra: object) -> object:
    """A missing episode reported `days` ago."""
    return child_event(EventKind.MISSING_REPORTED, key=key, at=ago(days), agency=agency,
                       payload={"missing_type": "M", "episode_ref": key}, **extra)


def test_permanent_exclusion_asks_for_s17_in_england_and_s21_in_wales(session: Session) -> None:
    ingest(session, _exclusion("x1", "permanent"))
    ingest(session, _exclusion("x2", "permanent", agency=f"EDU-{CARDIFF}", area=CARDIFF, home=CARDIFF, pid="C1",
                               dob="2010-01-01"))
    england, wales = tasks(session, "cin.permanent-exclusion")
    assert "s17" in england.title and "s21" in wales.title
    assert owner_codes(session, [england, wales]) == [CSC_BHM, f"CSC-{CARDIFF}"]
    assert england.due_at == add_working_days(ago(hours=3), 1)


def test_suspension_alone_is_not_a_referral_but_with_indicators_it_is_screened(session: Session) -> None:
    ingest(session, _missing("m-old", 120), _exclusion("x3", "suspension", at=ago(5)))
    assert firings(session, "cin.permanent-exclusion") == []
    assert firings(session, "screening.suspension-indicators") == []
    ingest(session, _missing("m-new", 20), _exclusion("x4", "suspension", at=ago(2)))
    [task] = tasks(session, "screening.suspension-indicators")
    assert task.owner_role == "exploitation_lead" and "missing_reported" in firings(session)[-1].reason
    ingest(session, _exclusion("x5", "suspension", at=ago(1)))  # once per child in 30 days
    assert len(tasks(session, "screening.suspension-indicators")) == 1


def test_return_interview_due_in_72_hours_closes_when_offered(session: Session) -> None:
    found = child_event(EventKind.MISSING_FOUND, key="f1", at=ago(2), area=BIRMINGHAM,
                        payload={"episode_ref": "E7", "found_location": "home"})
    ingest(session, found)
    [rhi] = tasks(session, "missing.rhi")
    assert rhi.due_at == ago(2) + timedelta(hours=72) and owner_codes(session, [rhi]) == [CSC_BHM]
    ingest(session, child_event(EventKind.RETURN_INTERVIEW_OFFERED, key="r1", at=ago(1), agency=CSC_BHM,
                                payload={"episode_ref": "E7"}))
    session.refresh(rhi)
    assert rhi.status == "done" and rhi.closed_at == ago(1) and "offered" in (rhi.outcome_reason or "")


def test_overdue_return_interview_escalates_to_a_manager_once(session: Session) -> None:
    ingest(session, child_event(EventKind.MISSING_FOUND, key="f2", at=ago(4), payload={"episode_ref": "E8"}))
    ingest(session, child_event(EventKind.RETURN_INTERVIEW_OFFERED, key="r2", at=ago(0.5), agency=CSC_BHM,
                                payload={"episode_ref": "OTHER"}))  # another episode: does not close E8's task
    done = rules.sweep(session, now=NOW)
    [escalation] = tasks(session, kind="escalation")
    assert escalation.owner_role == "manager" and escalation.rule_id == "missing.rhi" and done
    rules.sweep(session, now=NOW + timedelta(hours=1))
    assert len(tasks(session, kind="escalation")) == 1


def test_missing_reported_alone_asks_for_no_interview(session: Session) -> None:
    ingest(session, _missing("m1", 1))
    assert tasks(session) == []


def test_three_missing_episodes_in_90_days_fire_screening_and_strategy_meeting(session: Session) -> None:
    ingest(session, _missing("m1", 80), _missing("m2", 40))
    assert firings(session, "missing.repeat-or-outside") == []
    # The police report the second episode too: one episode, counted once.
    ingest(session, _missing("m2-police", 40, agency="POL-E23000014", pid="P1"))
    assert firings(session, "missing.repeat-or-outside") == []
    ingest(session, _missing("m3", 3))
    [firing] = firings(session, "missing.repeat-or-outside")
    assert "3 distinct missing_reported incident(s) in 90 days" in firing.reason
    assert sorted(t.owner_role for t in tasks(session, "missing.repeat-or-outside")) == ["exploitation_lead",
                                                                                      "team_manager"]
    assert markers(session, "missing_risk")[0].status == "proposed"


def test_three_episodes_spread_over_more_than_90_days_do_not_fire(session: Session) -> None:
    ingest(session, _missing("m1", 100), _missing("m2", 50), _missing("m3", 2))
    assert firings(session, "missing.repeat-or-outside") == []


def test_found_outside_the_home_area_fires_screening(session: Session) -> None:
    ingest(session, child_event(EventKind.MISSING_FOUND, key="f3", at=ago(1), area=LIVERPOOL,
                                payload={"episode_ref": "E9", "found_area_code": LIVERPOOL}))
    assert len(firings(session, "missing.repeat-or-outside")) == 1
    assert len(tasks(session, "cross-border.notice")) == 1  # West Midlands Police recorded it: CSC only


def test_under_10_indicator_needs_a_manager_and_a_reason(session: Session) -> None:
    young = {"dob": (NOW - timedelta(days=365 * 8 + 30)).date().isoformat(), "pid": "Y1"}
    ingest(session, child_event(EventKind.CONCERN_RAISED, key="c1", at=ago(1), agency=EDU_BHM,
                                payload={"categories": ["older_associates"]}, **young))
    [review] = tasks(session, "review.under-10")
    assert review.kind == "review" and review.manager_only and "aged 8" in review.title
    with pytest.raises(Conflict):
        task_service.complete_task(session, task_id=review.id, outcome="no_concern", reason="seen", by="sw",
                                   by_role="social_worker")
    with pytest.raises(InputRejected):
        task_service.complete_task(session, task_id=review.id, outcome="no_concern", reason="", by="m",
                                   by_role="manager")
    done = task_service.complete_task(session, task_id=review.id, outcome="no_concern", by="m", by_role="manager",
                                      reason="older associate is an uncle; checked with school and police")
    assert done.status == "done" and done.outcome_reason


def test_same_indicator_for_a_child_of_12_needs_no_manager_review(session: Session) -> None:
    ingest(session, child_event(EventKind.CONCERN_RAISED, key="c2", at=ago(1), agency=EDU_BHM,
                                payload={"categories": ["older_associates"]},
                                dob=(NOW - timedelta(days=365 * 12 + 30)).date().isoformat()))
    assert firings(session, "review.under-10") == []


def test_plan_review_due_and_closed_when_the_plan_ends(session: Session) -> None:
    ingest(session, child_event(EventKind.CP_PLAN_START, key="cp1", at=ago(10), agency=CSC_BHM,
                                payload={"category_of_abuse": "NEG"}))
    [review] = tasks(session, "review.plan-due")
    assert "review conference" in review.title and review.due_at == add_working_days(ago(10), 65)
    ingest(session, child_event(EventKind.CIN_PLAN_END, key="cin-end", at=ago(2), agency=CSC_BHM, payload={}))
    assert tasks(session, "review.plan-due")[0].status == "open"  # a CIN plan ending does not close a CP review
    ingest(session, child_event(EventKind.CP_PLAN_END, key="cp1-end", at=ago(1), agency=CSC_BHM, payload={}))
    assert tasks(session, "review.plan-due")[0].status == "done"


def test_cin_factors_set_markers_and_a_repeat_supports_them(session: Session) -> None:
    ingest(session, child_event(EventKind.ASSESSMENT_COMPLETED, key="as1", at=ago(20), agency=CSC_BHM,
                                payload={"factors": ["24A", "10A", "2A"]}))
    assert {m.code: m.status for m in markers(session)} == {"cce_risk": "active", "missing_risk": "active"}
    ingest(session, child_event(EventKind.ASSESSMENT_COMPLETED, key="as2", at=ago(5), agency=CSC_BHM,
                                payload={"factors": ["13A"]}))
    [cce] = markers(session, "cce_risk")
    assert len(cce.evidence_event_ids["ids"]) == 2
    ingest(session, child_event(EventKind.ASSESSMENT_COMPLETED, key="as3", at=ago(4), agency=CSC_BHM,
                                payload={"factors": ["21"]}))
    assert len(firings(session, "markers.cin-factors")) == 2


def test_marker_review_due_becomes_one_review_task(session: Session) -> None:
    ingest(session, child_event(EventKind.ASSESSMENT_COMPLETED, key="as4", at=ago(20), agency=CSC_BHM,
                                payload={"factors": ["12A"]}))
    later = NOW + timedelta(days=91)
    rules.sweep(session, now=later)
    rules.sweep(session, now=later + timedelta(minutes=5))
    [review] = tasks(session, "review.marker-due", kind="review")
    assert "Trafficking" in review.title and owner_codes(session, [review]) == [CSC_BHM]


def test_replaying_a_batch_and_old_events_create_no_tasks(session: Session) -> None:
    batch = [_exclusion("x9", "permanent"), _missing("m9", 1)]
    ingest(session, *batch)
    counts = (len(firings(session)), len(tasks(session)))
    ingest(session, *batch)
    assert (len(firings(session)), len(tasks(session))) == counts
    ingest(session, _exclusion("x-old", "permanent", at=ago(45), pid="OLD", dob="2011-02-02"))
    old = firings(session, "cin.permanent-exclusion")[-1]
    assert old.mode == "historical" and len(tasks(session)) == counts[1]
