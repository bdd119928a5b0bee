"""Building the network from events: incrementally at ingest, or a full set-based rebuild.

Both paths derive with the same rules (`derive.py`) and store through the same merge, so a rebuild after
any sequence of ingests gives the same links. Analyst decisions survive: a link an analyst removed stays
removed, and analyst-made links are never touched by the builder.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.db.registry import metadata
from reachable.network.derive import (
    SHARED,
    Derived,
    EntitySpec,
    Fact,
    combine_confidence,
    derive_incident,
    derive_single,
)
from reachable.network.models import NetworkEntity, NetworkEvidence, NetworkLink, table_of

CHUNK = 2000
BUILDER = "network-build"
MAX_INCIDENT_PEOPLE = 50  # a reference shared by more people than this is an operation, not a peer tie


@dataclass
class BuildResult:
    """What a build did."""

    events: int = 0
    entities_created: int = 0
    links_created: int = 0
    links_updated: int = 0
    links_lapsed: int = 0
    evidence: int = 0
    notes: list[str] = field(default_factory=list)


def _fact_query() -> Select[Any]:
    """Current events joined to their source record and the child the record is linked to.

    The build is a read-only analytic scan over other domains' tables; it reads them through the shared
    metadata (as Core tables) because no per-row service call can reach millions of events in minutes.
    """
    tables = metadata().tables
    ev, ag, sr = tables["events"], tables["agencies"], tables["source_records"]
    rl, ch = tables["record_links"], tables["children"]
    return (select(ev.c.id, ev.c.kind, ev.c.occurred_at, ag.c.code, ev.c.person_role, ev.c.area_code,
                   ev.c.postcode, ev.c.place, ev.c.incident_ref, ev.c.payload, rl.c.child_id, ch.c.merged_into_id,
                   ch.c.reference, sr.c.dob, sr.c.police_person_id, sr.c.agency_person_id, sr.c.home_area_code)
            .select_from(ev.join(ag, ag.c.id == ev.c.agency_id).join(sr, sr.c.id == ev.c.source_record_id)
                         .outerjoin(rl, and_(rl.c.source_record_id == sr.c.id, rl.c.ended_at.is_(None)))
                         .outerjoin(ch, ch.c.id == rl.c.child_id))
            .where(ev.c.superseded_at.is_(None)))


def _facts(rows: Iterable[Any]) -> Iterator[Fact]:
    """Rows of the fact query as Facts (a merged child is followed to the child it was merged into)."""
    for row in rows:
        yield Fact(event_id=row[0], kind=row[1], occurred_at=row[2], agency=row[3], role=row[4], area_code=row[5],
                   postcode=row[6], place=row[7], incident_ref=row[8], payload=row[9] or {},
                   child_id=row[11] or row[10], child_ref=row[12], dob=row[13], police_person_id=row[14],
                   agency_person_id=row[15], home_area_code=row[16])


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


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Fixed-size slices, so IN lists stay within every database's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass(frozen=True)
class BulkIO:
    """Fast set-based writes, supplied by the delivery layer (COPY on PostgreSQL, executemany on SQLite).

    The network never branches on the dialect itself: the bulk primitives live with ingest's bulk writer and
    are handed in; without them the builder falls back to portable Core inserts (slower, same result).
    """

    allocate_ids: Callable[..., list[int]]
    copy_rows: Callable[..., None]
    timestamp: Callable[[datetime], Any]


def _insert(session: Session, table: Table, rows: list[dict[str, Any]], bulk: BulkIO | None) -> list[int]:
    """Insert rows and return their ids, in order."""
    if not rows:
        return []
    if bulk is None:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in session.execute(statement, rows)]
    ids = bulk.allocate_ids(session, table=table.name, count=len(rows))
    columns = list(rows[0])
    stamps: dict[datetime, Any] = {}

    def stamp(value: datetime) -> Any:
        # Many rows share a moment (the build time, an event's time): convert each moment once.
        found = stamps.get(value)
        if found is None:
            found = stamps[value] = bulk.timestamp(value)
        return found

    def dump(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    sample = rows[0]
    convert = [stamp if isinstance(sample[c], datetime) else dump if isinstance(sample[c], dict) else None
               for c in columns]
    out: list[tuple[Any, ...]] = []
    for ident, row in zip(ids, rows, strict=True):
        values = list(row.values())
        for i, function in enumerate(convert):
            if function is not None and values[i] is not None:
                values[i] = function(values[i])
        out.append((ident, *values))
    bulk.copy_rows(session, table=table.name, columns=["id", *columns], rows=out)
    return ids


def ensure_entities(session: Session, specs: Iterable[EntitySpec], result: BuildResult,
                    bulk: BulkIO | None = None) -> dict[str, int]:
    """Entity ids by key, creating missing entities; a police-only entity becomes shared once a fact shows it."""
    wanted: dict[str, EntitySpec] = {}
    for spec in specs:
        known = wanted.get(spec.key)
        if known is None or (known.compartment != SHARED and spec.compartment == SHARED):
            wanted[spec.key] = spec
    table = table_of(NetworkEntity)
    ids: dict[str, int] = {}
    to_share: list[int] = []
    for keys in _chunks(sorted(wanted)):
        for ident, key, compartment in session.execute(
                select(table.c.id, table.c.key, table.c.compartment).where(table.c.key.in_(keys))):
            ids[key] = ident
            if compartment != SHARED and wanted[key].compartment == SHARED:
                to_share.append(ident)
    now = utcnow()
    new_keys = [key for key in wanted if key not in ids]
    rows: list[dict[str, Any]] = [
        {"kind": s.kind, "key": s.key, "label": s.label[:200], "child_id": s.child_id, "place_type": s.place_type,
         "area_code": s.area_code, "attributes": s.attributes, "compartment": s.compartment, "created_at": now}
        for s in (wanted[key] for key in new_keys)]
    ids.update(zip(new_keys, _insert(session, table, rows, bulk), strict=True))
    result.entities_created += len(rows)
    for batch in _chunks(to_share):
        session.execute(update(table).where(table.c.id.in_(batch)).values(compartment=SHARED))
    return ids


@dataclass
class _Merged:
    """All evidence for one link: event id -> (when, where, confidence)."""

    first: Derived
    events: dict[int, tuple[datetime, str | None, float]] = field(default_factory=dict)
    best: tuple[float, str | None] = (-1.0, None)


def _merge(derived: Iterable[Derived]) -> dict[str, _Merged]:
    """Group evidence by link key."""
    merged: dict[str, _Merged] = {}
    for item in derived:
        entry = merged.get(item.link_key)
        if entry is None:
            entry = merged[item.link_key] = _Merged(first=item)
        entry.events.setdefault(item.event_id, (item.occurred_at, item.area_code, item.confidence))
        if item.grading and item.confidence > entry.best[0]:
            entry.best = (item.confidence, item.grading)  # the link shows its strongest grading
    return merged


_Existing = tuple[int, str, datetime | None, datetime | None, dict[str, Any]]  # id, status, first, last, events


def _existing(session: Session, keys: Sequence[str], *, replace: bool) -> dict[str, _Existing]:
    """Stored links by key (a rebuild reads every derived link at once, and needs only id and status)."""
    links = table_of(NetworkLink)
    found: dict[str, _Existing] = {}
    if replace:
        for ident, key, status in session.execute(
                select(links.c.id, links.c.link_key, links.c.status).where(links.c.origin == "derived")):
            found[key] = (ident, status, None, None, {})
        return found
    for batch in _chunks(keys):
        for ident, key, status, first, last, events in session.execute(
                select(links.c.id, links.c.link_key, links.c.status, links.c.first_seen_at, links.c.last_seen_at,
                       links.c.source_event_ids).where(links.c.link_key.in_(batch))):
            found[key] = (ident, status, first, last, events or {})
    return found


def _summary(entry: _Merged, old: dict[str, Any]) -> dict[str, Any]:
    """The link's source events (ids, and each one's confidence for graded intelligence), old ones kept."""
    conf = dict(zip((int(e) for e in old.get("ids", [])), old.get("conf", []), strict=False))
    ids = list(old.get("ids", []))
    for event_id, (_seen, _area, confidence) in entry.events.items():
        if event_id not in conf:
            ids.append(event_id)
        conf[event_id] = confidence
    if entry.first.basis == "fact":
        return {"ids": ids}
    return {"ids": ids, "conf": [conf[int(e)] for e in ids]}


def store(session: Session, derived: Sequence[Derived], result: BuildResult, *, replace: bool = False,
          bulk: BulkIO | None = None) -> None:
    """Merge derived evidence into links; with `replace`, the evidence given is all there is (a rebuild)."""
    if not derived:
        return
    ids = ensure_entities(session, [d.source for d in derived] + [d.target for d in derived], result, bulk)
    merged = _merge(derived)
    links = table_of(NetworkLink)
    existing = _existing(session, sorted(merged), replace=replace)
    now = utcnow()
    new_keys: list[str] = []
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, entry in merged.items():
        item = entry.first
        previous = existing.get(key)
        summary = _summary(entry, {} if previous is None else previous[4])
        if previous is not None and previous[4] == summary and previous[1] != "lapsed":
            continue
        seen = [moment for moment, _area, _conf in entry.events.values()]
        if previous is not None and previous[2] is not None and previous[3] is not None:
            seen += [previous[2], previous[3]]
        confidence = 1.0 if item.basis == "fact" else combine_confidence(summary["conf"])
        values = {"first_seen_at": min(seen), "last_seen_at": max(seen), "confidence": confidence,
                  "source_event_ids": summary, "updated_at": now}
        if previous is None:
            new_keys.append(key)
            new_rows.append({**values, "link_key": key, "source_id": ids[item.source.key],
                             "target_id": ids[item.target.key], "kind": item.kind, "source_role": item.source_role,
                             "target_role": item.target_role, "basis": item.basis, "grading": entry.best[1],
                             "compartment": item.compartment, "reason": item.reason, "origin": "derived",
                             "status": "active", "created_at": now, "updated_by": BUILDER})
        else:
            # A lapsed link that events support again comes back; an analyst's removal stands.
            status = "active" if previous[1] == "lapsed" else previous[1]
            updates.append({**values, "status": status, "b_id": previous[0]})
    link_ids = {key: value[0] for key, value in existing.items()}
    link_ids.update(zip(new_keys, _insert(session, links, new_rows, bulk), strict=True))
    result.links_created += len(new_rows)
    if updates:
        session.execute(update(links).where(links.c.id == bindparam("b_id")), updates)
        result.links_updated += len(updates)
    _store_evidence(session, merged, link_ids, result, fresh=replace, bulk=bulk)


def _store_evidence(session: Session, merged: dict[str, _Merged], link_ids: dict[str, int], result: BuildResult,
                    *, fresh: bool, bulk: BulkIO | None) -> None:
    """Evidence rows for each link and event, skipping those already stored."""
    evidence = table_of(NetworkEvidence)
    rows = [{"link_id": link_ids[key], "event_id": event_id, "occurred_at": seen, "area_code": area}
            for key, entry in merged.items() for event_id, (seen, area, _conf) in entry.events.items()]
    if not fresh:
        have: set[tuple[int, int]] = set()
        for ids in _chunks(sorted({row["link_id"] for row in rows})):
            have.update((link, event) for link, event in session.execute(
                select(evidence.c.link_id, evidence.c.event_id).where(evidence.c.link_id.in_(ids))))
        rows = [row for row in rows if (row["link_id"], row["event_id"]) not in have]
    if rows and bulk is not None:
        _insert(session, evidence, rows, bulk)
    elif rows:
        session.execute(insert(evidence), rows)
    result.evidence += len(rows)


def build_for_events(session: Session, *, event_ids: Sequence[int]) -> BuildResult:
    """Add what these (newly stored) events show to the network: cheap, idempotent, run at ingest."""
    result = BuildResult()
    if not event_ids:
        return result
    query = _fact_query()
    ev = metadata().tables["events"]
    facts: list[Fact] = []
    for ids in _chunks(sorted(set(event_ids))):
        facts.extend(_facts(session.execute(query.where(ev.c.id.in_(ids)))))
    _retire_superseded(session, facts)
    refs = sorted({f.incident_ref for f in facts if f.incident_ref})
    everything = {fact.event_id: fact for fact in facts}
    for batch in _chunks(refs):
        # The whole incident is re-derived: earlier members' events are part of the new pairs' evidence.
        everything.update({f.event_id: f for f in _facts(session.execute(query.where(ev.c.incident_ref.in_(batch))))})
    derived = derive_all(everything.values(), result)
    result.events = len(facts)
    store(session, derived, result)
    return result


def _retire_superseded(session: Session, facts: Sequence[Fact]) -> None:
    """Drop evidence from earlier versions of corrected events (their links are refreshed by the rebuild)."""
    tables = metadata().tables
    ev, evidence = tables["events"], table_of(NetworkEvidence)
    ids = [fact.event_id for fact in facts]
    older: list[int] = []
    for batch in _chunks(ids):
        current = ev.alias("current")
        older.extend(session.scalars(
            select(ev.c.id).join(current, and_(current.c.agency_id == ev.c.agency_id,
                                               current.c.agency_key == ev.c.agency_key, current.c.id != ev.c.id))
            .where(current.c.id.in_(batch), ev.c.superseded_at.is_not(None))))
    for batch in _chunks(older):
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
    rows = session.execute(_fact_query().execution_options(yield_per=20_000))
    derived = derive_all(_facts(rows), result)
    links, evidence = table_of(NetworkLink), table_of(NetworkEvidence)
    derived_ids = select(links.c.id).where(links.c.origin == "derived")
    session.execute(delete(evidence).where(evidence.c.link_id.in_(derived_ids)))
    store(session, derived, result, replace=True, bulk=bulk)
    supported = {d.link_key for d in derived}
    stale = [ident for ident, key in session.execute(
        select(links.c.id, links.c.link_key).where(links.c.origin == "derived", links.c.status == "active"))
        if key not in supported]
    for batch in _chunks(stale):
        session.execute(update(links).where(links.c.id.in_(batch)).values(
            status="lapsed", updated_at=utcnow(), updated_by=BUILDER,
            reason="no current event supports this link any more (rebuild)"))
    result.links_lapsed = len(stale)
    return result
