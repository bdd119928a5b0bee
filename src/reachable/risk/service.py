"""Screening, risk history, moderation and the early-identification list."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound
from reachable.identity import service as identity
from reachable.risk import early
from reachable.risk.indicators import catalogue
from reachable.risk.models import RiskAssessment
from reachable.risk.schemas import AssessmentIn, LevelChange, RankedChild
from reachable.risk.screening import Policies, Suggestion, check_judgement, child_age, prefill, suggest_level


def screen(session: Session, *, child_id: int, as_of: datetime | None = None,
           policies: Policies | None = None) -> Suggestion:
    """Pre-fill the screening tool from the child's chronology and suggest a level, with reasons."""
    as_of = as_of or utcnow()
    child = identity.get_child(session, child_id=child_id)
    findings = prefill(identity.chronology(session, child_id=child_id), as_of=as_of)
    return suggest_level(findings, age=child_age(child.dob, on=as_of), policies=policies)


def create_assessment(session: Session, *, child_id: int, decision: AssessmentIn, actor: access.Actor,
                      as_of: datetime | None = None, policies: Policies | None = None,
                      moderates_id: int | None = None) -> RiskAssessment:
    """Record a practitioner's screening; overrides need a reason and local policies are enforced."""
    as_of = as_of or utcnow()
    child = identity.get_child(session, child_id=child_id)
    suggestion = screen(session, child_id=child_id, as_of=as_of, policies=policies)
    known = {i.id for i in catalogue().indicators}
    errors = [FieldError("added", "unknown indicator", value) for value in decision.added if value not in known]
    findings = [f.model_copy(update={"present": f.present or f.indicator_id in decision.added})
                for f in suggestion.findings]
    unconfirmed = [f.indicator_id for f in findings if f.present and f.indicator_id not in decision.confirmed
                   and f.indicator_id not in decision.added]
    errors += check_judgement(suggested=suggestion.level, level=decision.level,
                              override_reason=decision.override_reason, age=child_age(child.dob, on=as_of),
                              findings=findings, policies=policies)
    if errors:
        raise InputRejected(errors)
    assessment = RiskAssessment(
        child_id=child_id, assessed_at=as_of, tool_version=catalogue().version, level=decision.level,
        suggested_level=suggestion.level,
        indicators={"findings": [f.model_dump() for f in findings], "confirmed": decision.confirmed,
                    "added": decision.added, "not_confirmed": unconfirmed, "tool_reasons": suggestion.reasons},
        reason=decision.judgement, override_reason=decision.override_reason, assessor=actor.name,
        assessor_agency_id=actor.agency_id, status="final", moderates_id=moderates_id,
    )
    session.add(assessment)
    session.flush()
    access.record(session, actor=actor, action="change", object_type="risk_assessment", object_id=assessment.id,
                  child_id=child_id, fields={"level": decision.level, "suggested": suggestion.level},
                  justification=decision.judgement)
    return assessment


def dispute(session: Session, *, assessment_id: int, reason: str, actor: access.Actor) -> RiskAssessment:
    """Mark an assessment disputed by another agency; it stays on record until moderated."""
    assessment = _get(session, assessment_id)
    if not reason.strip():
        raise InputRejected([FieldError("reason", "a dispute needs a reason")])
    if assessment.status == "moderated":
        raise Conflict("this assessment has already been moderated")
    assessment.status = "disputed"
    assessment.indicators = {**assessment.indicators,
                             "dispute": {"by": actor.name, "at": utcnow().isoformat(), "reason": reason}}
    access.record(session, actor=actor, action="change", object_type="risk_assessment", object_id=assessment_id,
                  child_id=assessment.child_id, fields={"status": "disputed"}, justification=reason)
    return assessment


def moderate(session: Session, *, assessment_id: int, decision: AssessmentIn, actor: access.Actor) -> RiskAssessment:
    """Record the multi-agency moderated view; both the original and the moderated view are kept."""
    original = _get(session, assessment_id)
    if original.status != "disputed":
        raise Conflict("only a disputed assessment can be moderated")
    moderated = create_assessment(session, child_id=original.child_id, decision=decision, actor=actor,
                                  moderates_id=original.id)
    original.status = "moderated"
    return moderated


