"""Scenario tests for the arrest, stop and search, NRM, plugging and victim-first rules (fire and near-miss)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from reachable.records.kinds import EventKind
from tests.rules.helpers import (
    BIRMINGHAM,
    CARDIFF,
    LIVERPOOL,
    MERSEYSIDE,
    SOUTH_WALES,
    WEST_MIDLANDS,
    ago,
    child_event,
    firings,
    ingest,
    markers,
    owner_codes,
    tasks,
)

POL_WM, CSC_BHM = f"POL-{WEST_MIDLANDS}", f"CSC-{BIRMINGHAM}"


def _arrest(key: str, category: str, **extra: object) -> object:
    """An arrest of the Birmingham child in Birmingham by West Midlands Police."""
    payload = {"offence_category": category, **extra.pop("payload", {})}  # type: ignore[dict-item]
    return child_event(EventKind.ARREST, key=key, at=extra.pop("at", ago(hours=2)), payload=payload, **extra)


def test_drugs_arrest_in_home_area_asks_home_council_for_s47_and_police_notify(session: Session) -> None:
    ingest(session, _arrest("a1", "possession_class_a"))
    [s47] = tasks(session, "cp.drugs-weapons", kind="task")
    assert owner_codes(session, [s47]) == [CSC_BHM] and "s47" in s47.title
    assert s47.due_at == ago(hours=2) + timedelta(hours=24)
    assert owner_codes(session, tasks(session, "cp.drugs-weapons", kind="notice")) == [CSC_BHM]
    assert tasks(session, "cross-border.notice") == []  # in the home area: no cross-border notice
    [marker] = markers(session, "cce_risk")
    assert marker.status == "proposed" and marker.rule_id == "cp.drugs-weapons"


def test_stop_search_finding_a_weapon_fires_but_finding_nothing_does_not(session: Session) -> None:
    ingest(session, child_event(EventKind.STOP_SEARCH, key="s1", at=ago(hours=5),
                                payload={"grounds": "drugs", "items_found": []}),
           child_event(EventKind.ARREST, key="a0", at=ago(hours=30), payload={"offence_category": "other"}))
    assert firings(session, "cp.drugs-weapons") == []
    ingest(session, child_event(EventKind.STOP_SEARCH, key="s2", at=ago(hours=1),
                                payload={"grounds": "offensive_weapon", "items_found": ["offensive_weapon"]}))
    assert len(tasks(session, "cp.drugs-weapons", kind="task")) == 1


def test_wales_asks_for_an_sswba_s21_assessment(session: Session) -> None:
    ingest(session, child_event(EventKind.ARREST, key="w1", at=ago(hours=2), agency=f"POL-{SOUTH_WALES}",
                                area=CARDIFF, home=CARDIFF, payload={"offence_category": "other_drugs"}))
    [task] = tasks(session, "cp.drugs-weapons", kind="task")
    assert "s21" in task.title and "s47" not in task.title and "SSWBA" in (task.detail or "")
    assert owner_codes(session, [task]) == [f"CSC-{CARDIFF}"]
    assert firings(session, "cp.drugs-weapons")[0].jurisdiction == "Wales"


def test_cross_border_notice_skips_the_agency_that_recorded_it(session: Session) -> None:
    # West Midlands Police itself stops its child in Liverpool: only the home council needs telling.
    ingest(session, child_event(EventKind.STOP_SEARCH, key="s3", at=ago(hours=1), area=LIVERPOOL,
                                payload={"grounds": "other", "items_found": []}))
    notices = tasks(session, "cross-border.notice")
    assert owner_codes(session, notices) == [CSC_BHM]
    assert notices[0].due_at is not None and notices[0].due_at > ago(hours=0)  # one hour from when we heard


def test_pwits_asks_the_arresting_force_to_consider_nrm_and_home_council_to_screen(session: Session) -> None:
    ingest(session, _arrest("a2", "pwits_class_a", agency=f"POL-{MERSEYSIDE}", area=LIVERPOOL))
    nrm = tasks(session, "nrm.consideration")
    assert owner_codes(session, nrm) == [CSC_BHM, f"POL-{MERSEYSIDE}"]
    assert "no NRM referral on record" in next(t.detail for t in nrm if t.owner_role == "nrm_first_responder")
    assert markers(session, "county_lines")[0].status == "proposed"


def test_class_a_possession_at_home_is_not_an_nrm_prompt_but_deal_line_intelligence_is(session: Session) -> None:
    ingest(session, _arrest("a3", "possession_class_a"))
    assert firings(session, "nrm.consideration") == []
    ingest(session, child_event(EventKind.INTELLIGENCE_REPORT, key="i1", at=ago(hours=1),
                                payload={"association": "deal_line", "subject_key": "07700900123"}))
    assert len(firings(session, "nrm.consideration")) == 1


def test_nrm_referral_closes_the_consideration_and_sets_the_marker(session: Session) -> None:
    ingest(session, _arrest("a4", "pwits_class_a", at=ago(days=1)))
    ingest(session, child_event(EventKind.NRM_REFERRAL, key="n1", at=ago(hours=1), agency=CSC_BHM,
                                payload={"referral_ref": "NRM-9", "exploitation_types": ["criminal"]}))
    consider = next(t for t in tasks(session, "nrm.consideration") if t.owner_role == "nrm_first_responder")
    assert consider.status == "done" and consider.outcome == "referred"
    assert markers(session, "trafficking_nrm")[0].status == "active"
    # A later PWITS arrest does not ask for an NRM referral again (one is on the chronology).
    ingest(session, _arrest("a5", "pwits_class_a", at=ago(hours=0.5)))
    assert len(firings(session, "nrm.consideration")) == 2
    assert len([t for t in tasks(session, "nrm.consideration") if t.owner_role == "nrm_first_responder"]) == 1


def test_plugging_is_a_same_day_child_protection_response(session: Session) -> None:
    ingest(session, _arrest("a6", "other", payload={"drugs_concealed_internally": True}))
    [task] = tasks(session, "cp.plugging")
    assert "sexual abuse" in task.title and task.due_at == ago(hours=2) + timedelta(hours=4)
    assert markers(session, "cse_risk")[0].status == "proposed"
    ingest(session, _arrest("a7", "other", payload={"drugs_concealed_internally": False}, at=ago(hours=20)))
    assert len(firings(session, "cp.plugging")) == 1


def _set_cce_marker(session: Session) -> None:
    """Children's social care records factor 24A: the cce_risk marker becomes active."""
    ingest(session, child_event(EventKind.ASSESSMENT_COMPLETED, key="as1", at=ago(10), agency=CSC_BHM,
                                payload={"factors": ["24A"], "assessment_type": "s17"}))


def test_marked_child_arrested_as_suspect_prompts_custody_about_s45(session: Session) -> None:
    _set_cce_marker(session)
    ingest(session, _arrest("a8", "other", role="suspect", agency=f"POL-{MERSEYSIDE}", area=LIVERPOOL))
    [prompt] = tasks(session, "victim-first.s45")
    assert owner_codes(session, [prompt]) == [f"POL-{MERSEYSIDE}"] and prompt.owner_role == "custody_officer"
    assert "s45" in prompt.title and "cce_risk" in (prompt.detail or "") and "NRM status" in (prompt.detail or "")


def test_s45_prompt_needs_both_the_marker_and_the_suspect_role(session: Session) -> None:
    ingest(session, _arrest("a9", "other", role="suspect"))  # suspect, no marker yet
    ingest(session, _arrest("a10", "possession_class_a", role="suspect", at=ago(hours=1)))  # a proposal only
    _set_cce_marker(session)
    ingest(session, _arrest("a11", "other", at=ago(hours=0.5)))  # marked, but not arrested as a suspect
    assert firings(session, "victim-first.s45") == []
