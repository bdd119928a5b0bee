"""Children identified at risk of CCE, by legal status, and looked-after children placed out of area."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, not_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from reachable.reports import sources as src
from reachable.reports.registry import Statistic, register
from reachable.reports.schemas import Period
from reachable.reports.scope import ReportContext, child_area_filter, child_area_key, event_view, window_bounds

STATUSES = ("lac", "cp", "cin", "none")


def child_event(child: Any, kind: str, name: str) -> tuple[Any, ColumnElement[bool]]:
    """An alias of events and the condition tying it to a child (through the current record link)."""
    e = src.events.alias(name)
    link = src.record_links.alias(f"{name}_l")
    join = e.join(link, and_(link.c.source_record_id == e.c.source_record_id, link.c.ended_at.is_(None)))
    return join, and_(link.c.child_id == child, e.c.kind == kind, e.c.superseded_at.is_(None))


def open_during(child: Any, start_kind: str, end_kind: str, start_at: datetime, end_at: datetime,
                name: str) -> ColumnElement[bool]:
    """Whether a plan or care period (start/end events) was open at some point in [start_at, end_at)."""
    starts, start_cond = child_event(child, start_kind, f"{name}_st")
    ends, end_cond = child_event(child, end_kind, f"{name}_en")
    st = starts.left  # the events alias inside the join
    en = ends.left
    ended_before = exists(select(literal(1)).select_from(ends).where(
        end_cond, en.c.occurred_at >= st.c.occurred_at, en.c.occurred_at < start_at))
    return exists(select(literal(1)).select_from(starts).where(start_cond, st.c.occurred_at < end_at,
                                                                not_(ended_before)))


def legal_status(child: Any, start_at: datetime, end_at: datetime) -> ColumnElement[str]:
    """lac > cp > cin > none during the period (one status per child, so the split adds up)."""
    return case(
        (open_during(child, "looked_after_start", "looked_after_end", start_at, end_at, "la"), literal("lac")),
        (open_during(child, "cp_plan_start", "cp_plan_end", start_at, end_at, "cp"), literal("cp")),
        (open_during(child, "cin_plan_start", "cin_plan_end", start_at, end_at, "cin"), literal("cin")),
        else_=literal("none"))


def placed_out_of_area(child: Any, home: Any, end_at: datetime) -> ColumnElement[bool]:
    """The child's latest placement before the end of the period is outside the home council."""
    joined, cond = child_event(child, "placement_change", "pl")
    later, later_cond = child_event(child, "placement_change", "pl2")
    pl, pl2 = joined.left, later.left
    outside = func.coalesce(pl.c.payload["in_area"].as_boolean() == False,  # noqa: E712
                            src.payload_text(pl, "placement_area_code") != home, False)
    newer = exists(select(literal(1)).select_from(later).where(
        later_cond, pl2.c.occurred_at > pl.c.occurred_at, pl2.c.occurred_at < end_at))
    return exists(select(literal(1)).select_from(joined).where(cond, pl.c.occurred_at < end_at, outside,
                                                               not_(newer)))


def identified(ctx: ReportContext, period: Period) -> Any:
    """Identifications of CCE risk in a period: a 24A assessment factor, or a CCE marker in force."""
    start_at, end_at = window_bounds(period)
    view = event_view(ctx, ("assessment_completed",), name="cce", window=period)
    by_factor = (select(view.child.label("child"), view.home.label("home"), view.e.c.agency_id.label("agency"))
                 .select_from(view.from_).where(view.base, src.payload_has(view.e, "24A")))
    m, c = src.markers, src.children
    by_marker = (select(m.c.child_id.label("child"), c.c.home_area_code.label("home"),
                        m.c.set_by_agency_id.label("agency"))
                 .select_from(m.join(c, c.c.id == m.c.child_id))
                 .where(func.lower(m.c.code).in_(src.MARKER_CODES["cce"]), m.c.status != "proposed",
                        c.c.status != "erased",
                        m.c.set_at < end_at, m.c.ended_at.is_(None) | (m.c.ended_at >= start_at)))
    return union_all(by_factor, by_marker).subquery(f"cce_{period.start:%Y%m%d}")


def _children(ctx: ReportContext, *, out_of_area: bool) -> Any:
    """Facts: one row per identification per period, with the child's legal status in that period."""
    selects = []
    for period in ctx.periods:
        start_at, end_at = window_bounds(period)
        found = identified(ctx, period)
        status = legal_status(found.c.child, start_at, end_at)
        query = select(found.c.child.label("unit"), found.c.child.label("child"), literal(period.label).label("period"),
                       child_area_key(ctx, found.c.home).label("area"), found.c.agency.label("agency"),
                       status.label("status")).where(child_area_filter(ctx, found.c.home))
        if out_of_area:
            query = query.where(status == "lac", placed_out_of_area(found.c.child, found.c.home, end_at))
        selects.append(query)
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
