"""One ingest chunk as the engine sees it: reads done once for every child, writes held until the chunk ends.

Firings, tasks, markers and marker history are kept in memory while the chunk's events are evaluated in time order,
so a later event sees what an earlier one did (dedupe, closed tasks, new markers), then written in a few set-based
statements: firings first (their ids go into the tasks' evidence), then tasks, then markers and their history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from reachable.areas import service as areas
from reachable.db.dialect import insert_or_ignore, lock_many_for_append
from reachable.markers import service as markers
from reachable.rules.facts import ChildState, EventFacts
from reachable.rules.models import RuleFiring
from reachable.tasks import service as tasks

CSC_PREFIX, POLICE_PREFIX = "CSC-", "POL-"


@dataclass
class PendingFiring:
    """A firing recorded in this chunk, not yet inserted: what dedupe and actions need, and its row."""

    values: dict[str, Any]
    rule_id: str
    event_kind: str
    event_occurred_at: datetime
    incident_ref: str | None
    dedupe_key: str
    reason: str
    evidence_event_ids: dict[str, list[int]]
    id: int | None = None
    tasks: list[tuple[tasks.PendingTask, str]] = field(default_factory=list)  # (task, who) for the action list


@dataclass
class StoredFiring:
    """An earlier firing as dedupe needs it (read without its facts); a repeat adds evidence, written at the end."""

    id: int
    rule_id: str
    event_kind: str | None
    event_occurred_at: datetime | None
    incident_ref: str | None
    evidence_event_ids: dict[str, Any]
    read: dict[str, Any] | None = None  # the evidence as read, to tell which firings a repeat changed

    def changed(self) -> bool:
        """Whether a repeat in this chunk added evidence."""
        return self.evidence_event_ids is not self.read


def _firings_of_children() -> Select[Any]:
    """The earlier firings of some children as dedupe needs them (built once: a chunk of one event runs it too)."""
    table = cast(Table, RuleFiring.__table__)
    return (select(table.c.id, table.c.rule_id, table.c.event_kind, table.c.event_occurred_at, table.c.incident_ref,
                   table.c.evidence_event_ids, table.c.child_id)
            .where(table.c.child_id.in_(bindparam("ids", expanding=True))).order_by(table.c.id))


_FIRINGS_OF_CHILDREN = _firings_of_children()
_FIRINGS = cast(Table, RuleFiring.__table__)
# Built once, like the read above: building a statement costs about as much as running it for a chunk of one.
_INSERT_FIRINGS = insert_or_ignore(_FIRINGS, ["dedupe_key"]).returning(_FIRINGS.c.id, _FIRINGS.c.dedupe_key)
_ADD_EVIDENCE = update(_FIRINGS).where(_FIRINGS.c.id == bindparam("firing_id")).values(
    evidence_event_ids=bindparam("evidence", type_=_FIRINGS.c.evidence_event_ids.type))


def owner_codes(facts: EventFacts) -> set[str]:
    """The agency codes an event's tasks may be owned by: the home council and police, and the local force."""
    codes = {facts.agency.code}
    if facts.home_area:
        codes.add(CSC_PREFIX + facts.home_area)
    for force in (facts.home_police, facts.event_police):
        if force:
            codes.add(POLICE_PREFIX + force)
    return codes


def lock_name(child_id: int) -> str:
    """The lock serialising rule firings per child across concurrent ingests (PostgreSQL; SQLite holds one writer)."""
    return hashlib.sha256(f"rules:{child_id}".encode()).hexdigest()[:8]


