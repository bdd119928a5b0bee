"""The engine: for each stored event, evaluate the rules for its kind, record firings once, run their actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.identity import service as identity
from reachable.records import service as records
from reachable.records.schemas import StoreResult
from reachable.rules.actions import run_action
from reachable.rules.chunk import Chunk, PendingFiring
from reachable.rules.conditions import Outcome, evaluate
from reachable.rules.facts import ChildState, EventFacts, load_children
from reachable.rules.registry import Registry
from reachable.rules.spec import RuleSpec


@dataclass
class RunResult:
    """What one engine run did: new firings, repeats recognised as the same moment, and actions taken."""

    firings: list[int] = field(default_factory=list)
    repeats: int = 0
    actions: list[str] = field(default_factory=list)
    evaluated: int = 0


def incident_key(event: object) -> str:
    """The key of the incident an event reports: its incident reference, else its kind and exact time."""
    ref = getattr(event, "incident_ref", None)
    occurred: datetime = getattr(event, "occurred_at")  # noqa: B009
    return f"ref:{ref}" if ref else f"{getattr(event, 'kind')}@{occurred:%Y%m%dT%H%M%S}"  # noqa: B009


def same_moment(rule: RuleSpec, facts: EventFacts) -> Any | None:
    """An earlier firing of this rule for this child that this event repeats (see docs/rules.md, dedupe).

    The child's firings (stored, and new in this chunk) were read after locking the child (`Chunk.read_firings`).
    """
    event, state = facts.event, facts.state
    for earlier in state.firings or []:
        if earlier.rule_id != rule.id or earlier.event_occurred_at is None:
            continue
        gap = abs(earlier.event_occurred_at - facts.at)
        if rule.dedupe.per == "child":
            if gap < timedelta(days=rule.dedupe.within_days):
                return earlier
        elif (event.incident_ref and earlier.incident_ref == event.incident_ref) or (
                earlier.event_kind == event.kind and gap <= timedelta(hours=rule.dedupe.same_incident_hours)):
            return earlier
    return None


def fire(chunk: Chunk, *, rule: RuleSpec, facts: EventFacts, outcome: Outcome, now: datetime,
         result: RunResult) -> None:
    """Record the firing unless it repeats an earlier moment (then add the event as evidence), then act.

    Nothing is written here: the chunk writes firings, tasks and markers together when every event is evaluated.
    """
    chunk.read_firings()  # locks every child of the chunk in order, then reads their firings
    earlier = same_moment(rule, facts)
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
    firing = PendingFiring(values=values, rule_id=rule.id, event_kind=facts.event.kind, event_occurred_at=facts.at,
                           incident_ref=facts.event.incident_ref, dedupe_key=key, reason=reason,
                           evidence_event_ids={"ids": evidence})
    chunk.add_firing(firing, facts.state)
    for index, action in enumerate(rule.actions):
        result.actions += run_action(chunk, rule=rule, action=action, index=index, facts=facts, firing=firing,
                                     count=outcome.count, historical=historical, now=now)


def run_events(session: Session, *, registry: Registry, event_ids: Sequence[int], child_ids: Sequence[int],
               now: datetime, stored: StoreResult | None = None) -> RunResult:
    """Evaluate every rule for each stored event's kind, in event time order per child, inside the caller's unit.

    `stored` (the store call's result) spares reading back the events it holds.
    """
    result = RunResult()
    pairs = []
    aligned = len(event_ids) == len(child_ids)
    child_of = dict(zip(event_ids, child_ids, strict=False)) if aligned else {}
    # One query for the events whose kind some rule listens to; most others cost nothing more.
    for event in records.events_of_kinds(session, event_ids=event_ids, kinds=list(registry.by_kind), stored=stored):
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
    record_areas = records.record_home_areas(session, record_ids=sorted(homeless))
    chunk = Chunk(session, states)
    for state in states.values():
        state.ahead = chunk
    seen: set[int] = set()
    todo = []
    for event, child_id in sorted(pairs, key=lambda pair: (pair[1], pair[0].occurred_at, pair[0].id)):
        if event.id in seen:
            continue  # a batch repeating one event evaluates it once
        seen.add(event.id)
        todo.append(EventFacts(session, event=event, agency=agencies[event.agency_id], state=states[child_id],
                               record_areas=record_areas))
    chunk.facts = todo
    session.flush()  # what earlier stages left pending (e.g. NRM tasks) is visible to the chunk's reads below
    # No autoflush while evaluating: the chunk keeps its own changes in memory and writes them together at the end.
    with session.no_autoflush:
        for facts in todo:
            for rule in registry.by_kind[facts.event.kind]:
                if facts.country not in rule.jurisdiction:
                    continue
                result.evaluated += 1
                outcome = evaluate(rule.trigger.when, facts) if rule.trigger.when else Outcome(True)
                if outcome.held:
                    fire(chunk, rule=rule, facts=facts, outcome=outcome, now=now, result=result)
    ids, clashes = chunk.write()
    result.firings += ids
    result.repeats += clashes
    result.actions += chunk.task_actions()
    return result


def _prepare(session: Session, *, registry: Registry, pairs: Sequence[tuple[Any, int]]) -> dict[int, ChildState]:
    """Read the chunk's children in a few set-based queries; markers and firings wait until some child needs them."""
    child_ids = sorted({child_id for _, child_id in pairs})
    latest = max(event.occurred_at for event, _ in pairs)  # facts look back from each event, never past the last
    return load_children(session, child_ids=child_ids, kinds=registry.history_kinds, until=latest)
