"""The one authorisation policy: decide(session, user=, action=, target=) → Decision with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, desc, select
from sqlalchemy.orm import Session

from reachable.access.models import BreakGlass, SharingAgreement, SharingDecision
from reachable.access.roles import ACTIONS
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import NotFound


def _identity() -> Any:
    """The identity service, imported on first use: identity audits through access, so a top-level import cycles."""
    from reachable.identity import service

    return service


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user or an agency system token, with the agency they act for."""

    kind: str  # user | token
    id: int
    name: str
    role: str
    agency_id: int
    agency_code: str
    agency_kind: str
    agency_area_code: str | None
    team_id: int | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Target:
    """What the action is on: a child (and a compartment of its data), or an object owned by an agency."""

    child_id: int | None = None
    compartment: str | None = None
    owner_agency_id: int | None = None
    agreement_id: int | None = None
    recipient_agency_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """The policy's answer, always with a reason; the relationship found pre-fills the audit justification."""

    allowed: bool
    reason: str
    action: str
    relationship: str | None = None
    break_glass_id: int | None = None
    not_found: bool = False
    details: dict[str, object] = field(default_factory=dict)

    @property
    def justification(self) -> str:
        """The justification to audit: the relationship, or the break-glass reason."""
        return self.relationship or self.reason


def _deny(action: str, reason: str, *, not_found: bool = False) -> Decision:
    return Decision(False, reason, action, not_found=not_found)


def decide(session: Session, *, user: Principal | None, action: str, target: Target | None = None,
           now: datetime | None = None) -> Decision:
    """Allow or refuse one action, deny by default, and say why."""
    target = target or Target()
    spec = ACTIONS.get(action)
    if spec is None:
        return _deny(action, f"unknown action {action!r}: refused by default")
    if spec.scope == "public":
        return Decision(True, "public route, no personal data", action)
    if user is None:
        return _deny(action, "not signed in")
    if user.role not in spec.roles:
        return _deny(action, f"the {user.role} role may not {action}")
    if spec.scope in ("self", "aggregate", "token", "discovery"):
        if spec.scope == "discovery" and target.child_id is not None and not _child_exists(session, target.child_id):
            return _deny(action, f"no child {target.child_id}", not_found=True)
        return Decision(True, f"the {user.role} role may {action}", action)
    if spec.scope == "agency":
        if target.owner_agency_id is not None and target.owner_agency_id != user.agency_id:
            return _deny(action, "the object belongs to another agency")
        return Decision(True, f"the {user.role} role may {action} within {user.agency_code}", action)
    return _decide_child(session, user=user, action=action, target=target, now=now or utcnow())


def _child_exists(session: Session, child_id: int) -> bool:
    try:
        _identity().get_child(session, child_id=child_id)
    except NotFound:
        return False
    return True


def _decide_child(session: Session, *, user: Principal, action: str, target: Target, now: datetime) -> Decision:
    """The relationship test for child-scoped actions, then the compartment and export conditions."""
    spec = ACTIONS[action]
    if target.child_id is None:
        return _deny(action, "no child named")
    if not _child_exists(session, target.child_id):
        return _deny(action, f"no child {target.child_id}", not_found=True)
    compartment = target.compartment or spec.compartment
    if compartment == "police_intelligence" and user.agency_kind != "police":
        shared = _sharing(session, child_id=target.child_id, agency_id=user.agency_id, now=now,
                          scopes=("intelligence",))
        if shared is None:
            return _deny(action, "police intelligence is visible only to police without a recorded sharing "
                                 "decision")
    relation = relationships(session, user=user, child_id=target.child_id, now=now)
    grant = None
    if not relation and spec.break_glass:
        grant = active_break_glass(session, user=user, child_id=target.child_id, now=now)
    if not relation and grant is None:
        return _deny(action, "no legitimate relationship with this child: you may see only which agencies "
                             "know them (discovery)")
    if action == "child.export":
        problem = _export_problem(session, user=user, target=target, now=now)
        if problem:
            return _deny(action, problem)
    if grant is not None:
        return Decision(True, f"break-glass #{grant.id}: {grant.justification}", action,
                        relationship=f"break-glass #{grant.id}: {grant.justification}", break_glass_id=grant.id)
    return Decision(True, relation[0], action, relationship="; ".join(relation))


def _export_problem(session: Session, *, user: Principal, target: Target, now: datetime) -> str | None:
    """Why an export may not go ahead (no agreement, expired, not a party), or None."""
    if target.agreement_id is None:
        return "exports of person-level data need an information sharing agreement"
    agreement = session.get(SharingAgreement, target.agreement_id)
    if agreement is None:
        return f"no information sharing agreement {target.agreement_id}"
    if not agreement.starts_at <= now < agreement.expires_at:
        return f"information sharing agreement {agreement.id} is not in force"
    parties = set(agreement.party_agency_ids.get("ids", []))
    if user.agency_id not in parties:
        return f"{user.agency_code} is not party to agreement {agreement.id}"
    if target.recipient_agency_id is not None and target.recipient_agency_id not in parties:
        return f"the recipient is not party to agreement {agreement.id}"
    return None


def _in_area(session: Session, *, user: Principal, area_code: str | None) -> bool:
    """Whether an area is the user's agency's area (a council, a district of it, or inside a police force)."""
    if not area_code or not user.agency_area_code:
        return False
    if area_code == user.agency_area_code:
        return True
    try:
        area = areas.get_area(session, code=area_code)
    except NotFound:
        return False
    return user.agency_area_code in (area.parent_code, area.police_force_code)


