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
from reachable.risk import early
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
    high = _child(session, [(EventKind.MISSING_REPORTED, {}),
                            (EventKind.INTELLIGENCE_REPORT, {"association": "deal_line", "subject_key": "077"})])
    low = _child(session, [(EventKind.PART_TIME_TIMETABLE, {})], pid="P2", dob=date(2010, 2, 2))
    from reachable.risk.models import RiskAssessment

    before = identity.get_child(session, child_id=high).status
    ranked = risk.early_identification(session, limit=10, as_of=NOW)
    assert [r.child_id for r in ranked] == [high, low]
    assert [r.score for r in ranked] == [7 + 4, 6]
    assert {f["indicator"] for f in ranked[0].factors} == {"went_missing", "deal_line"}
    assert all(f["event_ids"] for f in ranked[0].factors)
    assert {r.version for r in ranked} == {"early-id-3"} == {early.model().version}
    assert identity.get_child(session, child_id=high).status == before
    assert session.scalar(select(func.count()).select_from(RiskAssessment)) == 0


def test_score_counts_each_factor_once_and_only_in_the_window() -> None:
    def hit(n: int, kind: str, days: int, **payload: object) -> early.Hit:
        return early.Hit(n, kind, NOW - timedelta(days=days), dict(payload))

    events = [hit(1, "missing_reported", 400), hit(2, "missing_reported", 100), hit(3, "missing_reported", 50),
              hit(4, "stop_search", 20, grounds="drugs", items_found=["cash"])]
    score = early.score_events(1, events, as_of=NOW, dob=date(2009, 1, 1))
    assert {f.indicator_id: (f.points, f.event_ids) for f in score.factors} == {
        "went_missing": (7, [2, 3]), "search_found": (5, [4]), "stop_search": (3, [4])}
    assert [s for _, s in early.rolling(events, dob=date(2009, 1, 1))] == [7, 7, 7, 15]


def test_missing_under_13_scores_more_and_unknown_age_never_counts_as_young() -> None:
    missing = [early.Hit(1, "missing_reported", NOW - timedelta(days=5), {})]
    assert early.score_events(1, missing, as_of=NOW, dob=date(2013, 1, 1)).score == 7 + 1
    assert early.score_events(1, missing, as_of=NOW, dob=date(2009, 1, 1)).score == 7
    assert early.score_events(1, missing, as_of=NOW, dob=None).score == 7


def test_long_missing_episode_scores_more_only_when_the_same_episode_lasted_24_hours() -> None:
    def hit(n: int, kind: str, hours: float, ref: str) -> early.Hit:
        return early.Hit(n, kind, NOW - timedelta(days=40) + timedelta(hours=hours), {"episode_ref": ref})

    short = [hit(1, "missing_reported", 0, "E1"), hit(2, "missing_found", 6, "E1")]
    long = [hit(1, "missing_reported", 0, "E1"), hit(2, "missing_found", 30, "E1")]
    # A finding 30 hours after a report of a different episode is not a long episode.
    unpaired = [hit(1, "missing_reported", 0, "E1"), hit(2, "missing_found", 30, "E2")]
    assert early.score_events(1, short, as_of=NOW, dob=date(2009, 1, 1)).score == 7
    scored = early.score_events(1, long, as_of=NOW, dob=date(2009, 1, 1))
    assert scored.score == 7 + 3
    assert {f.indicator_id: f.event_ids for f in scored.factors} == {"went_missing": [1], "missing_24h": [2]}
    assert early.score_events(1, unpaired, as_of=NOW, dob=date(2009, 1, 1)).score == 7
    assert [s for _, s in early.rolling(long, dob=date(2009, 1, 1))] == [7, 10]


def test_sexual_exploitation_assessment_carries_its_own_weight() -> None:
    # Girls' criminal exploitation is often recorded as CSE (11A): that record scores like an NRM referral.
    def assessed(*factors: str) -> list[early.Hit]:
        return [early.Hit(1, "assessment_completed", NOW - timedelta(days=10), {"factors": list(factors)})]

    assert early.score_events(1, assessed("11A"), as_of=NOW).score == 8
    assert early.score_events(1, assessed("24A"), as_of=NOW).score == 3
    assert early.score_events(1, assessed("11A", "24A"), as_of=NOW).score == 8 + 3


