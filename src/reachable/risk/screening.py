"""The CCE screening tool: pre-filled indicators, a suggested level, policies, and recorded judgement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from reachable.common.dates import age_on, utcnow
from reachable.common.errors import FieldError, InputRejected
from reachable.records.schemas import EventOut
from reachable.risk.indicators import LEVELS, Level, catalogue, evidence


class Finding(BaseModel):
    """One indicator as the tool found it: present or not, with the evidence events."""

    indicator_id: str
    label: str
    domain: str
    level: str
    present: bool
    evidence_event_ids: list[int] = []


class Suggestion(BaseModel):
    """The tool's suggested level and every reason behind it."""

    level: Level
    reasons: list[str]
    findings: list[Finding]


class Policies(BaseModel):
    """Local policies from English tools, configurable and on by default."""

    under_13_never_low: bool = True
    learning_disability_never_low: bool = True


def prefill(events: Sequence[EventOut], *, as_of: datetime | None = None) -> list[Finding]:
    """Every indicator with whether the child's events evidence it (and which events)."""
    as_of = as_of or utcnow()
    cat = catalogue()
    findings = []
    for indicator in cat.indicators:
        hits = evidence(indicator, events, as_of=as_of, window_days=cat.window_days)
        findings.append(Finding(indicator_id=indicator.id, label=indicator.label, domain=indicator.domain,
                                level=indicator.level, present=bool(hits),
                                evidence_event_ids=[event.id for event in hits]))
    return findings


def suggest_level(findings: Sequence[Finding], *, age: int | None, policies: Policies | None = None) -> Suggestion:
    """Rule-based escalation: any high indicator ⇒ high; any medium ⇒ medium; low alone ⇒ low; policies."""
    policies = policies or Policies()
    present = [f for f in findings if f.present]
    reasons: list[str] = []
    level: Level = "none"
    for wanted in ("high", "medium", "low"):
        named = [f.label for f in present if f.level == wanted]
        if named:
            level = wanted
            reasons.append(f"{wanted} indicator(s) present: {', '.join(named)}")
            break
    if level == "none":
        reasons.append("no indicator is evidenced by the child's events in the window")
    if level == "low" and policies.under_13_never_low and age is not None and age < 13:
        level = "medium"
        reasons.append("policy: a child under 13 with indicators present cannot be rated low")
    learning_disability = any(f.indicator_id == "learning_disability" and f.present for f in findings)
    if level == "low" and policies.learning_disability_never_low and learning_disability:
        level = "medium"
        reasons.append("policy: a child with a learning disability cannot be rated low")
    return Suggestion(level=level, reasons=reasons, findings=list(findings))


def check_judgement(*, suggested: Level, level: str, override_reason: str | None, age: int | None,
                    findings: Sequence[Finding], policies: Policies | None = None) -> list[FieldError]:
    """Problems with a practitioner's decision: overrides need a reason; policies cannot be overridden down."""
    errors = []
    if level not in LEVELS:
        errors.append(FieldError("level", f"must be one of {', '.join(LEVELS)}", level))
        return errors
    if level != suggested and not (override_reason or "").strip():
        errors.append(FieldError("override_reason", f"a reason is required to rate {level} when the tool "
                                 f"suggests {suggested}", None))
    policies = policies or Policies()
    any_present = any(f.present for f in findings)
    if level in ("none", "low") and any_present:
        if policies.under_13_never_low and age is not None and age < 13:
            errors.append(FieldError("level", "policy: a child under 13 with indicators present cannot be "
                                     "rated low or no known risk", level))
        if policies.learning_disability_never_low and any(
                f.indicator_id == "learning_disability" and f.present for f in findings):
            errors.append(FieldError("level", "policy: a child with a learning disability cannot be rated low",
                                     level))
    return errors


def child_age(dob: object, *, on: datetime) -> int | None:
    """Age in years on a date, when the date of birth is known."""
    from datetime import date

    return age_on(dob, on.date()) if isinstance(dob, date) else None


def require_valid(errors: list[FieldError]) -> None:
    """Raise the collected problems, if any."""
    if errors:
        raise InputRejected(errors)
