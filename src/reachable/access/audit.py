"""The audit (DPA 2018 s62): append-only and hash-chained; who viewed or received a child's data; misuse alerts.

Appending never waits for another request: a row is inserted unsealed (its id from the table's sequence) and
the sealer links committed rows into the SHA-256 chain in batches, giving each its place (`chain_seq`). On SQLite
the sealing runs inside the appending transaction (it holds the only write lock anyway); on PostgreSQL after
commit, in a short transaction that skips if another sealer is busy (a server worker's background thread, in
batches; elsewhere right after each commit). Verification seals first, so every
row is checked. docs/security.md ("The audit chain") explains why this stays tamper-evident.
"""

from __future__ import annotations

import hashlib
import json
import logging
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.orm import Session

from reachable.access.models import AuditCheckpoint, AuditEvent
from reachable.common.dates import utcnow
from reachable.db.dialect import lock_for_append, try_lock_for_append, writers_serialised
from reachable.db.uow import defer_write

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
    from reachable.identity import service as identity  # identity audits through access: imported on use

    return identity.child_row_exists(session, child_id=child_id)


def record(session: Session, *, actor: Actor, action: str, object_type: str, object_id: str | int | None = None,
           child_id: int | None = None, fields: dict[str, Any] | None = None, justification: str | None = None,
           recipient: str | None = None) -> AuditEvent:
    """Append one audit row in the caller's unit of work; it joins the hash chain when sealed (`seal`)."""
    if child_id is not None and not _child_row_exists(session, child_id):
        # An attempt on a child id that does not exist is still recorded, but cannot reference the children table.
        fields, child_id = {**(fields or {}), "child_id": child_id}, None
    row = AuditEvent(
        at=utcnow(), actor=actor.name, actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id, actor_role=actor.role, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), child_id=child_id,
        fields=json.loads(json.dumps(dict(fields or {}), default=str)), justification=justification,
        origin=actor.origin, recipient=recipient, prev_hash="", hash="", chain_seq=None,
    )
    if not defer_write(session, lambda writer: _append(writer, row)):  # a read-first request writes it at its end
        _append(session, row)
    return row


def _append(session: Session, row: AuditEvent) -> None:
    """Insert an unsealed row (no lock: its id comes from the table's sequence) and arrange for its sealing."""
    session.add(row)
    session.flush()
    if writers_serialised(session):
        # SQLite: this transaction already holds the store's only write lock, so linking the rows in before it
        # commits costs two indexed reads and never makes another request wait for longer.
        if not session.info.get(_SEAL_BEFORE_COMMIT):
            session.info[_SEAL_BEFORE_COMMIT] = True
            event.listen(session, "before_commit", _seal_before_commit)
        return
    # PostgreSQL: transactions commit in any order, so rows are linked after commit, by a short transaction of
    # their own that never waits for another sealer (the busy sealer, or the next one, links these rows too).
    session.info[_UNSEALED] = True
    if not session.info.get(_SEAL_AFTER_COMMIT):
        session.info[_SEAL_AFTER_COMMIT] = True
        event.listen(session, "after_commit", _seal_after_commit)


_SEAL_BEFORE_COMMIT = "reachable.audit_seal_before_commit"
_SEAL_AFTER_COMMIT = "reachable.audit_seal_after_commit"
_UNSEALED = "reachable.audit_unsealed"
SEAL_LOCK = "audit_seal"
log = logging.getLogger(__name__)


def _seal_before_commit(session: Session) -> None:
    """Seal this transaction's rows as it commits (SQLite: one writer at a time)."""
    seal(session)


def _seal_after_commit(session: Session) -> None:
    """Seal the rows this session just committed: wake the server's background sealer, or (CLI, library use)
    seal now in a new short transaction."""
    if not session.info.pop(_UNSEALED, False):
        return
    bind = session.get_bind()
    background = _BACKGROUND.get(id(bind))
    if background is not None:
        background.wake()
    else:
        seal_committed(bind)


def seal_committed(bind: Engine | Connection) -> int:
    """Seal committed rows in a transaction of their own, skipping if another sealer is busy; a failure leaves
    them for the next sealer (or verify)."""
    try:
        with Session(bind=bind) as sealer:
            sealed = seal(sealer, wait=False)
            if sealed:
                sealer.commit()
            return sealed
    except Exception:  # the audit rows are committed; an unsealed row is sealed by the next sealer or by verify
        log.warning("sealing the audit chain after commit failed; it will be retried", exc_info=True)
        return 0


