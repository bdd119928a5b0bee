"""What Counting Lives wished it could know: reachable moments acted on, time to help, risk over time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, and_, case, cast, exists, extract, func, literal, not_, null, or_, select, union_all

from reachable.reports import sources as src
from reachable.reports.registry import Statistic, register
from reachable.reports.scope import (
    ReportContext,
    by_kind,
    child_area_filter,
    child_area_key,
    for_area,
    in_range,
    period_of,
    window_bounds,
)

INDICATORS = ("missing_reported", "stop_search", "arrest", "custody", "school_exclusion", "part_time_timetable",
              "concern_raised", "intelligence_report", "health_attendance", "youth_justice_intervention")
RESPONSES = ("referral", "assessment_completed", "cin_plan_start", "cp_plan_start", "looked_after_start",
             "nrm_referral")
STATUSES = ("responded", "awaiting")


def _tasks(ctx: ReportContext, *, in_time: bool) -> Any:
    """Facts: tasks raised by a rule in the period (optionally only those done by their deadline)."""
    t, c = src.tasks, src.children
    home = func.coalesce(c.c.home_area_code, t.c.owner_area_code)
    query = (select(t.c.id.label("unit"), t.c.child_id.label("child"), period_of(ctx, t.c.created_at).label("period"),
                    child_area_key(ctx, home).label("area"), t.c.owner_agency_id.label("agency"),
                    t.c.rule_id.label("rule"))
             .select_from(t.outerjoin(c, c.c.id == t.c.child_id))
             .where(t.c.rule_id.is_not(None), in_range(ctx, t.c.created_at), child_area_filter(ctx, home),
                    c.c.status.is_(None) | (c.c.status != "erased")))
    if in_time:
        query = query.where(t.c.status == "done", t.c.closed_at.is_not(None),
                            or_(t.c.due_at.is_(None), t.c.closed_at <= t.c.due_at))
    return query


_TASK_SOURCE = "tasks (rule_id, created_at, due_at, status, closed_at) raised by reachable-moment rules"
register(Statistic(
    id="reachable_moments_fired", title="Reachable moments fired, by rule", unit="tasks",
    definition="Tasks created by a reachable-moment rule in the period.",
    inclusion="tasks with a rule_id, created in the period; area: the child's home council, else the task's "
              "owner area.", source=_TASK_SOURCE, agencies=("childrens_social_care", "police"),
    dims={"rule": ()}, build=lambda ctx: _tasks(ctx, in_time=False)))
register(Statistic(
    id="reachable_moments_acted_in_time", title="Reachable moments acted on in time, by rule", unit="tasks",
    definition="Tasks counted in reachable_moments_fired that were done by their deadline.",
    inclusion="status done, closed no later than due_at (or no deadline).", source=_TASK_SOURCE,
    agencies=("childrens_social_care", "police"), dims={"rule": ()}, build=lambda ctx: _tasks(ctx, in_time=True)))
register(Statistic(
    id="reachable_moments_in_time_share", title="Share of reachable moments acted on in time", unit="percent",
    definition="reachable_moments_acted_in_time as a percentage of reachable_moments_fired.",
    inclusion="As its inputs.", source="derived", agencies=("childrens_social_care", "police"),
    dims={"rule": ()}, measure="ratio", numerator="reachable_moments_acted_in_time",
    denominator="reachable_moments_fired", percent=True))


def _current(kinds: tuple[str, ...], name: str) -> tuple[Any, Any]:
    """Current events of the kinds joined to their current record link (events alias, FROM clause)."""
    e, link = src.events.alias(name), src.record_links.alias(f"{name}_l")
    return e, (e.join(link, and_(link.c.source_record_id == e.c.source_record_id, link.c.ended_at.is_(None))),
               link.c.child_id)


def _first_responses(ctx: ReportContext) -> Any:
    """Per child whose first ever indicator fell in the range: when, their home, and the first response after."""
    # Only events and links: the cheapest join that yields each child's first indicator.
    e, (joined, child) = _current(INDICATORS, "fi")
    first = ctx.base("first_indicator", by_kind(
        ctx, select(child.label("child"), func.min(e.c.occurred_at).label("first_at")).select_from(joined)
        .where(e.c.kind.in_(INDICATORS), e.c.superseded_at.is_(None), e.c.occurred_at < ctx.end_at,
               for_area(ctx, child))
        .group_by(child).having(func.min(e.c.occurred_at) >= ctx.start_at), e), index=("child",))
    # The first response: one set-based join of responses to those children (not a lookup per child).
    r, (joined, child) = _current(RESPONSES, "fr")
    # Made (and analysed) on its own: joined as a subquery, PostgreSQL misjudged its size and re-ran it per child.
    responses = ctx.base("first_response_at", by_kind(
        ctx, select(first.c.child, func.min(r.c.occurred_at).label("response_at"))
        .select_from(joined.join(first, first.c.child == child))
        .where(r.c.kind.in_(RESPONSES), r.c.superseded_at.is_(None), r.c.occurred_at >= first.c.first_at,
               r.c.occurred_at < ctx.end_at).group_by(first.c.child), r), index=("child",))
    c = src.children
    return ctx.base("first_response", select(first.c.child, first.c.first_at, responses.c.response_at,
                                             c.c.home_area_code.label("home"))
                    .select_from(first.join(c, c.c.id == first.c.child)
                                 .outerjoin(responses, responses.c.child == first.c.child))
                    .where(child_area_filter(ctx, c.c.home_area_code), c.c.status != "erased"))


def _first_response(ctx: ReportContext, *, days: bool) -> Any:
    """Facts: children whose first indicator fell in the period, with days to their first response."""
    base = _first_responses(ctx)
    value: Any
    status: Any
    if days:
        day = func.floor(cast(extract("epoch", base.c.response_at), Float) / 86400.0)
        value = day - func.floor(cast(extract("epoch", base.c.first_at), Float) / 86400.0)
        status = literal("responded")
    else:
        value = cast(null(), Float)
        status = case((base.c.response_at.is_(None), literal("awaiting")), else_=literal("responded"))
    query = select(base.c.child.label("unit"), base.c.child.label("child"),
                   period_of(ctx, base.c.first_at).label("period"), child_area_key(ctx, base.c.home).label("area"),
                   value.label("value"), status.label("status"))
    return query.where(base.c.response_at.is_not(None)) if days else query


register(Statistic(
    id="children_first_indicator", title="Children with a first indicator of risk", unit="children",
    definition="Children whose first ever indicator event fell in the period, by whether a safeguarding "
               "response has followed (by the end of the range).",
    inclusion=f"Indicators: {', '.join(INDICATORS)}. Responses: {', '.join(RESPONSES)}, on or after the first "
              "indicator. Area: the child's home council.",
    source="events: " + ", ".join(INDICATORS + RESPONSES), agencies=("police", "childrens_social_care", "education"),
    dims={"status": STATUSES}, build=lambda ctx: _first_response(ctx, days=False)))
register(Statistic(
    id="days_to_first_response", title="Days from first indicator to first safeguarding response", unit="days",
    definition="For children counted as responded in children_first_indicator: calendar days from the first "
               "indicator to the first response; count, mean and median.",
    inclusion="As children_first_indicator.", source="events: " + ", ".join(INDICATORS + RESPONSES),
    agencies=("police", "childrens_social_care", "education"), measure="value",
    build=lambda ctx: _first_response(ctx, days=True)))


def _risk_levels(ctx: ReportContext) -> Any:
    """Facts: each child's latest risk level at the end of each period (disputed assessments ignored)."""
    selects = []
    for period in ctx.periods:
        _, end_at = window_bounds(period)
        r, r2, c = src.risk_assessments.alias("ra"), src.risk_assessments.alias("ra2"), src.children
        newer = exists(select(literal(1)).select_from(r2).where(
            r2.c.child_id == r.c.child_id, r2.c.status != "disputed", r2.c.assessed_at < end_at,
            or_(r2.c.assessed_at > r.c.assessed_at, and_(r2.c.assessed_at == r.c.assessed_at, r2.c.id > r.c.id))))
        selects.append(
            select(r.c.child_id.label("unit"), r.c.child_id.label("child"), literal(period.label).label("period"),
                   child_area_key(ctx, c.c.home_area_code).label("area"), r.c.level.label("level"))
            .select_from(r.join(c, c.c.id == r.c.child_id))
            .where(r.c.status != "disputed", r.c.assessed_at < end_at, not_(newer), c.c.status != "erased",
                   child_area_filter(ctx, c.c.home_area_code)))
    return union_all(*selects)


register(Statistic(
    id="children_by_risk_level", title="Children by current risk level", unit="children",
    definition="Children by the level of their latest (not disputed) risk assessment at the end of each period.",
    inclusion="risk_assessments assessed before the period end; the latest per child wins (ties: latest id).",
    source="risk_assessments (level, assessed_at, status)", agencies=("childrens_social_care",),
    dims={"level": ()}, build=_risk_levels))
