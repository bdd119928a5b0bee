"""Storing derived evidence as entities, links and evidence rows: set-based, the same for ingest and rebuild.

Rows are built as tuples in column order and written in bulk: COPY on PostgreSQL, executemany on SQLite,
through `reachable.db.dialect` (or primitives handed in as `BulkIO`). Per link the work is a dictionary
lookup and one tuple: a rebuild of millions of links spends its time in the database, not in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.db import dialect
from reachable.network.derive import SHARED, Derived, EntitySpec, combine_confidence
from reachable.network.models import NetworkEntity, NetworkEvidence, NetworkLink, table_of

CHUNK = 2000
BUILDER = "network-build"
ENTITY_COLUMNS = ("kind", "key", "label", "child_id", "place_type", "area_code", "attributes", "compartment",
                  "created_at")
LINK_COLUMNS = ("first_seen_at", "last_seen_at", "confidence", "source_event_ids", "updated_at", "link_key",
                "source_id", "target_id", "kind", "source_role", "target_role", "basis", "grading", "compartment",
                "reason", "origin", "status", "created_at", "updated_by")
EVIDENCE_COLUMNS = ("link_id", "event_id", "occurred_at", "area_code")


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


@dataclass(frozen=True)
class BulkIO:
    """Set-based writes (COPY on PostgreSQL, executemany on SQLite); by default `reachable.db.dialect`'s own."""

    allocate_ids: Callable[..., list[int]]
    copy_rows: Callable[..., None]
    timestamp: Callable[[datetime], Any]


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Fixed-size slices, so IN lists stay within every database's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _as_given(value: datetime) -> datetime:
    """A time for a database that takes datetimes as they are."""
    return value


