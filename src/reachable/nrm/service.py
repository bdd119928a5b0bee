"""The NRM referral lifecycle: referral, reasonable grounds, recovery period, conclusive grounds, timers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import add_working_days, age_on, utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound
from reachable.identity import service as identity
from reachable.markers import service as markers
from reachable.nrm.models import NrmReferral
from reachable.nrm.schemas import DecisionIn, NrmFigures, ReferralIn
from reachable.tasks import service as tasks
from reachable.tasks.schemas import TaskSpec

RG_TARGET_WORKING_DAYS = 5
RECOVERY_DAYS = 30  # at least 30 calendar days from a positive reasonable grounds decision


def _end_of_day(day: date) -> datetime:
    """17:00 UTC on a day: deadlines fall within the working day."""
    return datetime.combine(day, time(17, 0), UTC)


def rg_due(referral: NrmReferral) -> date:
    """The date a reasonable grounds decision is due: 5 working days after referral."""
    start = datetime.combine(referral.referred_on, time(12, 0), UTC)
    return add_working_days(start, RG_TARGET_WORKING_DAYS).date()


def get_referral(session: Session, *, referral_id: int) -> NrmReferral:
    """One referral, or NotFound."""
    referral = session.get(NrmReferral, referral_id)
    if referral is None:
        raise NotFound(f"no NRM referral {referral_id}")
    return referral


def find_by_reference(session: Session, *, reference: str) -> NrmReferral | None:
    """The referral with this NRM reference, if recorded."""
    return session.scalar(select(NrmReferral).where(NrmReferral.reference == reference))


def list_referrals(session: Session, *, child_id: int | None = None, status: str | None = None) -> list[NrmReferral]:
    """Referrals, oldest first, optionally for one child or in one status."""
    query = select(NrmReferral).order_by(NrmReferral.referred_on, NrmReferral.id)
    if child_id is not None:
        query = query.where(NrmReferral.child_id == child_id)
    if status:
        query = query.where(NrmReferral.status == status)
    return list(session.scalars(query))


def refer(session: Session, *, referral: ReferralIn, actor: access.Actor, now: datetime | None = None) -> NrmReferral:
    """Record a first responder's referral, start the RG timer and mark the child as referred."""
    now = now or utcnow()
    child = identity.get_child(session, child_id=referral.child_id)
    errors = []
    if referral.referred_on > now.date():
        errors.append(FieldError("referred_on", "is in the future", referral.referred_on.isoformat()))
    if find_by_reference(session, reference=referral.reference):
        errors.append(FieldError("reference", "an NRM referral with this reference is already recorded",
                                 referral.reference))
    if errors:
        raise InputRejected(errors)
    agency = areas.ensure_agency(session, code=referral.first_responder_agency)
    age = age_on(child.dob, referral.referred_on) if child.dob else None
    row = NrmReferral(
        reference=referral.reference, child_id=child.id, referred_on=referral.referred_on,
        first_responder_agency_id=agency.id, first_responder_person=referral.first_responder_person,
        exploitation_types={"types": list(referral.exploitation_types)}, county_lines=referral.county_lines,
        age_at_exploitation=age, criminal_case_ref=referral.criminal_case_ref, status="awaiting_rg",
        reconsiderations={"requests": []}, created_at=now)
    session.add(row)
    session.flush()
    markers.set_marker(session, child_id=child.id, code="trafficking_nrm", by=actor.name, agency_id=agency.id,
                       reason=f"NRM referral {row.reference} by {agency.name}", at=now, basis="fact")
    access.record(session, actor=actor, action="change", object_type="nrm_referral", object_id=row.id,
                  child_id=child.id, fields={"status": row.status}, justification="NRM referral recorded")
    return row


def record_rg(session: Session, *, referral_id: int, decision: DecisionIn, actor: access.Actor) -> NrmReferral:
    """Record the reasonable grounds decision; a positive one starts the recovery period of at least 30 days."""
    referral = get_referral(session, referral_id=referral_id)
    if referral.status not in ("awaiting_rg", "reconsideration_requested"):
        raise Conflict(f"referral {referral.reference} is {referral.status}: no reasonable grounds decision is awaited")
    _check_date(decision.decided_on, after=referral.referred_on, field="decided_on")
    referral.rg_decision, referral.rg_decided_on = decision.outcome, decision.decided_on
    if decision.outcome == "positive":
        referral.status = "recovery_period"
        referral.recovery_ends_on = decision.decided_on + timedelta(days=RECOVERY_DAYS)
        tasks.create_task(session, spec=TaskSpec(
            kind="review", child_id=referral.child_id, owner_agency_id=referral.first_responder_agency_id,
            owner_role="first_responder", title=f"NRM {referral.reference}: recovery period ends; review support",
            detail="At least 30 days of recovery and reflection from the positive reasonable grounds decision; "
                   "check support is in place while the conclusive grounds decision is awaited.",
            due_at=_end_of_day(referral.recovery_ends_on), dedupe_key=f"nrm-recovery:{referral.id}",
            rule_id="nrm.recovery", rule_version="1"))
    else:
        referral.status = "negative_rg"
    tasks.close_matching(session, child_id=referral.child_id, rule_ids=["nrm.rg_overdue"], outcome="done",
                         reason=f"reasonable grounds decision recorded: {decision.outcome}", by=actor.name,
                         at=utcnow())
    _audit(session, referral, actor, f"reasonable grounds decision: {decision.outcome}")
    return referral


