"""The engine: for each stored event, evaluate the rules for its kind, record firings once, run their actions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.db.dialect import insert_ignoring_conflicts, lock_for_append
from reachable.identity import service as identity
from reachable.markers import service as markers
from reachable.records import service as records
from reachable.rules.actions import run_action
from reachable.rules.conditions import Outcome, evaluate
from reachable.rules.facts import ChildState, EventFacts, load_children
from reachable.rules.models import RuleFiring
from reachable.rules.registry import Registry
from reachable.rules.spec import RuleSpec


@dataclass
class RunResult:
    """What one engine run did: new firings, repeats recognised as the same moment, and actions taken."""

    firings: list[int] = field(default_factory=list)
    repeats: int = 0
    actions: list[str] = field(default_factory=list)
    evaluated: int = 0


@dataclass(frozen=True)
class Fired:
    """What actions need to know about the firing they carry out (without reading the row back)."""

    id: int
    dedupe_key: str
    reason: str
    evidence_event_ids: dict[str, list[int]]


def incident_key(event: object) -> str:
    """The key of the incident an event reports: its incident reference, else its kind and exact time."""
    ref = getattr(event, "incident_ref", None)
    occurred: datetime = getattr(event, "occurred_at")  # noqa: B009
    return f"ref:{ref}" if ref else f"{getattr(event, 'kind')}@{occurred:%Y%m%dT%H%M%S}"  # noqa: B009


def same_moment(session: Session, rule: RuleSpec, facts: EventFacts) -> RuleFiring | None:
    """An earlier firing of this rule for this child that this event repeats (see docs/rules.md, dedupe)."""
    event, state = facts.event, facts.state
    if state.firings is None:  # the child's firings are read once per ingest, then kept up to date
        state.firings = list(session.scalars(select(RuleFiring).where(RuleFiring.child_id == state.child_id)
                                             .order_by(RuleFiring.id)))
    for earlier in state.firings:
        if earlier.rule_id != rule.id or earlier.event_occurred_at is None:
            continue
        gap = abs(earlier.event_occurred_at - facts.at)
        if rule.dedupe.per == "child":
            if gap < timedelta(days=rule.dedupe.within_days):
                return session.get(RuleFiring, earlier.id)
        elif (event.incident_ref and earlier.incident_ref == event.incident_ref) or (
                earlier.event_kind == event.kind and gap <= timedelta(hours=rule.dedupe.same_incident_hours)):
            return session.get(RuleFiring, earlier.id)
    return None


def _lock_child(session: Session, child_id: int) -> None:
    """Serialise rule firings per child across concurrent ingests (PostgreSQL; SQLite holds one writer)."""
    lock_for_append(session, hashlib.sha256(f"rules:{child_id}".encode()).hexdigest()[:8])


def fire(session: Session, *, rule: RuleSpec, facts: EventFacts, outcome: Outcome, now: datetime,
         result: RunResult) -> None:
    """Record the firing unless it repeats an earlier moment (then add the event as evidence), then act."""
    if facts.state.ahead is not None:
        facts.state.ahead.read_firings()  # locks every child of the chunk in order, then reads their firings
    if not facts.state.locked:
        _lock_child(session, facts.state.child_id)
    earlier = same_moment(session, rule, facts)
    if earlier is not None:
        ids = list(earlier.evidence_event_ids.get("ids", []))
        if facts.event.id not in ids:
            earlier.evidence_event_ids = {"ids": [*ids, facts.event.id],
                                          "repeats": [*earlier.evidence_event_ids.get("repeats", []), facts.event.id]}
        result.repeats += 1
        return
    historical = now - facts.at > timedelta(days=rule.stale_after_days)
    evidence = list(dict.fromkeys([facts.event.id, *outcome.evidence]))
    reason = f"{rule.id} v{rule.version}: {facts.event.kind} (event {facts.event.id})"
    if outcome.reasons:
        reason += "; " + "; ".join(outcome.reasons)
    if historical:
        reason += f"; historical: the event is over {rule.stale_after_days} days old, so no task was created"
    key = f"{rule.id}|{facts.state.child_id}|{incident_key(facts.event)}"
    values = {"rule_id": rule.id, "rule_version": rule.version, "child_id": facts.state.child_id,
              "event_id": facts.event.id, "event_kind": facts.event.kind, "event_occurred_at": facts.at,
              "incident_ref": facts.event.incident_ref, "dedupe_key": key, "jurisdiction": facts.country,
              "area_code": facts.home_area, "mode": "historical" if historical else "live", "reason": reason,
              "evidence_event_ids": {"ids": evidence}, "facts": facts.snapshot(), "fired_at": now}
    table = cast(Table, RuleFiring.__table__)
    # Values as parameters, not in the statement: one cached compiled form serves every firing.
    statement = insert_ignoring_conflicts(session, table, ["dedupe_key"]).returning(table.c.id)
    firing_id = session.scalar(statement, values)
    if firing_id is None:  # a concurrent import recorded this moment first
        result.repeats += 1
        return
    firing = Fired(id=firing_id, dedupe_key=key, reason=reason, evidence_event_ids={"ids": evidence})
    result.firings.append(firing.id)
    if facts.state.firings is not None:
        facts.state.firings.append(SimpleNamespace(id=firing_id, rule_id=rule.id, event_kind=facts.event.kind,
                                                   event_occurred_at=facts.at, incident_ref=facts.event.incident_ref))
    for index, action in enumerate(rule.actions):
        result.actions += run_action(session, rule=rule, action=action, index=index, facts=facts, firing=firing,
                                     count=outcome.count, historical=historical, now=now)


def run_events(session: Session, *, registry: Registry, event_ids: Sequence[int], child_ids: Sequence[int],
               now: datetime) -> RunResult:
    """Evaluate every rule for each stored event's kind, in event time order per child, inside the caller's unit."""
    result = RunResult()
    pairs = []
    aligned = len(event_ids) == len(child_ids)
    child_of = dict(zip(event_ids, child_ids, strict=False)) if aligned else {}
    # One query for the events whose kind some rule listens to; most others cost nothing more.
    for event in records.events_of_kinds(session, event_ids=event_ids, kinds=list(registry.by_kind)):
        if event.superseded_at is not None:
            continue
        if aligned:
            child_id: int | None = child_of.get(event.id)
        else:
            link = identity.current_link(session, source_record_id=event.source_record_id)
            child_id = link.child_id if link else None
        if child_id is not None:
            pairs.append((event, child_id))
    if not pairs:
        return result
    agencies = areas.agencies_by_id(session, ids={event.agency_id for event, _ in pairs})
    states = _prepare(session, registry=registry, pairs=pairs)
    homeless = {event.source_record_id for event, child_id in pairs if states[child_id].home_area_code is None}
    source_records = records.get_source_records(session, record_ids=sorted(homeless))
    owners: dict[str, Any] = {}  # owning agencies by code, looked up once per run
    seen: set[int] = set()
    for event, child_id in sorted(pairs, key=lambda pair: (pair[1], pair[0].occurred_at, pair[0].id)):
        if event.id in seen:
            continue  # a batch repeating one event evaluates it once
        seen.add(event.id)
        facts = EventFacts(session, event=event, agency=agencies[event.agency_id], state=states[child_id],
                           source_records=source_records, owners=owners)
        for rule in registry.by_kind[event.kind]:
            if facts.country not in rule.jurisdiction:
                continue
            result.evaluated += 1
            outcome = evaluate(rule.trigger.when, facts) if rule.trigger.when else Outcome(True)
            if outcome.held:
                fire(session, rule=rule, facts=facts, outcome=outcome, now=now, result=result)
    return result


def _prepare(session: Session, *, registry: Registry, pairs: Sequence[tuple[Any, int]]) -> dict[int, ChildState]:
    """Read the chunk's children in a few set-based queries; markers and firings wait until some child needs them."""
    child_ids = sorted({child_id for _, child_id in pairs})
    states = load_children(session, child_ids=child_ids, kinds=registry.history_kinds)
    ahead = ChunkAhead(session, states)
    for state in states.values():
        state.ahead = ahead
    return states


