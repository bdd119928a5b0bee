"""Storing source records and events (idempotently, versioned) and reading them back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import InputRejected
from reachable.db.dialect import insert_ignoring_conflicts
from reachable.records.kinds import PAYLOADS
from reachable.records.matching import MatchCandidates as MatchCandidates  # re-exported for identity
from reachable.records.models import Event, ImportBatch
from reachable.records.models import SourceRecord as SourceRecord  # re-exported for other domains
from reachable.records.schemas import EventIn, EventOut, PersonIn, StoreResult
from reachable.records.validation import as_utc, check_events

PERSON_FIELDS = (
    "first_name", "middle_names", "last_name", "dob", "sex", "ethnicity", "nationality", "address",
    "postcode", "upn", "nhs_number", "police_person_id", "council_child_id", "home_area_code",
)


def content_hash(data: dict[str, Any]) -> str:
    """A stable hash of a JSON-able mapping, used to recognise repeats and corrections."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Who the agency says the event is about counts; how it spelled their details that day does not (those are
# versioned on the source record), so a newly recorded UPN does not turn every event into a "correction".
HASH_EXCLUDE: dict[str, Any] = {"recorded_at": True, "payload": True,
                                "person": dict.fromkeys(PERSON_FIELDS, True)}


_TO_JSON = EventIn.__pydantic_serializer__.to_json


def normalised_payload(event: EventIn) -> tuple[dict[str, Any], str]:
    """The payload as its kind's contract reads it (defaults filled, unset fields dropped), as data and JSON."""
    model = PAYLOADS[event.kind].model_validate(event.payload)
    return model.model_dump(mode="json", exclude_none=True), model.model_dump_json(exclude_none=True)


def event_hash(event: EventIn, payload_json: str | None = None) -> str:
    """Hash of what an agency said about an event (not when we received it), over its normalised payload.

    Field order is the model's, so the same facts always hash alike; the payload is normalised first so
    reordered or defaulted payload keys are not mistaken for a correction.
    """
    if payload_json is None:
        payload_json = normalised_payload(event)[1]
    # The model's serializer itself: model_dump_json's Python layer was a third of the cost per event.
    return hashlib.sha256(_TO_JSON(event, exclude=HASH_EXCLUDE) + payload_json.encode()).hexdigest()


def person_values(person: PersonIn) -> dict[str, Any]:
    """The stored columns of a source record, from a person as the agency sent them."""
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    values["sex"] = person.sex.value if person.sex else None
    return values


def neutralise_cell(value: object) -> str:
    """A value made safe for a spreadsheet: text starting =, +, -, @, tab or CR gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def create_batch(session: Session, *, source_kind: str, source_name: str, format: str, digest: str,
                 imported_by: str, agency_id: int | None = None, counts: dict[str, int] | None = None
                 ) -> ImportBatch:
    """Open the provenance row that every event of this import will point to.

    With `counts` (an API batch, whose size is known before it is stored) the row is written finished.
    """
    started = utcnow()
    batch = ImportBatch(source_kind=source_kind, source_name=source_name, format=format, content_hash=digest,
                        imported_by=imported_by, agency_id=agency_id, started_at=started, counts=counts or {},
                        finished_at=started if counts is not None else None)
    session.add(batch)
    session.flush()
    return batch


def find_batch(session: Session, *, digest: str, format: str, agency_id: int | None) -> ImportBatch | None:
    """A finished earlier import of exactly this content, format and agency (so a re-run can be a no-op)."""
    return session.scalar(select(ImportBatch).where(
        ImportBatch.content_hash == digest, ImportBatch.format == format, ImportBatch.agency_id == agency_id,
        ImportBatch.finished_at.is_not(None)).order_by(ImportBatch.id).limit(1))


def upsert_source_record(session: Session, *, agency_id: int, person: PersonIn, seen_at: datetime) -> SourceRecord:
    """The agency's record of this person, created or refreshed with the latest details it sent."""
    values = person_values(person)
    digest = content_hash(values)
    query = select(SourceRecord).where(SourceRecord.agency_id == agency_id,
                                       SourceRecord.agency_person_id == person.agency_person_id)
    record = session.scalar(query)
    if record is None:
        # Two submissions about a person new to us can race (concurrent API clients): the later insert waits for
        # the earlier, does nothing, and reads the row the earlier one made, instead of failing on the unique key.
        table = cast(Table, SourceRecord.__table__)
        session.execute(insert_ignoring_conflicts(session, table, ["agency_id", "agency_person_id"]).values(
            agency_id=agency_id, agency_person_id=person.agency_person_id, content_hash=digest,
            first_seen_at=seen_at, updated_at=seen_at, **values))
        record = session.scalar(query)
        assert record is not None
    if record.content_hash != digest:
        for name, value in values.items():
            # Later extracts fill gaps but never blank out what the agency told us before.
            if value is not None:
                setattr(record, name, value)
        record.content_hash = digest
        record.updated_at = seen_at
    return record


