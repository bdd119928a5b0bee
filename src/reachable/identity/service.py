"""Resolving source records to children, and reading a child's identity and chronology."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.errors import NotFound
from reachable.db.dialect import lock_for_append, lock_many_for_append, lock_shared_for_append
from reachable.db.uow import memo
from reachable.identity import blocking, incremental, store
from reachable.identity.evaluate import age_band, exact_baseline, format_report, read_truth, reference_date, report
from reachable.identity.features import usability
from reachable.identity.linkfile import link_file
from reachable.identity.links import (
    DETERMINISTIC,
    IDENTIFIERS,
    SourceRecord,
    create_child,
    current_link,
    current_links_of,
    deterministic_match,
    link_record,
    new_reference,
    record_ids_for_child,
    refresh_summary,
)
from reachable.identity.merge_split import history, merge_children, split_child
from reachable.identity.models import Child, LinkageModel, RecordLink, ReviewItem
from reachable.identity.review import decide_item, get_item, list_items
from reachable.identity.runs import RunSummary, run_linkage, train_model
from reachable.identity.store import active_model, list_models
from reachable.records import service as records
from reachable.records.schemas import EventOut

__all__ = [
    "DETERMINISTIC",
    "IDENTIFIERS",
    "RunSummary",
    "SourceRecord",
    "active_model",
    "create_child",
    "current_link",
    "decide_item",
    "deterministic_match",
    "format_report",
    "get_item",
    "history",
    "link_file",
    "link_record",
    "list_items",
    "list_models",
    "merge_children",
    "new_reference",
    "record_ids_for_child",
    "refresh_summary",
    "run_linkage",
    "split_child",
    "train_model",
]


def resolve_record(session: Session, *, record_id: int) -> int:
    """The child a source record belongs to, linking it now if new: the trained model, else exact rules."""
    return resolve_records(session, record_ids=[record_id])[record_id]


def resolve_records(session: Session, *, record_ids: Sequence[int]) -> dict[int, int]:
    """The child of each source record, linking new ones in the order given (as resolve_record would, one by one).

    Links, records, feature rows and exact-match candidates are read for the whole set at once: the bulk
    path hands over thousands of records per chunk.
    """
    wanted = list(dict.fromkeys(record_ids))
    resolved = {record_id: link.child_id for record_id, link in current_links_of(session, record_ids=wanted).items()}
    pending = [record_id for record_id in wanted if record_id not in resolved]
    if not pending:
        return resolved
    found = records.get_source_records(session, record_ids=pending)
    missing = [record_id for record_id in pending if record_id not in found]
    if missing:
        raise NotFound(f"no source record {missing[0]}")
    new = [found[record_id] for record_id in pending]
    rows = dict(zip(pending, store.feature_rows(session, source_records=new), strict=True))
    _lock_for_linking(session, rows)
    model = active_model(session)
    if model is not None:
        for record in new:
            resolved[record.id] = _resolve_model(session, record=record, model=model)
        return resolved
    # Exact rules read nothing the loop writes except links, which `linked` keeps: the blocking keys go in at
    # once, each record's candidates and their links come from memory, and new children and links are written
    # in two flushes. A child created in this loop is known by a negative stand-in id until it is flushed.
    store.file_keys_of(session, rows=rows)
    candidates = records.MatchCandidates(session, records=new, identifiers=IDENTIFIERS)
    linked = {record_id: link.child_id for record_id, link in current_links_of(
        session, record_ids=list(candidates.rows)).items()}
    children = _children(session, child_ids=sorted(set(linked.values())))
    created: dict[int, Child] = {}
    decided = []
    for record in new:
        key, decision, reason = _decide_deterministic(session, record=record, row=rows[record.id],
                                                      candidates=candidates, linked=linked, children=children,
                                                      created=created)
        linked[record.id] = key
        decided.append((record.id, key, decision, reason))
    session.flush()
    for record_id, key, decision, reason in decided:
        child_id = created[key].id if key < 0 else key
        link_record(session, record_id=record_id, child_id=child_id, decision=decision, reason=reason,
                    decided_by=DETERMINISTIC, model_version=DETERMINISTIC,
                    probability=1.0 if decision == "auto_link" else None, unlinked=True, flush=False)
        resolved[record_id] = child_id
    session.flush()  # later stages read links through Core queries, which do not flush pending rows
    return resolved


FEW_TO_LINK = 50  # a submission linking at most this many new records locks their blocking keys only


def lock_for_linking(session: Session) -> None:
    """Hold the identity lock exclusively until the transaction ends: a bulk import links its records in
    chunks, and taking the lock before the first chunk keeps every chunk from waiting on (or for) another."""
    memo(session, _LINKING)["mode"] = "exclusive"
    lock_for_append(session, "identity")


def _lock_for_linking(session: Session, rows: dict[int, dict[str, Any]]) -> None:
    """Keep two transactions from each creating a child for records of the same new child (PostgreSQL).

    Two such records share a blocking key (else neither could find the other), so a submission of a few records
    locks its records' keys, under the identity lock in shared mode: submissions about different people link
    side by side, and one about the same person waits, then sees the first one's child. Larger sets and bulk
    imports hold the identity lock exclusively, which waits for every shared holder.
    """
    state = memo(session, _LINKING)
    if state.get("mode") == "exclusive":
        return
    if state.get("mode") is None and len(rows) > FEW_TO_LINK:
        lock_for_linking(session)
        return
    if state.get("mode") is None:
        lock_shared_for_append(session, "identity")
        state["mode"] = "shared"
    keys = {key for row in rows.values() for key in blocking.probe_keys(row)}
    lock_many_for_append(session, [hashlib.sha256(f"link:{key}".encode()).hexdigest()[:8] for key in keys])


_LINKING = "identity.linking"


def _children(session: Session, *, child_ids: Sequence[int]) -> dict[int, Child]:
    """Children by id, any status, held here so that refreshing a matched child's summary needs no query."""
    found: dict[int, Child] = {}
    for start in range(0, len(child_ids), 1000):
        found.update((child.id, child) for child in session.scalars(
            select(Child).where(Child.id.in_(child_ids[start:start + 1000]))))
    return found


