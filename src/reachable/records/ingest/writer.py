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

from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.types import PersonRole
from reachable.db.dialect import allocate_ids, copy_rows_at_once, select_by_keys, timestamp_converter
from reachable.records import service as records
from reachable.records.models import Event, ImportBatch, SourceRecord
from reachable.records.schemas import EventIn, EventKind, PersonIn, StoreResult
from reachable.records.validation import as_utc

LOOKUP = 10_000  # keys per lookup query (one array parameter, so only the query's size bounds it)
EVENT_COLUMNS = ("id", "kind", "occurred_at", "recorded_at", "agency_id", "agency_key", "version", "superseded_at",
                 "source_record_id", "person_role", "area_code", "postcode", "place", "incident_ref", "payload",
                 "content_hash", "import_batch_id", "source_line", "note")
RECORD_COLUMNS = ("id", "agency_id", "agency_person_id", *records.PERSON_FIELDS, "content_hash", "first_seen_at",
                  "updated_at")
_VALUES: dict[Any, str] = {**{kind: kind.value for kind in EventKind}, **{role: role.value for role in PersonRole}}
Checked = tuple[int, EventIn, str]  # (line, event, normalised payload JSON) of an event already validated in full


@dataclass(slots=True)
class _Person:
    """What the writer knows of one source record during an import: its id, stored hash, last values seen."""

    id: int
    digest: str
    seen: int  # hash() of the last person sent (all its fields), a cheap "same as last time" test


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

    def write(self, *, events: Sequence[tuple[int, EventIn]] = (), people: Sequence[tuple[str, PersonIn]] = (),
              batch: ImportBatch | None = None, checked: Sequence[Checked] = ()) -> StoreResult:
        """Store a chunk: validated (line, event) or `checked` (line, event, payload JSON); (agency, person) rows."""
        ready = [*checked, *((line, event, records.normalised_payload(event)[1]) for line, event in events)]
        sent = [(self.agency_id(agency), person) for agency, person in people]
        agency_id = self.agency_id
        sent += [(agency_id(event.agency), event.person) for _, event, _ in ready]
        record_ids = self._write_people(sent)
        result = self._write_events(ready, batch)
        result.source_record_ids = sorted(record_ids)
        return result

    # -- source records ------------------------------------------------------------------------------------

    def _write_people(self, sent: list[tuple[int, PersonIn]]) -> set[int]:
        """Create or refresh the source records of a chunk exactly as upsert_source_record would, row by row."""
        pending: dict[tuple[int, str], list[tuple[int, PersonIn]]] = {}
        touched: set[int] = set()
        known_people = self._people
        for agency_id, person in sent:
            key = (agency_id, person.agency_person_id)
            # Every field of the person as sent: an unchanged repeat (the same child on many rows) costs one hash.
            seen = hash(tuple(person.__dict__.values()))
            known = known_people.get(key)
            if known is not None and known.seen == seen and key not in pending:
                touched.add(known.id)
                continue
            pending.setdefault(key, []).append((seen, person))
        if not pending:
            return touched
        stored = self._load_records(list(pending))
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key, versions in pending.items():
            state = stored.get(key)
            created = state is None
            changed = False
            for _, person in versions:
                values = records.person_values(person)
                digest = records.content_hash(values)
                if state is None:
                    state = {**values, "content_hash": digest}
                elif state["content_hash"] != digest:
                    # Later extracts fill gaps but never blank out what the agency told us before.
                    state.update({name: value for name, value in values.items() if value is not None})
                    state["content_hash"] = digest
                    changed = True
            assert state is not None
            state["_seen"] = versions[-1][0]
            if created:
                inserts.append({**state, "agency_id": key[0], "agency_person_id": key[1]})
            elif changed:
                updates.append(state)
            else:
                known_people[key] = _Person(state["id"], state["content_hash"], state["_seen"])
                touched.add(state["id"])
        for row, new_id in zip(inserts, allocate_ids(self.session, table="source_records", count=len(inserts)),
                               strict=True):
            row["id"] = new_id
        stamp = timestamp_converter(self.session)(self.now)
        if inserts:
            copy_rows_at_once(self.session, table="source_records", columns=RECORD_COLUMNS,
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
            known_people[key] = _Person(row["id"], row["content_hash"], row["_seen"])
            touched.add(row["id"])
        return touched

    def _load_records(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
        """The stored source records for these keys, as mutable dicts of their columns."""
        found: dict[tuple[int, str], dict[str, Any]] = {}
        columns = [getattr(SourceRecord, name) for name in ("id", "agency_id", "agency_person_id",
                                                            *records.PERSON_FIELDS, "content_hash")]
        for agency_id, person_ids in _by_agency(keys).items():
            for part in _chunks(person_ids, LOOKUP):
                query = select_by_keys(self.session, columns, SourceRecord.agency_person_id, part,
                                       SourceRecord.agency_id == agency_id)
                for row in self.session.execute(query).mappings():
                    found[(agency_id, row["agency_person_id"])] = dict(row)
        return found

    # -- events --------------------------------------------------------------------------------------------

    def _write_events(self, events: Sequence[Checked], batch: ImportBatch | None) -> StoreResult:
        """Insert new events and new versions; a repeat is a no-op, as in store_events."""
        result = StoreResult()
        if not events:
            return result
        agencies = self._agencies
        keyed = [(agencies[event.agency], event.agency_key) for _, event, _ in events]
        latest = self._latest_versions(keyed)
        to_time = timestamp_converter(self.session)
        stamp = to_time(self.now)
        new_rows: list[list[Any]] = []
        superseded: list[int] = []
        ids = iter(allocate_ids(self.session, table="events", count=len(events)))
        batch_id = batch.id if batch is not None else None
        people = self._people
        event_ids = result.event_ids
        created = new_versions = 0
        for (line, event, payload_json), key in zip(events, keyed, strict=True):
            digest = records.event_hash(event, payload_json)
            current = latest.get(key)
            if current is not None and current[2] == digest:
                result.unchanged += 1
                event_ids.append(current[0])
                continue
            if current is None:
                version = 1
                created += 1
            else:
                version = current[1] + 1
                new_versions += 1
                superseded.append(current[0])
            event_id = next(ids)
            person = people[(key[0], event.person.agency_person_id)]
            new_rows.append([
                event_id, _VALUES[event.kind], to_time(as_utc(event.occurred_at)),
                to_time(as_utc(event.recorded_at)) if event.recorded_at else stamp, key[0], event.agency_key,
                version, None, person.id, _VALUES[event.role], event.area_code, event.postcode, event.place,
                event.incident_ref, payload_json, digest, batch_id, line, event.note,
            ])
            latest[key] = (event_id, version, digest)
            event_ids.append(event_id)
        result.created, result.new_versions = created, new_versions
        if superseded:
            self.session.execute(text("UPDATE events SET superseded_at = :at WHERE id = :id"),
                                 [{"at": stamp, "id": event_id} for event_id in superseded])
        # A superseded row written in this very chunk is marked before it is copied in.
        gone = set(superseded)
        if gone:
            for row in new_rows:
                if row[0] in gone:
                    row[7] = stamp
        copy_rows_at_once(self.session, table="events", columns=EVENT_COLUMNS, rows=new_rows)
        return result

    def _latest_versions(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, int, str]]:
        """(id, version, hash) of the current version of each (agency, agency key) already stored."""
        found: dict[tuple[int, str], tuple[int, int, str]] = {}
        for agency_id, agency_keys in _by_agency(keys).items():
            for part in _chunks(agency_keys, LOOKUP):
                query = select_by_keys(self.session, [Event.id, Event.agency_key, Event.version, Event.content_hash],
                                       Event.agency_key, part, Event.agency_id == agency_id,
                                       Event.superseded_at.is_(None))
                for row in self.session.execute(query):
                    found[(agency_id, row.agency_key)] = (row.id, row.version, row.content_hash)
        return found


def _by_agency(keys: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """(agency, key) pairs grouped by agency, each key once, so each agency is one lookup on its unique index."""
    grouped: dict[int, dict[str, None]] = {}
    for agency_id, key in keys:
        grouped.setdefault(agency_id, {})[key] = None
    return {agency_id: list(found) for agency_id, found in grouped.items()}


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
