"""The facts engine: each statistic's query fills one temporary table, then small GROUP BYs make the cells.

Joining events to children is the expensive step; doing it once per statistic into a temporary
table, then aggregating that table for every breakdown, keeps a national return within seconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import product
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NullType

from reachable.db import dialect
from reachable.reports.registry import Statistic
from reachable.reports.schemas import ALL, Cell
from reachable.reports.scope import ReportContext

MAX_DIMS = 10
SMALL_BASE = 2000  # rows below which a shared intermediate table is neither indexed nor analysed
FACTS = Table(
    "report_facts", MetaData(),
    Column("stat", String(60)), Column("unit", Integer), Column("child", Integer), Column("period", String(40)),
    Column("area", String(16)), Column("force", String(16)), Column("agency", Integer), Column("value", Float),
    *(Column(f"d{i}", String(40)) for i in range(MAX_DIMS)),
    # No index: the table holds one statistic's facts at a time (see clear_facts), and every breakdown reads them all.
    prefixes=["TEMPORARY"],
)
FACT_COLUMNS = ("unit", "child", "period", "area", "force", "agency", "value")


def open_facts(session: Session) -> None:
    """Create an empty temporary facts table on this session's connection."""
    close_facts(session)
    FACTS.create(session.connection())


def clear_facts(session: Session) -> None:
    """Empty the facts table once a statistic's cells are made.

    Cheaper than keeping every statistic's facts behind an index on the statistic: no index to maintain
    while filling, none to read while aggregating, and nothing left to drop at the end.
    """
    dialect.empty_table(session, FACTS)


def close_facts(session: Session) -> None:
    """Drop the temporary facts table if it exists."""
    session.execute(text("DROP TABLE IF EXISTS report_facts"))


def fill(session: Session, ctx: ReportContext, statistic: Statistic) -> None:
    """Insert a statistic's facts (its query) into the facts table."""
    assert statistic.build is not None
    query = statistic.build(ctx).subquery()
    dims = list(statistic.dims)
    if len(dims) > MAX_DIMS:
        raise ValueError(f"{statistic.id}: at most {MAX_DIMS} dimensions")
    columns: list[Any] = [literal(statistic.id).label("stat")]
    columns += [query.c[name] if name in query.c else null() for name in FACT_COLUMNS]
    columns += [query.c[name] for name in dims] + [null()] * (MAX_DIMS - len(dims))
    target = ["stat", *FACT_COLUMNS, *(f"d{i}" for i in range(MAX_DIMS))]
    session.execute(insert(FACTS).from_select(target, select(*columns)))


