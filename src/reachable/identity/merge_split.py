"""Merging two children into one and splitting records off a child: explicit, audited and exactly reversible.

Events follow their source records, so moving a record's link moves its events. Rows that point at a child
directly (markers, tasks, NRM referrals, plans, risk assessments, network entities...) are found through the
schema rather than named here, so a table added by another domain is carried too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, NotFound
from reachable.db.registry import metadata
from reachable.identity import links, store
from reachable.identity.models import Child, IdentityChange, RecordLink
from reachable.records import service as records

# Tables that mention a child but are history, not belongings: they never move.
NOT_CARRIED = {"audit_events", "record_links", "identity_changes", "children"}


def carried_tables() -> list[Table]:
    """Every table with a child_id column referring to children, except history tables."""
    return [table for table in metadata().sorted_tables if table.name not in NOT_CARRIED and "child_id" in table.c
            and any(fk.column.table.name == "children" for fk in table.c.child_id.foreign_keys)]


def _active(session: Session, child_id: int) -> Child:
    """An active child, or a clear error."""
    child = session.get(Child, child_id)
    if child is None or child.status != "active":
        raise NotFound(f"no active child {child_id}")
    return child


def _move_rows(session: Session, *, from_id: int, to_id: int,
               only: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """Point a child's belongings at another child; returns what moved, by table."""
    moved: dict[str, list[int]] = {}
    for table in carried_tables():
        query = select(table.c.id).where(table.c.child_id == from_id)
        if only is not None:
            query = query.where(table.c.id.in_(only.get(table.name, [])))
        ids = sorted(session.execute(query).scalars())
        if ids:
            session.execute(update(table).where(table.c.id.in_(ids)).values(child_id=to_id))
            moved[table.name] = ids
    return moved


def _relink(session: Session, *, record_ids: Iterable[int], child_id: int, reason: str, by: str) -> None:
    """Point records at a child with a manual decision and its reason."""
    for record_id in record_ids:
        links.link_record(session, record_id=record_id, child_id=child_id, decision="manual", reason=reason,
                          decided_by=by)


def merge_children(session: Session, *, into_id: int, from_id: int, reason: str, actor: access.Actor,
                   by_person: bool = True) -> IdentityChange:
    """Make two children one: every record (with its events) and every belonging of `from` moves to `into`.

    A person's merge is remembered as a "match" decision that later runs obey; a linkage run's merge is not."""
    if into_id == from_id:
        raise Conflict("a child cannot be merged into itself")
    into, source = _active(session, into_id), _active(session, from_id)
    record_ids = sorted(links.record_ids_for_child(session, child_id=from_id))
    _relink(session, record_ids=record_ids, child_id=into_id, reason=f"merged into {into.reference}: {reason}",
            by=actor.name)
    carried = _move_rows(session, from_id=from_id, to_id=into_id)
    source.status, source.merged_into_id = "merged", into_id
    keep = sorted(links.record_ids_for_child(session, child_id=into_id))
    anchor = next((rid for rid in keep if rid not in record_ids), None)
    if by_person and anchor is not None and record_ids:
        # Later runs obey people: a stored "match" keeps the two record sets together.
        store.decide_pair(session, record_a=anchor, record_b=record_ids[0], decision="match",
                          reason=f"merge of {source.reference} into {into.reference}: {reason}", decided_by=actor.name)
    change = IdentityChange(kind="merge", child_id=into_id, other_child_id=from_id, record_ids={"records": record_ids},
                            carried=carried, reason=reason, decided_by=actor.name, decided_at=utcnow())
    session.add(change)
    session.flush()
    access.record(session, actor=actor, action="change", object_type="child", object_id=into_id, child_id=into_id,
                  fields={"operation": "merge", "merged_child_id": from_id, "records": record_ids,
                          "carried": {name: len(ids) for name, ids in carried.items()}, "change_id": change.id},
                  justification=reason)
    return change


