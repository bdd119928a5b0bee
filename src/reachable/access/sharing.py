"""Sharing decisions, information sharing agreements, break-glass grants and their manager review."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access.audit import Actor, record
from reachable.access.models import BreakGlass, SharingAgreement, SharingDecision, User
from reachable.access.policy import Principal
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound

BREAK_GLASS_HOURS = 4
MIN_JUSTIFICATION = 20  # characters: "urgent" alone says nothing a reviewer can check
GATEWAYS = (
    "Children Act 2004 s10", "Children Act 2004 s11", "Children Act 2004 s16E/s16H", "Children Act 1989 s17",
    "Children Act 1989 s47", "Crime and Disorder Act 1998 s115", "PCSC Act 2022 s16",
    "UK GDPR 6(1)(e) + DPA Sch 1 para 18", "DPA 2018 Part 3 law enforcement", "emergency (one-off)",
)


def _need_text(field: str, value: str, minimum: int = MIN_JUSTIFICATION) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        raise InputRejected([FieldError(field, f"required: at least {minimum} characters saying why", text)])
    return text


def _need_gateway(value: str) -> str:
    if value not in GATEWAYS:
        raise InputRejected([FieldError("lawful_gateway", f"one of: {'; '.join(GATEWAYS)}", value)])
    return value


def create_agreement(session: Session, *, name: str, purpose: str, lawful_gateway: str, party_codes: list[str],
                     allowed_fields: list[str], starts_at: datetime, review_due_at: datetime, expires_at: datetime,
                     actor: Actor) -> SharingAgreement:
    """Record an information sharing agreement between named agencies, with its allowed fields and dates."""
    _need_gateway(lawful_gateway)
    _need_text("purpose", purpose, 10)
    if not starts_at < expires_at or not starts_at <= review_due_at <= expires_at:
        raise InputRejected([FieldError("expires_at", "dates must run start ≤ review ≤ expiry, start < expiry")])
    parties = [areas.get_agency(session, code=code).id for code in party_codes]
    if actor.agency_id is not None and actor.agency_id not in parties:
        raise InputRejected([FieldError("party_codes", "your own agency must be a party to the agreement")])
    agreement = SharingAgreement(name=name, purpose=purpose, lawful_gateway=lawful_gateway,
                                 party_agency_ids={"ids": parties}, allowed_fields={"fields": list(allowed_fields)},
                                 starts_at=starts_at, review_due_at=review_due_at, expires_at=expires_at,
                                 created_by=actor.name, created_at=utcnow())
    session.add(agreement)
    session.flush()
    record(session, actor=actor, action="change", object_type="sharing_agreement", object_id=agreement.id,
           fields={"parties": party_codes, "allowed_fields": allowed_fields}, justification=purpose)
    return agreement


def list_agreements(session: Session, *, agency_id: int) -> list[SharingAgreement]:
    """The agreements an agency is party to, newest first."""
    rows = session.scalars(select(SharingAgreement).order_by(SharingAgreement.id.desc()))
    return [row for row in rows if agency_id in row.party_agency_ids.get("ids", [])]


def record_sharing_decision(session: Session, *, principal: Principal, actor: Actor, child_id: int,
                            to_agency_code: str, decision: str, scope: str, lawful_gateway: str, reason: str,
                            child_informed: str, expires_at: datetime | None = None) -> SharingDecision:
    """Record a decision to share, or not to share, a child's data with another agency (golden rule 7)."""
    if decision not in ("share", "decline"):
        raise InputRejected([FieldError("decision", "share or decline", decision)])
    if scope not in ("details", "intelligence"):
        raise InputRejected([FieldError("scope", "details or intelligence", scope)])
    if scope == "intelligence" and principal.agency_kind != "police":
        raise InputRejected([FieldError("scope", "only police may share police intelligence", scope)])
    if child_informed not in ("yes", "no-unsafe", "no-impracticable"):
        raise InputRejected([FieldError("child_informed", "yes, no-unsafe or no-impracticable", child_informed)])
    _need_gateway(lawful_gateway)
    reason = _need_text("reason", reason)
    to_agency = areas.get_agency(session, code=to_agency_code)
    row = SharingDecision(child_id=child_id, from_agency_id=principal.agency_id, to_agency_id=to_agency.id,
                          decision=decision, scope=scope, lawful_gateway=lawful_gateway, reason=reason,
                          child_informed=child_informed, decided_by=principal.name, decided_at=utcnow(),
                          expires_at=expires_at)
    session.add(row)
    session.flush()
    record(session, actor=actor, action="disclose" if decision == "share" else "change",
           object_type="sharing_decision", object_id=row.id, child_id=child_id,
           fields={"decision": decision, "scope": scope, "gateway": lawful_gateway,
                   "child_informed": child_informed}, justification=reason, recipient=to_agency.code)
    return row


