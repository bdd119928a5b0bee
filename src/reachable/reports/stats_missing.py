"""Children missing from home and from care: children, episodes, found out of area, return interviews."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from reachable.reports import sources as src
from reachable.reports.registry import Statistic, register
from reachable.reports.scope import (
    ReportContext,
    area_filter,
    area_key,
    child_events,
    event_view,
    for_area,
    period_of,
)

SETTINGS = ("home", "care")
SEXES = ("M", "F", "U")
RHI_HOURS = 72
_SOURCE = "events: missing_reported, missing_found, return_interview_offered, return_interview_accepted"
_INCLUSION = ("Episodes are missing_reported events of children under 18 at the report, one per child and "
              "episode reference (payload episode_ref, else the incident reference, else the event itself), "
              "counted in the period in which they started, even if the child was found after it ended. "
              "From care: the report says from_care.")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 when a condition holds, else 0 (aggregatable on both databases)."""
    return case((condition, 1), else_=0)


def _key(view: Any, *, fallback: bool) -> ColumnElement[str]:
    """The episode key of a missing / found / interview event."""
    parts = [src.payload_text(view.e, "episode_ref"), view.e.c.incident_ref]
    if fallback:
        parts.append(literal("event:") + cast(view.e.c.id, String))
    return func.coalesce(*parts)


def episodes(ctx: ReportContext) -> Any:
    """One row per missing episode started in the range: unit, child, start, setting, sex, area, force."""
    v = event_view(ctx, ("missing_reported",), name="mr")
    age = src.age_at(v.dob, v.e.c.occurred_at)
    reports = (select(v.e.c.id.label("id"), v.child.label("child"), _key(v, fallback=True).label("key"),
                      v.e.c.occurred_at.label("at"), _flag(src.payload_flag(v.e, "from_care")).label("care"),
                      v.sex.label("sex"), area_key(ctx, v, "home").label("area"), v.force.label("force"),
                      v.home.label("home"), v.home_force.label("home_force"), v.e.c.agency_id.label("agency"))
               .select_from(v.from_).where(v.base, area_filter(ctx, v, "home"), v.dob.is_not(None), age < 18)
               .subquery("reports"))
    return ctx.base("missing_episodes", select(func.min(reports.c.id).label("unit"), reports.c.child, reports.c.key,
                   func.min(reports.c.at).label("started"), func.max(reports.c.care).label("care"),
                   func.min(reports.c.sex).label("sex"), func.min(reports.c.area).label("area"),
                   func.min(reports.c.force).label("force"), func.min(reports.c.home).label("home"),
                   func.min(reports.c.home_force).label("home_force"), func.min(reports.c.agency).label("agency"))
            .group_by(reports.c.child, reports.c.key))


def found(ctx: ReportContext) -> Any:
    """Per child and episode key: when found, and whether outside the home council / force area."""
    v = event_view(ctx, ("missing_found",), name="mf", in_period=False)
    place = src.areas.alias("mf_place")
    found_code = src.payload_text(v.e, "found_area_code")
    place_force = func.coalesce(place.c.police_force_code, case((place.c.kind == "police_force", place.c.code)))
    outside_council = func.coalesce(v.e.c.payload["found_outside_home_area"].as_boolean(), found_code != v.home,
                                    False)
    outside_force = func.coalesce(place_force != v.home_force, False)
    rows = (select(v.child.label("child"), _key(v, fallback=False).label("key"), v.e.c.occurred_at.label("at"),
                   _flag(outside_council).label("out_la"), _flag(outside_force).label("out_force"))
            .select_from(v.from_.outerjoin(place, place.c.code == found_code))
            .where(v.base, v.e.c.occurred_at >= ctx.start_at, for_area(ctx, v.child)).subquery("found_rows"))
    # Grouping on a labelled subquery column: PostgreSQL cannot match JSON expressions with bound keys.
    return ctx.base("missing_found", select(rows.c.child, rows.c.key, func.min(rows.c.at).label("found_at"),
                                            func.max(rows.c.out_la).label("out_la"),
                                            func.max(rows.c.out_force).label("out_force"))
                    .group_by(rows.c.child, rows.c.key))


def interviews(ctx: ReportContext, kind: str, name: str) -> Any:
    """Per child and episode key: the first interview event of a kind (accepted ones only for acceptance)."""
    v = child_events((kind,), name=name)
    query = (select(v.child.label("child"), _key(v, fallback=False).label("key"), v.e.c.occurred_at.label("at"))
             .select_from(v.from_).where(v.base, v.e.c.occurred_at >= ctx.start_at, for_area(ctx, v.child)))
    if kind == "return_interview_accepted":
        query = query.where(func.coalesce(v.e.c.payload["accepted"].as_boolean(), True))
    rows = query.subquery(f"{name}_rows")
    return ctx.base(f"{name}_{kind}", select(rows.c.child, rows.c.key, func.min(rows.c.at).label("at"))
                    .group_by(rows.c.child, rows.c.key))


