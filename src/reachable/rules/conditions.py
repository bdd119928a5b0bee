"""Evaluating a rule's conditions against an event's facts, keeping the reasons and evidence that held."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from reachable.records.schemas import EventOut
from reachable.rules.facts import EventFacts, distinct_incidents
from reachable.rules.spec import Condition, Window


class Facts(Protocol):
    """Anything that can answer a fact by name."""

    def value(self, fact: str) -> Any:
        """The value of a named fact, or None."""


class PastEvent:
    """Facts of an earlier event on the chronology, for a history window's `where`."""

    def __init__(self, event: EventOut) -> None:
        """Wrap an event of the chronology."""
        self.event = event

    def value(self, fact: str) -> Any:
        """Payload fields and the event's kind, role and area."""
        if fact.startswith("payload."):
            return self.event.payload.get(fact[8:])
        return {"event.kind": self.event.kind, "event.role": self.event.person_role,
                "event.area_code": self.event.area_code,
                "event.agency_kind": self.event.agency_code.partition("-")[0]}.get(fact)


@dataclass
class Outcome:
    """Whether a condition held, the reasons in words, evidence event ids and counts from windows."""

    held: bool
    reasons: list[str] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)
    count: int | None = None


def _shown(value: Any) -> str:
    """A value as a reason shows it."""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple | set) else str(value)


def test_fact(condition: Condition, actual: Any) -> bool:
    """Apply a fact test's single operator; an unknown value satisfies only `ne`, `not_in` and `exists: false`."""
    if condition.exists is not None:
        return (actual is not None and actual != []) == condition.exists
    if condition.ne is not None:
        return bool(actual != condition.ne)
    if condition.not_in is not None:
        return actual not in condition.not_in
    if actual is None:
        return False
    if condition.eq is not None:
        return bool(actual == condition.eq)
    if condition.in_ is not None:
        return actual in condition.in_
    if condition.contains_any is not None:
        items = actual if isinstance(actual, list | tuple | set) else [actual]
        return any(item in items for item in condition.contains_any)
    number = float(actual)
    bounds = ((condition.lt, number.__lt__), (condition.le, number.__le__), (condition.gt, number.__gt__),
              (condition.ge, number.__ge__))
    return all(check(limit) for limit, check in bounds if limit is not None)


def describe(condition: Condition) -> str:
    """A fact test in words, e.g. `payload.offence_category in pwits_class_a, other_drugs`."""
    for name in Condition.operators():
        value = getattr(condition, name)
        if value is not None:
            return f"{condition.fact} {name.rstrip('_').replace('_', ' ')} {_shown(value)}"
    return str(condition.fact)


def window_outcome(window: Window, facts: EventFacts) -> Outcome:
    """Count distinct incidents of the window's kinds in its days (this event included)."""
    found = facts.window([kind.value for kind in window.kinds], window.within_days)
    if window.where is not None:
        found = [item for item in found if evaluate(window.where, PastEvent(item)).held]
    incidents = distinct_incidents(found)
    held = len(incidents) >= window.at_least
    kinds = "/".join(kind.value for kind in window.kinds)
    reason = (f"{len(incidents)} distinct {kinds} incident(s) in {window.within_days} days "
              f"(at least {window.at_least} needed)")
    return Outcome(held, [reason] if held else [], [item.id for item in found] if held else [], len(incidents))


def evaluate(condition: Condition, facts: Facts) -> Outcome:
    """Evaluate a condition tree; the outcome carries the reasons and evidence of the branches that held."""
    if condition.fact is not None:
        actual = facts.value(condition.fact)
        held = test_fact(condition, actual)
        return Outcome(held, [f"{describe(condition)} (is {_shown(actual)})"] if held else [])
    if condition.history is not None:
        if not isinstance(facts, EventFacts):
            raise ValueError("a history window cannot be nested inside another window's `where`")
        return window_outcome(condition.history, facts)
    if condition.not_ is not None:
        inner = evaluate(condition.not_, facts)
        return Outcome(not inner.held, [f"not ({describe(condition.not_)})"] if not inner.held else [])
    # Short-circuit like `and` / `or`: cheap tests go first in rule files, so costly ones (markers) rarely run.
    kept: list[Outcome] = []
    for child in condition.all or condition.any or []:
        part = evaluate(child, facts)
        if condition.all is not None and not part.held:
            return Outcome(False)
        if part.held:
            kept.append(part)
            if condition.any is not None:
                break
    if not kept:
        return Outcome(False)
    counts = [p.count for p in kept if p.count is not None]
    return Outcome(True, [r for p in kept for r in p.reasons], [e for p in kept for e in p.evidence],
                   max(counts) if counts else None)
