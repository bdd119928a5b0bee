"""Children at risk of CCE by legal status; reachable moments; time to help; risk levels over time."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from reachable.markers.models import Marker
from reachable.records.kinds import EventKind as K
from reachable.risk.models import RiskAssessment
from reachable.tasks.models import Task
from tests.reports.conftest import BHAM, COV, SHROP, at, ev, kid, load, run, value

CSC, CSC_COV = f"CSC-{BHAM}", f"CSC-{COV}"


def _cce_world(session: Session) -> None:
    j, k, l_, m = (kid(n, dob=date(2009, 1, 1)) for n in ("Jo", "Kit", "Lou", "Max"))
    n_bham = kid("Ned", dob=date(2009, 1, 1), home=BHAM)
    n_cov = kid("Ned", dob=date(2009, 1, 1), home=COV)  # the same child, after moving to Coventry
    ids = load(session, [
        ev(K.CIN_PLAN_START, j, "2024-05-01", agency=CSC),
        ev(K.ASSESSMENT_COMPLETED, j, "2024-06-01", agency=CSC, payload={"factors": ["24A", "10A"]}),
        ev(K.CP_PLAN_START, k, "2024-01-01", agency=CSC), ev(K.CP_PLAN_END, k, "2024-03-01", agency=CSC),
        ev(K.ASSESSMENT_COMPLETED, k, "2024-07-01", agency=CSC, payload={"factors": ["24A"]}),
        ev(K.LOOKED_AFTER_START, k, "2024-08-01", agency=CSC),
        ev(K.PLACEMENT_CHANGE, k, "2024-09-01", agency=CSC, payload={"in_area": True, "placement_area_code": BHAM}),
        ev(K.PLACEMENT_CHANGE, k, "2024-10-01", agency=CSC, payload={"in_area": False, "placement_area_code": SHROP}),
        ev(K.CP_PLAN_START, l_, "2024-04-10", agency=CSC),
        ev(K.ASSESSMENT_COMPLETED, m, "2023-06-01", agency=CSC, payload={"factors": ["24A"]}),
        ev(K.ASSESSMENT_COMPLETED, m, "2024-06-01", agency=CSC, payload={"factors": ["10A", "14A"]}),
        ev(K.ASSESSMENT_COMPLETED, n_bham, "2024-05-01", agency=CSC, payload={"factors": ["24A"]}),
        ev(K.ASSESSMENT_COMPLETED, n_cov, "2025-01-05", agency=CSC_COV, area=COV, payload={"factors": ["24A"]}),
    ])
    session.add(Marker(child_id=ids[8], code="cce_risk", status="active", set_by="test", set_at=at("2024-05-01"),
                       reason="MACE agreed", evidence_event_ids={}))
    session.flush()


def test_children_at_risk_by_legal_status_and_out_of_area(session: Session) -> None:
    _cce_world(session)
    cells = run(session)
    assert value(cells, "cce_children_at_risk") == 4  # Jo, Kit, Lou (marker), Ned once nationally; not Max
    assert value(cells, "cce_children_at_risk", status="cin") == 1
    assert value(cells, "cce_children_at_risk", status="cp") == 1
    assert value(cells, "cce_children_at_risk", status="lac") == 1  # Kit: CP ended before, then looked after
    assert value(cells, "cce_children_at_risk", status="none") == 1
    assert value(cells, "cce_lac_placed_out_of_area", status="lac") == 1
    assert value(cells, "cce_lac_placed_out_of_area_share", status="lac", measure="percent") == 100.0


def test_child_who_moved_council_counts_in_each_council(session: Session) -> None:
    _cce_world(session)
    cells = run(session)
    assert value(cells, "cce_children_at_risk", area=BHAM) == 4
    assert value(cells, "cce_children_at_risk", area=COV) == 1
    assert value(run(session, area=COV, stats=["cce_children_at_risk"]), "cce_children_at_risk", area=COV) == 1


def _response_world(session: Session) -> dict[str, int]:
    p, q, r = (kid(n, dob=date(2009, 1, 1)) for n in ("Pip", "Quin", "Rae"))
    ids = load(session, [
        ev(K.STOP_SEARCH, p, "2024-06-01", payload={"grounds": "drugs"}),
        ev(K.REFERRAL, p, "2024-06-11", agency=CSC),
        ev(K.CONCERN_RAISED, q, "2024-07-01", agency=f"EDU-{BHAM}", payload={"categories": ["new_phones"]}),
        ev(K.CONCERN_RAISED, r, "2023-01-01", agency=f"EDU-{BHAM}"),
        ev(K.ARREST, r, "2024-08-01", payload={"offence_category": "other"}),
    ])
    return {"p": ids[0], "q": ids[2], "r": ids[3]}


def _task(session: Session, child: int, rule: str | None, created: str, due: str, closed: str | None) -> None:
    session.add(Task(child_id=child, kind="task", title="respond", rule_id=rule, rule_version="1",
                     due_at=at(due), status="done" if closed else "open", closed_at=at(closed) if closed else None,
                     evidence={}, created_at=at(created)))
    session.flush()


def test_reachable_moments_fired_and_acted_on_in_time(session: Session) -> None:
    ids = _response_world(session)
    _task(session, ids["p"], "arrest-cp", "2025-01-01", "2025-01-03", "2025-01-02")
    _task(session, ids["p"], "arrest-cp", "2025-01-05", "2025-01-06", "2025-01-10")
    _task(session, ids["q"], "exclusion-cin", "2025-01-05", "2025-01-06", None)
    _task(session, ids["q"], None, "2025-01-05", "2025-01-06", "2025-01-06")
    cells = run(session, stats=["reachable_moments_in_time_share"])
    assert value(cells, "reachable_moments_in_time_share", measure="percent") == 33.33
    assert value(cells, "reachable_moments_in_time_share", rule="arrest-cp", measure="percent") == 50.0
    full = run(session, stats=["reachable_moments_fired", "reachable_moments_acted_in_time"])
    assert value(full, "reachable_moments_fired") == 3
    assert value(full, "reachable_moments_acted_in_time", rule="arrest-cp") == 1


def test_days_from_first_indicator_to_first_response(session: Session) -> None:
    _response_world(session)
    cells = run(session)
    assert value(cells, "children_first_indicator") == 2  # Pip and Quin; Rae's first indicator was in 2023
    assert value(cells, "children_first_indicator", status="awaiting") == 1
    assert value(cells, "days_to_first_response", measure="median") == 10
    assert value(cells, "days_to_first_response", measure="mean") == 10


def test_children_by_risk_level_over_time(session: Session) -> None:
    ids = _response_world(session)
    for child, when, level, status in ((ids["p"], "2024-05-01", "medium", "final"),
                                       (ids["p"], "2024-12-01", "high", "final"),
                                       (ids["q"], "2024-06-01", "low", "final"),
                                       (ids["q"], "2025-01-01", "high", "disputed")):
        session.add(RiskAssessment(child_id=child, assessed_at=at(when), tool_version="t1", level=level,
                                   indicators={}, reason="test", assessor="test", status=status))
    session.flush()
    cells = run(session, start=date(2023, 4, 1), end=date(2025, 3, 31), by_year=True)
    assert value(cells, "children_by_risk_level", period="2023/24") == 0
    assert value(cells, "children_by_risk_level", period="2024/25", level="high") == 1
    assert value(cells, "children_by_risk_level", period="2024/25", level="low") == 1
