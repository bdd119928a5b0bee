"""A small two-area world for access tests: a user per role in area A, and one child per relationship case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.access.models import BreakGlass, User
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.db.registry import metadata
from reachable.records.kinds import EventKind
from tests.factories import event, person

AREA_A, AREA_B = "E08000025", "E06000051"  # Birmingham (West Midlands Police), Shropshire (West Mercia)
FORCE_A = "E23000014"
ROLE_AGENCY = {
    "social_worker": f"CSC-{AREA_A}", "team_manager": f"CSC-{AREA_A}", "police_officer": f"POL-{FORCE_A}",
    "police_analyst": f"POL-{FORCE_A}", "designated_safeguarding_lead": f"EDU-{AREA_A}",
    "youth_justice_worker": f"YJS-{AREA_A}", "health_practitioner": f"HLT-{AREA_A}",
    "charity_caseworker": "VCS-test-charity", "data_analyst": f"CSC-{AREA_A}", "administrator": f"CSC-{AREA_A}",
}
CASES = ("own_area", "placed_in_area", "other_area", "open_task", "sharing_decision", "no_relationship",
         "compartment", "break_glass")
NAMES = {case: f"Zq{case.replace('_', '')}" for case in CASES}  # distinctive surnames to search responses for
INTEL_MARK = "Zqsecretline"


@dataclass
class World:
    """Ids of the people and children the matrix uses."""

    users: dict[str, int] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def _child(session: Session, case: str, *, home: str, agency: str, kinds: tuple[EventKind, ...] = (
        EventKind.HEALTH_ATTENDANCE,), payload: dict[str, object] | None = None) -> int:
    events = [event(kind, agency=agency, agency_key=f"{case}-{n}", area_code=home,
                    person=person(agency_person_id=f"P-{case}", last_name=NAMES[case], home_area_code=home),
                    **({"payload": payload} if payload and kind != EventKind.HEALTH_ATTENDANCE else {}))
              for n, kind in enumerate(kinds)]
    outcome = pipeline.ingest(session, events=events, actor=access.SYSTEM)
    return outcome.child_ids[0]


def build(session: Session) -> World:
    """Create agencies, one user per role (no password: tests open sessions directly) and the children."""
    world = World()
    for code in {*ROLE_AGENCY.values(), f"HLT-{AREA_B}", f"POL-{FORCE_A}", "POL-E23000016"}:
        areas.ensure_agency(session, code=code)
    now = utcnow()
    for role, code in ROLE_AGENCY.items():
        agency = areas.get_agency(session, code=code)
        user = User(username=role.replace("_", "."), display_name=role, agency_id=agency.id, role=role,
                    totp_secret=access.DEMO_TOTP_SECRET, active=True, created_at=now)
        session.add(user)
        session.flush()
        world.users[role] = user.id
    other = f"HLT-{AREA_B}"
    world.children["own_area"] = _child(session, "own_area", home=AREA_A, agency=other)
    world.children["placed_in_area"] = _child(
        session, "placed_in_area", home=AREA_B, agency=other, kinds=(EventKind.PLACEMENT_CHANGE,),
        payload={"placement_type": "K2", "placement_area_code": AREA_A, "in_area": False})
    world.children["other_area"] = _child(session, "other_area", home=AREA_B, agency=other)
    world.children["open_task"] = _child(session, "open_task", home=AREA_B, agency=other)
    world.children["sharing_decision"] = _child(session, "sharing_decision", home=AREA_B, agency=other)
    world.children["no_relationship"] = _child(session, "no_relationship", home=AREA_B, agency=other)
    world.children["compartment"] = _child(
        session, "compartment", home=AREA_A, agency="POL-E23000016",
        kinds=(EventKind.HEALTH_ATTENDANCE, EventKind.INTELLIGENCE_REPORT),
        payload={"association": "deal_line", "subject_key": "07700900999", "subject_label": INTEL_MARK,
                 "grading": "B2"})
    world.children["break_glass"] = _child(session, "break_glass", home=AREA_B, agency=other)
    tasks = metadata().tables["tasks"]
    agency_ids = {areas.get_agency(session, code=code).id for code in ROLE_AGENCY.values()}
    for agency_id in sorted(agency_ids):
        session.execute(insert(tasks).values(child_id=world.children["open_task"], kind="task", title="visit",
                                             owner_agency_id=agency_id, status="open", evidence={},
                                             created_at=now))
        access.record_sharing_decision(
            session, principal=_principal(session, "health_practitioner", world, agency=other),
            actor=access.SYSTEM, child_id=world.children["sharing_decision"],
            to_agency_code=areas.agencies_by_id(session, ids={agency_id})[agency_id].code, decision="share",
            scope="details", lawful_gateway="Children Act 2004 s11", reason="strategy meeting agreed to share",
            child_informed="no-unsafe")
    for role, user_id in world.users.items():
        session.add(BreakGlass(user_id=user_id, child_id=world.children["break_glass"],
                               justification="found at 2am in our area, urgent safeguarding", opened_at=now,
                               expires_at=now + timedelta(hours=4)))
    agency_a = areas.get_agency(session, code=f"CSC-{AREA_A}")
    world.tokens["token:read_children"] = access.create_token(session, agency_id=agency_a.id, name="reader",
                                                              purpose="read_children")
    world.tokens["token:review_links"] = access.create_token(session, agency_id=agency_a.id, name="linker",
                                                             purpose="review_links")
    police = areas.get_agency(session, code=f"POL-{FORCE_A}")
    world.tokens["token:submit_events"] = access.create_token(session, agency_id=police.id, name="submitter",
                                                              purpose="submit_events")
    session.flush()
    return world


def _principal(session: Session, role: str, world: World, *, agency: str) -> access.Principal:
    """A principal standing in for an agency in area B (used to record its sharing decisions)."""
    found = areas.get_agency(session, code=agency)
    return access.Principal(kind="user", id=0, name=f"user:{agency}", role=role, agency_id=found.id,
                            agency_code=found.code, agency_kind=found.kind, agency_area_code=found.area_code)


def principal(session: Session, world: World, role: str) -> access.Principal:
    """The principal for a role's user (or an agency token role)."""
    if role.startswith("token:"):
        token = access.check_token(session, token=world.tokens[role])
        assert token is not None
        return access.principal_for_token(session, token=token)
    return access.principal_for_user(session, user=access.get_user(session, user_id=world.users[role]))


def expected_child(action: str, role: str, case: str) -> bool:
    """The documented outcome of a child-scoped action for a role's user in a relationship case.

    Written independently of the policy code: it restates docs/permissions.md.
    """
    spec = access.ACTIONS[action]
    if role not in spec.roles:
        return False
    agency_code = ROLE_AGENCY.get(role, f"POL-{FORCE_A}" if role == "token:submit_events" else f"CSC-{AREA_A}")
    has_area = not agency_code.startswith("VCS")
    police = agency_code.startswith("POL")
    if action == "child.export":
        return False  # the matrix supplies no information sharing agreement
    if action == "child.intelligence" and not police:
        return False
    relationship = {
        "own_area": has_area, "placed_in_area": has_area, "other_area": False, "open_task": True,
        "sharing_decision": True, "no_relationship": False, "compartment": has_area,
        "break_glass": spec.break_glass and not role.startswith("token:"),
    }[case]
    return relationship


def aware(when: datetime) -> datetime:
    """A timezone-aware copy (SQLite hands back naive datetimes in raw Core rows)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)