def _resolve_model(session: Session, *, record: SourceRecord, model: LinkageModel) -> int:
    """Link a new record with the trained model (auto link, clerical review or a new child)."""
    outcome = incremental.match(session, record=record, model=model)
    if outcome.decision in ("auto_link", "clerical_link"):
        incremental.summary_child(session, outcome.child_id, record)
    link_record(session, record_id=record.id, child_id=outcome.child_id, decision=outcome.decision,
                reason=outcome.reason, decided_by=model.version, model_version=model.version,
                probability=outcome.probability, weight=outcome.weight, evidence=dict(outcome.evidence or {}))
    return outcome.child_id


def _decide_deterministic(session: Session, *, record: SourceRecord, row: dict[str, Any],
                          candidates: records.MatchCandidates, linked: dict[int, int], children: dict[int, Child],
                          created: dict[int, Child]) -> tuple[int, str, str]:
    """Exact rules (an identifier, or exact name and date of birth), used until a model is trained.

    Returns (child id or a new child's stand-in id, decision, reason).
    """
    usable = usability(row)
    if usable.usable:
        match = deterministic_match(session, record=record, candidates=candidates, linked=linked)
        if match is not None:
            key, reason = match
            found = created[key] if key < 0 else children.get(key) or session.get(Child, key)
            if found is not None:
                refresh_summary(found, record)
            return key, "auto_link", reason
    key = -(len(created) + 1)
    created[key] = create_child(session, record=record, flush=False)
    if not usable.usable:
        return key, "held_unlinked", f"held unlinked: {usable.reason}"
    return key, "new_child", "no existing child shares an identifier or exact name and date of birth"


def get_child(session: Session, *, child_id: int) -> Child:
    """One child by id, or NotFound."""
    child = _held_child(session, child_id)
    if child is None or child.status == "erased":
        raise NotFound(f"no child {child_id}")
    return child


def child_row_exists(session: Session, *, child_id: int) -> bool:
    """Whether a children row exists in any status (merged and erased too), e.g. for a foreign key to hold."""
    return _held_child(session, child_id) is not None


def _held_child(session: Session, child_id: int) -> Child | None:
    """The child row, kept for the rest of the transaction: a child read asks for it four or five times (the
    policy's checks, the audit row's foreign key, the route), and the identity map alone holds it weakly."""
    held = memo(session, "identity.children")
    if child_id not in held:
        held[child_id] = session.get(Child, child_id)
    child: Child | None = held[child_id]
    return child


class ChildSummary(NamedTuple):
    """What rules know of a child besides the chronology."""

    id: int
    reference: str
    dob: date | None
    sex: str | None
    home_area_code: str | None


def linked_histories(session: Session, *, child_ids: Sequence[int], kinds: Sequence[str] | None = None,
                     until: datetime | None = None
                     ) -> tuple[dict[int, ChildSummary], dict[int, list[int]], dict[int, list[EventOut]]]:
    """Each child's summary, current records and chronology (only `kinds`, none after `until`, oldest first), read
    together in one statement (records.events_of_linked); NotFound names the first child missing or erased."""
    ids = sorted(set(child_ids))
    children: dict[int, ChildSummary] = {}
    record_ids: dict[int, list[int]] = {}
    histories: dict[int, list[EventOut]] = {child_id: [] for child_id in ids}
    for start in range(0, len(ids), 1000):
        owners, held, found = records.events_of_linked(session, links=_CHILDREN_WITH_RECORDS, kinds=kinds,
                                                       until=until, params={"ids": ids[start:start + 1000]})
        children.update((child_id, ChildSummary(child_id, *columns[:4])) for child_id, columns in owners.items()
                        if columns[4] != "erased")
        record_ids.update(held)
        histories.update(found)
    for child_id in child_ids:
        if child_id not in children:
            raise NotFound(f"no child {child_id}")
    return children, record_ids, histories


