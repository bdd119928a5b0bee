"""The national picture from signed area returns, without moving any child's data.

Counts are summed across areas (a child who moved is counted by each area that saw them, as in
published area-level statistics); averages are re-weighted by n; medians cannot be combined from
aggregates and are withheld nationally; ratios are recomputed from the summed inputs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from reachable.common.dates import utcnow
from reachable.reports import facts, registry, signing, suppression, tables
from reachable.reports.schemas import ALL, INTERNAL, PUBLISHED, Cell, ReturnOut


def read_envelopes(paths: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Load signed return files; unreadable ones are reported, not fatal."""
    loaded = []
    for path in paths:
        try:
            loaded.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as error:
            loaded.append((path, {"error": f"cannot read: {error}"}))
    return loaded


def combine(envelopes: list[tuple[Path, dict[str, Any]]], *, secret_key: str,
            public_keys: dict[str, Path] | None = None, publish: bool = False,
            names: dict[str, str] | None = None) -> ReturnOut:
    """Verify and combine area returns into the national return, flagging areas with missing data."""
    flags: list[str] = []
    accepted: list[ReturnOut] = []
    for path, envelope in envelopes:
        problem = envelope.get("error") or signing.verify(envelope, secret_key=secret_key, public_keys=public_keys)
        if problem:
            flags.append(f"{path.name}: rejected — {problem}")
            continue
        accepted.append(ReturnOut.model_validate(envelope["return"]))
    if not accepted:
        raise ValueError("no valid signed returns to combine:\n" + "\n".join(flags))
    first = accepted[0]
    same = [r for r in accepted if (r.start, r.end, r.by_year) == (first.start, first.end, first.by_year)]
    for other in accepted:
        if other not in same:
            flags.append(f"{other.area}: rejected — covers {other.start} to {other.end}, "
                         f"not {first.start} to {first.end}")
    everything = registry.load()
    seen_areas: set[str] = set()
    for ret in same:
        if ret.area in seen_areas:
            flags.append(f"{ret.area}: more than one return; the later one is ignored")
        seen_areas.add(ret.area)
        flags += _missing_flags(ret, set(everything))
    unique = list({r.area: r for r in reversed(same)}.values())
    cells = _combine_cells(unique, everything)
    if publish:
        cells = suppression.suppress(cells, everything)
    national = ReturnOut(
        area=ALL, area_name="England and Wales (combined returns)", start=first.start, end=first.end,
        by_year=first.by_year, periods=first.periods, published=publish,
        classification=PUBLISHED if publish else INTERNAL, generated_at=utcnow(),
        statistics=[s.out() for s in everything.values()], cells=cells,
        completeness=[c for r in unique for c in r.completeness if c.area == r.area],
        areas_included=sorted(r.area for r in unique), flags=flags,
        extra={"returns": [{"area": r.area, "generated_at": r.generated_at.isoformat()} for r in unique]})
    national.tables = tables.build_tables(national, names or {})
    return national


def _missing_flags(ret: ReturnOut, known: set[str]) -> list[str]:
    """Flags for a return: absent statistics, needed agencies with no data, suppressed (unsummable) cells."""
    flags = []
    present = {c.statistic for c in ret.cells}
    absent = sorted(known - present)
    if absent:
        flags.append(f"{ret.area}: return lacks {len(absent)} statistic(s): {', '.join(absent)}")
    for item in ret.completeness:
        if item.area == ret.area and item.missing_kinds:
            flags.append(f"{ret.area}: no data from {', '.join(item.missing_kinds)} for {item.statistic}")
    if ret.published:
        flags.append(f"{ret.area}: return was suppressed for publication; its hidden cells make national totals "
                     "incomplete (send the internal return)")
    return flags


def _combine_cells(returns: list[ReturnOut], everything: dict[str, registry.Statistic]) -> list[Cell]:
    """Per-area cells (each return's own area) plus national sums and re-derived ratios."""
    per_area: list[Cell] = []
    sums: dict[tuple[Any, ...], list[Cell]] = defaultdict(list)
    for ret in returns:
        for cell in ret.cells:
            if cell.area != ret.area:
                continue  # a return's own figures only; never double count an ALL return's breakdown
            per_area.append(cell)
            if cell.measure in ("count", "mean", "median"):
                sums[(cell.statistic, cell.period, cell.measure, tuple(sorted(cell.dims.items())))].append(cell)
    national: list[Cell] = []
    for (stat, period, measure, dims), members in sums.items():
        incomplete = any(m.value is None for m in members)
        if measure == "count":
            value: float | None = sum(m.value or 0 for m in members)
            base = None
        elif measure == "mean":
            weighted = [(m.value, m.base or 0) for m in members if m.value is not None]
            base = sum(n for _, n in weighted)
            value = round(sum(v * n for v, n in weighted) / base, 2) if base else None
        else:
            value, base, incomplete = None, None, True
        national.append(Cell(statistic=stat, area=ALL, period=period, dims=dict(dims), measure=measure, value=value,
                             base=base, flag="incomplete" if incomplete else None))
    by_stat: dict[str, list[Cell]] = defaultdict(list)
    for cell in per_area + national:
        by_stat[cell.statistic].append(cell)
    out = [c for c in per_area + national if everything.get(c.statistic) is None
           or everything[c.statistic].measure != "ratio"]
    for statistic in everything.values():
        if statistic.measure == "ratio" and statistic.numerator in by_stat and statistic.denominator in by_stat:
            out += facts.ratio_cells(statistic, by_stat)
    return out