class Writer:
    """Converts values for, and inserts rows into, one table at a time during one build."""

    def __init__(self, session: Session, bulk: BulkIO | None = None, stamps: dict[datetime, Any] | None = None) -> None:
        """A writer on this session: the given primitives, or the database's own (`reachable.db.dialect`).

        `stamps`: times already in the database's own bulk form (a SQLite rebuild keeps the events' text).
        """
        self.session = session
        self.bulk = bulk or BulkIO(allocate_ids=dialect.allocate_ids, copy_rows=dialect.copy_rows,
                                   timestamp=dialect.timestamp_converter(session))
        self._stamps: dict[datetime, Any] = stamps if stamps is not None and bulk is None else {}
        probe = utcnow()
        if self.bulk.timestamp(probe) is probe:
            self.time = _as_given  # type: ignore[method-assign] # PostgreSQL: millions of lookups saved

    def time(self, value: datetime) -> Any:
        """A time as the bulk insert takes it (converted once per distinct moment)."""
        found = self._stamps.get(value)
        if found is None:
            found = self._stamps[value] = self.bulk.timestamp(value)
        return found

    @staticmethod
    def json(value: dict[str, Any]) -> str:
        """A JSON value as the bulk insert takes it."""
        return json.dumps(value, separators=(",", ":"))

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> list[int]:
        """Insert rows (tuples in column order) and return their new ids, in order."""
        if not rows:
            return []
        ids = self.bulk.allocate_ids(self.session, table=table.name, count=len(rows))
        self.bulk.copy_rows(self.session, table=table.name, columns=["id", *columns],
                            rows=[(ident, *row) for ident, row in zip(ids, rows, strict=True)])
        return ids

    def append(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows whose ids nobody needs back: the database numbers them (no id reservation round trip)."""
        if rows:
            self.bulk.copy_rows(self.session, table=table.name, columns=list(columns), rows=rows)


def ensure_entities(session: Session, specs: Iterable[EntitySpec], result: BuildResult, writer: Writer, *,
                    everything: bool = False) -> dict[str, int]:
    """Entity ids by key, creating missing entities; a police-only entity becomes shared once a fact shows it."""
    wanted: dict[str, EntitySpec] = {}
    # Derivation shares one spec object per entity (cached), so the objects are de-duplicated first: by
    # identity, which costs far less than comparing millions of keys.
    for spec in {id(spec): spec for spec in specs}.values():
        known = wanted.get(spec.key)
        if known is None or (known.compartment != SHARED and spec.compartment == SHARED):
            wanted[spec.key] = spec
    table = table_of(NetworkEntity)
    ids: dict[str, int] = {}
    to_share: list[int] = []
    columns = select(table.c.id, table.c.key, table.c.compartment)
    # A rebuild wants most entities: one scan beats hundreds of IN lists.
    queries = ([columns.execution_options(yield_per=50_000)] if everything
               else [columns.where(table.c.key.in_(keys)) for keys in chunks(sorted(wanted))])
    for query in queries:
        for ident, key, compartment in session.execute(query):
            found = wanted.get(key)
            if found is None:
                continue
            ids[key] = ident
            if compartment != SHARED and found.compartment == SHARED:
                to_share.append(ident)
    now = writer.time(utcnow())
    new_keys = [key for key in wanted if key not in ids]
    rows = [(s.kind, s.key, s.label[:200], s.child_id, s.place_type, s.area_code, writer.json(s.attributes),
             s.compartment, now) for s in (wanted[key] for key in new_keys)]
    # As for links: a first build writes most entities, and builds their indexes once afterwards.
    deferred = (dialect.secondary_indexes_deferred(session, table.name) if everything and len(rows) > len(ids)
                else nullcontext())
    with deferred:
        ids.update(zip(new_keys, writer.insert(table, ENTITY_COLUMNS, rows), strict=True))
    result.entities_created += len(rows)
    for batch in chunks(to_share):
        session.execute(update(table).where(table.c.id.in_(batch)).values(compartment=SHARED))
    return ids


# One link's evidence while merging: [first evidence, {event id: (when, where, confidence)}, best grading]
_Merged = list[Any]


def merge(derived: Iterable[Derived]) -> dict[str, _Merged]:
    """Group evidence by link key; a link shows the grading of its strongest report."""
    merged: dict[str, _Merged] = {}
    for item in derived:
        entry = merged.get(item.link_key)
        if entry is None:
            entry = merged[item.link_key] = [item, {}, (-1.0, None)]
        events = entry[1]
        if item.event_id not in events:
            events[item.event_id] = (item.occurred_at, item.area_code, item.confidence)
        if item.grading and item.confidence > entry[2][0]:
            entry[2] = (item.confidence, item.grading)
    return merged


_Existing = tuple[int, str, datetime | None, datetime | None, dict[str, Any]]  # id, status, first, last, events


def existing_links(session: Session, keys: Sequence[str], *, everything: bool) -> dict[str, _Existing]:
    """Stored links by key (a rebuild reads every derived link in one scan instead of thousands of IN lists)."""
    links = table_of(NetworkLink)
    columns = select(links.c.id, links.c.link_key, links.c.status, links.c.first_seen_at, links.c.last_seen_at,
                     links.c.source_event_ids)
    queries = ([columns.where(links.c.origin == "derived").execution_options(yield_per=50_000)] if everything
               else [columns.where(links.c.link_key.in_(batch)) for batch in chunks(keys)])
    found: dict[str, _Existing] = {}
    for query in queries:
        for ident, key, status, first, last, events in session.execute(query):
            found[key] = (ident, status, first, last, events or {})
    return found


def _summary(entry: _Merged, old: dict[str, Any]) -> dict[str, Any]:
    """The link's source events (ids, and each one's confidence for graded intelligence), old ones kept."""
    events: dict[int, tuple[datetime, str | None, float]] = entry[1]
    fact = entry[0].basis == "fact"
    if not old:
        ids = sorted(events)
        return {"ids": ids} if fact else {"ids": ids, "conf": [events[i][2] for i in ids]}
    conf = dict(zip((int(e) for e in old.get("ids", [])), old.get("conf", []), strict=False))
    ids = list(old.get("ids", []))
    for event_id, (_seen, _area, confidence) in events.items():
        if event_id not in conf:
            ids.append(event_id)
        conf[event_id] = confidence
    if fact:
        return {"ids": ids}
    return {"ids": ids, "conf": [conf[int(e)] for e in ids]}


def _events_json(summary: dict[str, Any]) -> str:
    """A link's source events as JSON; the common case (a fact's event ids) without the general encoder."""
    ids = '{"ids":[' + ",".join(map(str, summary["ids"]))
    if len(summary) == 1:
        return ids + "]}"
    return ids + '],"conf":[' + ",".join(map(repr, summary["conf"])) + "]}"


def store(session: Session, derived: Sequence[Derived], result: BuildResult, *, replace: bool = False,
          bulk: BulkIO | None = None, stamps: dict[datetime, Any] | None = None) -> None:
    """Merge derived evidence into links; with `replace`, the evidence given is all there is (a rebuild)."""
    if not derived:
        return
    writer = Writer(session, bulk, stamps)
    ids = ensure_entities(session, chain((d.source for d in derived), (d.target for d in derived)), result, writer,
                          everything=replace)
    merged = merge(derived)
    links = table_of(NetworkLink)
    existing = existing_links(session, sorted(merged), everything=replace)
    now = utcnow()
    stamp = writer.time(now)
    new_keys: list[str] = []
    new_rows: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    for key, entry in merged.items():
        item: Derived = entry[0]
        previous = existing.get(key)
        # A rebuild's evidence is all there is: stored event lists are compared with it, never merged into it.
        summary = _summary(entry, {} if previous is None or replace else previous[4])
        if previous is not None and previous[4] == summary and previous[1] != "lapsed":
            continue  # the same events: nothing about the link can differ (event versions never change)
        seen = [moment for moment, _area, _conf in entry[1].values()]
        if previous is not None and not replace and previous[2] is not None and previous[3] is not None:
            seen += [previous[2], previous[3]]
        confidence = 1.0 if item.basis == "fact" else combine_confidence(summary["conf"])
        if previous is None:
            new_keys.append(key)
            new_rows.append((writer.time(min(seen)), writer.time(max(seen)), confidence, _events_json(summary),
                             stamp, key, ids[item.source.key], ids[item.target.key], item.kind, item.source_role,
                             item.target_role, item.basis, entry[2][1], item.compartment, item.reason, "derived",
                             "active", stamp, BUILDER))
        else:
            # A lapsed link that events support again comes back; an analyst's removal stands.
            status = "active" if previous[1] == "lapsed" else previous[1]
            updates.append({"first_seen_at": min(seen), "last_seen_at": max(seen), "confidence": confidence,
                            "source_event_ids": summary, "updated_at": now, "status": status, "b_id": previous[0]})
    link_ids = {key: value[0] for key, value in existing.items()}
    # A first build (or one that adds more links than there were) builds the links' indexes once afterwards.
    deferred = (dialect.secondary_indexes_deferred(session, links.name) if replace and len(new_rows) > len(existing)
                else nullcontext())
    with deferred:
        link_ids.update(zip(new_keys, writer.insert(links, LINK_COLUMNS, new_rows), strict=True))
    result.links_created += len(new_rows)
    if updates:
        session.execute(update(links).where(links.c.id == bindparam("b_id")), updates)
        result.links_updated += len(updates)
    _store_evidence(session, merged, link_ids, result, fresh=replace, writer=writer)


def _store_evidence(session: Session, merged: dict[str, _Merged], link_ids: dict[str, int], result: BuildResult,
                    *, fresh: bool, writer: Writer) -> None:
    """Evidence rows for each link and event, skipping those already stored."""
    evidence = table_of(NetworkEvidence)
    time = writer.time
    rows = [(link_ids[key], event_id, time(seen), area)
            for key, entry in merged.items() for event_id, (seen, area, _conf) in entry[1].items()]
    if not fresh:
        have: set[tuple[int, int]] = set()
        for batch in chunks(sorted({row[0] for row in rows})):
            have.update((link, event) for link, event in session.execute(
                select(evidence.c.link_id, evidence.c.event_id).where(evidence.c.link_id.in_(batch))))
        rows = [row for row in rows if (row[0], row[1]) not in have]
    writer.append(evidence, EVIDENCE_COLUMNS, rows)
    result.evidence += len(rows)
