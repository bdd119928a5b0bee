"""The statistics registry: each figure defined once (definition, inclusion rules, source events).

The export, the API and the web dashboard all read figures through this registry, so the same
number appears everywhere; docs/statistics.md is generated from it (`statistics_markdown`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reachable.reports.schemas import StatisticOut

if TYPE_CHECKING:
    from reachable.reports.scope import ReportContext

# A builder returns a SELECT (or UNION) of facts; typed loosely because both shapes are used.
Builder = Callable[["ReportContext"], Any]


@dataclass(frozen=True)
class Statistic:
    """One named, documented statistic.

    `measure` is how facts aggregate: count (distinct units), value (n, mean and median of a
    per-unit number) or ratio (numerator / denominator statistics over matching cells).
    `build` returns a SELECT of facts with columns unit, child, period, area, force, agency, value
    and one column per dimension, named as in `dims`.
    """

    id: str
    title: str
    unit: str
    definition: str
    inclusion: str
    source: str
    agencies: tuple[str, ...]
    dims: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groupings: tuple[tuple[str, ...], ...] | None = None
    measure: str = "count"
    area_basis: str = "home"  # home: the child's home council; event: where the event happened (force)
    build: Builder | None = None
    numerator: str | None = None
    denominator: str | None = None
    percent: bool = False
    share_of: tuple[str, ...] = ()  # ratio: dimensions dropped from a numerator cell to find its denominator
    version: str = "1"

    def grouping_sets(self) -> tuple[tuple[str, ...], ...]:
        """The breakdowns computed: the total, each dimension alone, and any declared crossings."""
        if self.groupings is not None:
            return self.groupings
        return ((), *((name,) for name in self.dims))

    def out(self) -> StatisticOut:
        """The public description of this statistic."""
        return StatisticOut(id=self.id, version=self.version, title=self.title, unit=self.unit,
                            measure="percent" if self.percent else self.measure, definition=self.definition,
                            inclusion=self.inclusion, source=self.source, agencies=list(self.agencies),
                            dims={name: list(values) for name, values in self.dims.items()},
                            area_basis=self.area_basis)


REGISTRY: dict[str, Statistic] = {}
_MODULES: dict[str, str] = {}
# Presentation order of the statistics modules (import order varies with what a caller imports first).
ORDER = ("stats_care", "stats_missing", "stats_police", "stats_nrm", "stats_response")


def register(statistic: Statistic) -> Statistic:
    """Add a statistic to the registry; ids are unique and ratios name registered statistics."""
    if statistic.id in REGISTRY:
        raise ValueError(f"statistic {statistic.id!r} registered twice")
    if statistic.measure == "ratio":
        missing = [name for name in (statistic.numerator, statistic.denominator) if name not in REGISTRY]
        if missing:
            raise ValueError(f"ratio {statistic.id!r} names unknown statistics {missing}")
    elif statistic.build is None:
        raise ValueError(f"statistic {statistic.id!r} has no query")
    REGISTRY[statistic.id] = statistic
    _MODULES[statistic.id] = str(sys._getframe(1).f_globals.get("__name__", "")).rsplit(".", 1)[-1]
    return statistic


def load() -> dict[str, Statistic]:
    """The full registry, importing every statistics module once (no import-time work elsewhere)."""
    from reachable.reports import stats_care, stats_missing, stats_nrm, stats_police, stats_response  # noqa: F401

    position = {statistic_id: index for index, statistic_id in enumerate(REGISTRY)}
    rank = {name: index for index, name in enumerate(ORDER)}
    ordered = sorted(REGISTRY, key=lambda i: (rank.get(_MODULES.get(i, ""), len(ORDER)), position[i]))
    return {statistic_id: REGISTRY[statistic_id] for statistic_id in ordered}


def get(statistic_id: str) -> Statistic:
    """One statistic by id; KeyError names the known ids."""
    registry = load()
    if statistic_id not in registry:
        raise KeyError(f"unknown statistic {statistic_id!r}; known: {', '.join(sorted(registry))}")
    return registry[statistic_id]


def statistics_markdown() -> str:
    """docs/statistics.md, generated from the registry (tested to be current)."""
    lines = [
        "# Statistics reference",
        "",
        "Generated from `reachable.reports.registry` — do not edit by hand; regenerate with",
        "`python -c \"from reachable.reports.registry import statistics_markdown as m; "
        "open('docs/statistics.md','w').write(m())\"`.",
        "",
        "Every figure in `reachable report counting-lives`, the API (`/api/v1/reports/…`) and the web",
        "dashboard comes from exactly one of these definitions. Ages are whole years at the event date,",
        "from the recording agency's date of birth for the child (falling back to the child's summary).",
        "A child's home area at an event is the home council the recording agency held for the child",
        "(falling back to the child's summary), so a child who moved council counts in each council",
        "for the events recorded while they lived there. Periods are financial years (1 April–31 March)",
        "with `--by year`, clipped to the requested range.",
        "",
    ]
    for statistic in load().values():
        out = statistic.out()
        lines += [f"## `{out.id}` — {out.title}", "", f"- **Version**: {out.version}",
                  f"- **Unit**: {out.unit}; **measure**: {out.measure}; **area basis**: {out.area_basis}",
                  f"- **Definition**: {out.definition}", f"- **Inclusion**: {out.inclusion}",
                  f"- **Source**: {out.source}",
                  f"- **Agencies needed**: {', '.join(out.agencies) or '—'}"]
        if out.dims:
            lines.append("- **Breakdowns**: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in out.dims.items()))
        if statistic.measure == "ratio":
            lines.append(f"- **Computed as**: `{statistic.numerator}` / `{statistic.denominator}`"
                         + (" × 100" if statistic.percent else ""))
        lines.append("")
    return "\n".join(lines)
