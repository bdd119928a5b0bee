"""Retention: rules per record type and agency kind, review dates, recorded reviews, disposal and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, select, update
from sqlalchemy.orm import Session

from reachable.access.audit import Actor, record
from reachable.access.models import RetentionReview, RetentionRule
from reachable.common.dates import utcnow
from reachable.common.errors import FieldError, InputRejected, NotFound

YEAR = 365
# (record type, agency kind) → (days until review, what happens then, the schedule followed). [R]: check the
# current APP / IRMS / care-planning schedules before relying on these periods (security-requirements.md §1.6).
DEFAULT_RULES: dict[tuple[str, str], tuple[int, str, str]] = {
    ("*", "police"): (6 * YEAR, "review", "MoPI group 3: review after a 6-year clear period"),
    ("intelligence_report", "police"): (6 * YEAR, "review", "MoPI: intelligence reviewed for a policing purpose"),
    ("*", "childrens_social_care"): (25 * YEAR, "review", "care records: review (kept to 75th birthday if LAC)"),
    ("*", "education"): (10 * YEAR, "review", "IRMS: child protection file to the 25th birthday"),
    ("*", "health"): (8 * YEAR, "review", "NHS records management code: children's records"),
    ("*", "youth_justice"): (6 * YEAR, "review", "YJB case management guidance"),
    ("*", "voluntary_sector"): (6 * YEAR, "dispose", "charity casework: 6 years, then automatic disposal"),
    ("*", "nrm_competent_authority"): (6 * YEAR, "review", "NRM casework: 6 years"),
    ("*", "*"): (6 * YEAR, "review", "fallback: every record has a review date"),
}
KEEP_AUDIT = {"audit_events", "audit_checkpoints"}  # s62 logs outlive the data they describe


def ensure_default_rules(session: Session) -> int:
    """Create any missing default rule; returns how many rules exist."""
    existing = {(r.record_type, r.agency_kind) for r in session.scalars(select(RetentionRule))}
    for (record_type, agency_kind), (days, on_review, basis) in DEFAULT_RULES.items():
        if (record_type, agency_kind) not in existing:
            session.add(RetentionRule(record_type=record_type, agency_kind=agency_kind, review_after_days=days,
                                      on_review=on_review, basis=basis))
    session.flush()
    return len(existing | set(DEFAULT_RULES))


def rule_for(session: Session, *, record_type: str, agency_kind: str) -> RetentionRule:
    """The most specific rule for a record type from a kind of agency (type+kind, then kind, type, fallback)."""
    rules = {(r.record_type, r.agency_kind): r for r in session.scalars(select(RetentionRule))}
    for key in ((record_type, agency_kind), ("*", agency_kind), (record_type, "*"), ("*", "*")):
        if key in rules:
            return rules[key]
    raise NotFound("no retention rules: run ensure_default_rules")


@dataclass(frozen=True)
class DueRecord:
    """A record past its review date, the rule that set it and what will happen."""

    record_type: str
    record_id: int
    kind: str
    agency_code: str
    occurred_at: datetime
    review_due: datetime
    on_review: str
    basis: str


def _tables() -> dict[str, Table]:
    from reachable.db.registry import metadata

    return dict(metadata().tables)


def list_due(session: Session, *, now: datetime | None = None, agency_id: int | None = None,
             limit: int = 1000) -> list[DueRecord]:
    """Events past their review date with no later 'retain' decision still in force (the overdue report)."""
    now = now or utcnow()
    tables = _tables()
    events, agencies = tables["events"], tables["agencies"]
    pairs = session.execute(select(events.c.kind, agencies.c.kind).join(agencies, agencies.c.id == events.c.agency_id)
                            .distinct()).all()
    retained = select(RetentionReview.record_id).where(
        RetentionReview.record_type == "event", RetentionReview.outcome.in_(("retain", "restrict")),
        RetentionReview.next_review_at > now)
    due: list[DueRecord] = []
    for kind, agency_kind in pairs:
        rule = rule_for(session, record_type=kind, agency_kind=agency_kind)
        cutoff = now - timedelta(days=rule.review_after_days)
        query = (select(events.c.id, events.c.kind, events.c.occurred_at, agencies.c.code)
                 .join(agencies, agencies.c.id == events.c.agency_id)
                 .where(events.c.kind == kind, agencies.c.kind == agency_kind, events.c.occurred_at < cutoff,
                        events.c.id.not_in(retained)).order_by(events.c.occurred_at).limit(limit))
        if agency_id is not None:
            query = query.where(events.c.agency_id == agency_id)
        for event_id, event_kind, occurred_at, code in session.execute(query):
            occurred = occurred_at if occurred_at.tzinfo else occurred_at.replace(tzinfo=now.tzinfo)
            due.append(DueRecord("event", event_id, event_kind, code, occurred,
                                 occurred + timedelta(days=rule.review_after_days), rule.on_review, rule.basis))
    return sorted(due, key=lambda item: item.review_due)[:limit]


def record_review(session: Session, *, record_id: int, outcome: str, rationale: str, actor: Actor,
                  next_review_days: int | None = None, record_type: str = "event") -> RetentionReview:
    """Record a review decision; keeping a record needs a rationale and a next review date (MoPI)."""
    if outcome not in ("retain", "restrict", "dispose"):
        raise InputRejected([FieldError("outcome", "retain, restrict or dispose", outcome)])
    if outcome != "dispose" and len((rationale or "").strip()) < 10:
        raise InputRejected([FieldError("rationale", "keeping a record needs a rationale (≥ 10 characters)")])
    now = utcnow()
    review = RetentionReview(record_type=record_type, record_id=record_id, outcome=outcome,
                             rationale=rationale.strip() or "disposal: no longer necessary", reviewer=actor.name,
                             reviewed_at=now,
                             next_review_at=None if outcome == "dispose" else now + timedelta(
                                 days=next_review_days or YEAR))
    session.add(review)
    session.flush()
    record(session, actor=actor, action="change", object_type="retention_review", object_id=record_id,
           fields={"record_type": record_type, "outcome": outcome}, justification=review.rationale)
    return review


def _child_for_source_records(session: Session, ids: list[int]) -> dict[int, int]:
    links = _tables()["record_links"]
    rows = session.execute(select(links.c.source_record_id, links.c.child_id).where(
        links.c.source_record_id.in_(ids), links.c.ended_at.is_(None)))
    return {int(source): int(child) for source, child in rows}


def _delete_cascade(session: Session, table: Table, where: ColumnElement[bool]) -> int:
    """Delete rows and, first, every row in any table that refers to them (the audit excepted)."""
    tables = _tables()
    for other in tables.values():
        if other is table or other.name in KEEP_AUDIT:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is table:
                _delete_cascade(session, other, fk.parent.in_(select(fk.column).where(where)))
    result = session.execute(table.delete().where(where))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_disposal(session: Session, *, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Dispose of overdue records whose rule disposes automatically or whose review said dispose."""
    now = now or utcnow()
    tables = _tables()
    events = tables["events"]
    targets = {item.record_id for item in list_due(session, now=now, limit=10**9) if item.on_review == "dispose"}
    decided = set(session.scalars(select(RetentionReview.record_id).where(
        RetentionReview.record_type == "event", RetentionReview.outcome == "dispose",
        RetentionReview.disposed_at.is_(None))))
    targets |= decided
    rows = session.execute(select(events.c.id, events.c.kind, events.c.source_record_id)
                           .where(events.c.id.in_(targets))).all() if targets else []
    owners = _child_for_source_records(session, sorted({row.source_record_id for row in rows}))
    for event_id, kind, source_record_id in rows:
        _delete_cascade(session, events, events.c.id == event_id)
        record(session, actor=actor, action="erase", object_type="event", object_id=event_id,
               child_id=owners.get(source_record_id), fields={"kind": kind, "reason": "retention disposal"},
               justification="retention period ended")
    session.execute(update(RetentionReview).where(RetentionReview.record_id.in_(decided),
                                                   RetentionReview.record_type == "event")
                    .values(disposed_at=now))
    erased = 0
    for child_id in sorted(set(owners.values())):
        if not _current_records(session, child_id):
            erase_child(session, child_id=child_id, actor=actor, reason="every record disposed of under retention")
            erased += 1
    return {"events_disposed": len(rows), "children_erased": erased}