class Bases:
    """Temporary tables of shared intermediate rows (made once, read by several statistics)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.made: dict[str, Table] = {}

    def get(self, name: str, query: Any, index: tuple[str, ...] = ()) -> Table:
        """The rows of `query` in a temporary table named after `name`, made on first use (indexed on `index`)."""
        if name not in self.made:
            sub = query.subquery()
            columns = [Column(c.name, String(200) if isinstance(c.type, NullType) else c.type) for c in sub.c]
            made = Table(f"report_base_{name}", MetaData(), *columns, prefixes=["TEMPORARY"])
            self.session.execute(text(f"DROP TABLE IF EXISTS {made.name}"))
            made.create(self.session.connection())
            result = self.session.execute(insert(made).from_select([c.name for c in sub.c], select(*sub.c)))
            # A few rows (one area's return) need neither: their cost would be most of a small report's time.
            if getattr(result, "rowcount", -1) >= SMALL_BASE or getattr(result, "rowcount", -1) < 0:
                if index:
                    # Built after the rows are in (cheaper than maintaining it row by row); later joins probe it.
                    Index(f"{made.name}_ix", *(made.c[column] for column in index)).create(self.session.connection())
                # Statistics, so the planner knows the size (PostgreSQL never analyses temporary tables itself).
                self.session.execute(text(f"ANALYZE {made.name}"))
            self.made[name] = made
        return self.made[name]

    def close(self) -> None:
        """Drop every table made."""
        for made in self.made.values():
            self.session.execute(text(f"DROP TABLE IF EXISTS {made.name}"))
        self.made.clear()


def _dim(statistic: Statistic, name: str) -> Any:
    """The facts column holding a dimension of a statistic."""
    return FACTS.c[f"d{list(statistic.dims).index(name)}"]


Mode = tuple[str | None, str | None]  # (area label, None = per area; force excluded, or None)


def _area_modes(ctx: ReportContext, statistic: Statistic) -> list[Mode]:
    """(label, excluded force) pairs: per area (label None) and national when the report covers all areas."""
    modes: list[Mode] = [(ctx.area, None)]
    if ctx.area == ALL:
        modes.insert(0, (None, None))
    # Excluding a force only makes sense for figures counted where events happened.
    if ctx.exclude_force and statistic.area_basis == "event":
        modes.append((f"{ctx.area} excl. {ctx.exclude_force}", ctx.exclude_force))
    return modes


def _plan(ctx: ReportContext, statistic: Statistic) -> list[tuple[Mode, tuple[str, ...]]]:
    """Every (mode, breakdown) the statistic's cells are made for, in presentation order."""
    # Nationally, each area carries its totals; breakdowns are national (and per area run).
    return [(mode, grouping) for mode in _area_modes(ctx, statistic) for grouping in statistic.grouping_sets()
            if mode[0] is not None or not grouping]


def aggregate(session: Session, ctx: ReportContext, statistic: Statistic) -> list[Cell]:
    """Every cell of a count or value statistic, zeros included for known categories."""
    plan = _plan(ctx, statistic)
    if statistic.measure == "value":
        return [cell for (label, excluded), grouping in plan for cell in _value_cells(
            statistic, ctx, label, grouping, _values(session, statistic, label, excluded, grouping))]
    counted = _rolled_up(session, statistic, plan) if statistic.unit != "children" else None
    if counted is None:
        counted = _counted_in_database(session, statistic, plan)
    cells: list[Cell] = []
    seen_areas: set[str] = set()
    for (label, excluded), grouping in plan:
        found = counted[((label, excluded), grouping)]
        if label is None:
            seen_areas |= {str(key[1]) for key in found if key[1] is not None}
        cells += _count_cells(statistic, ctx, label, grouping, found, seen_areas)
    return cells


def _where(statistic: Statistic, excluded: str | None) -> list[Any]:
    """The facts of a statistic, without those of an excluded force."""
    where = [FACTS.c.stat == statistic.id]
    return where + ([(FACTS.c.force != excluded) | FACTS.c.force.is_(None)] if excluded is not None else [])


def _values(session: Session, statistic: Statistic, label: str | None, excluded: str | None,
            grouping: tuple[str, ...]) -> list[Any]:
    """(key..., value, count) rows of one breakdown of a value statistic."""
    group_cols = [FACTS.c.period] + ([FACTS.c.area] if label is None else [])
    group_cols += [_dim(statistic, name) for name in grouping]
    return list(session.execute(select(*group_cols, FACTS.c.value, func.count()).where(*_where(statistic, excluded))
                                .group_by(*group_cols, FACTS.c.value)).all())


def _rolled_up(session: Session, statistic: Statistic, plan: list[tuple[Mode, tuple[str, ...]]]
               ) -> dict[tuple[Mode, tuple[str, ...]], dict[tuple[Any, ...], int]] | None:
    """Distinct-unit counts per (mode, breakdown) from one GROUP BY over the finest breakdown, or None.

    Counts of distinct units add up only when no unit falls in two finest cells of a period: true of
    arrests, searches and episodes, checked here against the national total (None when it fails).
    Children often fall in two (a child missing from home and from care), so callers do not try them.
    """
    with_force = any(mode[1] is not None for mode, _ in plan)
    rows = _finest(session, statistic, with_force=with_force)
    totals: dict[Any, int] = dict(session.execute(select(FACTS.c.period, func.count(func.distinct(FACTS.c.unit)))
                                                  .where(FACTS.c.stat == statistic.id).group_by(FACTS.c.period))
                                  .tuples().all())
    sums: dict[Any, int] = defaultdict(int)
    for row in rows:
        sums[row[0]] += int(row[-1])
    if sums != {period: int(count) for period, count in totals.items()}:
        return None
    return {(mode, grouping): _rolled(statistic, rows, mode[0], mode[1], grouping) for mode, grouping in plan}


