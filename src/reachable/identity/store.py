"""Reading and writing linkage state: model versions, blocking keys, people's pair decisions, record features."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.identity.blocking import index_keys
from reachable.identity.features import features
from reachable.identity.models import BlockingKey, LinkageModel, PairDecision, RecordLink
from reachable.identity.training import Trained
from reachable.records import service as records

DEFAULT_AUTO_LINK = 0.95  # calibrated on simulated world seed 11, validated on seed 23 (docs/linkage.md)
DEFAULT_REVIEW = 0.5


def save_model(session: Session, *, trained: Trained, trained_by: str, auto_link_threshold: float = DEFAULT_AUTO_LINK,
               review_threshold: float = DEFAULT_REVIEW) -> LinkageModel:
    """Store a trained model as the active version (earlier versions stay, for reproducing old decisions)."""
    if not 0 < review_threshold <= auto_link_threshold < 1:
        raise ValueError("thresholds must satisfy 0 < review <= auto-link < 1")
    version = trained.version
    existing = session.scalar(select(LinkageModel).where(LinkageModel.version == version))
    for row in session.scalars(select(LinkageModel).where(LinkageModel.active.is_(True))):
        row.active = False
    if existing is not None:
        existing.active = True
        existing.auto_link_threshold, existing.review_threshold = auto_link_threshold, review_threshold
        session.flush()
        return existing
    row = LinkageModel(version=version, engine=trained.engine, model=trained.model,
                       term_frequencies=trained.term_frequencies, auto_link_threshold=auto_link_threshold,
                       review_threshold=review_threshold, record_count=int(trained.notes.get("records", 0)),
                       notes=trained.notes, trained_by=trained_by, trained_at=utcnow(), active=True)
    session.add(row)
    session.flush()
    return row


def active_model(session: Session) -> LinkageModel | None:
    """The model version in force, or None when nothing has been trained (exact rules apply)."""
    return session.scalar(select(LinkageModel).where(LinkageModel.active.is_(True)).order_by(LinkageModel.id.desc()))


def list_models(session: Session) -> list[LinkageModel]:
    """Every stored model version, newest first."""
    return list(session.scalars(select(LinkageModel).order_by(LinkageModel.id.desc())))


def canonical(record: records.SourceRecord, agency_code: str) -> dict[str, Any]:
    """A stored source record in the canonical linkage columns."""
    return {
        "record_id": record.id, "source": agency_code, "first_name": record.first_name,
        "last_name": record.last_name, "dob": record.dob, "sex": record.sex, "postcode": record.postcode,
        "upn": record.upn, "nhs_number": record.nhs_number, "police_person_id": record.police_person_id,
        "council_child_id": record.council_child_id,
    }


def feature_rows(session: Session, *, source_records: Sequence[records.SourceRecord]) -> list[dict[str, Any]]:
    """Feature rows for stored source records."""
    agencies = areas.agencies_by_id(session, ids={record.agency_id for record in source_records})
    return [features(canonical(record, agencies[record.agency_id].code)) for record in source_records]


def file_keys(session: Session, *, record_id: int, row: dict[str, Any]) -> None:
    """(Re)file a record under its blocking keys."""
    session.execute(delete(BlockingKey).where(BlockingKey.source_record_id == record_id))
    session.add_all(BlockingKey(source_record_id=record_id, key=key[:160]) for key in sorted(index_keys(row)))


def file_keys_of(session: Session, *, rows: dict[int, dict[str, Any]]) -> None:
    """(Re)file many records under their blocking keys in a few statements (as file_keys does one by one)."""
    ids = sorted(rows)
    for start in range(0, len(ids), 1000):
        session.execute(delete(BlockingKey).where(BlockingKey.source_record_id.in_(ids[start:start + 1000])))
    values = [{"source_record_id": record_id, "key": key[:160]}
              for record_id, row in rows.items() for key in sorted(index_keys(row))]
    if values:
        session.execute(insert(BlockingKey), values)


def refile_all(session: Session, *, rows: Sequence[dict[str, Any]]) -> None:
    """Rebuild the whole blocking index in two statements (a full run sees every record anyway)."""
    session.execute(delete(BlockingKey))
    values = [{"source_record_id": int(row["unique_id"]), "key": key[:160]}
              for row in rows for key in sorted(index_keys(row))]
    if values:
        session.execute(insert(BlockingKey), values)


def current_links(session: Session) -> dict[int, RecordLink]:
    """Every link in force, by source record (one query, for full runs)."""
    return {link.source_record_id: link for link in session.scalars(
        select(RecordLink).where(RecordLink.ended_at.is_(None)))}


def candidates(session: Session, *, keys: Iterable[str], exclude: int, limit: int = 200) -> list[int]:
    """Records filed under any of the keys (most shared keys first), excluding the record itself."""
    wanted = sorted(key[:160] for key in keys)
    if not wanted:
        return []
    found = session.execute(select(BlockingKey.source_record_id).where(BlockingKey.key.in_(wanted))).scalars()
    counts: dict[int, int] = {}
    for record_id in found:
        if record_id != exclude:
            counts[record_id] = counts.get(record_id, 0) + 1
    return sorted(counts, key=lambda rid: (-counts[rid], rid))[:limit]


def ordered(a: int, b: int) -> tuple[int, int]:
    """A pair with the smaller record id first (pairs are stored once)."""
    return (a, b) if a < b else (b, a)


def decide_pair(session: Session, *, record_a: int, record_b: int, decision: str, reason: str, decided_by: str,
                review_item_id: int | None = None) -> PairDecision:
    """Store a person's match / no_match decision for two records, replacing any earlier one."""
    if decision not in ("match", "no_match"):
        raise ValueError("decision must be match or no_match")
    if record_a == record_b:
        raise ValueError("a record cannot be compared with itself")
    a, b = ordered(record_a, record_b)
    now = utcnow()
    for old in session.scalars(select(PairDecision).where(
            PairDecision.record_a_id == a, PairDecision.record_b_id == b, PairDecision.ended_at.is_(None))):
        old.ended_at = now
    row = PairDecision(record_a_id=a, record_b_id=b, decision=decision, reason=reason, decided_by=decided_by,
                       decided_at=now, review_item_id=review_item_id)
    session.add(row)
    session.flush()
    return row


def pair_decisions(session: Session, *, record_ids: Iterable[int] | None = None) -> list[PairDecision]:
    """Decisions in force, optionally only those touching the given records."""
    query = select(PairDecision).where(PairDecision.ended_at.is_(None))
    if record_ids is not None:
        ids = list(record_ids)
        query = query.where(PairDecision.record_a_id.in_(ids) | PairDecision.record_b_id.in_(ids))
    return list(session.scalars(query.order_by(PairDecision.id)))