def store_events(session: Session, *, events: Sequence[EventIn], batch: ImportBatch | None = None,
                 first_line: int = 1) -> StoreResult:
    """Validate then store events; all or nothing. Repeats are no-ops, corrections new versions."""
    used = {code for event in events for code in (event.area_code, event.person.home_area_code) if code}
    errors = check_events(events, known_areas=areas.known_area_codes(session, used))
    if errors:
        raise InputRejected(errors)
    result = StoreResult()
    now = utcnow()
    agencies: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.agency not in agencies:
            agencies[event.agency] = areas.ensure_agency(session, code=event.agency).id
        agency_id = agencies[event.agency]
        record = upsert_source_record(session, agency_id=agency_id, person=event.person, seen_at=now)
        if record.id not in result.source_record_ids:
            result.source_record_ids.append(record.id)
        payload, payload_json = normalised_payload(event)
        digest = event_hash(event, payload_json)
        latest = session.scalar(
            select(Event).where(Event.agency_id == agency_id, Event.agency_key == event.agency_key)
            .order_by(Event.version.desc()).limit(1))
        if latest is not None and latest.content_hash == digest:
            result.unchanged += 1
            result.event_ids.append(latest.id)
            result._record_of[latest.id], result._rows[latest.id] = latest.source_record_id, latest
            continue
        version = 1 if latest is None else latest.version + 1
        if latest is not None:
            latest.superseded_at = now
            result.new_versions += 1
        else:
            result.created += 1
        row = Event(
            kind=event.kind.value, occurred_at=as_utc(event.occurred_at),
            recorded_at=as_utc(event.recorded_at) if event.recorded_at else now,
            agency_id=agency_id, agency_key=event.agency_key, version=version, source_record_id=record.id,
            person_role=event.role.value, area_code=event.area_code, postcode=event.postcode, place=event.place,
            incident_ref=event.incident_ref, payload=payload, content_hash=digest,
            import_batch_id=batch.id if batch else None, source_line=first_line + index, note=event.note,
        )
        session.add(row)
        session.flush()
        result.event_ids.append(row.id)
        result._record_of[row.id], result._rows[row.id] = record.id, row
    return result


def get_event(session: Session, *, event_id: int) -> Event | None:
    """One stored event by id."""
    return session.get(Event, event_id)


def events_of_kinds(session: Session, *, event_ids: Sequence[int], kinds: Sequence[str],
                    stored: StoreResult | None = None) -> list[Event]:
    """The events among `event_ids` of the given kinds, in one query (stages pick out what concerns them).

    Rows the store call that produced `stored` holds are taken from it without a query.
    """
    held = stored._rows if stored is not None else {}
    found = [held[event_id] for event_id in event_ids if event_id in held and held[event_id].kind in kinds]
    rest = [event_id for event_id in event_ids if event_id not in held]
    for start in range(0, len(rest), 5000):  # stay well inside every database's parameter limit
        found += session.scalars(_EVENTS_OF_KINDS, {"ids": rest[start:start + 5000], "kinds": list(kinds)})
    return sorted(found, key=lambda event: (event.occurred_at, event.id))


_EVENTS_OF_KINDS = select(Event).where(Event.id.in_(bindparam("ids", expanding=True)),
                                       Event.kind.in_(bindparam("kinds", expanding=True)))


def stored_record_ids(session: Session, *, stored: StoreResult) -> dict[int, int]:
    """The source record of each stored event: known to the store call, else looked up."""
    known = stored._record_of
    found = {event_id: known[event_id] for event_id in stored.event_ids if event_id in known}
    rest = [event_id for event_id in stored.event_ids if event_id not in known]
    return found | source_record_ids_of(session, event_ids=rest) if rest else found


def source_record_ids_of(session: Session, *, event_ids: Sequence[int]) -> dict[int, int]:
    """The source record of each event, looked up in a few set-based queries."""
    found: dict[int, int] = {}
    for start in range(0, len(event_ids), 1000):
        part = list(event_ids[start:start + 1000])
        found.update((row.id, row.source_record_id) for row in session.execute(
            select(Event.id, Event.source_record_id).where(Event.id.in_(part))))
    return found


def get_source_record(session: Session, *, record_id: int) -> SourceRecord | None:
    """One source record by id."""
    return session.get(SourceRecord, record_id)


def record_home_areas(session: Session, *, record_ids: Sequence[int]) -> dict[int, str | None]:
    """The home area each source record gives (None where it gives none), without loading the records."""
    ids = sorted(set(record_ids))
    found: dict[int, str | None] = {}
    for start in range(0, len(ids), 1000):
        found.update((record_id, area) for record_id, area in session.execute(
            select(SourceRecord.id, SourceRecord.home_area_code).where(SourceRecord.id.in_(ids[start:start + 1000]))))
    return found


def get_source_records(session: Session, *, record_ids: Sequence[int]) -> dict[int, SourceRecord]:
    """Source records by id, in a few set-based queries (a chunk of thousands is one or two reads)."""
    ids = sorted(set(record_ids))
    found: dict[int, SourceRecord] = {}
    for start in range(0, len(ids), 1000):
        found.update((record.id, record) for record in session.scalars(
            select(SourceRecord).where(SourceRecord.id.in_(ids[start:start + 1000]))))
    return found


