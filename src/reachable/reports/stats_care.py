"""Children identified at risk of CCE, by legal status, and looked-after children placed out of area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from reachable.reports import sources as src
from reachable.reports.registry import Statistic, register
from reachable.reports.schemas import ALL, Period
from reachable.reports.scope import (
    ReportContext,
    by_kind,
    child_area_filter,
    child_area_key,
    event_view,
    for_area,
    home_records,
    window_bounds,
)

STATUSES = ("lac", "cp", "cin", "none")
PLANS = {"lac": ("looked_after_start", "looked_after_end"), "cp": ("cp_plan_start", "cp_plan_end"),
         "cin": ("cin_plan_start", "cin_plan_end")}


def _child_events(ctx: ReportContext, kinds: dict[str, str], columns: list[Callable[[Any], Any]], name: str) -> Any:
    """Current events of some kinds with the child of their current record link, the kind mapped to a label."""
    e = src.events.alias(name)
    link = src.record_links.alias(f"{name}_l")
    label = case(*((e.c.kind == kind, literal(value)) for kind, value in kinds.items()))
    return by_kind(ctx, select(link.c.child_id.label("child"), label.label("label"), e.c.occurred_at.label("at"),
                               *(column(e) for column in columns))
                   .select_from(e.join(link, and_(link.c.source_record_id == e.c.source_record_id,
                                                  link.c.ended_at.is_(None))))
                   .where(e.c.kind.in_(sorted(kinds)), e.c.superseded_at.is_(None), for_area(ctx, link.c.child_id)), e)


def spells(ctx: ReportContext) -> Any:
    """Per child, plan (lac, cp, cin) and start event: when it started and the first end at or after it.

    A plan is open during [start_at, end_at) when it started before end_at and its first end after the
    start is missing or not before start_at (so an end inside the period still counts as open during it).
    Made once per run as a set (not a lookup per child and period).
    """
    # Each side made on its own (from the kind index), so neither database plans the join from every link.
    starts = ctx.base("care_starts", _child_events(ctx, {start: plan for plan, (start, _) in PLANS.items()}, [],
                                                   "sp_st"))
    ends = ctx.base("care_ends", _child_events(ctx, {end: plan for plan, (_, end) in PLANS.items()}, [], "sp_en"),
                    index=("child",))
    return ctx.base("care_spells", select(starts.c.child, starts.c.label.label("plan"), starts.c.at.label("started"),
                                          func.min(ends.c.at).label("ended"))
                    .select_from(starts.outerjoin(ends, and_(ends.c.child == starts.c.child,
                                                             ends.c.label == starts.c.label,
                                                             ends.c.at >= starts.c.at)))
                    .group_by(starts.c.child, starts.c.label, starts.c.at), index=("child",))


def legal_status(ctx: ReportContext, period: Period) -> Any:
    """Per child with any plan open in the period: its status, lac > cp > cin (one per child, so splits add up)."""
    start_at, end_at = window_bounds(period)
    sp = spells(ctx)
    open_ = and_(sp.c.started < end_at, sp.c.ended.is_(None) | (sp.c.ended >= start_at))
    rank = case((sp.c.plan == "lac", 3), (sp.c.plan == "cp", 2), else_=1)
    return ctx.base(f"cce_status_{period.start:%Y%m%d}",
                    select(sp.c.child, func.max(rank).label("rank")).where(open_).group_by(sp.c.child),
                    index=("child",))


def status_of(rank: Any) -> ColumnElement[str]:
    """The status label of a plan rank (no open plan: none)."""
    return case((rank == 3, literal("lac")), (rank == 2, literal("cp")), (rank == 1, literal("cin")),
                else_=literal("none"))


def placements(ctx: ReportContext) -> Any:
    """Every current placement change per child: when, whether in area, and the placement area code."""
    rows = _child_events(ctx, {"placement_change": "placement"},
                         [lambda e: e.c.payload["in_area"].as_boolean().label("in_area"),
                          lambda e: src.payload_text(e, "placement_area_code").label("place")], "pl")
    return ctx.base("placements", rows, index=("child",))


def latest_placement(ctx: ReportContext, period: Period) -> Any:
    """Each child's latest placement change(s) before the end of the period."""
    _, end_at = window_bounds(period)
    pl = placements(ctx)
    latest = (select(pl.c.child, func.max(pl.c.at).label("at")).where(pl.c.at < end_at).group_by(pl.c.child)
              .subquery(f"latest_{period.start:%Y%m%d}"))
    return ctx.base(f"cce_placed_{period.start:%Y%m%d}", select(pl.c.child, pl.c.in_area, pl.c.place)
                    .select_from(pl.join(latest, and_(latest.c.child == pl.c.child, latest.c.at == pl.c.at))),
                    index=("child",))