def record_cg(session: Session, *, referral_id: int, decision: DecisionIn, actor: access.Actor) -> NrmReferral:
    """Record the conclusive grounds decision; a positive decision confirms the child as a victim."""
    referral = get_referral(session, referral_id=referral_id)
    if referral.status != "recovery_period":
        raise Conflict(f"referral {referral.reference} is {referral.status}: a conclusive grounds decision needs "
                       "a positive reasonable grounds decision first")
    _check_date(decision.decided_on, after=referral.rg_decided_on or referral.referred_on, field="decided_on")
    referral.cg_decision, referral.cg_decided_on = decision.outcome, decision.decided_on
    referral.status = f"concluded_{decision.outcome}"
    if decision.outcome == "positive" and "criminal" in referral.exploitation_types.get("types", []):
        sca = areas.ensure_agency(session, code="NRM-SCA")
        markers.set_marker(session, child_id=referral.child_id, code="cce_victim", by=actor.name, agency_id=sca.id,
                           reason=f"positive conclusive grounds decision on NRM referral {referral.reference}",
                           basis="fact")
    _audit(session, referral, actor, f"conclusive grounds decision: {decision.outcome}")
    return referral


def request_reconsideration(session: Session, *, referral_id: int, reason: str, actor: access.Actor,
                            on: date | None = None) -> NrmReferral:
    """Ask the competent authority to reconsider a negative decision; the RG timer restarts."""
    referral = get_referral(session, referral_id=referral_id)
    if referral.status not in ("negative_rg", "concluded_negative"):
        raise Conflict("only a negative decision can be reconsidered")
    if not reason.strip():
        raise InputRejected([FieldError("reason", "a reconsideration request needs a reason")])
    on = on or utcnow().date()
    requests = list(referral.reconsiderations.get("requests", []))
    requests.append({"on": on.isoformat(), "by": actor.name, "reason": reason, "of": referral.status})
    referral.reconsiderations = {"requests": requests}
    if referral.status == "negative_rg":
        referral.status, referral.rg_decision = "reconsideration_requested", None
    else:
        referral.status, referral.cg_decision = "recovery_period", None
    _audit(session, referral, actor, f"reconsideration requested: {reason}")
    return referral


def check_timers(session: Session, *, now: datetime | None = None) -> list[str]:
    """Raise tasks for overdue RG decisions and note children who turned 18 mid-process; returns what it did."""
    now = now or utcnow()
    done = []
    for referral in session.scalars(select(NrmReferral).where(NrmReferral.status.not_in(
            ("concluded_positive", "concluded_negative", "negative_rg")))):
        if referral.status in ("awaiting_rg", "reconsideration_requested") and now.date() > rg_due(referral):
            created = _first_responder_task(
                session, referral, now, rule_id="nrm.rg_overdue", due=timedelta(hours=24),
                dedupe_key=f"nrm-rg-overdue:{referral.id}:{referral.status}",
                title=f"NRM {referral.reference}: reasonable grounds decision overdue",
                detail=f"Referred {referral.referred_on:%d/%m/%Y}; the decision was due by {rg_due(referral):%d/%m/%Y} "
                       "(5 working days). Chase the competent authority and keep the child safe meanwhile.")
            if created:
                done.append(f"overdue RG task for {referral.reference}")
        done += _turned_18(session, referral, now)
    return done


def _turned_18(session: Session, referral: NrmReferral, now: datetime) -> list[str]:
    """Record a child who turned 18 mid-process; they stay a child referral, and transition is planned."""
    child = identity.get_child(session, child_id=referral.child_id)
    if child.dob is None or referral.turned_18_on is not None:
        return []
    eighteenth = date(child.dob.year + 18, child.dob.month, min(child.dob.day, 28 if child.dob.month == 2 else 31))
    if not referral.referred_on < eighteenth <= now.date():
        return []
    referral.turned_18_on = eighteenth
    _first_responder_task(
        session, referral, now, rule_id="nrm.turned_18", due=timedelta(days=5),
        dedupe_key=f"nrm-turned-18:{referral.id}",
        title=f"NRM {referral.reference}: young person turned 18 during the process",
        detail=f"The referral stays a child referral (age at exploitation {referral.age_at_exploitation}); plan the "
               "transition to adult support and tell the competent authority.")
    return [f"{referral.reference}: turned 18 on {eighteenth:%d/%m/%Y}"]


