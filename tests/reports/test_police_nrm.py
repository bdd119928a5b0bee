"""Arrests and stop and search of 10–17s; NRM referrals and decisions."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from reachable.markers.models import Marker
from reachable.records.kinds import EventKind as K
from tests.reports.conftest import BHAM, SHROP, WMERCIA, at, ev, kid, load, run, value

PWITS = {"offence_category": "pwits_class_a"}
POSSESSION = {"offence_category": "possession_class_a"}


def _marker(session: Session, child: int, code: str, when: str) -> None:
    session.add(Marker(child_id=child, code=code, status="active", set_by="test", set_at=at(when),
                       reason="test marker", evidence_event_ids={}))
    session.flush()


def _world(session: Session) -> dict[str, int]:
    d = kid("Dan", dob=date(2009, 5, 1), nationality="British")
    e = kid("Eve", dob=date(2008, 8, 1), sex="F", home=SHROP, nationality="Albanian")
    f = kid("Fin", dob=date(2015, 6, 1))  # 9 years old: outside 10-17
    g = kid("Gus", dob=date(2007, 3, 1))  # turns 18 on 1 March 2025
    h = kid("Hal", dob=date(2009, 1, 1), home=SHROP, nationality="british")
    police_wm = f"POL-{WMERCIA}"
    ids = load(session, [
        ev(K.ARREST, d, "2025-02-01", payload=PWITS), ev(K.ARREST, d, "2025-02-02", payload=POSSESSION),
        ev(K.ARREST, e, "2025-02-03", payload=PWITS), ev(K.ARREST, f, "2025-02-04", payload=PWITS),
        ev(K.ARREST, g, "2025-02-10", payload=PWITS), ev(K.ARREST, g, "2025-03-05", payload=PWITS),
        ev(K.ARREST, h, "2025-02-11", agency=police_wm, area=SHROP, payload=PWITS),
        ev(K.ARREST, d, "2025-02-12", payload={"offence_category": "other_drugs"}),
        ev(K.STOP_SEARCH, d, "2025-01-05", payload={"grounds": "drugs", "items_found": ["drugs", "offensive_weapon"]}),
        ev(K.STOP_SEARCH, e, "2025-01-06", payload={"grounds": "drugs", "items_found": ["drugs"]}),
        ev(K.STOP_SEARCH, g, "2025-01-07", payload={"grounds": "offensive_weapon"}),
        ev(K.NRM_REFERRAL, d, "2025-02-05", agency=f"CSC-{BHAM}", payload={
            "referral_ref": "R1", "exploitation_types": ["criminal"], "county_lines": True}),
        ev(K.NRM_RG_DECISION, d, "2025-02-12", agency="NRM-SCA", area=None,
           payload={"referral_ref": "R1", "outcome": "positive", "decided_on": "2025-02-12"}),
        ev(K.NRM_CG_DECISION, d, "2025-08-01", agency="NRM-SCA", area=None,
           payload={"referral_ref": "R1", "outcome": "positive", "decided_on": "2025-08-01"}),
        ev(K.NRM_REFERRAL, e, "2025-02-06",
           payload={"referral_ref": "R2", "exploitation_types": ["sexual", "criminal"]}),
        ev(K.NRM_RG_DECISION, e, "2025-02-21", agency="NRM-SCA", area=None,
           payload={"referral_ref": "R2", "outcome": "negative", "decided_on": "2025-02-20"}),
        ev(K.NRM_REFERRAL, h, "2025-02-07", agency=police_wm, area=SHROP,
           payload={"referral_ref": "R3", "exploitation_types": ["labour"]}),
    ])
    _marker(session, ids[0], "cce_risk", "2025-01-01")
    _marker(session, ids[2], "cse_risk", "2025-03-01")  # set after Eve's arrest: not a marker at arrest
    return {"d": ids[0], "e": ids[2]}


def test_arrests_by_offence_sex_residence_nationality_and_marker(session: Session) -> None:
    _world(session)
    cells = run(session, exclude_force=WMERCIA,
                stats=["arrests_class_a_nationality_share", "arrested_children_class_a", "arrests_class_a"])
    p = "pwits_class_a"
    assert value(cells, "arrested_children_class_a", offence=p) == 4  # Dan, Eve, Gus (at 17), Hal; not Fin
    assert value(cells, "arrests_class_a", offence=p) == 4  # Gus's arrest at 18 is not counted
    assert value(cells, "arrested_children_class_a", offence="possession_class_a") == 1
    assert value(cells, "arrested_children_class_a", area=f"ALL excl. {WMERCIA}", offence=p) == 3
    assert value(cells, "arrested_children_class_a", offence=p, sex="M") == 3
    assert value(cells, "arrested_children_class_a", offence=p, sex="F") == 1
    assert value(cells, "arrested_children_class_a", offence=p, residence="inside") == 3
    assert value(cells, "arrested_children_class_a", offence=p, residence="outside") == 1
    assert value(cells, "arrested_children_class_a", offence=p, nationality="british") == 2
    assert value(cells, "arrested_children_class_a", offence=p, nationality="non_british") == 1
    assert value(cells, "arrested_children_class_a", offence=p, nationality="unknown") == 1
    assert value(cells, "arrested_children_class_a", offence=p, marker_cce="yes") == 1
    assert value(cells, "arrested_children_class_a", offence=p, marker_cse="yes") == 0
    assert value(cells, "arrested_children_class_a", offence=p, marker_any="yes") == 1
    assert value(cells, "arrests_class_a_nationality_share", offence=p, nationality="british",
                 measure="percent") == 50.0
    # Per force area nationally, and a council's figure counts arrests made in the council.
    assert value(cells, "arrested_children_class_a", area=WMERCIA) == 1
    only = ["arrested_children_class_a"]
    assert value(run(session, area=WMERCIA, stats=only), "arrested_children_class_a", area=WMERCIA, offence=p) == 1
    assert value(run(session, area=BHAM, stats=only), "arrested_children_class_a", area=BHAM, offence=p) == 3


def test_stop_and_search(session: Session) -> None:
    _world(session)
    cells = run(session, stats=["stop_searches_drugs_weapon_share", "stop_searches", "stop_search_children",
                                "stop_searches_drugs", "stop_searches_drugs_weapon"])
    assert value(cells, "stop_searches") == 3
    assert value(cells, "stop_searches_drugs") == 2
    assert value(cells, "stop_searches_drugs_weapon") == 1
    assert value(cells, "stop_searches_drugs_weapon_share", measure="percent") == 50.0
    assert value(cells, "stop_search_children", sex="F") == 1
    assert value(cells, "stop_search_children", residence="inside") == 2
    assert value(cells, "stop_search_children", residence="outside") == 1


def test_nrm_referrals_decisions_and_days(session: Session) -> None:
    _world(session)
    cells = run(session)
    assert value(cells, "nrm_referrals") == 3
    assert value(cells, "nrm_referrals", type="criminal") == 2  # R2 lists sexual and criminal: criminal first
    assert value(cells, "nrm_referrals", type="labour") == 1
    assert value(cells, "nrm_referrals", county_lines="yes") == 1
    assert value(cells, "nrm_referrals", sex="M") == 2
    assert value(cells, "nrm_referrals", residence="outside") == 1
    assert value(cells, "nrm_referrals", nationality="non_british") == 1
    assert value(cells, "nrm_rg_decisions") == 2
    assert value(cells, "nrm_rg_decisions", outcome="positive") == 1
    assert value(cells, "nrm_rg_decision_rate", measure="percent") == 66.67
    assert value(cells, "nrm_rg_positive_rate", outcome="positive", measure="percent") == 50.0
    assert value(cells, "nrm_days_to_rg", measure="mean") == 10.5  # 7 and 14 days
    assert value(cells, "nrm_days_to_rg", measure="median") == 10.5
    assert value(cells, "nrm_cg_decisions") == 0  # decided after the period ended
    later = run(session, end=date(2025, 12, 31), stats=["nrm_days_to_cg"])
    assert value(later, "nrm_days_to_cg", measure="median") == 177