def _current_records(session: Session, child_id: int) -> list[int]:
    links, events = _tables()["record_links"], _tables()["events"]
    return list(session.scalars(select(links.c.source_record_id).join(
        events, events.c.source_record_id == links.c.source_record_id).where(
        links.c.child_id == child_id, links.c.ended_at.is_(None)).distinct()))


def erase_child(session: Session, *, child_id: int, actor: Actor, reason: str,
                agency_id: int | None = None) -> dict[str, Any]:
    """Erase (or de-list) a child: their records, events and every row about them go; only the audit stays.

    With `agency_id`, only that agency's records go, and the child is erased only if nothing else remains.
    """
    if len((reason or "").strip()) < 10:
        raise InputRejected([FieldError("reason", "erasure needs a reason (≥ 10 characters)")])
    tables = _tables()
    links, sources, children = tables["record_links"], tables["source_records"], tables["children"]
    if session.execute(select(children.c.id).where(children.c.id == child_id)).first() is None:
        raise NotFound(f"no child {child_id}")
    query = select(links.c.source_record_id).where(links.c.child_id == child_id, links.c.ended_at.is_(None))
    if agency_id is not None:
        query = query.join(sources, sources.c.id == links.c.source_record_id).where(sources.c.agency_id == agency_id)
    record_ids = list(session.scalars(query))
    removed = _delete_cascade(session, sources, sources.c.id.in_(record_ids)) if record_ids else 0
    whole = agency_id is None or not session.execute(select(links.c.id).where(
        links.c.child_id == child_id, links.c.ended_at.is_(None))).first()
    if whole:
        for table in tables.values():
            if table.name in KEEP_AUDIT or table is children:
                continue
            for column in table.columns:
                if any(fk.column.table is children for fk in column.foreign_keys):
                    _delete_cascade(session, table, column == child_id)
        session.execute(children.update().where(children.c.merged_into_id == child_id).values(merged_into_id=None))
        session.execute(children.update().where(children.c.id == child_id).values(
            display_name=None, dob=None, sex=None, home_area_code=None, status="erased", merged_into_id=None))
    session.expire_all()
    record(session, actor=actor, action="erase", object_type="child", object_id=child_id, child_id=child_id,
           fields={"source_records": len(record_ids), "rows_removed": removed, "whole_child": whole,
                   "agency_id": agency_id}, justification=reason)
    return {"source_records": len(record_ids), "whole_child": whole}


def retained_without_rationale(session: Session) -> int:
    """Retain decisions recorded without a rationale (must be 0: the check behind the MoPI rule)."""
    return sum(1 for review in session.scalars(select(RetentionReview).where(RetentionReview.outcome == "retain"))
               if len(review.rationale.strip()) < 10)


def retention_gaps(session: Session) -> list[str]:
    """Record types and agency kinds with no rule (must be empty: every record has a review date)."""
    tables = _tables()
    events, agencies = tables["events"], tables["agencies"]
    pairs = session.execute(select(events.c.kind, agencies.c.kind).join(
        agencies, and_(agencies.c.id == events.c.agency_id)).distinct()).all()
    gaps = []
    for kind, agency_kind in pairs:
        try:
            rule_for(session, record_type=kind, agency_kind=agency_kind)
        except NotFound:
            gaps.append(f"{kind}/{agency_kind}")
    return gaps
