"""The audit (DPA 2018 s62): append-only and hash-chained; who viewed or received a child's data; misuse alerts."""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable.access.models import AuditCheckpoint, AuditEvent
from reachable.common.dates import utcnow
from reachable.db.dialect import lock_for_append

GENESIS = "0" * 64
# The s62(1) processing operation each audit action records.
S62_OPERATION = {"collect": "collection", "change": "alteration", "view": "consultation", "disclose": "disclosure",
                 "link": "combination", "merge": "combination", "erase": "erasure"}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, an agency system (token) or the system itself, and from where."""

    name: str
    agency_id: int | None = None
    role: str | None = None
    origin: str | None = None
    user_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


SYSTEM = Actor(name="system")


def audit_digest(row: AuditEvent) -> str:
    """The hash of an audit row's content chained to the previous row's hash."""
    body = {
        "at": row.at.isoformat(), "actor": row.actor, "actor_user_id": row.actor_user_id,
        "actor_agency_id": row.actor_agency_id, "actor_role": row.actor_role,
        "action": row.action, "object_type": row.object_type, "object_id": row.object_id,
        "child_id": row.child_id, "fields": row.fields, "justification": row.justification,
        "origin": row.origin, "recipient": row.recipient, "prev_hash": row.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _child_row_exists(session: Session, child_id: int) -> bool:
    """Whether a children row exists (any status), so the audit's foreign key holds."""
    from reachable.db.registry import metadata

    children = metadata().tables["children"]
    return session.execute(select(children.c.id).where(children.c.id == child_id)).first() is not None


def record(session: Session, *, actor: Actor, action: str, object_type: str, object_id: str | int | None = None,
           child_id: int | None = None, fields: dict[str, Any] | None = None, justification: str | None = None,
           recipient: str | None = None) -> AuditEvent:
    """Append one audit row in the caller's unit of work, chained to the last row."""
    if child_id is not None and not _child_row_exists(session, child_id):
        # An attempt on a child id that does not exist is still recorded, but cannot reference the children table.
        fields, child_id = {**(fields or {}), "child_id": child_id}, None
    lock_for_append(session, "audit_events")
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    row = AuditEvent(
        at=utcnow(), actor=actor.name, actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id, actor_role=actor.role, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), child_id=child_id,
        fields=json.loads(json.dumps(dict(fields or {}), default=str)), justification=justification,
        origin=actor.origin, recipient=recipient, prev_hash=last or GENESIS, hash="",
    )
    row.hash = audit_digest(row)
    session.add(row)
    session.flush()
    return row


def verify_chain(session: Session) -> list[str]:
    """Every break in the audit chain (changed rows, gaps, reordering, a cut-off end); empty means intact."""
    problems: list[str] = []
    previous_hash = GENESIS
    previous_id = 0
    hashes: dict[int, str] = {}
    checkpoints = {c.last_id: c for c in session.scalars(select(AuditCheckpoint))}
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(5000):
        if row.prev_hash != previous_hash:
            problems.append(f"audit row {row.id}: does not follow row {previous_id} (a row was removed or reordered)")
        if audit_digest(row) != row.hash:
            problems.append(f"audit row {row.id}: content does not match its hash (the row was changed)")
        if row.id in checkpoints:
            hashes[row.id] = row.hash
        previous_hash, previous_id = row.hash, row.id
    for last_id, checkpoint in sorted(checkpoints.items()):
        if hashes.get(last_id) != checkpoint.last_hash:
            problems.append(f"checkpoint {checkpoint.id}: row {last_id} is missing or changed since "
                            f"{checkpoint.at.isoformat()} (rows were cut off or rewritten)")
    return problems


def checkpoint(session: Session) -> AuditCheckpoint | None:
    """Record the chain's head now, so a later truncation of the end is detected; None if the audit is empty."""
    head = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    if head is None:
        return None
    rows = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    mark = AuditCheckpoint(at=utcnow(), last_id=head.id, last_hash=head.hash, rows=rows)
    session.add(mark)
    session.flush()
    return mark


def list_for_child(session: Session, *, child_id: int,
                   actions: tuple[str, ...] = ("view", "disclose")) -> list[AuditEvent]:
    """Who has viewed or received this child's data, newest first."""
    query = (select(AuditEvent).where(AuditEvent.child_id == child_id, AuditEvent.action.in_(actions))
             .order_by(AuditEvent.id.desc()))
    return list(session.scalars(query))


def as_dict(row: AuditEvent) -> dict[str, Any]:
    """One audit row as plain data (exports, API), with its s62 processing operation."""
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor, "actor_user_id": row.actor_user_id,
            "actor_agency_id": row.actor_agency_id, "actor_role": row.actor_role, "action": row.action,
            "s62_operation": S62_OPERATION.get(row.action), "object_type": row.object_type,
            "object_id": row.object_id, "child_id": row.child_id, "fields": row.fields,
            "justification": row.justification, "origin": row.origin, "recipient": row.recipient,
            "prev_hash": row.prev_hash, "hash": row.hash}


def export_rows(session: Session, *, child_id: int | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Audit rows for the ICO (everything, or a period) or a subject access request (one child), oldest first."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if child_id is not None:
        query = query.where(AuditEvent.child_id == child_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    for row in session.scalars(query).yield_per(5000):
        yield as_dict(row)


@dataclass(frozen=True)
class ReadAlert:
    """A user who read unusually many children's records on one day, against their own baseline."""

    actor: str
    day: str
    reads: int
    baseline_mean: float
    baseline_sd: float
    break_glass_reads: int
    reason: str


def read_volume_alerts(session: Session, *, now: datetime | None = None, baseline_days: int = 28,
                       min_reads: int = 25, sigmas: float = 3.0) -> list[ReadAlert]:
    """Users whose distinct children viewed today exceed their baseline by `sigmas` SDs (and `min_reads`)."""
    now = now or utcnow()
    today = now.date()
    start = now - timedelta(days=baseline_days + 1)
    rows = session.execute(select(AuditEvent.actor, AuditEvent.at, AuditEvent.child_id, AuditEvent.justification)
                           .where(AuditEvent.action == "view", AuditEvent.at >= start,
                                  AuditEvent.child_id.is_not(None)))
    per_day: dict[str, dict[Any, set[int]]] = defaultdict(lambda: defaultdict(set))
    cold: Counter[str] = Counter()
    for actor, at, child_id, justification in rows:
        per_day[actor][at.date()].add(child_id)
        if at.date() == today and (justification or "").startswith("break-glass"):
            cold[actor] += 1
    alerts = []
    for actor, days in per_day.items():
        reads = len(days.get(today, set()))
        history = [len(days.get(today - timedelta(days=n), set())) for n in range(1, baseline_days + 1)]
        mean = statistics.fmean(history)
        sd = statistics.pstdev(history)
        if reads >= min_reads and reads > mean + sigmas * max(sd, 1.0):
            alerts.append(ReadAlert(actor, today.isoformat(), reads, round(mean, 2), round(sd, 2), cold[actor],
                                    f"{reads} children viewed today against a {baseline_days}-day mean of "
                                    f"{mean:.1f} (sd {sd:.1f})"))
    return sorted(alerts, key=lambda alert: -alert.reads)