def relationships(session: Session, *, user: Principal, child_id: int, now: datetime | None = None) -> list[str]:
    """Every legitimate relationship between the user's agency and a child, each as a reason."""
    now = now or utcnow()
    found: list[str] = []
    child = _identity().get_child(session, child_id=child_id)
    if _in_area(session, user=user, area_code=child.home_area_code):
        found.append(f"child resident in your area ({child.home_area_code})")
    placed, own, task, plan, referral, latest_sharing = session.execute(
        _relationship_query(), {"child_id": child_id, "agency_id": user.agency_id}).one()
    placement_area = (placed or {}).get("placement_area_code") if isinstance(placed, dict) else None
    if _in_area(session, user=user, area_code=placement_area):
        found.append(f"child placed in your area ({placement_area})")
    if own is not None:
        found.append(f"your agency ({user.agency_code}) holds records about this child")
    if task is not None:
        found.append(f"open task #{task} for your agency")
    if plan is not None:
        found.append(f"open plan #{plan} involving your agency")
    if referral is not None:
        found.append(f"open NRM referral #{referral} by your agency")
    shared = _in_force(session.get(SharingDecision, latest_sharing), now) if latest_sharing is not None else None
    if shared is not None:
        found.append(f"sharing decision #{shared.id} ({shared.lawful_gateway}): {shared.reason}")
    return found


@cache
def _relationship_query() -> Select[Any]:
    """One round trip for the facts `relationships` reads (six lookups otherwise).

    The latest placement's payload; the first of: a record the agency holds, an open task it owns, an open plan it
    owns or has an action in, an open NRM referral it made; and the latest sharing decision about the child to the
    agency (details or intelligence). Every child read runs this.
    """
    from reachable.db.registry import metadata

    tables = metadata().tables
    child_id, agency_id = bindparam("child_id", type_=Integer), bindparam("agency_id", type_=Integer)
    links, events, records = tables["record_links"], tables["events"], tables["source_records"]
    current = and_(links.c.child_id == child_id, links.c.ended_at.is_(None))
    placed = (select(events.c.payload).join(links, links.c.source_record_id == events.c.source_record_id)
              .where(current, events.c.kind == "placement_change", events.c.superseded_at.is_(None))
              .order_by(desc(events.c.occurred_at)).limit(1))
    own = (select(records.c.id).join(links, links.c.source_record_id == records.c.id)
           .where(current, records.c.agency_id == agency_id).limit(1))
    tasks = tables["tasks"]
    task = select(tasks.c.id).where(tasks.c.child_id == child_id, tasks.c.owner_agency_id == agency_id,
                                    tasks.c.status == "open").limit(1)
    plans, actions = tables["plans"], tables["plan_actions"]
    plan = select(plans.c.id).outerjoin(actions, actions.c.plan_id == plans.c.id).where(
        plans.c.child_id == child_id, plans.c.status == "open",
        (plans.c.owner_agency_id == agency_id) | (actions.c.owner_agency_id == agency_id)).limit(1)
    nrm = tables["nrm_referrals"]
    referral = select(nrm.c.id).where(nrm.c.child_id == child_id, nrm.c.first_responder_agency_id == agency_id,
                                      nrm.c.cg_decision.is_(None)).limit(1)
    shared = _latest_sharing(child_id, agency_id, ("details", "intelligence")).with_only_columns(SharingDecision.id)
    return select(*(query.scalar_subquery() for query in (placed, own, task, plan, referral, shared)))


def _latest_sharing(child_id: Any, agency_id: Any, scopes: tuple[str, ...]) -> Select[Any]:
    """The latest sharing decision about a child to an agency within these scopes (a later one overrides)."""
    return select(SharingDecision).where(
        SharingDecision.child_id == child_id, SharingDecision.to_agency_id == agency_id,
        SharingDecision.scope.in_(scopes)).order_by(SharingDecision.decided_at.desc(),
                                                   SharingDecision.id.desc()).limit(1)


def _sharing(session: Session, *, child_id: int, agency_id: int, now: datetime,
             scopes: tuple[str, ...]) -> SharingDecision | None:
    """The latest sharing decision in force for a child to an agency, if it shares within these scopes."""
    return _in_force(session.scalar(_latest_sharing(child_id, agency_id, scopes)), now)


def _in_force(latest: SharingDecision | None, now: datetime) -> SharingDecision | None:
    """A latest sharing decision if it shares and has not expired."""
    if latest is None or latest.decision != "share":
        return None  # a later decision not to share withdraws an earlier one
    if latest.expires_at is not None and latest.expires_at <= now:
        return None
    return latest


def active_break_glass(session: Session, *, user: Principal, child_id: int,
                       now: datetime | None = None) -> BreakGlass | None:
    """The user's break-glass grant on a child still in force, if any (users only, never tokens)."""
    if user.kind != "user":
        return None
    return session.scalar(select(BreakGlass).where(
        BreakGlass.user_id == user.id, BreakGlass.child_id == child_id,
        BreakGlass.expires_at > (now or utcnow())).order_by(BreakGlass.id.desc()).limit(1))


def visible_child_ids(session: Session, *, user: Principal, child_ids: list[int], action: str = "child.view",
                      ) -> list[int]:
    """The children in a list this user may see the details of (lists are filtered item by item)."""
    return [child_id for child_id in child_ids
            if decide(session, user=user, action=action, target=Target(child_id=child_id)).allowed]
