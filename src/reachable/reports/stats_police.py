"""Arrests of 10–17 year olds for class A possession and PWITS; stop and search of 10–17 year olds."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import case, func, literal, or_, select

from reachable.reports import sources as src
from reachable.reports.registry import Statistic, register
from reachable.reports.scope import EventView, ReportContext, area_filter, area_key, event_view, period_of

OFFENCES = ("possession_class_a", "pwits_class_a")
SEXES = ("M", "F", "U")
RESIDENCE = ("inside", "outside", "unknown")
NATIONALITY = ("british", "non_british", "unknown")
YES_NO = ("yes", "no")
FLAGS = tuple(src.MARKER_CODES)
_AGE = "aged 10 to 17 inclusive at the event (date of birth from the police record, else the child's)"


def residence(view: EventView) -> Any:
    """Whether the child's home council lies inside the police force area where the event happened."""
    return case((view.home_force.is_(None) | view.force.is_(None), literal("unknown")),
                (view.home_force == view.force, literal("inside")), else_=literal("outside"))


def _base(ctx: ReportContext, kind: str, name: str) -> tuple[EventView, Any]:
    """Events of a kind about 10–17 year olds in the chosen area, with the common fact columns."""
    v = event_view(ctx, (kind,), name=name)
    age = src.age_at(v.dob, v.e.c.occurred_at)
    query = (select(v.child.label("child"), period_of(ctx, v.e.c.occurred_at).label("period"),
                    area_key(ctx, v, "event").label("area"), v.force.label("force"),
                    v.e.c.agency_id.label("agency"), v.sex.label("sex"), residence(v).label("residence"))
             .select_from(v.from_).where(v.base, area_filter(ctx, v, "event"), v.dob.is_not(None),
                                         age >= 10, age <= 17))
    return v, query


def _arrest_rows(ctx: ReportContext) -> Any:
    """Class A possession / PWITS arrests of 10–17s with nationality and markers at the time (made once)."""
    v, query = _base(ctx, "arrest", "ar")
    offence = src.payload_text(v.e, "offence_category")
    rows = ctx.base("arrest_rows", query.add_columns(
        v.e.c.id.label("event"), v.e.c.occurred_at.label("at"), offence.label("offence"),
        src.nationality_group(v.s.c.nationality).label("nationality"),
    ).where(offence.in_(OFFENCES)), index=("child",))
    # Markers held at each arrest, as one join and GROUP BY (not a lookup per arrest and flag).
    m = src.markers
    code = func.lower(m.c.code)
    held = (select(rows.c.event, *(func.max(case((code.in_(src.MARKER_CODES[flag]), 1), else_=0)).label(flag)
                                   for flag in FLAGS))
            .select_from(rows.join(m, m.c.child_id == rows.c.child))
            .where(code.in_([c for flag in FLAGS for c in src.MARKER_CODES[flag]]), m.c.status != "proposed",
                   m.c.set_at <= rows.c.at, m.c.ended_at.is_(None) | (m.c.ended_at > rows.c.at))
            .group_by(rows.c.event).subquery("arrest_markers"))
    flags = {f"marker_{flag}": src.yes_no(held.c[flag] == 1) for flag in FLAGS}
    any_marker = src.yes_no(or_(*(held.c[flag] == 1 for flag in FLAGS)))
    return ctx.base("arrests", select(*rows.c, *(column.label(name) for name, column in flags.items()),
                                      any_marker.label("marker_any"))
                    .select_from(rows.outerjoin(held, held.c.event == rows.c.event)))


def _arrests(ctx: ReportContext, *, unit: str) -> Any:
    """Facts: arrests (unit: the arrest) or arrested children (unit: the child)."""
    rows = _arrest_rows(ctx)
    return select(*rows.c, (rows.c.child if unit == "children" else rows.c.event).label("unit"))


ARREST_DIMS: dict[str, tuple[str, ...]] = {
    "offence": OFFENCES, "sex": SEXES, "residence": RESIDENCE, "nationality": NATIONALITY,
    **{f"marker_{flag}": YES_NO for flag in FLAGS}, "marker_any": YES_NO,
}
ARREST_GROUPINGS = ((), ("offence",), *(("offence", name) for name in ARREST_DIMS if name != "offence"))
_ARREST_INCLUSION = (f"arrest events with offence_category possession_class_a or pwits_class_a, child {_AGE}. "
                     "Residence: inside when the home council's police force is the force where the arrest "
                     "happened. Markers: a CCE / CSE / missing / trafficking marker (not merely proposed) set "
                     "before and not ended at the time of arrest. Nationality: British / non-British from the "
                     "police record. Totals can exclude one force (--exclude-force).")

