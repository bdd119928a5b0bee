"""Statistical disclosure control for published returns.

Primary: counts of 1–4 are suppressed. Secondary: every additive group (the cells of a breakdown
plus their total; the areas plus the national figure; a total, the total excluding one force and
that force) must not have exactly one hidden member, or subtraction would reveal it; the smallest
non-zero visible member (components before totals) is hidden too, until no group has one.
Averages with n of 1–4 or a hidden n, and ratios whose numerator or denominator is hidden, are withheld.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from reachable.reports.registry import Statistic
from reachable.reports.schemas import ALL, Cell

PRIMARY = "suppressed"
SECONDARY = "secondary"
WITHHELD = "withheld"
LOW, HIGH = 1, 4

Dims = tuple[tuple[str, str], ...]


def _dims(cell: Cell) -> Dims:
    return tuple(sorted(cell.dims.items()))


def additive_groups(cells: Iterable[Cell]) -> list[list[Cell]]:
    """Groups of count cells tied by an addition (members and their total)."""
    index: dict[tuple[str, str, str, Dims], Cell] = {}
    for cell in cells:
        index[(cell.statistic, cell.area, cell.period, _dims(cell))] = cell
    by_dim: dict[tuple[str, str, str, Dims, str], list[Cell]] = defaultdict(list)
    by_area: dict[tuple[str, str, Dims], list[Cell]] = defaultdict(list)
    for (stat, area, period, dims), cell in index.items():
        for name, _ in dims:
            rest = tuple(item for item in dims if item[0] != name)
            by_dim[(stat, area, period, rest, name)].append(cell)
        by_area[(stat, period, dims)].append(cell)
    groups = []
    for (stat, area, period, rest, _name), members in by_dim.items():
        total = index.get((stat, area, period, rest))
        groups.append([*members, *([total] if total is not None else [])])
    for members in by_area.values():
        plain = [cell for cell in members if " excl. " not in cell.area]
        if len(plain) > 1 and any(cell.area == ALL for cell in plain):
            groups.append(plain)
        for excluded in (cell for cell in members if " excl. " in cell.area):
            whole, _, force = excluded.area.partition(" excl. ")
            trio = [cell for cell in members if cell.area in (whole, force)] + [excluded]
            groups.append(trio)
    return groups


def _is_total(cell: Cell, group: list[Cell]) -> bool:
    """Whether a cell is the group's total (fewest dimensions, or the national / whole-area figure)."""
    if cell.area == ALL and any(member.area != ALL for member in group):
        return True
    return len(cell.dims) < max(len(member.dims) for member in group)


def suppress(cells: list[Cell], statistics: dict[str, Statistic]) -> list[Cell]:
    """A published copy of the cells: hidden values are None with a flag saying why."""
    out = [cell.model_copy(deep=True) for cell in cells]
    counts = [c for c in out if c.measure == "count" and statistics[c.statistic].measure != "ratio"]
    for cell in counts:
        if cell.value is not None and LOW <= cell.value <= HIGH:
            cell.flag = PRIMARY
    groups = additive_groups(counts)
    changed = True
    while changed:
        changed = False
        for group in groups:
            hidden = [cell for cell in group if cell.flag]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in group if not cell.flag and (cell.value or 0) > 0]
            if not candidates:
                continue
            chosen = min(candidates, key=lambda cell: (_is_total(cell, group), cell.value or 0))
            chosen.flag = SECONDARY
            changed = True
    _withhold_derived(out, statistics)
    for cell in out:
        if cell.flag:
            cell.value = None
    return out


def _withhold_derived(cells: list[Cell], statistics: dict[str, Statistic]) -> None:
    """Withhold averages on hidden or tiny n, and ratios on a hidden numerator or denominator."""
    counts = {(c.statistic, c.area, c.period, _dims(c)): c for c in cells if c.measure == "count"}
    for cell in cells:
        statistic = statistics[cell.statistic]
        if cell.measure in ("mean", "median"):
            n = counts.get((cell.statistic, cell.area, cell.period, _dims(cell)))
            if (n is not None and n.flag) or (cell.base is not None and LOW <= cell.base <= HIGH):
                cell.flag = WITHHELD
        elif statistic.measure == "ratio":
            assert statistic.numerator and statistic.denominator
            num = counts.get((statistic.numerator, cell.area, cell.period, _dims(cell)))
            den_dims = tuple(item for item in _dims(cell) if item[0] not in statistic.share_of)
            den = counts.get((statistic.denominator, cell.area, cell.period, den_dims))
            if (num is not None and num.flag) or (den is not None and den.flag):
                cell.flag = WITHHELD