def _first_responder_task(session: Session, referral: NrmReferral, now: datetime, *, rule_id: str, due: timedelta,
                          dedupe_key: str, title: str, detail: str) -> bool:
    """Give the referral's first responder a timer task; False when the same task already exists."""
    return bool(tasks.create_task(session, at=now, spec=TaskSpec(
        kind="task", child_id=referral.child_id, owner_agency_id=referral.first_responder_agency_id,
        owner_role="first_responder", title=title, detail=detail, due_at=now + due, dedupe_key=dedupe_key,
        rule_id=rule_id, rule_version="1")))


def case_summary(session: Session, *, child_id: int) -> str | None:
    """One line on the child's NRM status, for custody and charging prompts (Modern Slavery Act s45)."""
    referrals = list_referrals(session, child_id=child_id)
    if not referrals:
        return None
    latest = referrals[-1]
    parts = [f"NRM referral {latest.reference} ({latest.referred_on:%d/%m/%Y}): {latest.status.replace('_', ' ')}"]
    if latest.rg_decision:
        parts.append(f"RG {latest.rg_decision} {latest.rg_decided_on:%d/%m/%Y}")
    if latest.cg_decision:
        parts.append(f"CG {latest.cg_decision} {latest.cg_decided_on:%d/%m/%Y}")
    if latest.criminal_case_ref:
        parts.append(f"linked case {latest.criminal_case_ref}")
    return "; ".join(parts)


def figures(session: Session, *, referrals: list[NrmReferral] | None = None) -> NrmFigures:
    """Median days referral→RG and referral→CG, share of RG decisions within 5 working days, positive rates."""
    rows = list_referrals(session) if referrals is None else referrals
    with_rg = [r for r in rows if r.rg_decided_on]
    with_cg = [r for r in rows if r.cg_decided_on]
    to_rg = [(r.rg_decided_on - r.referred_on).days for r in with_rg if r.rg_decided_on]
    to_cg = [(r.cg_decided_on - r.referred_on).days for r in with_cg if r.cg_decided_on]
    on_time = [r for r in with_rg if r.rg_decided_on and r.rg_decided_on <= rg_due(r)]
    return NrmFigures(
        referrals=len(rows), rg_decisions=len(with_rg), cg_decisions=len(with_cg),
        median_days_to_rg=median(to_rg) if to_rg else None, median_days_to_cg=median(to_cg) if to_cg else None,
        share_rg_within_5_working_days=round(len(on_time) / len(with_rg), 4) if with_rg else None,
        positive_rg_rate=_rate(sum(r.rg_decision == "positive" for r in with_rg), len(with_rg)),
        positive_cg_rate=_rate(sum(r.cg_decision == "positive" for r in with_cg), len(with_cg)))


def _rate(part: int, whole: int) -> float | None:
    """A rate to four places, or None on an empty base."""
    return round(part / whole, 4) if whole else None


def _check_date(day: date, *, after: date, field: str) -> None:
    """A decision cannot precede what it decides on, nor lie in the future."""
    if day < after:
        raise InputRejected([FieldError(field, f"is before {after:%d/%m/%Y}", day.isoformat())])
    if day > utcnow().date():
        raise InputRejected([FieldError(field, "is in the future", day.isoformat())])


def _audit(session: Session, referral: NrmReferral, actor: access.Actor, why: str) -> None:
    """Audit a change to a referral."""
    access.record(session, actor=actor, action="change", object_type="nrm_referral", object_id=referral.id,
                  child_id=referral.child_id, fields={"status": referral.status}, justification=why)


def apply_event(session: Session, *, kind: str, payload: dict[str, object], child_id: int, agency_code: str,
                occurred_on: date, actor: access.Actor) -> str | None:
    """Keep the tracked referral in step with an NRM event from ingest; repeats change nothing."""
    reference = str(payload.get("referral_ref") or "")
    existing = find_by_reference(session, reference=reference) if reference else None
    try:
        if kind == "nrm_referral" and existing is None:
            types = payload.get("exploitation_types") or ["criminal"]
            refer(session, actor=actor, referral=ReferralIn(
                child_id=child_id, reference=reference, referred_on=occurred_on,
                first_responder_agency=str(payload.get("first_responder") or agency_code),
                exploitation_types=list(types) if isinstance(types, list) else ["criminal"],
                county_lines=bool(payload.get("county_lines"))))
            return "referred"
        if existing is None or kind not in ("nrm_rg_decision", "nrm_cg_decision"):
            return None
        decided = payload.get("decided_on")
        decision = DecisionIn(outcome=payload["outcome"],
                              decided_on=date.fromisoformat(str(decided)) if decided else occurred_on)
        if kind == "nrm_rg_decision" and existing.rg_decision is None:
            record_rg(session, referral_id=existing.id, decision=decision, actor=actor)
            return "rg recorded"
        if kind == "nrm_cg_decision" and existing.cg_decision is None:
            record_cg(session, referral_id=existing.id, decision=decision, actor=actor)
            return "cg recorded"
    except (Conflict, InputRejected, NotFound):
        # The event itself is stored; a decision out of sequence is left for a person to reconcile.
        return "not applied"
    return None
