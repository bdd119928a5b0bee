"""What a firing does: tasks, reviews and notices for the right agency; markers; closing tasks it answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from reachable.areas import service as areas
from reachable.common.dates import add_working_days
from reachable.common.errors import InputRejected, NotFound
from reachable.rules.chunk import CSC_PREFIX, POLICE_PREFIX, Chunk, PendingFiring
from reachable.rules.conditions import evaluate
from reachable.rules.facts import EventFacts, agency_area
from reachable.rules.spec import (
    Action,
    CinFactorsAction,
    CloseTasksAction,
    Due,
    MarkerAction,
    Owner,
    RuleSpec,
    TaskAction,
    localise,
)
from reachable.tasks.schemas import TaskSpec


def match_values(facts: EventFacts) -> dict[str, str]:
    """What ties a task to what later answers it: the missing episode, the NRM referral, the kind of plan."""
    kind = str(facts.event.kind)
    values = {"episode": facts.payload.get("episode_ref"), "referral_ref": facts.payload.get("referral_ref"),
              "plan": kind.rsplit("_", 1)[0] if kind.endswith(("_start", "_end")) else None}
    return {name: str(value) for name, value in values.items() if value}


def due_at(due: Due, *, event_at: datetime, now: datetime) -> datetime:
    """A deadline from the event (statutory timescales) or from when we heard of it (notices)."""
    base = max(event_at, now) if due.from_ == "ingest" else event_at
    if due.hours is not None:
        return base + timedelta(hours=due.hours)
    return add_working_days(base, due.working_days or 0)


def resolve_owner(chunk: Chunk, owner: Owner, facts: EventFacts) -> tuple[int | None, str | None, str]:
    """(agency id, area code, description) of who must act: e.g. the home council's children's social care."""
    code: str | None = None
    if owner == "home_csc" and facts.home_area:
        code = CSC_PREFIX + facts.home_area
    elif owner == "home_police" and facts.home_police:
        code = POLICE_PREFIX + facts.home_police
    elif owner == "event_police" and facts.event_police:
        code = POLICE_PREFIX + facts.event_police
    elif owner == "event_agency":
        code = facts.agency.code
    elif owner == "first_responder":
        # Police forces and councils are NRM first responders: the agency that met the child, else the home council.
        is_responder = facts.agency.kind in ("police", "childrens_social_care")
        code = facts.agency.code if is_responder else (CSC_PREFIX + facts.home_area if facts.home_area else None)
    if code is None:
        return None, None, f"{owner} (not known: assign by hand)"
    try:
        agency = chunk.agency(code, lambda: areas.ensure_agency(chunk.session, code=code))
    except (NotFound, InputRejected) as error:  # an unknown area in the code: keep the task, unowned, with why
        return None, agency_area(code), f"{owner} {code} (unregistered: {error})"
    return agency.id, agency.area_code or agency_area(code), f"{owner} {agency.code}"


def _task(chunk: Chunk, *, rule: RuleSpec, action: TaskAction, index: int, facts: EventFacts,
          firing: PendingFiring, count: int | None, now: datetime) -> None:
    """Queue the task (one per owner); a notice to the agency that recorded the event itself is skipped."""
    if action.only_if is not None and not evaluate(action.only_if, facts).held:
        return
    owners = action.owner if isinstance(action.owner, list) else [action.owner]
    values = facts.template(count)
    for owner in owners:
        agency_id, area_code, who = resolve_owner(chunk, owner, facts)
        if action.type == "notice" and agency_id == facts.agency.id:
            continue  # the agency that recorded the event already knows
        detail = localise(action.detail, facts.country).format_map(values) if action.detail else None
        spec = TaskSpec(
            kind=action.type, title=localise(action.title, facts.country).format_map(values)[:300],
            detail=detail, child_id=facts.state.child_id, owner_agency_id=agency_id, owner_area_code=area_code,
            owner_role=action.role, owner_team=action.team, due_at=due_at(action.due, event_at=facts.at, now=now),
            manager_only=action.manager_only, rule_id=rule.id, rule_version=rule.version,
            dedupe_key=f"{firing.dedupe_key}|{index}|{owner}"[:200],
            # The firing's id is filled in when the chunk writes it (Chunk.write).
            evidence={"event_ids": list(firing.evidence_event_ids.get("ids", [])), "firing_id": None,
                      "reason": firing.reason, "owner": who,
                      "match": match_values(facts)})
        task = chunk.tasks.add(spec=spec, at=now)
        if task is not None:
            firing.tasks.append((task, who))


def run_action(chunk: Chunk, *, rule: RuleSpec, action: Action, index: int, facts: EventFacts,
               firing: PendingFiring, count: int | None, historical: bool, now: datetime) -> list[str]:
    """Carry out one action of a firing in the chunk; tasks are not created for historical events (markers are).

    Task actions are described once the chunk has written them (`Chunk.task_actions`).
    """
    by = f"rule:{rule.id}@{rule.version}"
    if isinstance(action, TaskAction):
        if not historical:
            _task(chunk, rule=rule, action=action, index=index, facts=facts, firing=firing, count=count, now=now)
        return []
    if isinstance(action, MarkerAction):
        change = chunk.markers.set_marker(
            child_id=facts.state.child_id, code=action.code, by=by,
            reason=localise(action.reason, facts.country).format_map(facts.template(count)) + f" ({firing.reason})",
            agency_id=facts.agency.id, agency_kind=facts.agency.kind, evidence_event_ids=[facts.event.id],
            at=facts.at, basis="rule", propose_only=action.mode == "propose", rule_id=rule.id,
            rule_version=rule.version)
        facts.state.forget_markers()
        return [f"marker {action.code} {change}"]
    if isinstance(action, CloseTasksAction):
        known = match_values(facts)
        match = {name: known[name] for name in action.match if name in known}
        closed = chunk.tasks.close_matching(
            child_id=facts.state.child_id, rule_ids=action.rules, outcome=action.outcome, by=by, at=facts.at,
            match=match, reason=localise(action.reason, facts.country).format_map(facts.template())
            + f" (event {facts.event.id})")
        return [f"closed task {task.id}" if task.id is not None else "closed a task created in this import"
                for task in closed]
    assert isinstance(action, CinFactorsAction)
    changes = chunk.markers.apply_cin_factors(
        child_id=facts.state.child_id, factors=list(facts.payload.get("factors", [])), event_id=facts.event.id,
        agency_id=facts.agency.id, agency_kind=facts.agency.kind, at=facts.at, by=by, rule_id=rule.id,
        rule_version=rule.version)
    facts.state.forget_markers()
    return [f"marker {code} {change}" for code, change in changes]
