"""Building Counting Lives returns (and single statistics) from the registry, for CLI, API and web alike."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import FieldError, InputRejected
from reachable.db import dialect
from reachable.reports import facts, registry, suppression, tables
from reachable.reports.registry import Statistic
from reachable.reports.schemas import (
    ALL,
    INTERNAL,
    PUBLISHED,
    Cell,
    Completeness,
    ReturnOut,
    StatisticOut,
)
from reachable.reports.scope import ReportContext, make_periods


def list_statistics() -> list[StatisticOut]:
    """Every registered statistic with its documented definition."""
    return [statistic.out() for statistic in registry.load().values()]


def make_context(session: Session, *, area: str, start: date, end: date, by_year: bool = False,
                 exclude_force: str | None = None) -> ReportContext:
    """Resolve an area code (or ALL) and a range into a report context; bad input is refused clearly."""
    errors = []
    if end < start:
        errors.append(FieldError("to", f"end {end} is before start {start}", str(end)))
    known = {a.code: a for a in areas.list_areas(session)}
    code = area.upper() if area.lower() == "all" else area
    if code != ALL and code not in known:
        errors.append(FieldError("area", "unknown area code: use an ONS council or police force code, or all", area))
    if exclude_force and (exclude_force not in known or known[exclude_force].kind != "police_force"):
        errors.append(FieldError("exclude_force", "not a police force area code", exclude_force))
    if errors:
        raise InputRejected(errors)
    if code == ALL:
        return ReportContext(area=ALL, area_kind="all", start=start, end=end,
                             periods=tuple(make_periods(start, end, by_year=by_year)), exclude_force=exclude_force)
    chosen = known[code]
    if chosen.kind == "police_force":
        councils = frozenset(a.code for a in known.values() if a.police_force_code == code)
    else:
        councils = frozenset({code} | {a.code for a in known.values() if a.parent_code == code})
    return ReportContext(area=code, area_kind="police_force" if chosen.kind == "police_force" else "council",
                         start=start, end=end, periods=tuple(make_periods(start, end, by_year=by_year)),
                         councils=councils, exclude_force=exclude_force)


def _inputs(statistic: Statistic, chosen: dict[str, Statistic]) -> list[Statistic]:
    """The counted statistics a statistic needs (itself, or a ratio's numerator and denominator)."""
    if statistic.measure != "ratio":
        return [statistic]
    assert statistic.numerator and statistic.denominator
    return [chosen[statistic.numerator], chosen[statistic.denominator]]


def compute_cells(session: Session, *, ctx: ReportContext, statistic_ids: list[str] | None = None
                  ) -> tuple[list[Cell], list[Completeness]]:
    """Unsuppressed cells (and data completeness) for the chosen statistics, or all of them."""
    everything = registry.load()
    wanted = [registry.get(i) for i in statistic_ids] if statistic_ids else list(everything.values())
    counted: dict[str, Statistic] = {}
    for statistic in wanted:
        for needed in _inputs(statistic, everything):
            counted[needed.id] = needed
    by_stat: dict[str, list[Cell]] = {}
    dialect.tune_for_analytics(session)
    facts.open_facts(session)
    bases = facts.Bases(session)
    ctx = replace(ctx, bases=bases)
    supplied: dict[tuple[str, str], set[int]] = defaultdict(set)
    for statistic in counted.values():
        facts.fill(session, ctx, statistic)
        by_stat[statistic.id] = facts.aggregate(session, ctx, statistic)
        for key, agencies in facts.agencies_by_statistic(session).items():
            supplied[key] |= agencies
        facts.clear_facts(session)
    # Not in a finally: after a database error the transaction is void and its rollback drops the tables.
    bases.close()
    facts.close_facts(session)
    for statistic in wanted:
        if statistic.measure == "ratio":
            by_stat[statistic.id] = facts.ratio_cells(statistic, by_stat)
    cells = [cell for statistic in wanted for cell in by_stat[statistic.id]]
    return cells, _completeness(session, ctx, wanted, everything, supplied)


def _completeness(session: Session, ctx: ReportContext, wanted: list[Statistic], everything: dict[str, Statistic],
                  supplied: dict[tuple[str, str], set[int]]) -> list[Completeness]:
    """For each statistic and area: agencies that supplied its data; needed agency kinds that supplied none."""
    ids = {agency for found in supplied.values() for agency in found}
    agencies = areas.agencies_by_id(session, ids=ids)
    area_list = sorted({area for (_, area) in supplied} | {ctx.area})
    out = []
    for statistic in wanted:
        inputs = _inputs(statistic, everything)
        for area in area_list:
            found: set[int] = set().union(*(supplied.get((s.id, area), set()) for s in inputs))
            if area != ctx.area and not found:
                continue
            kinds = {agencies[i].kind for i in found}
            out.append(Completeness(statistic=statistic.id, area=area,
                                    agencies=sorted(agencies[i].code for i in found),
                                    needed_kinds=list(statistic.agencies),
                                    missing_kinds=[k for k in statistic.agencies if k not in kinds]))
    return out


def area_names(session: Session) -> dict[str, str]:
    """ONS code to name, for labelling."""
    return {a.code: a.name for a in areas.list_areas(session)} | {ALL: "England and Wales (all areas)"}


def build_return(session: Session, *, area: str, start: date, end: date, by_year: bool = False,
                 publish: bool = False, exclude_force: str | None = None) -> ReturnOut:
    """The full Counting Lives return for an area (or ALL) and a range, suppressed when publishing."""
    ctx = make_context(session, area=area, start=start, end=end, by_year=by_year, exclude_force=exclude_force)
    cells, completeness = compute_cells(session, ctx=ctx)
    everything = registry.load()
    if publish:
        cells = suppression.suppress(cells, everything)
    names = area_names(session)
    ret = ReturnOut(area=ctx.area, area_name=names.get(ctx.area, ctx.area), start=start, end=end, by_year=by_year,
                    periods=list(ctx.periods), published=publish, classification=PUBLISHED if publish else INTERNAL,
                    exclude_force=exclude_force, generated_at=utcnow(),
                    statistics=[s.out() for s in everything.values()], cells=cells, completeness=completeness,
                    areas_included=sorted({c.area for c in cells if c.area != ALL and " excl. " not in c.area}))
    ret.flags = missing_data_flags(ret)
    ret.tables = tables.build_tables(ret, names)
    return ret


def missing_data_flags(ret: ReturnOut) -> list[str]:
    """Plain statements of which statistics lack a needed agency's data in the return's own area."""
    missing: dict[str, list[str]] = defaultdict(list)
    for item in ret.completeness:
        if item.area == ret.area and item.missing_kinds:
            missing[", ".join(item.missing_kinds)].append(item.statistic)
    return [f"{ret.area}: no data from {kinds} for {', '.join(sorted(stats))}" for kinds, stats in missing.items()]


def area_dashboard(session: Session, *, area: str, start: date, end: date,
                   statistic_ids: list[str] | None = None) -> list[Cell]:
    """Published figures for one area and period (the area dashboard): every statistic, or those named.

    Suppressed exactly as in that area's published return (ratios with their inputs), so the dashboard
    and the export show the same numbers.
    """
    ctx = make_context(session, area=area, start=start, end=end)
    everything = registry.load()
    wanted = statistic_ids or list(everything)
    needed = {s.id for i in wanted for s in [everything[i], *_inputs(registry.get(i), everything)]}
    cells, _ = compute_cells(session, ctx=ctx, statistic_ids=sorted(needed))
    keep = set(wanted)
    return [c for c in suppression.suppress(cells, everything) if c.statistic in keep]


def statistic_cells(session: Session, *, statistic_id: str, area: str, start: date, end: date,
                    by_year: bool = False, publish: bool = True) -> list[Cell]:
    """One statistic's cells (the API and dashboard read figures through here, like the export)."""
    ctx = make_context(session, area=area, start=start, end=end, by_year=by_year)
    statistic = registry.get(statistic_id)
    everything = registry.load()
    cells, _ = compute_cells(session, ctx=ctx, statistic_ids=[statistic_id])
    if not publish:
        return cells
    # Suppress with the statistic's inputs so a ratio is withheld exactly as in the full return.
    inputs = [s.id for s in _inputs(statistic, everything) if s.id != statistic_id]
    extra, _ = compute_cells(session, ctx=ctx, statistic_ids=inputs) if inputs else ([], [])
    return [c for c in suppression.suppress(cells + extra, everything) if c.statistic == statistic_id]
