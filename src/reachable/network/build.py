"""Building the network from events: incrementally at ingest, or a full set-based rebuild.

Both paths derive with the same rules (`derive.py`) and store through the same merge, so a rebuild after
any sequence of ingests gives the same links. Analyst decisions survive: a link an analyst removed stays
removed, and analyst-made links are never touched by the builder.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, String, Text, and_, case, cast, delete, func, select, type_coerce, update
from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.db import dialect
from reachable.db.readahead import raw_rows, read_ahead
from reachable.db.registry import metadata
from reachable.network.derive import PAYLOAD_KINDS, Derived, Fact, derive_incident, derive_single
from reachable.network.models import NetworkEvidence, NetworkLink, table_of
from reachable.network.store import BUILDER, BuildResult, BulkIO, chunks, store

__all__ = ["BuildResult", "BulkIO", "build_for_events", "derive_all", "rebuild"]
MAX_INCIDENT_PEOPLE = 50  # a reference shared by more people than this is an operation, not a peer tie
_STORED_LENGTH = len("2025-01-31 12:00:00.000000")  # SQLAlchemy's SQLite storage form of a time


@cache
def _fact_query() -> Select[Any]:
    """Current events joined to their source record and the child the record is linked to (built once: every
    submission's network stage runs it).

    The build is a read-only analytic scan over other domains' tables; it reads them through the shared
    metadata (as Core tables) because no per-row service call can reach millions of events in minutes.
    Times, dates and payloads come as the driver gives them (`_facts` converts them): the typed columns'
    per-value processing cost more than the whole derivation. Only the payloads the rules read are fetched,
    as text: PostgreSQL's driver decoded every event's JSON otherwise (5.9 s of a 93 s profiled medium rebuild).
    """
    tables = metadata().tables
    ev, ag, sr = tables["events"], tables["agencies"], tables["source_records"]
    rl, ch = tables["record_links"], tables["children"]
    return (select(ev.c.id, ev.c.kind, type_coerce(ev.c.occurred_at, String), ag.c.code, ev.c.person_role,
                   ev.c.area_code, ev.c.postcode, ev.c.place, ev.c.incident_ref,
                   case((ev.c.kind.in_(sorted(PAYLOAD_KINDS)), cast(ev.c.payload, Text))),
                   rl.c.child_id, ch.c.merged_into_id, ch.c.reference, type_coerce(sr.c.dob, String),
                   sr.c.police_person_id, sr.c.agency_person_id, sr.c.home_area_code)
            .select_from(ev.join(ag, ag.c.id == ev.c.agency_id).join(sr, sr.c.id == ev.c.source_record_id)
                         .outerjoin(rl, and_(rl.c.source_record_id == sr.c.id, rl.c.ended_at.is_(None)))
                         .outerjoin(ch, ch.c.id == rl.c.child_id))
            .where(ev.c.superseded_at.is_(None)))


def _moment(value: Any, stamps: dict[datetime, Any] | None = None) -> datetime:
    """An aware UTC time from what the driver returned (SQLite: naive UTC text; PostgreSQL: aware datetime).

    SQLite text in the storage form is remembered in `stamps` (time -> text), so the writer need not format
    the same moment again for the evidence rows (formatting an aware time cost more than parsing it).
    """
    if not isinstance(value, str):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    if len(value) != _STORED_LENGTH or value[10] != " ":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    # Appending the offset parses several times faster than datetime.replace(tzinfo=...) afterwards.
    moment = datetime.fromisoformat(value + "+00:00")
    if stamps is not None:
        stamps[moment] = value
    return moment


def _day(value: Any) -> date | None:
    """A date from what the driver returned (text on SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _payload(value: str | None) -> dict[str, Any]:
    """A payload from the fact query: JSON text for the kinds whose rules read it, None for the others."""
    if value is None or value == "{}":
        return {}
    return json.loads(value)  # type: ignore[no-any-return]


def _facts(rows: Iterable[Any], stamps: dict[datetime, Any] | None = None) -> Iterator[Fact]:
    """Rows of the fact query as Facts (a merged child is followed to the child it was merged into)."""
    for row in rows:
        yield Fact(row[0], row[1], _moment(row[2], stamps), row[3], row[4], row[5], row[6], row[7], row[8],
                   _payload(row[9]), row[11] or row[10], row[12], _day(row[13]),
                   row[14], row[15], row[16])


def _all_facts(session: Session, stamps: dict[datetime, Any] | None = None, step: int = 50_000) -> Iterator[Fact]:
    """Every current event as a Fact, read in ranges of event ids.

    Ranges, not one streamed cursor: PostgreSQL plans a server-side cursor for the first rows (nested loops
    over the joins), which made the full scan several times slower than plain queries over id ranges.
    """
    ev = metadata().tables["events"]
    low, high = session.execute(select(func.min(ev.c.id), func.max(ev.c.id))).one()
    if low is None:
        return
    query = _fact_query()
    ranges = [query.where(ev.c.id >= start, ev.c.id < start + step) for start in range(low, high + 1, step)]
    for rows in read_ahead(session, ranges):
        yield from _facts(rows, stamps)


def derive_all(facts: Iterable[Fact], result: BuildResult) -> list[Derived]:
    """Every derived link-evidence from a set of facts, including the pairs within each incident."""
    derived: list[Derived] = []
    incidents: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for fact in facts:
        result.events += 1
        derived.extend(derive_single(fact))
        if fact.incident_ref:
            incidents[(fact.agency, fact.incident_ref)].append(fact)
    for (agency, ref), members in incidents.items():
        if len(members) > MAX_INCIDENT_PEOPLE:
            result.notes.append(f"incident {ref} ({agency}) names {len(members)} people: not linked pairwise")
            continue
        derived.extend(derive_incident(members))
    return derived


def build_for_events(session: Session, *, event_ids: Sequence[int], bulk: BulkIO | None = None,
                     corrections: bool = True) -> BuildResult:
    """Add what these (newly stored) events show to the network: cheap, idempotent, run at ingest.

    `corrections=False` (the store made no new versions) skips looking for superseded versions' evidence.
    """
    result = BuildResult()
    if not event_ids:
        return result
    query = _fact_query()
    ev = metadata().tables["events"]
    facts: list[Fact] = []
    for ids in chunks(sorted(set(event_ids))):
        facts.extend(_facts(raw_rows(session.connection(), query.where(ev.c.id.in_(ids)))))
    if corrections:
        _retire_superseded(session, facts)
    refs = sorted({f.incident_ref for f in facts if f.incident_ref})
    everything = {fact.event_id: fact for fact in facts}
    for batch in chunks(refs):
        # The whole incident is re-derived: earlier members' events are part of the new pairs' evidence.
        rows = raw_rows(session.connection(), query.where(ev.c.incident_ref.in_(batch)))
        everything.update({f.event_id: f for f in _facts(rows)})
    derived = derive_all(everything.values(), result)
    result.events = len(facts)
    store(session, derived, result, bulk=bulk)
    return result


def _retire_superseded(session: Session, facts: Sequence[Fact]) -> None:
    """Drop evidence from earlier versions of corrected events (their links are refreshed by the rebuild)."""
    tables = metadata().tables
    ev, evidence = tables["events"], table_of(NetworkEvidence)
    ids = [fact.event_id for fact in facts]
    older: list[int] = []
    for batch in chunks(ids):
        current = ev.alias("current")
        older.extend(session.scalars(
            select(ev.c.id).join(current, and_(current.c.agency_id == ev.c.agency_id,
                                               current.c.agency_key == ev.c.agency_key, current.c.id != ev.c.id))
            .where(current.c.id.in_(batch), ev.c.superseded_at.is_not(None))))
    for batch in chunks(older):
        session.execute(delete(evidence).where(evidence.c.event_id.in_(batch)))


def rebuild(session: Session, *, bulk: BulkIO | None = None) -> BuildResult:
    """Re-derive every derived link from the current events; links no event supports any more lapse."""
    # Millions of small objects live at once here and none form cycles: the cyclic collector would rescan
    # them all over and over (measured: about half the run time), so it rests until the build is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _rebuild(session, bulk=bulk)
    finally:
        if collecting:
            gc.enable()


def _rebuild(session: Session, *, bulk: BulkIO | None) -> BuildResult:
    """The rebuild itself."""
    result = BuildResult()
    dialect.bulk_load_cache(session)
    stamps: dict[datetime, Any] = {}
    derived = derive_all(_all_facts(session, stamps), result)
    links, evidence = table_of(NetworkLink), table_of(NetworkEvidence)
    derived_ids = select(links.c.id).where(links.c.origin == "derived")
    # Every derived link's evidence is deleted and written again: one index build and one foreign-key join
    # at the end cost far less than maintaining three indexes and two foreign keys for millions of rows.
    with dialect.secondary_indexes_deferred(session, evidence.name):
        session.execute(delete(evidence).where(evidence.c.link_id.in_(derived_ids)))
        store(session, derived, result, replace=True, bulk=bulk, stamps=stamps)
    supported = {d.link_key for d in derived}
    stale = [ident for ident, key in session.execute(
        select(links.c.id, links.c.link_key).where(links.c.origin == "derived", links.c.status == "active"))
        if key not in supported]
    for batch in chunks(stale):
        session.execute(update(links).where(links.c.id.in_(batch)).values(
            status="lapsed", updated_at=utcnow(), updated_by=BUILDER,
            reason="no current event supports this link any more (rebuild)"))
    result.links_lapsed = len(stale)
    return result
