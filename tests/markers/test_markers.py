"""Marker lifecycle: set or propose by who may, support, confirm, review, end, history; the code list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.errors import Conflict, InputRejected
from reachable.identity.models import Child
from reachable.markers import service as markers

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _child(session: Session) -> int:
    child = Child(reference="RCH-TEST0001", created_at=AT, home_area_code="E08000025")
    session.add(child)
    session.flush()
    return child.id


def _agency(session: Session, code: str) -> int:
    return areas.ensure_agency(session, code=code).id


def test_code_list_has_the_national_markers_with_rules() -> None:
    codes = markers.marker_codes()
    assert {"cce_risk", "cce_victim", "county_lines", "cse_risk", "missing_risk", "trafficking_nrm",
            "child_on_child_harm", "adult_of_concern"} <= set(codes)
    assert all(code.definition and code.may_set and code.review_days and code.ending for code in codes.values())
    assert markers.codes_for_factors(["24a", "13A"]) == ["cce_risk"]
    assert set(markers.codes_for_factors(["12A", "11A", "10A"])) == {"trafficking_nrm", "cse_risk", "missing_risk"}


def test_agency_that_may_set_sets_others_propose_and_a_setter_confirms(session: Session) -> None:
    child_id = _child(session)
    school = markers.set_marker(session, child_id=child_id, code="cce_risk", by="dsl", reason="older associates",
                                agency_id=_agency(session, "EDU-E08000025"), evidence_event_ids=[], at=AT)
    assert school.action == "proposed" and school.marker.status == "proposed"
    assert school.marker.review_due_at == AT + timedelta(days=markers.PROPOSAL_REVIEW_DAYS)
    assert markers.active_codes(session, child_id=child_id) == set()
    csc = markers.set_marker(session, child_id=child_id, code="cce_risk", by="sw", reason="assessment confirms",
                             agency_id=_agency(session, "CSC-E08000025"), at=AT + timedelta(days=1))
    assert csc.action == "confirmed" and csc.marker.id == school.marker.id and csc.marker.status == "active"
    assert csc.marker.review_due_at == AT + timedelta(days=91)
    assert markers.active_codes(session, child_id=child_id) == {"cce_risk"}
    steps = [step.action for step in markers.history(session, marker_id=csc.marker.id)]
    assert steps == ["proposed", "confirmed"]


def test_support_adds_evidence_once_and_a_replay_changes_nothing(session: Session) -> None:
    child_id = _child(session)
    police = _agency(session, "POL-E23000014")
    first = markers.set_marker(session, child_id=child_id, code="county_lines", by="pc", reason="deal line intel",
                               agency_id=police, evidence_event_ids=[1], at=AT)
    again = markers.set_marker(session, child_id=child_id, code="county_lines", by="pc", reason="more intel",
                               agency_id=police, evidence_event_ids=[1, 2], at=AT)
    replay = markers.set_marker(session, child_id=child_id, code="county_lines", by="pc", reason="more intel",
                                agency_id=police, evidence_event_ids=[2], at=AT)
    assert (first.action, again.action, replay.action) == ("set", "supported", "unchanged")
    assert again.marker.evidence_event_ids == {"ids": [1, 2]}
    assert len(markers.history(session, marker_id=first.marker.id)) == 2


def test_review_and_end_need_a_reason_and_an_agency_that_may_set(session: Session) -> None:
    child_id = _child(session)
    csc = _agency(session, "CSC-E08000025")
    marker = markers.set_marker(session, child_id=child_id, code="missing_risk", by="sw", reason="10A",
                                agency_id=csc, at=AT).marker
    with pytest.raises(InputRejected):
        markers.review_marker(session, marker_id=marker.id, by="sw", reason="", agency_id=csc)
    with pytest.raises(Conflict):
        markers.end_marker(session, marker_id=marker.id, by="nurse", reason="seems fine",
                           agency_id=_agency(session, "HLT-E08000025"))
    later = AT + timedelta(days=30)
    markers.review_marker(session, marker_id=marker.id, by="sw", reason="still going missing", agency_id=csc,
                          at=later)
    assert marker.review_due_at == later + timedelta(days=90) and marker.last_reviewed_at == later
    markers.end_marker(session, marker_id=marker.id, by="sw", reason="no episode for 90 days; review agreed",
                       agency_id=csc, at=later + timedelta(days=100))
    assert marker.status == "ended" and marker.end_reason
    with pytest.raises(Conflict):
        markers.end_marker(session, marker_id=marker.id, by="sw", reason="again", agency_id=csc)
    assert [s.action for s in markers.history(session, marker_id=marker.id)] == ["set", "reviewed", "ended"]
    assert markers.list_markers(session, child_id=child_id) == []
    assert len(markers.list_markers(session, child_id=child_id, include_ended=True)) == 1
    # Ended, the code can be set afresh: a new marker with its own history.
    fresh = markers.set_marker(session, child_id=child_id, code="missing_risk", by="sw", reason="missing again",
                               agency_id=csc, at=later + timedelta(days=200))
    assert fresh.action == "set" and fresh.marker.id != marker.id


def test_unknown_code_is_refused_and_due_reviews_are_listed(session: Session) -> None:
    child_id = _child(session)
    with pytest.raises(InputRejected, match="unknown marker code"):
        markers.set_marker(session, child_id=child_id, code="gang_member", by="x", reason="label")
    marker = markers.set_marker(session, child_id=child_id, code="cse_risk", by="sw", reason="11A",
                                agency_id=_agency(session, "CSC-E08000025"), at=AT).marker
    assert markers.due_reviews(session, now=AT + timedelta(days=89)) == []
    assert markers.due_reviews(session, now=AT + timedelta(days=91)) == [marker]