class ChunkAhead:
    """Reads deferred until the first child of a chunk needs them, then done for every child of the chunk at once.

    A read made later is as current as the per-child read it replaces: a child whose markers change afterwards
    forgets them and reads its own again. Firings are read after locking every child in child order (as firing
    locked them one by one), so dedupe sees what it saw when each child's firings were read after its lock.
    """

    def __init__(self, session: Session, states: dict[int, ChildState]) -> None:
        """Defer reads for these children."""
        self.session, self.states = session, states
        self.markers_read = self.firings_read = False

    def read_markers(self) -> None:
        """Every child's active marker codes, once per chunk."""
        if self.markers_read:
            return
        self.markers_read = True
        codes = markers.active_codes_of(self.session, child_ids=list(self.states))
        for child_id, state in self.states.items():
            if state.known_markers is None:
                state.known_markers = codes[child_id]

    def read_firings(self) -> None:
        """Lock every child, then read their earlier firings, once per chunk."""
        if self.firings_read:
            return
        self.firings_read = True
        child_ids = sorted(self.states)
        for child_id in child_ids:
            _lock_child(self.session, child_id)
            self.states[child_id].locked = True
        wanted = [child_id for child_id in child_ids if self.states[child_id].firings is None]
        for child_id in wanted:
            self.states[child_id].firings = []
        for start in range(0, len(wanted), 1000):
            for firing in self.session.scalars(select(RuleFiring).where(
                    RuleFiring.child_id.in_(wanted[start:start + 1000])).order_by(RuleFiring.id)):
                firings = self.states[cast(int, firing.child_id)].firings
                assert firings is not None
                firings.append(firing)
