"""The policy itself, cell by cell: every child-scoped action × role × relationship case (both databases)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from reachable.access import service as access
from tests.access.world import CASES, World, expected_child, principal

ROLES = (*access.ROLES, *access.TOKEN_ROLES)


def test_every_child_action_role_and_case(sessions: sessionmaker[Session], world: World) -> None:
    wrong = []
    with sessions() as session:
        for action, spec in access.ACTIONS.items():
            if spec.scope != "child":
                continue
            for role in ROLES:
                who = principal(session, world, role)
                for case in CASES:
                    decision = access.decide(session, user=who, action=action,
                                             target=access.Target(child_id=world.children[case]))
                    assert decision.reason
                    if decision.allowed != expected_child(action, role, case):
                        wrong.append(f"{action} {role} {case}: {decision.allowed} ({decision.reason})")
    assert wrong == []


def test_deny_by_default(session: Session, world: World) -> None:
    who = principal(session, world, "social_worker")
    assert not access.decide(session, user=who, action="no.such.action").allowed
    assert not access.decide(session, user=None, action="child.view",
                             target=access.Target(child_id=world.children["own_area"])).allowed
    assert not access.decide(session, user=who, action="child.view", target=access.Target()).allowed
    missing = access.decide(session, user=who, action="child.view", target=access.Target(child_id=10**6))
    assert not missing.allowed and missing.not_found


def test_relationship_reason_prefills_justification(session: Session, world: World) -> None:
    who = principal(session, world, "social_worker")
    decision = access.decide(session, user=who, action="child.view",
                             target=access.Target(child_id=world.children["open_task"]))
    assert decision.allowed and decision.justification.startswith("open task #")
    glass = access.decide(session, user=who, action="child.view",
                          target=access.Target(child_id=world.children["break_glass"]))
    assert glass.allowed and glass.break_glass_id and glass.justification.startswith("break-glass")


def test_a_later_decline_withdraws_sharing(session: Session, world: World) -> None:
    who = principal(session, world, "social_worker")
    child = world.children["sharing_decision"]
    police = principal(session, world, "police_officer")
    access.record_sharing_decision(session, principal=police, actor=access.SYSTEM, child_id=child,
                                   to_agency_code=who.agency_code, decision="decline", scope="details",
                                   lawful_gateway="Children Act 2004 s11",
                                   reason="sharing now would alert the exploiters", child_informed="no-unsafe")
    assert not access.decide(session, user=who, action="child.view", target=access.Target(child_id=child)).allowed


def test_police_can_share_intelligence_with_a_council(session: Session, world: World) -> None:
    worker = principal(session, world, "social_worker")
    child = access.Target(child_id=world.children["compartment"])
    assert not access.decide(session, user=worker, action="child.intelligence", target=child).allowed
    access.record_sharing_decision(session, principal=principal(session, world, "police_analyst"),
                                   actor=access.SYSTEM, child_id=child.child_id or 0,
                                   to_agency_code=worker.agency_code, decision="share", scope="intelligence",
                                   lawful_gateway="Crime and Disorder Act 1998 s115",
                                   reason="MACE panel: needed for the safety plan", child_informed="no-unsafe")
    assert access.decide(session, user=worker, action="child.intelligence", target=child).allowed