def split_child(session: Session, *, child_id: int, record_ids: Sequence[int], reason: str, actor: access.Actor,
                carry: dict[str, list[int]] | None = None) -> IdentityChange:
    """Move records (and their events) off a child. Undoing a merge restores the merged child exactly, with its
    belongings; otherwise a new child is made and receives the rows listed in `carry`."""
    child = _active(session, child_id)
    current = set(links.record_ids_for_child(session, child_id=child_id))
    moving = sorted(set(record_ids))
    if not moving or not set(moving) <= current:
        raise Conflict(f"records {sorted(set(moving) - current)} are not linked to child {child_id}")
    if set(moving) == current:
        raise Conflict("a split must leave at least one record with the child")
    merge = _undoable_merge(session, child_id=child_id, record_ids=moving)
    if merge is not None:
        target = session.get(Child, merge.other_child_id)
        assert target is not None
        target.status, target.merged_into_id = "active", None
        only = dict(merge.carried)
        _end_merge_decisions(session, records=moving, remaining=current - set(moving))
    else:
        first = records.get_source_record(session, record_id=moving[0])
        assert first is not None
        target = links.create_child(session, record=first)
        only = carry or {}
    _relink(session, record_ids=moving, child_id=target.id, reason=f"split from {child.reference}: {reason}",
            by=actor.name)
    carried = _move_rows(session, from_id=child_id, to_id=target.id, only=only)
    _keep_apart(session, moving=moving, remaining=sorted(current - set(moving)), reason=reason, by=actor.name)
    change = IdentityChange(kind="split", child_id=child_id, other_child_id=target.id, record_ids={"records": moving},
                            carried=carried, reason=reason, decided_by=actor.name, decided_at=utcnow(),
                            reverses_id=merge.id if merge is not None else None)
    session.add(change)
    session.flush()
    access.record(session, actor=actor, action="change", object_type="child", object_id=child_id, child_id=child_id,
                  fields={"operation": "split", "new_child_id": target.id, "records": moving,
                          "restored_merge": merge.id if merge is not None else None,
                          "carried": {name: len(ids) for name, ids in carried.items()}, "change_id": change.id},
                  justification=reason)
    return change


def _undoable_merge(session: Session, *, child_id: int, record_ids: list[int]) -> IdentityChange | None:
    """The latest merge into this child that brought exactly these records, if it has not been undone."""
    merges = session.scalars(select(IdentityChange).where(
        IdentityChange.kind == "merge", IdentityChange.child_id == child_id).order_by(IdentityChange.id.desc()))
    for merge in merges:
        undone = session.scalar(select(IdentityChange.id).where(IdentityChange.reverses_id == merge.id))
        if undone is None and sorted(merge.record_ids["records"]) == record_ids:
            return merge
    return None


def _end_merge_decisions(session: Session, *, records: Sequence[int], remaining: set[int]) -> None:
    """End "match" decisions joining the records being split off to those staying."""
    now = utcnow()
    for decision in store.pair_decisions(session, record_ids=records):
        pair = {decision.record_a_id, decision.record_b_id}
        if decision.decision == "match" and pair & set(records) and pair & remaining:
            decision.ended_at = now


def _keep_apart(session: Session, *, moving: Sequence[int], remaining: Sequence[int], reason: str, by: str) -> None:
    """Store "no match" decisions so later runs do not put the split records back."""
    pairs = [(m, r) for m in moving for r in remaining]
    if len(pairs) > 400:  # components are kept apart as wholes, so one pair per record is enough
        pairs = [(m, remaining[0]) for m in moving] + [(moving[0], r) for r in remaining]
    for a, b in dict.fromkeys(pairs):
        store.decide_pair(session, record_a=a, record_b=b, decision="no_match", reason=f"split: {reason}",
                          decided_by=by)


def history(session: Session, *, child_id: int) -> list[IdentityChange]:
    """Merges and splits that involved a child, oldest first."""
    return list(session.scalars(select(IdentityChange).where(
        (IdentityChange.child_id == child_id) | (IdentityChange.other_child_id == child_id))
        .order_by(IdentityChange.id)))


def records_by_decision(session: Session, *, child_id: int) -> dict[str, int]:
    """How a child's records came to be linked (auto_link, clerical_link, manual, new_child...)."""
    out: dict[str, int] = {}
    for decision in session.scalars(select(RecordLink.decision).where(
            RecordLink.child_id == child_id, RecordLink.ended_at.is_(None))):
        out[decision] = out.get(decision, 0) + 1
    return out