def test_no_protected_characteristic_and_no_perpetrator_links(session: Session) -> None:
    # Same events, different sex: same score. Links to other children (peer associations) never score.
    boy = _child(session, [(EventKind.SCHOOL_EXCLUSION, {"exclusion_type": "suspension"})], pid="B1")
    girl_events = [event(EventKind.SCHOOL_EXCLUSION, agency_key="G1-0", payload={"exclusion_type": "suspension"},
                         person=person(agency_person_id="G1", first_name="Gem", sex="F", dob=date(2009, 4, 3)),
                         occurred_at=NOW - timedelta(days=30))]
    girl = pipeline.ingest(session, events=girl_events, actor=access.SYSTEM).child_ids[0]
    peer = _child(session, [(EventKind.INTELLIGENCE_REPORT, {"association": "child", "subject_key": "C9"})],
                  pid="P9", dob=date(2008, 1, 1))
    scores = {r.child_id: r.score for r in risk.early_identification(session, limit=10, as_of=NOW)}
    assert scores[boy] == scores[girl] == 4
    assert peer not in scores


def test_select_lets_ties_in_by_who_reached_the_threshold_first() -> None:
    day = lambda n: NOW + timedelta(days=n)  # noqa: E731
    series = {"a": [(day(1), 5), (day(9), 20)], "b": [(day(5), 10)], "c": [(day(2), 10)], "d": [(day(3), 10)],
              "e": [(day(4), 3)]}
    threshold, flagged = evaluation.select(series, 3)
    assert threshold == 10
    assert flagged == {"a": day(9), "c": day(2), "d": day(3)}  # b tied at 10 but reached it last
    assert evaluation.select(series, None) == (3, {"a": day(1), "b": day(5), "c": day(2), "d": day(3),
                                                    "e": day(4)})
    assert evaluation.select({"x": []}, 3) == (0, {})


def test_evaluate_against_truth(session: Session, tmp_path: Path) -> None:
    # A: exploited, went missing and was linked to a deal line long before a PWITS arrest. B: exploited girl
    # seen only at her arrest. C: not exploited, went missing once. The list holds 2 of ~300 children.
    signals = [(EventKind.MISSING_REPORTED, {}),
               (EventKind.INTELLIGENCE_REPORT, {"association": "deal_line", "subject_key": "077"}),
               (EventKind.ARREST, {"offence_category": "pwits_class_a"})]
    events = [event(k, agency_key=f"a{i}", payload=p, person=person(agency_person_id="A"),
                    occurred_at=NOW - timedelta(days=when))
              for i, ((k, p), when) in enumerate(zip(signals, (200, 110, 20), strict=True))]
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
    methods = report["methods"]
    assert isinstance(methods, dict)
    assert report["list_size_limit"] == 2 and report["threshold_points"] == 7
    system, practice, missing = methods["system"], methods["current_practice"], methods["any_missing"]
    assert (system["list_size"], system["precision"], system["recall"]) == (2, 0.5, 0.5)
    assert system["share_flagged_before_first_pwits_arrest"] == 0.5
    assert system["median_lead_time_days"] == 180  # flagged at the missing episode, 180 days before the arrest
    assert practice["share_flagged_before_first_pwits_arrest"] == 0.0  # identified at the arrests themselves
    assert (missing["list_size"], missing["precision"]) == (2, 0.5)
    assert set(methods) == {"system", "current_practice", "any_missing", "current_practice_uncapped",
                            "any_missing_uncapped"}
    fields = {"list_size", "precision", "recall", "share_flagged_before_first_pwits_arrest",
              "share_flagged_before_first_nrm_referral", "median_lead_time_days"}
    assert all(fields <= set(figures) for figures in methods.values())
    sizes = report["system_at_list_sizes"]
    assert isinstance(sizes, dict) and sizes["1%"]["recall"] == system["recall"]
    assert sizes["5%"]["list_size"] == 3  # a list of 14 holds every child with any score
    assert system["fairness"]["sex=F"]["identification_rate"] == 0.0  # the girl seen only at arrest is missed
    assert practice["fairness"]["sex=F"]["identification_rate"] == 1.0
