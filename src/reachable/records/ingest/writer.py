"""The set-based bulk writer: validated events in, source records and events copied in chunk by chunk.

It keeps the semantics of `records.service.store_events` exactly (the same hashes, the same rule that a
repeat is a no-op and a changed event under the same agency key is a new version, the same source-record
refresh) but works per chunk: one query finds what exists, one COPY (or executemany) writes what is new.
Idempotency rests on the unique keys (agency, agency person id) and (agency, agency key, version).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, tuple_
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.records import service as records
from reachable.records.ingest.bulk_sql import allocate_ids, copy_rows, timestamp_converter
from reachable.records.models import Event, ImportBatch, SourceRecord
from reachable.records.schemas import EventIn, PersonIn, StoreResult
from reachable.records.validation import as_utc

LOOKUP = 500  # keys per IN (...) lookup: well under every driver's parameter limit
EVENT_COLUMNS = ("id", "kind", "occurred_at", "recorded_at", "agency_id", "agency_key", "version", "superseded_at",
                 "source_record_id", "person_role", "area_code", "postcode", "place", "incident_ref", "payload",
                 "content_hash", "import_batch_id", "source_line", "note")
RECORD_COLUMNS = ("id", "agency_id", "agency_person_id", *records.PERSON_FIELDS, "content_hash", "first_seen_at",
                  "updated_at")


@dataclass(slots=True)
class _Person:
    """What the writer knows of one source record during an import: its id, stored hash, last values seen."""

    id: int
    digest: str
    seen: int  # hash() of the last values tuple sent, a cheap "same as last time" test


@dataclass
class BulkWriter:
    """Writes chunks of validated events (and person-only rows) for one import, inside the caller's transaction."""

    session: Session
    now: datetime = field(default_factory=utcnow)
    _agencies: dict[str, int] = field(default_factory=dict)
    _people: dict[tuple[int, str], _Person] = field(default_factory=dict)

    def agency_id(self, code: str) -> int:
        """The id of an agency, registering it on first sight."""
        if code not in self._agencies:
            self._agencies[code] = areas.ensure_agency(self.session, code=code).id
        return self._agencies[code]

    def write(self, *, events: Sequence[tuple[int, EventIn]], people: Sequence[tuple[str, PersonIn]] = (),
              batch: ImportBatch | None = None) -> StoreResult:
        """Store one chunk: `events` are (line, event) already validated; `people` are (agency, person) rows."""
        sent = [(self.agency_id(agency), person) for agency, person in people]
        sent += [(self.agency_id(event.agency), event.person) for _, event in events]
        record_ids = self._write_people(sent)
        result = self._write_events(events, batch)
        result.source_record_ids = sorted(record_ids)
        return result

    # -- source records ------------------------------------------------------------------------------------

    def _write_people(self, sent: list[tuple[int, PersonIn]]) -> set[int]:
        """Create or refresh the source records of a chunk exactly as upsert_source_record would, row by row."""
        pending: dict[tuple[int, str], list[dict[str, Any]]] = {}
        touched: set[int] = set()
        for agency_id, person in sent:
            key = (agency_id, person.agency_person_id)
            values = records.person_values(person)
            seen = hash(tuple(values.values()))
            known = self._people.get(key)
            if known is not None and known.seen == seen and key not in pending:
                touched.add(known.id)
                continue
            pending.setdefault(key, []).append(values)
        if not pending:
            return touched
        stored = self._load_records(list(pending))
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key, versions in pending.items():
            state = stored.get(key)
            created = state is None
            changed = False
            for values in versions:
                digest = records.content_hash(values)
                if state is None:
                    state = {**values, "content_hash": digest}
                elif state["content_hash"] != digest:
                    # Later extracts fill gaps but never blank out what the agency told us before.
                    state.update({name: value for name, value in values.items() if value is not None})
                    state["content_hash"] = digest
                    changed = True
            assert state is not None
            state["_seen"] = hash(tuple(versions[-1].values()))
            if created:
                inserts.append({**state, "agency_id": key[0], "agency_person_id": key[1]})
            elif changed:
                updates.append(state)
            else:
                self._people[key] = _Person(state["id"], state["content_hash"], state["_seen"])
                touched.add(state["id"])
        for row, new_id in zip(inserts, allocate_ids(self.session, table="source_records", count=len(inserts)),
                               strict=True):
            row["id"] = new_id
        to_time = timestamp_converter(self.session)
        stamp = to_time(self.now)
        copy_rows(self.session, table="source_records", columns=RECORD_COLUMNS,
                  rows=[tuple(stamp if name in ("first_seen_at", "updated_at") else row.get(name)
                              for name in RECORD_COLUMNS) for row in inserts])
        if updates:
            assignments = ", ".join(f"{name} = :{name}" for name in (*records.PERSON_FIELDS, "content_hash"))
            self.session.execute(text(f"UPDATE source_records SET {assignments}, updated_at = :updated_at "  # noqa: S608
                                      "WHERE id = :id"),
                                 [{**{name: row[name] for name in (*records.PERSON_FIELDS, "content_hash", "id")},
                                   "updated_at": stamp} for row in updates])
        for row in (*inserts, *updates):
            key = (row["agency_id"], row["agency_person_id"])
            self._people[key] = _Person(row["id"], row["content_hash"], row["_seen"])
            touched.add(row["id"])
        return touched

    def _load_records(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
        """The stored source records for these keys, as mutable dicts of their columns."""
        found: dict[tuple[int, str], dict[str, Any]] = {}
        columns = [getattr(SourceRecord, name) for name in ("id", "agency_id", "agency_person_id",
                                                            *records.PERSON_FIELDS, "content_hash")]
        for part in _chunks(keys, LOOKUP):
            by_agency: dict[int, list[str]] = {}
            for agency_id, person_id in part:
                by_agency.setdefault(agency_id, []).append(person_id)
            for agency_id, person_ids in by_agency.items():
                query = select(*columns).where(SourceRecord.agency_id == agency_id,
                                               SourceRecord.agency_person_id.in_(person_ids))
                for row in self.session.execute(query).mappings():
                    found[(agency_id, row["agency_person_id"])] = dict(row)
        return found

    # -- events --------------------------------------------------------------------------------------------

    def _write_events(self, events: Sequence[tuple[int, EventIn]], batch: ImportBatch | None) -> StoreResult:
        """Insert new events and new versions; a repeat is a no-op, as in store_events."""
        result = StoreResult()
        if not events:
            return result
        keyed = [(self._agencies[event.agency], event.agency_key) for _, event in events]
        latest = self._latest_versions(keyed)
        to_time = timestamp_converter(self.session)
        stamp = to_time(self.now)
        new_rows: list[list[Any]] = []
        superseded: list[int] = []
        ids = iter(allocate_ids(self.session, table="events", count=len(events)))
        batch_id = batch.id if batch is not None else None
        for (line, event), key in zip(events, keyed, strict=True):
            _payload, payload_json = records.normalised_payload(event)
            digest = records.event_hash(event, payload_json)
            current = latest.get(key)
            if current is not None and current[2] == digest:
                result.unchanged += 1
                result.event_ids.append(current[0])
                continue
            version = 1 if current is None else current[1] + 1
            if current is None:
                result.created += 1
            else:
                result.new_versions += 1
                superseded.append(current[0])
            event_id = next(ids)
            person = self._people[(key[0], event.person.agency_person_id)]
            new_rows.append([
                event_id, event.kind.value, to_time(as_utc(event.occurred_at)),
                to_time(as_utc(event.recorded_at)) if event.recorded_at else stamp, key[0], event.agency_key,
                version, None, person.id, event.role.value, event.area_code, event.postcode, event.place,
                event.incident_ref, payload_json, digest, batch_id, line, event.note,
            ])
            latest[key] = (event_id, version, digest)
            result.event_ids.append(event_id)
        if superseded:
            self.session.execute(text("UPDATE events SET superseded_at = :at WHERE id = :id"),
                                 [{"at": stamp, "id": event_id} for event_id in superseded])
        # A superseded row written in this very chunk is marked before it is copied in.
        gone = set(superseded)
        for row in new_rows:
            if row[0] in gone:
                row[7] = stamp
        copy_rows(self.session, table="events", columns=EVENT_COLUMNS, rows=new_rows)
        return result

    def _latest_versions(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, int, str]]:
        """(id, version, hash) of the current version of each (agency, agency key) already stored."""
        found: dict[tuple[int, str], tuple[int, int, str]] = {}
        unique = list(dict.fromkeys(keys))
        query = (select(Event.id, Event.agency_id, Event.agency_key, Event.version, Event.content_hash)
                 .where(Event.superseded_at.is_(None),
                        tuple_(Event.agency_id, Event.agency_key).in_(bindparam("keys", expanding=True))))
        for part in _chunks(unique, LOOKUP):
            for row in self.session.execute(query, {"keys": part}):
                found[(row.agency_id, row.agency_key)] = (row.id, row.version, row.content_hash)
        return found


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
