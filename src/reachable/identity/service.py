"""Resolving source records to children, and reading a child's identity and chronology."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.errors import NotFound
from reachable.db.dialect import lock_for_append
from reachable.identity import incremental, store
from reachable.identity.evaluate import age_band, exact_baseline, format_report, read_truth, report
from reachable.identity.features import usability
from reachable.identity.linkfile import link_file
from reachable.identity.links import (
    DETERMINISTIC,
    IDENTIFIERS,
    SourceRecord,
    create_child,
    current_link,
    deterministic_match,
    link_record,
    new_reference,
    record_ids_for_child,
    refresh_summary,
)
from reachable.identity.merge_split import history, merge_children, split_child
from reachable.identity.models import Child, RecordLink
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
    link = current_link(session, source_record_id=record_id)
    if link is not None:
        return link.child_id
    record = records.get_source_record(session, record_id=record_id)
    if record is None:
        raise NotFound(f"no source record {record_id}")
    # Two transactions linking the same new child at once (two agencies' events) would each see no match and
    # each create a child on PostgreSQL; linking one record at a time makes the second see the first's child.
    lock_for_append(session, "identity")
    model = active_model(session)
    if model is not None:
        outcome = incremental.match(session, record=record, model=model)
        if outcome.decision in ("auto_link", "clerical_link"):
            incremental.summary_child(session, outcome.child_id, record)
        link_record(session, record_id=record_id, child_id=outcome.child_id, decision=outcome.decision,
                    reason=outcome.reason, decided_by=model.version, model_version=model.version,
                    probability=outcome.probability, weight=outcome.weight, evidence=dict(outcome.evidence or {}))
        return outcome.child_id
    return _resolve_deterministic(session, record=record)


def _resolve_deterministic(session: Session, *, record: SourceRecord) -> int:
    """Exact rules (an identifier, or exact name and date of birth), used until a model is trained."""
    row = store.feature_rows(session, source_records=[record])[0]
    store.file_keys(session, record_id=record.id, row=row)
    usable = usability(row)
    if not usable.usable:
        child = create_child(session, record=record)
        link_record(session, record_id=record.id, child_id=child.id, decision="held_unlinked",
                    reason=f"held unlinked: {usable.reason}", decided_by=DETERMINISTIC, model_version=DETERMINISTIC)
        return child.id
    match = deterministic_match(session, record=record)
    if match is not None:
        child_id, reason = match
        found = session.get(Child, child_id)
        if found is not None:
            refresh_summary(found, record)
        link_record(session, record_id=record.id, child_id=child_id, decision="auto_link", reason=reason,
                    decided_by=DETERMINISTIC, model_version=DETERMINISTIC, probability=1.0)
        return child_id
    child = create_child(session, record=record)
    link_record(session, record_id=record.id, child_id=child.id, decision="new_child",
                reason="no existing child shares an identifier or exact name and date of birth",
                decided_by=DETERMINISTIC, model_version=DETERMINISTIC)
    return child.id


def get_child(session: Session, *, child_id: int) -> Child:
    """One child by id, or NotFound."""
    child = session.get(Child, child_id)
    if child is None or child.status == "erased":
        raise NotFound(f"no child {child_id}")
    return child


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
    return records.list_events(session, source_record_ids=record_ids_for_child(session, child_id=child_id),
                               kinds=kinds, agency_codes=agency_codes)


def evaluate_store(session: Session, *, truth_dir: Path, on: date | None = None) -> dict[str, Any]:
    """Accuracy of the stored links, and of the exact-match baseline, against a simulator's ground truth."""
    truth_by_person, attributes = read_truth(truth_dir)
    rows = list(session.scalars(select(SourceRecord).order_by(SourceRecord.id)))
    agencies = {a.id: a.code for a in areas.agencies_by_id(session, ids={r.agency_id for r in rows}).values()}
    truth: dict[str, str] = {}
    predicted: dict[str, str] = {}
    canon: list[dict[str, Any]] = []
    derived: dict[str, dict[str, Counter[str]]] = {}
    on = on or date.today()
    for record in rows:
        child = truth_by_person.get((agencies[record.agency_id], record.agency_person_id))
        link = current_link(session, source_record_id=record.id)
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