def outside(placed: Any, home: Any) -> ColumnElement[bool]:
    """The placement is outside the home council: in_area false, else a different placement area code."""
    return func.coalesce(placed.c.in_area == False, placed.c.place != home, False)  # noqa: E712


def identified(ctx: ReportContext, period: Period) -> Any:
    """Identifications of CCE risk in a period: a 24A assessment factor, or a CCE marker in force."""
    start_at, end_at = window_bounds(period)
    view = event_view(ctx, ("assessment_completed",), name="cce", window=period)
    by_factor = (select(view.child.label("child"), view.home.label("home"), view.e.c.agency_id.label("agency"))
                 .select_from(view.from_).where(view.base, src.payload_has(view.e, "24A")))
    if ctx.area != ALL:  # start from the area's records (the exact home test is applied by the caller)
        by_factor = by_factor.where(view.e.c.source_record_id.in_(home_records(ctx)))
    m, c = src.markers, src.children
    by_marker = (select(m.c.child_id.label("child"), c.c.home_area_code.label("home"),
                        m.c.set_by_agency_id.label("agency"))
                 .select_from(m.join(c, c.c.id == m.c.child_id))
                 .where(func.lower(m.c.code).in_(src.MARKER_CODES["cce"]), m.c.status != "proposed",
                        c.c.status != "erased",
                        m.c.set_at < end_at, m.c.ended_at.is_(None) | (m.c.ended_at >= start_at),
                        for_area(ctx, m.c.child_id)))
    # Made once per period (and analysed), so the planner knows how many children it joins to.
    return ctx.base(f"cce_identified_{period.start:%Y%m%d}", union_all(by_factor, by_marker))


def _children(ctx: ReportContext, *, out_of_area: bool) -> Any:
    """Facts: one row per identification per period, with the child's legal status in that period."""
    selects = []
    for period in ctx.periods:
        found = identified(ctx, period)
        best = legal_status(ctx, period)
        status = status_of(best.c.rank)
        joined = found.outerjoin(best, best.c.child == found.c.child)
        query = select(found.c.child.label("unit"), found.c.child.label("child"), literal(period.label).label("period"),
                       child_area_key(ctx, found.c.home).label("area"), found.c.agency.label("agency"),
                       status.label("status")).where(child_area_filter(ctx, found.c.home))
        if out_of_area:
            placed = latest_placement(ctx, period)
            joined = joined.join(placed, placed.c.child == found.c.child)
            query = query.where(best.c.rank == 3, outside(placed, found.c.home))
        selects.append(query.select_from(joined))
    return union_all(*selects)


register(Statistic(
    id="cce_children_at_risk", title="Children identified at risk of CCE", unit="children",
    definition="Distinct children identified as at risk of child criminal exploitation in the period, split "
               "by their legal status in the period: looked after, else child protection plan, else child in "
               "need plan, else none.",
    inclusion="A completed assessment in the period with CIN factor 24A, or a CCE marker (not merely proposed) "
              "in force at any time in the period. Home council: the recording agency's, else the child's.",
    source="events: assessment_completed (factors), looked_after_start/end, cp_plan_start/end, "
           "cin_plan_start/end; markers",
    agencies=("childrens_social_care",), dims={"status": STATUSES},
    build=lambda ctx: _children(ctx, out_of_area=False)))

register(Statistic(
    id="cce_lac_placed_out_of_area", title="Looked-after children at risk of CCE placed outside their home council",
    unit="children",
    definition="Children counted in cce_children_at_risk as looked after whose latest placement before the end "
               "of the period is outside their home council.",
    inclusion="Latest placement_change before the period end with in_area false, or a placement area code "
              "different from the home council.",
    source="events: placement_change, looked_after_start/end, assessment_completed; markers",
    agencies=("childrens_social_care",), dims={"status": ("lac",)},
    build=lambda ctx: _children(ctx, out_of_area=True)))

register(Statistic(
    id="cce_lac_placed_out_of_area_share", title="Share of looked-after children at risk placed out of area",
    unit="percent", definition="cce_lac_placed_out_of_area as a percentage of looked-after children at risk.",
    inclusion="As the two statistics it divides.", source="derived",
    agencies=("childrens_social_care",), dims={"status": ("lac",)}, groupings=(("status",),),
    measure="ratio", numerator="cce_lac_placed_out_of_area", denominator="cce_children_at_risk", percent=True))