def open_break_glass(session: Session, *, principal: Principal, actor: Actor, child_id: int,
                     justification: str) -> BreakGlass:
    """Grant a user emergency access to a child for a few hours; flagged for their manager's review."""
    if principal.kind != "user":
        raise InputRejected([FieldError("caller", "only a named person can break glass")])
    text = _need_text("justification", justification)
    now = utcnow()
    grant = BreakGlass(user_id=principal.id, child_id=child_id, justification=text, opened_at=now,
                       expires_at=now + timedelta(hours=BREAK_GLASS_HOURS))
    session.add(grant)
    session.flush()
    record(session, actor=actor, action="change", object_type="break_glass", object_id=grant.id, child_id=child_id,
           fields={"expires_at": grant.expires_at.isoformat(), "review": "pending"},
           justification=f"break-glass: {text}")
    return grant


def list_break_glass(session: Session, *, agency_id: int, unreviewed_only: bool = True) -> list[BreakGlass]:
    """Break-glass grants by users of an agency, awaiting review first."""
    query = (select(BreakGlass).join(User, User.id == BreakGlass.user_id).where(User.agency_id == agency_id)
             .order_by(BreakGlass.opened_at.desc()))
    if unreviewed_only:
        query = query.where(BreakGlass.reviewed_at.is_(None))
    return list(session.scalars(query))


def review_break_glass(session: Session, *, principal: Principal, actor: Actor, grant_id: int, outcome: str,
                       note: str) -> BreakGlass:
    """A manager's verdict on a break-glass use (justified or misuse); never one's own."""
    grant = session.get(BreakGlass, grant_id)
    if grant is None:
        raise NotFound(f"no break-glass grant {grant_id}")
    user = session.get(User, grant.user_id)
    if user is None or user.agency_id != principal.agency_id:
        raise NotFound(f"no break-glass grant {grant_id}")
    if grant.user_id == principal.id:
        raise Conflict("nobody may review their own break-glass access")
    if grant.reviewed_at is not None:
        raise Conflict(f"break-glass grant {grant_id} was already reviewed")
    if outcome not in ("justified", "misuse"):
        raise InputRejected([FieldError("outcome", "justified or misuse", outcome)])
    grant.review_outcome = outcome
    grant.review_note = _need_text("note", note, 5)
    grant.reviewed_by = principal.name
    grant.reviewed_at = utcnow()
    if outcome == "misuse":
        grant.expires_at = min(grant.expires_at, grant.reviewed_at)  # end the access now
    record(session, actor=actor, action="change", object_type="break_glass", object_id=grant.id,
           child_id=grant.child_id, fields={"review": outcome}, justification=grant.review_note)
    return grant


def known_to(session: Session, *, child_id: int) -> dict[str, object]:
    """Discovery without disclosure: which agencies know the child and whom to contact, and nothing else."""
    from reachable.access.models import Team
    from reachable.identity import service as identity
    from reachable.records import service as records

    child = identity.get_child(session, child_id=child_id)
    agency_ids: set[int] = set()
    for record_id in identity.record_ids_for_child(session, child_id=child_id):
        source = records.get_source_record(session, record_id=record_id)
        if source is not None:
            agency_ids.add(source.agency_id)
    agencies = areas.agencies_by_id(session, ids=agency_ids)
    teams: dict[int, list[str]] = {}
    for team in session.scalars(select(Team).where(Team.agency_id.in_(agency_ids), Team.contact.is_not(None))):
        teams.setdefault(team.agency_id, []).append(f"{team.name}: {team.contact}")
    known = [{"agency": agency.code, "kind": agency.kind, "name": agency.name, "area_code": agency.area_code,
              "contact": "; ".join(teams.get(agency.id, [])) or f"duty desk, {agency.name}"}
             for agency in sorted(agencies.values(), key=lambda a: a.code)]
    summary = ", ".join(f"{a['name']}" for a in known)
    return {"child_reference": child.reference, "known_to": known,
            "summary": f"known to: {summary}" if known else "not known to any agency"}
