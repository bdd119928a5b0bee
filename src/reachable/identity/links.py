"""The primitive operations on children and record links that every identity module builds on."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.identity.models import Child, RecordLink
from reachable.records import service as records

SourceRecord = records.SourceRecord

DETERMINISTIC = "deterministic-v1"
IDENTIFIERS = ("upn", "nhs_number", "police_person_id", "council_child_id")


def new_reference() -> str:
    """A short, unguessable, human-quotable child reference such as RCH-7K3Q9M2A."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: read aloud on the phone at 2 a.m.
    return "RCH-" + "".join(secrets.choice(alphabet) for _ in range(8))


def current_link(session: Session, *, source_record_id: int) -> RecordLink | None:
    """The link in force for a source record, if any."""
    return session.scalar(select(RecordLink).where(
        RecordLink.source_record_id == source_record_id, RecordLink.ended_at.is_(None)))


def create_child(session: Session, *, record: SourceRecord, flush: bool = True) -> Child:
    """A new child seeded from one source record (without `flush`, it gets its id at the session's next flush)."""
    child = Child(reference=new_reference(), created_at=utcnow())
    refresh_summary(child, record)
    session.add(child)
    if flush:
        session.flush()
    return child


def refresh_summary(child: Child, record: SourceRecord) -> None:
    """Fill the child's summary from a record where the summary is still blank."""
    name = " ".join(part for part in (record.first_name, record.last_name) if part) or None
    child.display_name = child.display_name or name
    child.dob = child.dob or record.dob
    child.sex = child.sex or record.sex
    child.home_area_code = child.home_area_code or record.home_area_code


def link_record(session: Session, *, record_id: int, child_id: int, decision: str, reason: str, decided_by: str,
                probability: float | None = None, weight: float | None = None,
                model_version: str | None = None, evidence: dict[str, object] | None = None,
                unlinked: bool = False, flush: bool = True) -> RecordLink:
    """Link a record to a child with the decision and its reason, ending any earlier link.

    `unlinked` says the caller has just read that the record has no link, so none is looked for; without
    `flush` the row is written with the session's next flush (a chunk of links goes in one flush).
    """
    now = utcnow()
    previous = None if unlinked else current_link(session, source_record_id=record_id)
    if previous is not None:
        previous.ended_at = now
        previous.end_reason = f"replaced by a {decision} decision"
    link = RecordLink(source_record_id=record_id, child_id=child_id, decision=decision, reason=reason,
                      decided_by=decided_by, decided_at=now, match_probability=probability, match_weight=weight,
                      model_version=model_version, evidence=dict(evidence or {}))
    session.add(link)
    if flush:
        session.flush()
    return link


def deterministic_match(session: Session, *, record: SourceRecord, candidates: records.MatchCandidates | None = None,
                        linked: dict[int, int] | None = None) -> tuple[int, str] | None:
    """A linked record sharing an identifier, or exact name and date of birth; returns (child, reason).

    `candidates`, read once for a whole chunk, gives the same matches as the per-record query without its scan;
    `linked` (record -> child of its current link, kept up to date by the caller) spares a query per candidate.
    """
    found = (candidates.matches(record) if candidates is not None
             else records.find_matching_records(session, record=record, identifiers=IDENTIFIERS))
    for other in found:
        if linked is not None:
            child_id = linked.get(other.id)
        else:
            link = current_link(session, source_record_id=other.id)
            child_id = link.child_id if link is not None else None
        if child_id is None:
            continue
        shared = [name for name in IDENTIFIERS
                  if getattr(record, name) and getattr(record, name) == getattr(other, name)]
        reason = (f"same {shared[0].replace('_', ' ')} as record {other.id}" if shared
                  else f"same first name, last name and date of birth as record {other.id}")
        return child_id, reason
    return None


def current_links_of(session: Session, *, record_ids: Sequence[int]) -> dict[int, RecordLink]:
    """The links in force for many source records, by record, in a few set-based queries."""
    ids = sorted(set(record_ids))
    found: dict[int, RecordLink] = {}
    for start in range(0, len(ids), 1000):
        found.update((link.source_record_id, link) for link in session.scalars(
            _CURRENT_LINKS, {"ids": ids[start:start + 1000]}))
    return found


# Built once: the ingest path asks this for one record at a time, and building it cost as much as running it.
_CURRENT_LINKS = select(RecordLink).where(RecordLink.source_record_id.in_(bindparam("ids", expanding=True)),
                                          RecordLink.ended_at.is_(None))


def record_ids_for_child(session: Session, *, child_id: int) -> list[int]:
    """The source records currently linked to a child."""
    return list(session.scalars(select(RecordLink.source_record_id).where(
        RecordLink.child_id == child_id, RecordLink.ended_at.is_(None))))
