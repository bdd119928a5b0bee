"""Missing from home and care: children, episodes, found out of area, return home interviews."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from reachable.records.kinds import EventKind as K
from tests.reports.conftest import BHAM, COV, SHROP, ev, kid, load, run, value

CSC = f"CSC-{BHAM}"


def _world(session: Session) -> None:
    a = kid("Amir", dob=date(2008, 6, 1))
    b = kid("Bea", dob=date(2009, 2, 1), sex="F")
    c = kid("Cal", dob=date(2007, 1, 15))  # turns 18 on 15 January 2025
    load(session, [
        # Amir, from home: E1 found in Shropshire (outside council and force), interview within 72 h, accepted.
        ev(K.MISSING_REPORTED, a, "2025-01-10 20:00", payload={"episode_ref": "A1"}),
        ev(K.MISSING_FOUND, a, "2025-01-11 09:00", area=SHROP, payload={"episode_ref": "A1",
                                                                        "found_area_code": SHROP}),
        ev(K.RETURN_INTERVIEW_OFFERED, a, "2025-01-13 10:00", agency=CSC, payload={"episode_ref": "A1"}),
        ev(K.RETURN_INTERVIEW_ACCEPTED, a, "2025-01-14 10:00", agency=CSC, payload={"episode_ref": "A1"}),
        # E2 spans the year boundary: reported 30 March, found 2 April in Coventry (same force), late interview.
        ev(K.MISSING_REPORTED, a, "2025-03-30 22:00", payload={"episode_ref": "A2"}),
        ev(K.MISSING_FOUND, a, "2025-04-02 08:00", area=COV, payload={"episode_ref": "A2", "found_area_code": COV}),
        ev(K.RETURN_INTERVIEW_OFFERED, a, "2025-04-10 10:00", agency=CSC, payload={"episode_ref": "A2"}),
        # Bea, from care: one episode reported by both police and children's services (counted once).
        ev(K.MISSING_REPORTED, b, "2024-05-01 18:00", payload={"episode_ref": "B1", "from_care": True}),
        ev(K.MISSING_REPORTED, b, "2024-05-01 19:00", agency=CSC, payload={"episode_ref": "B1", "from_care": True}),
        ev(K.MISSING_FOUND, b, "2024-05-02 07:00", payload={"episode_ref": "B1", "found_area_code": BHAM}),
        ev(K.MISSING_REPORTED, b, "2024-12-01 18:00", payload={"episode_ref": "B2", "from_care": True}),
        # Cal: one episode at 17 (counted), one at 18 (not a child any more).
        ev(K.MISSING_REPORTED, c, "2024-12-01 18:00", payload={"episode_ref": "C1"}),
        ev(K.MISSING_REPORTED, c, "2025-02-01 18:00", payload={"episode_ref": "C2"}),
    ])


def test_children_and_episodes_by_setting_and_sex(session: Session) -> None:
    _world(session)
    cells = run(session)
    assert value(cells, "missing_children") == 3
    assert value(cells, "missing_children", setting="home") == 2
    assert value(cells, "missing_children", setting="care") == 1
    assert value(cells, "missing_children", sex="M") == 2
    assert value(cells, "missing_children", setting="care", sex="F") == 1
    assert value(cells, "missing_episodes") == 5
    assert value(cells, "missing_episodes", setting="home") == 3
    assert value(cells, "missing_episodes", setting="care", sex="F") == 2
    assert value(cells, "missing_episodes_per_child", setting="home", measure="ratio") == 1.5
    assert value(cells, "missing_episodes_per_child", setting="care", sex="F", measure="ratio") == 2.0


def test_found_out_of_area_and_return_interviews(session: Session) -> None:
    _world(session)
    cells = run(session)
    assert value(cells, "missing_found_episodes") == 3  # A1, A2 (found after the period ended), B1
    assert value(cells, "missing_found_outside_council") == 2
    assert value(cells, "missing_found_outside_council_share", measure="percent") == 66.67
    assert value(cells, "missing_found_outside_force") == 1
    assert value(cells, "rhi_offered_within_72h") == 1
    assert value(cells, "rhi_accepted") == 1
    assert value(cells, "rhi_accepted_share", measure="percent") == 33.33


def test_episode_spanning_year_boundary_counts_once_in_the_year_it_started(session: Session) -> None:
    _world(session)
    cells = run(session, start=date(2024, 4, 1), end=date(2026, 3, 31), by_year=True)
    assert value(cells, "missing_episodes", period="2024/25") == 5
    assert value(cells, "missing_episodes", period="2025/26") == 0  # A2 not again; Cal's second was at 18
    assert value(cells, "missing_found_episodes", period="2024/25") == 3


def test_area_filter_uses_home_council(session: Session) -> None:
    _world(session)
    only = ["missing_children"]
    assert value(run(session, area=BHAM, stats=only), "missing_children", area=BHAM) == 3
    assert value(run(session, area=COV, stats=only), "missing_children", area=COV) == 0
