"""Exact-match candidates for many records at once: the set-based form of `find_matching_records`.

Linking a chunk of thousands of new records one query each scanned the whole source-record table per record
(lower() on the name columns defeats any index). Here one chunk costs a few queries, and each record's
matches are picked out in Python with the database's own lower() values, so the result is exactly the rows
`find_matching_records` returns, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable.records.models import SourceRecord

PART = 500  # values per IN list: well inside every database's parameter limit
LIMIT = 50  # as many matches as find_matching_records returns


class MatchCandidates:
    """Stored records that could exactly match any of a set of records, indexed by what they would match on."""

    def __init__(self, session: Session, *, records: Sequence[SourceRecord], identifiers: Sequence[str]) -> None:
        """Read the candidates in a few queries: one per identifier in use, and one for name and date of birth."""
        self.identifiers = tuple(identifiers)
        self.rows: dict[int, SourceRecord] = {}
        # (identifier name, value) or ("name", lower first, lower last, dob) -> ids of the records holding it
        self.index: dict[tuple[Any, ...], set[int]] = {}
        for name in self.identifiers:
            values = sorted({value for record in records if (value := getattr(record, name))})
            self._read(session, [getattr(SourceRecord, name).in_(values[i:i + PART])
                                 for i in range(0, len(values), PART)])
        named = [record for record in records if record.first_name and record.last_name and record.dob]
        for start in range(0, len(named), PART):
            part = named[start:start + PART]
            firsts = sorted({str(record.first_name).lower() for record in part})
            lasts = sorted({str(record.last_name).lower() for record in part})
            dobs = sorted({record.dob for record in part if record.dob})
            self._read(session, [func.lower(SourceRecord.first_name).in_(firsts)
                                 & func.lower(SourceRecord.last_name).in_(lasts) & SourceRecord.dob.in_(dobs)])

    def _read(self, session: Session, conditions: list[Any]) -> None:
        """Add the records meeting each condition, with their lower-cased names as the database computes them."""
        for condition in conditions:
            query = select(SourceRecord, func.lower(SourceRecord.first_name), func.lower(SourceRecord.last_name))
            for other, first, last in session.execute(query.where(condition)):
                self.rows[other.id] = other
                for name in self.identifiers:
                    if value := getattr(other, name):
                        self.index.setdefault((name, value), set()).add(other.id)
                if first is not None and last is not None and other.dob is not None:
                    self.index.setdefault(("name", first, last, other.dob), set()).add(other.id)

    def matches(self, record: SourceRecord) -> list[SourceRecord]:
        """Other records sharing an identifier, or exact first name, last name and date of birth (by id, at most 50)."""
        keys: list[tuple[Any, ...]] = [(name, value) for name in self.identifiers if (value := getattr(record, name))]
        if record.first_name and record.last_name and record.dob:
            keys.append(("name", record.first_name.lower(), record.last_name.lower(), record.dob))
        ids = set().union(*(self.index.get(key, set()) for key in keys)) - {record.id}
        return [self.rows[other_id] for other_id in sorted(ids)[:LIMIT]]
