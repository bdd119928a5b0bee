"""Find a child: fuzzy on name (spelling, sound, nicknames), date of birth (with day/month swaps) or identifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from reachable.identity import features
from reachable.identity.models import Child, RecordLink
from reachable.records.service import SourceRecord
from reachable.web.views.lookup import agency_names

IDENTIFIERS = ("upn", "nhs_number", "police_person_id", "council_child_id")
CANDIDATE_LIMIT = 5000
RESULT_LIMIT = 25


@dataclass
class Query:
    """What the person searched for; any field may be blank but not all."""

    first_name: str = ""
    last_name: str = ""
    dob: date | None = None
    identifier: str = ""

    def empty(self) -> bool:
        """Whether nothing was given to search on."""
        return not (self.first_name.strip() or self.last_name.strip() or self.dob or self.identifier.strip())


@dataclass
class Result:
    """One child found, its score and the reasons it matched (shown so the person can judge)."""

    child: Child
    score: float
    reasons: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)


def _name_score(wanted: str | None, found: str | None) -> tuple[float, str | None]:
    """How alike two names are (exact, nickname, sound or spelling), with the reason key."""
    wanted, found = features.clean_name(wanted), features.clean_name(found)
    if not wanted or not found:
        return 0.0, None
    if wanted == found:
        return 1.0, "exact"
    groups = features.nickname_groups()
    if set(groups.get(wanted, ())) & set(groups.get(found, ())):
        return 0.85, "nickname"
    ratio = SequenceMatcher(None, wanted, found).ratio()
    if features.soundex(wanted) == features.soundex(found):
        return max(0.75, ratio), "sound"
    return (ratio, "spelling") if ratio >= 0.7 else (0.0, None)


def _dob_score(wanted: date | None, found: date | None) -> tuple[float, str | None]:
    """Exact date of birth, day and month swapped, or the same month and year."""
    if wanted is None or found is None:
        return 0.0, None
    if wanted == found:
        return 1.0, "exact"
    if wanted.year == found.year and wanted.day == found.month and wanted.month == found.day:
        return 0.7, "swapped"
    if (wanted.year, wanted.month) == (found.year, found.month):
        return 0.5, "month"
    return 0.0, None


def _candidates(session: Session, query: Query) -> list[tuple[SourceRecord, int]]:
    """Records (with their child) that could match: shared identifier, date of birth or name prefix."""
    clauses = []
    ident = query.identifier.strip().upper().replace(" ", "")
    if ident:
        clauses += [func.upper(getattr(SourceRecord, name)) == ident for name in IDENTIFIERS]
    if query.dob:
        swapped = None
        if query.dob.day <= 12:
            swapped = date(query.dob.year, query.dob.day, query.dob.month)
        clauses.append(SourceRecord.dob == query.dob)
        if swapped:
            clauses.append(SourceRecord.dob == swapped)
    for column, text in ((SourceRecord.last_name, query.last_name), (SourceRecord.first_name, query.first_name)):
        cleaned = features.clean_name(text)
        if cleaned:
            clauses.append(func.lower(column).like(cleaned[:2] + "%"))
    if not clauses:
        return []
    statement = (select(SourceRecord, RecordLink.child_id)
                 .join(RecordLink, (RecordLink.source_record_id == SourceRecord.id) & RecordLink.ended_at.is_(None))
                 .where(or_(*clauses)).limit(CANDIDATE_LIMIT))
    return [(row[0], row[1]) for row in session.execute(statement)]


def search(session: Session, *, query: Query) -> list[Result]:
    """Children matching the query, best first, each with why it matched."""
    best: dict[int, tuple[float, list[str], set[int]]] = {}
    ident = query.identifier.strip().upper().replace(" ", "")
    for record, child_id in _candidates(session, query):
        score, reasons = 0.0, []
        if ident and any((getattr(record, name) or "").upper() == ident for name in IDENTIFIERS):
            score += 3.0
            reasons.append("search.reason_identifier")
        for wanted, found, weight, label in ((query.last_name, record.last_name, 1.5, "last_name"),
                                             (query.first_name, record.first_name, 1.0, "first_name")):
            value, why = _name_score(wanted, found)
            if why:
                score += weight * value
                reasons.append(f"search.reason_{label}_{why}")
        value, why = _dob_score(query.dob, record.dob)
        if why:
            score += 1.5 * value
            reasons.append(f"search.reason_dob_{why}")
        if score <= 0 or (query.dob and not why and not ident and score < 2.0):
            continue
        current = best.get(child_id)
        agencies = {record.agency_id} | (current[2] if current else set())
        if current is None or score > current[0]:
            best[child_id] = (score, reasons, agencies)
        else:
            best[child_id] = (current[0], current[1], agencies)
    ranked = sorted(best.items(), key=lambda item: -item[1][0])[:RESULT_LIMIT]
    children = {child.id: child for child in session.scalars(
        select(Child).where(Child.id.in_([child_id for child_id, _ in ranked]), Child.status == "active"))}
    names = agency_names(session, {agency for _, (_, _, found) in ranked for agency in found})
    return [Result(child=children[child_id], score=round(score, 2), reasons=reasons,
                   agencies=sorted(names[agency] for agency in found if agency in names))
            for child_id, (score, reasons, found) in ranked if child_id in children]