class Chunk:
    """Reads deferred until the first child of a chunk needs them, then done for every child at once; pending writes.

    Firings are read after locking every child (one statement, in lock-key order), so dedupe sees every committed
    firing of the chunk's children. Markers and open tasks are read once, then kept up to date in memory by the
    chunk's own actions.
    """

    def __init__(self, session: Session, states: dict[int, ChildState]) -> None:
        """Defer reads for these children."""
        self.session, self.states = session, states
        self.firings_read = False
        self._markers: markers.MarkerBook | None = None
        self.tasks = tasks.TaskBook(session, child_ids=list(states))
        self.pending: list[PendingFiring] = []
        self.stored: list[StoredFiring] = []
        self.facts: list[EventFacts] = []  # the chunk's events, for reading their possible owners at once
        self.agencies: dict[str, Any] = {}
        self.agencies_read = False

    def agency(self, code: str, load: Callable[[], Any]) -> Any:
        """An owning agency by code: every agency the chunk's events may need is read in one query on first use."""
        if code not in self.agencies:
            if not self.agencies_read:
                self.agencies_read = True
                wanted = {code} | {candidate for facts in self.facts for candidate in owner_codes(facts)}
                self.agencies.update(areas.agencies_by_code(self.session, codes=wanted))
            if code not in self.agencies:
                self.agencies[code] = load()  # not registered yet: registered from its code
        return self.agencies[code]

    @property
    def markers(self) -> markers.MarkerBook:
        """The chunk's children's open markers (read on first use)."""
        if self._markers is None:
            self._markers = markers.MarkerBook(self.session, child_ids=list(self.states))
        return self._markers

    def marker_codes(self, child_id: int) -> set[str]:
        """A child's active marker codes, with this chunk's changes."""
        return self.markers.active_codes(child_id)

    def read_firings(self) -> None:
        """Lock every child, then read their earlier firings, once per chunk."""
        if self.firings_read:
            return
        self.firings_read = True
        child_ids = sorted(self.states)
        lock_many_for_append(self.session, [lock_name(child_id) for child_id in child_ids])  # one statement
        for child_id in child_ids:
            self.states[child_id].locked = True
        wanted = [child_id for child_id in child_ids if self.states[child_id].firings is None]
        for child_id in wanted:
            self.states[child_id].firings = []
        for start in range(0, len(wanted), 1000):
            for row in self.session.execute(_FIRINGS_OF_CHILDREN, {"ids": wanted[start:start + 1000]}):
                evidence = dict(row.evidence_event_ids or {})
                firing = StoredFiring(row.id, row.rule_id, row.event_kind, row.event_occurred_at, row.incident_ref,
                                      evidence, evidence)
                self.stored.append(firing)
                firings = self.states[row.child_id].firings
                assert firings is not None
                firings.append(firing)

    def add_firing(self, firing: PendingFiring, state: ChildState) -> None:
        """Record a new firing for the chunk (later events of the child dedupe against it)."""
        self.pending.append(firing)
        if state.firings is not None:
            state.firings.append(firing)

    def write(self) -> tuple[list[int], int]:
        """Insert firings, then their tasks, then markers and history; (new firing ids, firings already stored)."""
        ids: list[int] = []
        clashes = 0
        if self.pending:
            for firing in self.pending:
                firing.values["evidence_event_ids"] = firing.evidence_event_ids  # repeats in the chunk included
            stored = {key: firing_id for firing_id, key in self.session.execute(
                _INSERT_FIRINGS, [firing.values for firing in self.pending])}
            for firing in self.pending:
                firing.id = stored.pop(firing.dedupe_key, None)
                # Stored already (the per-child lock makes this all but impossible): its tasks are not repeated. Its
                # marker steps stay; they are idempotent for a replay (evidence already counted changes nothing).
                if firing.id is None:
                    clashes += 1
                    for task, _ in firing.tasks:
                        task.dropped = True
                    continue
                ids.append(firing.id)
                for task, _ in firing.tasks:
                    task.values["evidence"]["firing_id"] = firing.id
        repeated = [{"firing_id": firing.id, "evidence": firing.evidence_event_ids}
                    for firing in self.stored if firing.changed()]
        if repeated:
            self.session.execute(_ADD_EVIDENCE, repeated)
            for values in repeated:  # a firing the session already holds must not show the old evidence
                held = self.session.identity_map.get(identity_key(RuleFiring, values["firing_id"]))
                if held is not None:
                    self.session.expire(held, ["evidence_event_ids"])
        self.tasks.write()
        if self._markers is not None:
            self._markers.write()
        return ids, clashes

    def task_actions(self) -> list[str]:
        """The tasks this chunk created, in words (after `write`)."""
        return [f"{task.values['kind']} {task.id} for {who}" for firing in self.pending for task, who in firing.tasks
                if task.id is not None]