def find_matching_records(session: Session, *, record: SourceRecord, identifiers: Sequence[str]) -> list[SourceRecord]:
    """Other records sharing an identifier, or the exact first name, last name and date of birth."""
    clauses = [getattr(SourceRecord, name) == getattr(record, name) for name in identifiers if getattr(record, name)]
    if record.first_name and record.last_name and record.dob:
        clauses.append(and_(func.lower(SourceRecord.first_name) == record.first_name.lower(),
                            func.lower(SourceRecord.last_name) == record.last_name.lower(),
                            SourceRecord.dob == record.dob))
    if not clauses:
        return []
    query = select(SourceRecord).where(SourceRecord.id != record.id, or_(*clauses)).order_by(SourceRecord.id)
    return list(session.scalars(query.limit(50)))


def list_events(session: Session, *, source_record_ids: Sequence[int], kinds: Sequence[str] | None = None,
                include_superseded: bool = False) -> list[EventOut]:
    """Events about the given source records, oldest first: the raw material of a chronology."""
    query = (select(Event).where(Event.source_record_id.in_(source_record_ids))
             .order_by(Event.occurred_at, Event.id))
    if not include_superseded:
        query = query.where(Event.superseded_at.is_(None))
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    return _event_outs(session, list(session.scalars(query)))


def events_of_linked(session: Session, *, links: Select[Any], kinds: Sequence[str] | None = None,
                     until: datetime | None = None, params: dict[str, Any] | None = None
                     ) -> tuple[dict[int, tuple[Any, ...]], dict[int, list[int]], dict[int, list[EventOut]]]:
    """Each owner's own columns, records and current events, oldest first, in one statement (chronologies for a
    whole chunk).

    `links` selects (owner, source_record_id, *owner columns) — another domain's links, e.g. identity's
    children with their summary — with its own bound `params`. An owner with records but no such event still
    gets its records; a source_record_id of NULL (an owner with no records, by an outer join) gets none.
    """
    values = dict(params or {})
    if kinds:
        values["kinds"] = list(kinds)
    if until is not None:
        values["until"] = until
    owners: dict[int, tuple[Any, ...]] = {}
    records: dict[int, list[int]] = {}
    found: dict[int, list[EventOut]] = {}
    extra = len(links.selected_columns) - 2
    for row in session.execute(_linked_query(links, bool(kinds), until is not None), values):
        if row[0] not in owners:
            owners[row[0]] = tuple(row[2:2 + extra])
        held = records.setdefault(row[0], [])
        if row[1] is not None and row[1] not in held:
            held.append(row[1])
        history = found.setdefault(row[0], [])
        if row.id is not None:
            history.append(EventOut.model_construct(
                id=row.id, kind=row.kind, occurred_at=row.occurred_at, recorded_at=row.recorded_at,
                agency_code=row.agency_code, agency_name=row.agency_name, person_role=row.person_role,
                area_code=row.area_code, place=row.place, payload=row.payload, version=row.version))
    for history in found.values():  # by time as Python compares it (SQLite compares stored text)
        history.sort(key=lambda item: (item.occurred_at, item.id))
    return owners, records, found


@cache
def _linked_query(links: Select[Any], kinds: bool, until: bool) -> Select[Any]:
    """events_of_linked's statement for one links statement, built once per shape."""
    from reachable.db.registry import metadata

    agencies = metadata().tables["agencies"]
    linked = links.subquery("linked")
    owner, record = linked.c[0], linked.c[1]
    on = [Event.source_record_id == record, Event.superseded_at.is_(None)]
    if kinds:
        on.append(Event.kind.in_(bindparam("kinds", expanding=True)))
    if until:
        on.append(Event.occurred_at <= bindparam("until", type_=Event.occurred_at.type))
    return (select(owner, record, *linked.c[2:], Event.id, Event.kind, Event.occurred_at, Event.recorded_at,
                   agencies.c.code.label("agency_code"), agencies.c.name.label("agency_name"), Event.person_role,
                   Event.area_code, Event.place, Event.payload, Event.version)
            .select_from(linked.outerjoin(Event, and_(*on)).outerjoin(agencies, agencies.c.id == Event.agency_id))
            .order_by(Event.occurred_at, Event.id))


def _event_outs(session: Session, events: list[Event]) -> list[EventOut]:
    """Stored events as EventOut, with the recording agency's code and name."""
    agencies = areas.agencies_by_id(session, ids={event.agency_id for event in events})
    return [
        EventOut(id=event.id, kind=event.kind, occurred_at=event.occurred_at, recorded_at=event.recorded_at,
                 agency_code=agencies[event.agency_id].code, agency_name=agencies[event.agency_id].name,
                 person_role=event.person_role, area_code=event.area_code, place=event.place,
                 payload=event.payload, version=event.version)
        for event in events
    ]
