"""Audit (hash-chained, append-only) and the actor behind every read and write."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access.models import ApiToken, AuditEvent
from reachable.common.dates import utcnow
from reachable.db.dialect import lock_for_append

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, an agency system (token) or the system itself, and from where."""

    name: str
    agency_id: int | None = None
    role: str | None = None
    origin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


SYSTEM = Actor(name="system")


def audit_digest(row: AuditEvent) -> str:
    """The hash of an audit row's content chained to the previous row's hash."""
    body = {
        "at": row.at.isoformat(), "actor": row.actor, "actor_agency_id": row.actor_agency_id,
        "action": row.action, "object_type": row.object_type, "object_id": row.object_id,
        "child_id": row.child_id, "fields": row.fields, "justification": row.justification,
        "origin": row.origin, "recipient": row.recipient, "prev_hash": row.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record(session: Session, *, actor: Actor, action: str, object_type: str, object_id: str | int | None = None,
           child_id: int | None = None, fields: dict[str, Any] | None = None, justification: str | None = None,
           recipient: str | None = None) -> AuditEvent:
    """Append one audit row in the caller's unit of work, chained to the last row."""
    lock_for_append(session, "audit_events")
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    row = AuditEvent(
        at=utcnow(), actor=actor.name, actor_agency_id=actor.agency_id, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), child_id=child_id, fields=dict(fields or {}),
        justification=justification, origin=actor.origin, recipient=recipient, prev_hash=last or GENESIS, hash="",
    )
    row.hash = audit_digest(row)
    session.add(row)
    session.flush()
    return row


def verify_chain(session: Session) -> list[str]:
    """Every break in the audit chain (changed rows, gaps, reordering); an empty list means intact."""
    problems: list[str] = []
    previous_hash = GENESIS
    previous_id = 0
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(5000):
        if row.prev_hash != previous_hash:
            problems.append(f"audit row {row.id}: does not follow row {previous_id} (a row was removed or reordered)")
        if audit_digest(row) != row.hash:
            problems.append(f"audit row {row.id}: content does not match its hash (the row was changed)")
        previous_hash, previous_id = row.hash, row.id
    return problems


def list_for_child(session: Session, *, child_id: int,
                   actions: tuple[str, ...] = ("view", "disclose")) -> list[AuditEvent]:
    """Who has viewed or received this child's data, newest first."""
    query = (select(AuditEvent).where(AuditEvent.child_id == child_id, AuditEvent.action.in_(actions))
             .order_by(AuditEvent.id.desc()))
    return list(session.scalars(query))


def token_digest(token: str) -> str:
    """The stored form of an API token (tokens are long and random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, agency_id: int, name: str, purpose: str = "submit_events") -> str:
    """Issue a token for an agency system; the clear token is returned once and never stored."""
    token = "rch_" + secrets.token_urlsafe(32)
    session.add(ApiToken(agency_id=agency_id, name=name, purpose=purpose, token_hash=token_digest(token),
                         created_at=utcnow()))
    session.flush()
    return token


def check_token(session: Session, *, token: str, purpose: str) -> ApiToken | None:
    """The live token matching this secret and purpose, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None or row.purpose != purpose:
        return None
    return row