_RECORDS_OF_CHILD = select(RecordLink.child_id, RecordLink.source_record_id).where(
    RecordLink.child_id == bindparam("id"), RecordLink.ended_at.is_(None))
# Built once: per-event paths (rules at ingest) run this for one child at a time, and building cost as much as running.
_CHILDREN_WITH_RECORDS = (
    select(Child.id.label("child_id"), RecordLink.source_record_id, Child.reference, Child.dob, Child.sex,
           Child.home_area_code, Child.status)
    .select_from(Child)
    .outerjoin(RecordLink, and_(RecordLink.child_id == Child.id, RecordLink.ended_at.is_(None)))
    .where(Child.id.in_(bindparam("ids", expanding=True))))


def list_children(session: Session, *, limit: int = 100, offset: int = 0) -> list[Child]:
    """Active children, most recent first."""
    query = select(Child).where(Child.status == "active").order_by(Child.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def list_links(session: Session, *, child_id: int) -> list[RecordLink]:
    """The links in force for a child, each with its reason."""
    return list(session.scalars(select(RecordLink).where(
        RecordLink.child_id == child_id, RecordLink.ended_at.is_(None)).order_by(RecordLink.id)))


def chronology(session: Session, *, child_id: int, kinds: Sequence[str] | None = None,
               agency_codes: Sequence[str] | None = None) -> list[EventOut]:
    """The child's single multi-agency chronology, oldest first."""
    get_child(session, child_id=child_id)
    # Records, events and their agencies in one statement: the child page and the API read this all day.
    _, _, found = records.events_of_linked(session, links=_RECORDS_OF_CHILD, kinds=kinds, params={"id": child_id})
    events = found.get(child_id, [])
    return [event for event in events if event.agency_code in agency_codes] if agency_codes else events


def evaluate_store(session: Session, *, truth_dir: Path, on: date | None = None) -> dict[str, Any]:
    """Accuracy of the stored links, and of the exact-match baseline, against a simulator's ground truth.

    Age bands are taken on `on`, else at the end of the simulated window (the truth's manifest), else today."""
    truth_by_person, attributes = read_truth(truth_dir)
    rows = list(session.scalars(select(SourceRecord).order_by(SourceRecord.id)))
    agencies = {a.id: a.code for a in areas.agencies_by_id(session, ids={r.agency_id for r in rows}).values()}
    truth: dict[str, str] = {}
    predicted: dict[str, str] = {}
    canon: list[dict[str, Any]] = []
    derived: dict[str, dict[str, Counter[str]]] = {}
    on = on or reference_date(truth_dir) or date.today()
    in_force = store.current_links(session)  # one query: a query per record took minutes on 50,000 records
    for record in rows:
        child = truth_by_person.get((agencies[record.agency_id], record.agency_person_id))
        link = in_force.get(record.id)
        if child is None or link is None:
            continue
        truth[str(record.id)] = child
        predicted[str(record.id)] = str(link.child_id)
        canon.append(store.canonical(record, agencies[record.agency_id]))
        seen = derived.setdefault(child, {"sex": Counter(), "age_band": Counter(), "ethnicity": Counter()})
        seen["sex"][record.sex or "unknown"] += 1
        seen["age_band"][age_band(record.dob, on)] += 1
        seen["ethnicity"][record.ethnicity or "unknown"] += 1
    groups = {child: {name: counts.most_common(1)[0][0] for name, counts in seen.items()}
              for child, seen in derived.items()}
    for child, given in attributes.items():
        if child in groups:
            dob = given.get("dob")
            groups[child].update({k: v for k, v in given.items() if k in ("sex", "ethnicity") and v})
            if dob:
                groups[child]["age_band"] = age_band(date.fromisoformat(dob[:10]), on)
    model = active_model(session)
    return {
        "model": {"label": f"model {model.version if model else DETERMINISTIC}", **report(predicted, truth, groups)},
        "baseline": {"label": "baseline (exact first name + last name + date of birth)",
                     **report(exact_baseline(canon), truth, groups)},
    }


def list_reviews(session: Session, *, status: str = "open", limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Review items with a status (in list_items' order), each with both records side by side as get_item gives."""
    return [get_item(session, item_id=item.id) for item in list_items(session, status=status, limit=limit,
                                                                        offset=offset)]


def count_reviews(session: Session, *, status: str = "open") -> int:
    """How many review items have a status (the queue's length)."""
    return int(session.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == status)) or 0)


def review_evidence(session: Session, *, item_id: int) -> dict[str, Any]:
    """One review item as get_item gives it, each side also naming the agency that holds the record."""
    detail = get_item(session, item_id=item_id)
    for side in ("left", "right"):
        record = records.get_source_record(session, record_id=detail[side]["record_id"])
        detail[side]["agency_id"] = record.agency_id if record else None
    return detail


def decide_review(session: Session, *, item_id: int, decision: str, reason: str,
                  actor: access.Actor) -> dict[str, Any]:
    """A reviewer's decision on a pair, applied now (merge or split) and audited: decide_item, for delivery layers."""
    return decide_item(session, item_id=item_id, decision=decision, reason=reason, actor=actor)