def _finest(session: Session, statistic: Statistic, *, with_force: bool) -> list[Any]:
    """Distinct units of a statistic's facts grouped by period, area, force and every dimension.

    The force is grouped only when a force is excluded (NULL otherwise), as it multiplies the rows.
    """
    dims = [_dim(statistic, name) for name in statistic.dims]
    columns = [FACTS.c.period, FACTS.c.area, FACTS.c.force if with_force else null(), *dims]
    grouped = [FACTS.c.period, FACTS.c.area, *([FACTS.c.force] if with_force else []), *dims]
    return list(session.execute(select(*columns, func.count(func.distinct(FACTS.c.unit)))
                                .where(FACTS.c.stat == statistic.id).group_by(*grouped)).all())


def _positions(statistic: Statistic, label: str | None, grouping: tuple[str, ...]) -> list[int]:
    """Where a breakdown's key parts sit in a finest row: period, the area when per area, then its dimensions."""
    names = list(statistic.dims)
    return [0, *([1] if label is None else []), *(3 + names.index(name) for name in grouping)]


def _rolled(statistic: Statistic, rows: list[Any], label: str | None, excluded: str | None,
            grouping: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
    """Distinct-unit counts of one breakdown, summed from finest cells (only valid when units add up)."""
    found: dict[tuple[Any, ...], int] = defaultdict(int)
    positions = _positions(statistic, label, grouping)
    for row in rows:
        if excluded is None or row[2] != excluded:
            found[tuple(row[i] for i in positions)] += int(row[-1])
    return dict(found)


def _counted_in_database(session: Session, statistic: Statistic, plan: list[tuple[Mode, tuple[str, ...]]]
                         ) -> dict[tuple[Mode, tuple[str, ...]], dict[tuple[Any, ...], int]]:
    """Distinct-unit counts per (mode, breakdown), a query each (the fastest way for children, on both databases)."""
    counted: dict[tuple[Mode, tuple[str, ...]], dict[tuple[Any, ...], int]] = {}
    for excluded in dict.fromkeys(mode[1] for mode, _ in plan):
        where = _where(statistic, excluded)
        for mode, grouping in [(mode, grouping) for mode, grouping in plan if mode[1] == excluded]:
            group_cols = [FACTS.c.period] + ([FACTS.c.area] if mode[0] is None else [])
            group_cols += [_dim(statistic, name) for name in grouping]
            rows = session.execute(select(*group_cols, func.count(func.distinct(FACTS.c.unit))).where(*where)
                                   .group_by(*group_cols)).all()
            counted[(mode, grouping)] = {tuple(row[:-1]): int(row[-1]) for row in rows}
    return counted


def _count_cells(statistic: Statistic, ctx: ReportContext, label: str | None, grouping: tuple[str, ...],
                 found: dict[tuple[Any, ...], int], seen_areas: set[str]) -> list[Cell]:
    """Count cells for one grouping, with zero cells for every expected combination."""
    areas = sorted(seen_areas) if label is None else [label]
    values = [statistic.dims[name] for name in grouping]
    keys = set(found)
    for period, area, combo in product([p.label for p in ctx.periods], areas, product(*values)):
        keys.add((period, *([area] if label is None else []), *combo))
    cells = []
    for key in sorted(keys, key=lambda k: tuple(str(part) for part in k)):
        period, rest = key[0], list(key[1:])
        area = str(rest.pop(0)) if label is None else label
        dims = {name: str(value) for name, value in zip(grouping, rest, strict=True)}
        cells.append(Cell(statistic=statistic.id, area=area, period=str(period), dims=dims,
                          value=float(found.get(key, 0))))
    return cells


def _value_cells(statistic: Statistic, ctx: ReportContext, label: str | None, grouping: tuple[str, ...],
                 rows: Any) -> list[Cell]:
    """n, mean and median cells of a value statistic (values arrive compressed as value, count)."""
    groups: dict[tuple[Any, ...], list[tuple[float, int]]] = defaultdict(list)
    for row in rows:
        *key, value, count = row
        if value is not None:
            groups[tuple(key)].append((float(value), int(count)))
    for period, combo in product([p.label for p in ctx.periods], product(*(statistic.dims[n] for n in grouping))):
        if label is not None:
            groups.setdefault((period, *combo), [])
    cells = []
    for key, pairs in sorted(groups.items(), key=lambda item: tuple(str(part) for part in item[0])):
        period, rest = key[0], list(key[1:])
        area = str(rest.pop(0)) if label is None else label
        dims = {name: str(value) for name, value in zip(grouping, rest, strict=True)}
        n = sum(count for _, count in pairs)
        common = {"statistic": statistic.id, "area": area, "period": str(period), "dims": dims}
        cells.append(Cell(**common, measure="count", value=float(n)))
        cells.append(Cell(**common, measure="mean", value=round(math.fsum(v * c for v, c in pairs) / n, 2) if n
                          else None, base=float(n)))
        cells.append(Cell(**common, measure="median", value=_median(pairs, n) if n else None, base=float(n)))
    return cells


def _median(pairs: list[tuple[float, int]], n: int) -> float:
    """The median of values given as (value, count) pairs, without expanding them (as statistics.median)."""
    ordered = sorted(pairs)
    wanted = {(n - 1) // 2, n // 2}
    found: dict[int, float] = {}
    seen = 0
    for value, count in ordered:
        for position in wanted:
            if seen <= position < seen + count:
                found[position] = value
        seen += count
        if len(found) == len(wanted):
            break
    return float((found[(n - 1) // 2] + found[n // 2]) / 2)


def ratio_cells(statistic: Statistic, cells_by_stat: dict[str, list[Cell]]) -> list[Cell]:
    """Cells of a ratio: each numerator cell over the denominator cell with the same key (minus share_of dims)."""
    assert statistic.numerator and statistic.denominator
    denominators = {(c.area, c.period, tuple(sorted(c.dims.items()))): c
                    for c in cells_by_stat[statistic.denominator] if c.measure == "count"}
    groupings = {tuple(sorted(g)) for g in statistic.grouping_sets()}
    scale = 100.0 if statistic.percent else 1.0
    out = []
    for num in cells_by_stat[statistic.numerator]:
        if num.measure != "count" or tuple(sorted(num.dims)) not in groupings:
            continue
        if any(statistic.dims.get(name) and value not in statistic.dims[name] for name, value in num.dims.items()):
            continue
        den_dims = tuple(sorted((k, v) for k, v in num.dims.items() if k not in statistic.share_of))
        den = denominators.get((num.area, num.period, den_dims))
        if den is None:
            continue
        value = None if not den.value or num.value is None else round(scale * num.value / den.value, 2)
        out.append(Cell(statistic=statistic.id, area=num.area, period=num.period, dims=dict(num.dims),
                        measure="percent" if statistic.percent else "ratio", value=value, base=den.value))
    return out


def agencies_by_statistic(session: Session) -> dict[tuple[str, str], set[int]]:
    """Agencies that supplied each statistic's facts now in the facts table, per area (and ALL)."""
    rows = session.execute(select(FACTS.c.stat, FACTS.c.area, FACTS.c.agency)
                           .where(FACTS.c.agency.is_not(None)).distinct()).all()
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for stat, area, agency in rows:
        found[(str(stat), str(area))].add(int(agency))
        found[(str(stat), ALL)].add(int(agency))
    return found
