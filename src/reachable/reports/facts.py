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
    # Every breakdown reads one statistic's rows: without this each GROUP BY scanned every statistic's facts.
    Index("report_facts_stat", "stat"),
    prefixes=["TEMPORARY"],
)
FACT_COLUMNS = ("unit", "child", "period", "area", "force", "agency", "value")


def open_facts(session: Session) -> None:
    """Create an empty temporary facts table on this session's connection."""
    close_facts(session)
    FACTS.create(session.connection())


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


def _area_modes(ctx: ReportContext) -> list[tuple[str | None, Any]]:
    """(label, filter) pairs: per area (label None) and national when the report covers all areas."""
    modes: list[tuple[str | None, Any]] = [(ctx.area, None)]
    if ctx.area == ALL:
        modes.insert(0, (None, None))
    if ctx.exclude_force:
        modes.append((f"{ctx.area} excl. {ctx.exclude_force}",
                      (FACTS.c.force != ctx.exclude_force) | FACTS.c.force.is_(None)))
    return modes


def aggregate(session: Session, ctx: ReportContext, statistic: Statistic) -> list[Cell]:
    """Every cell of a count or value statistic, zeros included for known categories."""
    cells: list[Cell] = []
    seen_areas: set[str] = set()
    for label, extra in _area_modes(ctx):
        if extra is not None and statistic.area_basis != "event":
            continue  # excluding a force only makes sense for figures counted where events happened
        for grouping in statistic.grouping_sets():
            if label is None and grouping:
                continue  # nationally, each area carries its totals; breakdowns are national (and per area run)
            group_cols = [FACTS.c.period] + ([FACTS.c.area] if label is None else [])
            group_cols += [_dim(statistic, name) for name in grouping]
            where = [FACTS.c.stat == statistic.id] + ([extra] if extra is not None else [])
            if statistic.measure == "value":
                rows = session.execute(select(*group_cols, FACTS.c.value, func.count()).where(*where)
                                       .group_by(*group_cols, FACTS.c.value)).all()
                cells += _value_cells(statistic, ctx, label, grouping, rows)
                continue
            rows = session.execute(select(*group_cols, func.count(func.distinct(FACTS.c.unit))).where(*where)
                                   .group_by(*group_cols)).all()
            found: dict[tuple[Any, ...], int] = {tuple(row[:-1]): int(row[-1]) for row in rows}
            if label is None:
                seen_areas |= {str(key[1]) for key in found if key[1] is not None}
            cells += _count_cells(statistic, ctx, label, grouping, found, seen_areas)
    return cells


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
    """Agencies that supplied each statistic's facts, per area, from the facts table."""
    rows = session.execute(select(FACTS.c.stat, FACTS.c.area, FACTS.c.agency)
                           .where(FACTS.c.agency.is_not(None)).distinct()).all()
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for stat, area, agency in rows:
        found[(str(stat), str(area))].add(int(agency))
        found[(str(stat), ALL)].add(int(agency))
    return found