SEAL_GATHER = 0.1  # seconds a woken background sealer waits, so the commits of that moment share one seal


class BackgroundSealer(threading.Thread):
    """A server worker's sealer: woken after each commit that appended audit rows, it seals them in batches, so
    requests neither wait for the chain nor pay a sealing transaction each. It also wakes every second.

    Once woken it gathers for `SEAL_GATHER` before sealing: sealing at every wake-up could run a sealing
    transaction of four statements after every commit; gathered, one seal covers every commit of the last tenth
    of a second, and a row waits for its seal at most that much longer.
    """

    def __init__(self, engine: Engine) -> None:
        """A sealer for one engine (not started)."""
        super().__init__(name="audit-sealer", daemon=True)
        self.engine = engine
        self._woken = threading.Event()
        self._stopping = False

    def wake(self) -> None:
        """Ask for a seal soon."""
        self._woken.set()

    def run(self) -> None:
        """Seal whenever woken (or every second) until stopped."""
        while not self._stopping:
            if self._woken.wait(timeout=1.0) and not self._stopping:
                time.sleep(SEAL_GATHER)  # later commits' wake-ups fall in this pause and are answered by this seal
            self._woken.clear()
            seal_committed(self.engine)

    def __enter__(self) -> BackgroundSealer:
        """Start sealing in the background for this engine's sessions (not needed where writers are serialised:
        SQLite seals inside the appending transaction)."""
        with Session(bind=self.engine) as probe:
            if writers_serialised(probe):
                return self
        _BACKGROUND[id(self.engine)] = self
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        """Stop, then seal what is left."""
        if _BACKGROUND.pop(id(self.engine), None) is None:
            return
        self._stopping = True
        self.wake()
        self.join(timeout=10)
        seal_committed(self.engine)


_BACKGROUND: dict[int, BackgroundSealer] = {}  # engine id -> its running background sealer (server workers only)


def seal(session: Session, *, wait: bool = True, batch: int = 2000) -> int:
    """Link every committed unsealed row into the hash chain, in id order; the number sealed (0 if another sealer
    holds the lock and `wait` is False). The caller commits."""
    if writers_serialised(session):
        pass  # the unit of work holds SQLite's write lock: no other sealer can run
    elif wait:
        lock_for_append(session, SEAL_LOCK)
    elif not try_lock_for_append(session, SEAL_LOCK):
        return 0
    head = session.execute(select(AuditEvent.chain_seq, AuditEvent.hash).where(AuditEvent.chain_seq.is_not(None))
                           .order_by(AuditEvent.chain_seq.desc()).limit(1)).first()
    seq, previous = (int(head[0]), str(head[1])) if head is not None else (0, GENESIS)
    sealed = 0
    while True:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.chain_seq.is_(None))
                                    .order_by(AuditEvent.id).limit(batch)))
        for row in rows:
            seq += 1
            row.chain_seq, row.prev_hash = seq, previous
            row.hash = previous = audit_digest(row)
        session.flush()
        sealed += len(rows)
        if len(rows) < batch:
            return sealed


def verify_chain(session: Session) -> list[str]:
    """Seal what is waiting, then list every break in the chain (changed, removed, inserted or reordered rows, a
    cut-off end); empty means intact."""
    seal(session)
    problems: list[str] = []
    previous_hash = GENESIS
    previous_id = 0
    hashes: dict[int, str] = {}
    checkpoints = {c.last_id: c for c in session.scalars(select(AuditCheckpoint))}
    chain = select(AuditEvent).where(AuditEvent.chain_seq.is_not(None)).order_by(AuditEvent.chain_seq)
    for row in session.scalars(chain).yield_per(5000):
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
    """Record the chain's head now (after sealing), so a later truncation of the end is detected; None if empty."""
    seal(session)
    head = session.scalar(select(AuditEvent).where(AuditEvent.chain_seq.is_not(None))
                          .order_by(AuditEvent.chain_seq.desc()).limit(1))
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
            "prev_hash": row.prev_hash, "hash": row.hash, "chain_seq": row.chain_seq}


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
