"""Screening rules, override policy, risk history, moderation and the early-identification score."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.common.errors import Conflict, InputRejected
from reachable.identity import service as identity
from reachable.records.kinds import EventKind
from reachable.risk import evaluate as evaluation
from reachable.risk import service as risk
from reachable.risk.schemas import AssessmentIn
from tests.factories import event, person

NOW = datetime(2025, 6, 1, tzinfo=UTC)
WORKER = access.Actor(name="sw.jones", agency_id=None, role="social_worker")


def _child(session: Session, kinds_payloads: list[tuple[EventKind, dict[str, object]]], *, dob: date = date(2009, 4, 3),
           pid: str = "P1", days_ago: int = 30) -> int:
    events = [event(kind, agency_key=f"{pid}-{i}", payload=payload, person=person(agency_person_id=pid, dob=dob,
                                                                                    first_name=f"Kid{pid}"),
                    occurred_at=NOW - timedelta(days=days_ago - i))
              for i, (kind, payload) in enumerate(kinds_payloads)]
    return pipeline.ingest(session, events=events, actor=access.SYSTEM).child_ids[0]


def test_significant_indicator_means_high(session: Session) -> None:
    child = _child(session, [(EventKind.ARREST, {"offence_category": "pwits_class_a"})])
    suggestion = risk.screen(session, child_id=child, as_of=NOW)
    assert suggestion.level == "high"
    [arrest] = [f for f in suggestion.findings if f.indicator_id == "class_a_arrest"]
    assert arrest.present and len(arrest.evidence_event_ids) == 1


def test_near_miss_other_offence_is_not_high(session: Session) -> None:
    child = _child(session, [(EventKind.ARREST, {"offence_category": "other"})])
    assert risk.screen(session, child_id=child, as_of=NOW).level == "none"


def test_three_missing_in_90_days_is_high_but_spread_out_is_low(session: Session) -> None:
    close = _child(session, [(EventKind.MISSING_REPORTED, {})] * 3)
    assert risk.screen(session, child_id=close, as_of=NOW).level == "high"
    spread = [event(EventKind.MISSING_REPORTED, agency_key=f"s{i}", payload={},
                    person=person(agency_person_id="P7", first_name="Spread"), occurred_at=NOW - timedelta(days=d))
              for i, d in enumerate((300, 200, 100))]
    child = pipeline.ingest(session, events=spread, actor=access.SYSTEM).child_ids[0]
    assert risk.screen(session, child_id=child, as_of=NOW).level == "low"


def test_under_13_cannot_be_rated_low(session: Session) -> None:
    child = _child(session, [(EventKind.SCHOOL_EXCLUSION, {"exclusion_type": "suspension"})], dob=date(2014, 1, 1))
    suggestion = risk.screen(session, child_id=child, as_of=NOW)
    assert suggestion.level == "medium"
    assert any("under 13" in reason for reason in suggestion.reasons)
    with pytest.raises(InputRejected) as refused:
        risk.create_assessment(session, child_id=child, actor=WORKER, as_of=NOW, decision=AssessmentIn(
            level="low", judgement="seems fine", override_reason="I know the family"))
    assert any("under 13" in e.reason for e in refused.value.errors)


def test_learning_disability_cannot_be_rated_low(session: Session) -> None:
    child = _child(session, [(EventKind.ASSESSMENT_COMPLETED, {"factors": ["5A"]}),
                             (EventKind.PART_TIME_TIMETABLE, {})])
    assert risk.screen(session, child_id=child, as_of=NOW).level == "medium"


def test_override_needs_a_reason_and_both_views_are_kept(session: Session) -> None:
    child = _child(session, [(EventKind.PART_TIME_TIMETABLE, {})])
    with pytest.raises(InputRejected) as refused:
        risk.create_assessment(session, child_id=child, actor=WORKER, as_of=NOW,
                               decision=AssessmentIn(level="high", judgement="worried"))
    assert refused.value.errors[0].field == "override_reason"
    first = risk.create_assessment(session, child_id=child, actor=WORKER, as_of=NOW, decision=AssessmentIn(
        level="high", judgement="worried", override_reason="older men collecting him from school"))
    assert (first.suggested_level, first.level) == ("low", "high")
    police = access.Actor(name="pc.ali", role="police_officer")
    risk.dispute(session, assessment_id=first.id, reason="no police intelligence supports high", actor=police)
    moderated = risk.moderate(session, assessment_id=first.id, actor=access.Actor(name="mace.chair"),
                              decision=AssessmentIn(level="medium", judgement="panel view",
                                                    override_reason="panel agreed medium"))
    assert moderated.moderates_id == first.id
    assert [a.status for a in risk.list_assessments(session, child_id=child)] == ["moderated", "final"]
    assert [step.level for step in risk.history(session, child_id=child)] == ["medium"]
    with pytest.raises(Conflict):
        risk.moderate(session, assessment_id=first.id, actor=police,
                      decision=AssessmentIn(level="low", judgement="x"))


def test_history_and_time_at_levels(session: Session) -> None:
    child = _child(session, [(EventKind.PART_TIME_TIMETABLE, {})])
    for days, level in ((20, "low"), (10, "high"), (0, "high")):
        risk.create_assessment(session, child_id=child, actor=WORKER, as_of=NOW - timedelta(days=days),
                               decision=AssessmentIn(level=level, judgement="review", override_reason="judgement"))
    steps = risk.history(session, child_id=child)
    assert [(s.previous, s.level) for s in steps] == [(None, "low"), ("low", "high")]
    spent = risk.time_at_levels(session, child_id=child, until=NOW)
    assert round(spent["low"]) == 10 and round(spent["high"]) == 10


def test_score_ranks_and_never_changes_status(session: Session) -> None:
    high = _child(session, [(EventKind.MISSING_FOUND, {"found_outside_home_area": True}),
                            (EventKind.INTELLIGENCE_REPORT, {"association": "deal_line", "subject_key": "077"})])
    low = _child(session, [(EventKind.PART_TIME_TIMETABLE, {})], pid="P2", dob=date(2010, 2, 2))
    from reachable.risk.models import RiskAssessment

    before = identity.get_child(session, child_id=high).status
    ranked = risk.early_identification(session, limit=10, as_of=NOW)
    assert [r.child_id for r in ranked] == [high, low]
    assert {f["indicator"] for f in ranked[0].factors} == {"found_out_of_area", "deal_line"}
    assert all(f["event_ids"] for f in ranked[0].factors)
    assert identity.get_child(session, child_id=high).status == before
    assert session.scalar(select(func.count()).select_from(RiskAssessment)) == 0


def test_evaluate_against_truth(session: Session, tmp_path: Path) -> None:
    # Two exploited children (one flagged early by signals, one only at arrest) and one not exploited.
    signals = [(EventKind.MISSING_FOUND, {"found_outside_home_area": True}),
               (EventKind.INTELLIGENCE_REPORT, {"association": "deal_line", "subject_key": "077"}),
               (EventKind.ARREST, {"offence_category": "pwits_class_a"})]
    events = [event(k, agency_key=f"a{i}", payload=p, person=person(agency_person_id="A"),
                    occurred_at=NOW - timedelta(days=200 - 90 * i)) for i, (k, p) in enumerate(signals)]
    events.append(event(EventKind.ARREST, agency_key="b1", payload={"offence_category": "pwits_class_a"},
                        person=person(agency_person_id="B", first_name="Bo", dob=date(2008, 1, 1)),
                        occurred_at=NOW - timedelta(days=5)))
    events.append(event(EventKind.MISSING_REPORTED, agency_key="c1", payload={},
                        person=person(agency_person_id="C", first_name="Cy", dob=date(2010, 1, 1)),
                        occurred_at=NOW - timedelta(days=50)))
    pipeline.ingest(session, events=events, actor=access.SYSTEM)
    session.commit()
    (tmp_path / "children.csv").write_text(
        "child_id,sex,dob,ethnicity,exploited,onset_date\n"
        "T1,M,2009-04-03,WBRI,Y,2024-09-01\nT2,F,2008-01-01,BAFR,Y,2025-01-01\nT3,M,2010-01-01,WBRI,N,\n"
        + "".join(f"T{n},F,2011-01-01,WBRI,N,\n" for n in range(4, 300)))
    (tmp_path / "person_records.csv").write_text(
        "agency,agency_person_id,child_id\nPOL-E23000014,A,T1\nPOL-E23000014,B,T2\nPOL-E23000014,C,T3\n")
    report = evaluation.evaluate(session, truth_dir=tmp_path, list_share=0.01, as_of=NOW)
    system, practice = report["methods"]["system"], report["methods"]["current_practice"]  # type: ignore[index]
    assert system["share_flagged_before_first_pwits_arrest"] == 0.5
    assert system["median_lead_time_days"] == 90  # flagged at the deal-line intelligence, 90 days before
    assert practice["share_flagged_before_first_pwits_arrest"] == 0.0
    assert report["methods"]["any_missing"]["precision"] == 0.0  # type: ignore[index]
    assert system["fairness"]["sex=F"]["identification_rate"] == 1.0  # flagged at the arrest, no lead