def get_assessment(session: Session, *, assessment_id: int) -> RiskAssessment:
    """One assessment, or NotFound."""
    return _get(session, assessment_id)


def _get(session: Session, assessment_id: int) -> RiskAssessment:
    """One assessment, or NotFound."""
    assessment = session.get(RiskAssessment, assessment_id)
    if assessment is None:
        raise NotFound(f"no risk assessment {assessment_id}")
    return assessment


def list_assessments(session: Session, *, child_id: int) -> list[RiskAssessment]:
    """Every assessment of a child, oldest first."""
    query = select(RiskAssessment).where(RiskAssessment.child_id == child_id).order_by(
        RiskAssessment.assessed_at, RiskAssessment.id)
    return list(session.scalars(query))


def history(session: Session, *, child_id: int) -> list[LevelChange]:
    """The child's risk timeline: each change of level with who, when and why (disputed views excluded)."""
    changes: list[LevelChange] = []
    previous: str | None = None
    for a in list_assessments(session, child_id=child_id):
        if a.status == "moderated":
            continue  # superseded by its moderated view, kept on record but not the level in force
        if a.level != previous:
            changes.append(LevelChange(at=a.assessed_at, level=a.level, previous=previous, by=a.assessor,
                                       reason=a.override_reason or a.reason, assessment_id=a.id))
            previous = a.level
    return changes


def time_at_levels(session: Session, *, child_id: int, until: datetime | None = None) -> dict[str, float]:
    """Days the child has spent at each level, up to `until` (default now)."""
    until = until or utcnow()
    spent: dict[str, float] = defaultdict(float)
    steps = history(session, child_id=child_id)
    for step, following in zip(steps, [*steps[1:], None], strict=True):
        end = following.at if following else until
        spent[step.level] += max((end - step.at).total_seconds(), 0) / 86400
    return dict(spent)


def cohort(session: Session, *, months: list[datetime], area_code: str | None = None) -> list[dict[str, object]]:
    """Per month: how many children are at each level, and how many entered or left high risk."""
    rows = []
    level_at: dict[int, str] = {}
    assessments = list(session.scalars(select(RiskAssessment).where(RiskAssessment.status != "moderated")
                                       .order_by(RiskAssessment.assessed_at, RiskAssessment.id)))
    for month_end in months:
        before = dict(level_at)
        for a in assessments:
            if a.assessed_at <= month_end:
                level_at[a.child_id] = a.level
        in_area = {c for c in level_at if area_code is None or
                   identity.get_child(session, child_id=c).home_area_code == area_code}
        counts: dict[str, int] = defaultdict(int)
        for child_id in in_area:
            counts[level_at[child_id]] += 1
        entered = sum(1 for c in in_area if level_at[c] == "high" and before.get(c) != "high")
        left = sum(1 for c in in_area if before.get(c) == "high" and level_at[c] != "high")
        rows.append({"month": month_end.date().isoformat(), **{lvl: counts.get(lvl, 0) for lvl in
                     ("none", "low", "medium", "high")}, "entered_high": entered, "left_high": left})
    return rows


def early_identification(session: Session, *, limit: int = 50, as_of: datetime | None = None) -> list[RankedChild]:
    """The ranked list for the MACE panel, each child with factors and evidence. It changes nothing."""
    as_of = as_of or utcnow()
    ranked = early.ranked_list(session, as_of=as_of, limit=limit)
    return [RankedChild(child_id=s.child_id, reference=identity.get_child(session, child_id=s.child_id).reference,
                        score=s.score, version=s.version,
                        factors=[{"indicator": f.indicator_id, "label": f.label, "points": f.points,
                                  "event_ids": f.event_ids} for f in s.factors])
            for s in ranked]


def month_ends(start: datetime, end: datetime) -> list[datetime]:
    """The last moment of each month between two dates."""
    found = []
    current = datetime(start.year, start.month, 1, tzinfo=start.tzinfo)
    while current <= end:
        following = datetime(current.year + current.month // 12, current.month % 12 + 1, 1, tzinfo=start.tzinfo)
        found.append(following - timedelta(microseconds=1))
        current = following
    return found