for _unit, _id, _title in (("arrests", "arrests_class_a", "Arrests of 10–17 year olds for class A drug offences"),
                           ("children", "arrested_children_class_a",
                            "Children aged 10–17 arrested for class A drug offences")):
    register(Statistic(
        id=_id, title=_title, unit=_unit,
        definition=f"Distinct {_unit} in the period: arrests for possession of class A or possession with "
                   "intent to supply class A, by offence, sex, residence, nationality and vulnerability marker.",
        inclusion=_ARREST_INCLUSION, source="events: arrest (offence_category), source record nationality; "
                                            "markers", agencies=("police",), dims=ARREST_DIMS,
        groupings=ARREST_GROUPINGS, area_basis="event",
        build=partial(_arrests, unit=_unit)))

register(Statistic(
    id="arrests_class_a_nationality_share", title="Share of class A arrests by nationality", unit="percent",
    definition="arrests_class_a by nationality as a percentage of all arrests for the same offence.",
    inclusion="As arrests_class_a.", source="derived", agencies=("police",),
    dims={"offence": OFFENCES, "nationality": NATIONALITY}, groupings=(("offence", "nationality"),),
    area_basis="event", measure="ratio", numerator="arrests_class_a", denominator="arrests_class_a",
    percent=True, share_of=("nationality",)))


def _searches(ctx: ReportContext, *, unit: str, which: str) -> Any:
    """Facts: stop and searches of 10–17s (all, drugs grounds, or drugs grounds with a weapon found)."""
    v, query = _base(ctx, "stop_search", "ss")
    weapon = or_(src.payload_has(v.e, "offensive_weapon"), src.payload_has(v.e, "firearm"))
    rows = ctx.base("searches", query.add_columns(
        v.e.c.id.label("event"), src.yes_no(src.payload_text(v.e, "grounds") == "drugs").label("drugs"),
        src.yes_no(weapon).label("weapon")))
    query = select(*rows.c, (rows.c.child if unit == "children" else rows.c.event).label("unit"))
    if which != "all":
        query = query.where(rows.c.drugs == "yes")
    if which == "drugs_weapon":
        query = query.where(rows.c.weapon == "yes")
    return query


SEARCH_DIMS: dict[str, tuple[str, ...]] = {"sex": SEXES, "residence": RESIDENCE}
for _id, _unit, _which, _title in (
        ("stop_search_children", "children", "all", "Children aged 10–17 stopped and searched"),
        ("stop_searches", "searches", "all", "Stop and searches of 10–17 year olds"),
        ("stop_searches_drugs", "searches", "drugs", "Stop and searches of 10–17s on drugs grounds"),
        ("stop_searches_drugs_weapon", "searches", "drugs_weapon",
         "Drugs-grounds searches of 10–17s where an offensive weapon or firearm was found")):
    register(Statistic(
        id=_id, title=_title, unit=_unit,
        definition=f"Distinct {_unit} in the period: stop_search events ({_which.replace('_', ' with ')} "
                   "grounds), by sex and residence inside / outside the force area.",
        inclusion=f"stop_search events, child {_AGE}. Drugs grounds: grounds = drugs; weapon found: items_found "
                  "includes offensive_weapon or firearm.",
        source="events: stop_search (grounds, items_found)", agencies=("police",), dims=SEARCH_DIMS,
        area_basis="event", build=partial(_searches, unit=_unit, which=_which)))

register(Statistic(
    id="stop_searches_drugs_weapon_share", title="Share of drugs-grounds searches finding a weapon or firearm",
    unit="percent", definition="stop_searches_drugs_weapon as a percentage of stop_searches_drugs.",
    inclusion="As the two statistics it divides.", source="derived", agencies=("police",), dims=SEARCH_DIMS,
    area_basis="event", measure="ratio", numerator="stop_searches_drugs_weapon",
    denominator="stop_searches_drugs", percent=True))