def _facts(ctx: ReportContext, *, unit: str, where: str | None = None) -> Any:
    """Facts over episodes (unit 'episode') or children (unit 'child'), optionally filtered."""
    ep = episodes(ctx)
    columns = [(ep.c.child if unit == "child" else ep.c.unit).label("unit"), ep.c.child.label("child"),
               period_of(ctx, ep.c.started).label("period"), ep.c.area, ep.c.force, ep.c.agency,
               case((ep.c.care == 1, literal("care")), else_=literal("home")).label("setting"), ep.c.sex]
    query = select(*columns)
    if where is None:
        return query.select_from(ep)
    fd = found(ctx)
    joined = ep.join(fd, and_(fd.c.child == ep.c.child, fd.c.key == ep.c.key))
    if where == "found":
        return query.select_from(joined)
    if where == "out_la":
        return query.select_from(joined).where(fd.c.out_la == 1)
    if where == "out_force":
        return query.select_from(joined).where(fd.c.out_force == 1)
    kind = "return_interview_offered" if where == "rhi_72h" else "return_interview_accepted"
    rhi = interviews(ctx, kind, "rhi")
    joined = joined.join(rhi, and_(rhi.c.child == ep.c.child, rhi.c.key == ep.c.key))
    if where == "rhi_72h":
        return query.select_from(joined).where(src.hours_between(fd.c.found_at, rhi.c.at) <= RHI_HOURS)
    return query.select_from(joined)


def _count(id: str, title: str, unit: str, definition: str, where: str | None, sexed: bool = True) -> None:
    """Register one missing-children count statistic."""
    dims: dict[str, tuple[str, ...]] = {"setting": SETTINGS, "sex": SEXES} if sexed else {"setting": SETTINGS}
    groupings = ((), ("setting",), ("sex",), ("setting", "sex")) if sexed else ((), ("setting",))
    register(Statistic(
        id=id, title=title, unit=unit, definition=definition, inclusion=_INCLUSION, source=_SOURCE,
        agencies=("police", "childrens_social_care"), dims=dims, groupings=groupings,
        build=lambda ctx: _facts(ctx, unit="child" if unit == "children" else "episode", where=where)))


def _share(id: str, title: str, numerator: str, denominator: str, sexed: bool = False, percent: bool = True) -> None:
    """Register a ratio over two missing statistics."""
    dims: dict[str, tuple[str, ...]] = {"setting": SETTINGS, "sex": SEXES} if sexed else {"setting": SETTINGS}
    groupings = ((), ("setting",), ("sex",), ("setting", "sex")) if sexed else ((), ("setting",))
    register(Statistic(id=id, title=title, unit="percent" if percent else "episodes per child",
                       definition=f"{numerator} / {denominator}" + (" as a percentage" if percent else ""),
                       inclusion="As the two statistics it divides.", source="derived",
                       agencies=("police", "childrens_social_care"), dims=dims, groupings=groupings,
                       measure="ratio", numerator=numerator, denominator=denominator, percent=percent))


_count("missing_children", "Children missing from home or care", "children",
       "Distinct children with at least one missing episode starting in the period.", None)
_count("missing_episodes", "Missing episodes", "episodes", "Missing episodes starting in the period.", None)
_share("missing_episodes_per_child", "Missing episodes per child", "missing_episodes", "missing_children",
       sexed=True, percent=False)
_count("missing_found_episodes", "Missing episodes with a recorded return", "episodes",
       "Episodes starting in the period with a missing_found event (any date after the range start).", "found",
       sexed=False)
_count("missing_found_outside_council", "Missing episodes found outside the home council", "episodes",
       "Found episodes where the child was found outside their home council (found_outside_home_area, or a "
       "found area code other than the home council).", "out_la", sexed=False)
_share("missing_found_outside_council_share", "Share of found episodes found outside the home council",
       "missing_found_outside_council", "missing_found_episodes")
_count("missing_found_outside_force", "Missing episodes found outside the home police force area", "episodes",
       "Found episodes whose found area lies in a police force area other than the home council's.", "out_force",
       sexed=False)
_share("missing_found_outside_force_share", "Share of found episodes found outside the home force area",
       "missing_found_outside_force", "missing_found_episodes")
_count("rhi_offered_within_72h", "Return home interviews offered within 72 hours", "episodes",
       f"Found episodes with a return_interview_offered event no more than {RHI_HOURS} hours after the child "
       "was found.", "rhi_72h", sexed=False)
_share("rhi_offered_within_72h_share", "Share of found episodes offered an interview within 72 hours",
       "rhi_offered_within_72h", "missing_found_episodes")
_count("rhi_accepted", "Return home interviews accepted", "episodes",
       "Found episodes with a return_interview_accepted event whose accepted flag is true.", "rhi_accepted",
       sexed=False)
_share("rhi_accepted_share", "Share of found episodes where the interview was accepted", "rhi_accepted",
       "missing_found_episodes")
