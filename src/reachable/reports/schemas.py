"""Contracts of the reports domain: statistic definitions, figures (cells), tables and whole returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

ALL = "ALL"
INTERNAL = "INTERNAL USE ONLY — unsuppressed figures, not for publication"
PUBLISHED = "Published: counts of 1–4 suppressed ([c]) with secondary suppression; rates on suppressed bases withheld"


class StatisticOut(BaseModel):
    """A statistic's documented definition, as the registry holds it."""

    id: str
    version: str
    title: str
    unit: str
    measure: str
    definition: str
    inclusion: str
    source: str
    agencies: list[str]
    dims: dict[str, list[str]]
    area_basis: str


class Cell(BaseModel):
    """One figure: a statistic for an area, a period and a breakdown (absent dimensions mean 'all')."""

    statistic: str
    area: str
    period: str
    dims: dict[str, str] = {}
    measure: str = "count"  # count | ratio | percent | mean | median
    value: float | None = None
    base: float | None = None  # denominator of a ratio, or n behind an average
    flag: str | None = None  # suppressed | secondary | withheld | incomplete

    def key(self) -> tuple[str, str, str, str, tuple[tuple[str, str], ...]]:
        """Identity of the cell within a return."""
        return (self.statistic, self.area, self.period, self.measure, tuple(sorted(self.dims.items())))


class Period(BaseModel):
    """A reporting period: a financial year or the whole requested range (end inclusive)."""

    label: str
    start: date
    end: date


class Completeness(BaseModel):
    """Which agencies supplied the data a statistic needs, and which needed kinds supplied none."""

    statistic: str
    area: str
    agencies: list[str]
    needed_kinds: list[str]
    missing_kinds: list[str]


class TableRow(BaseModel):
    """A presented row: label, the cells per period, and year-on-year changes."""

    label: str
    statistic: str
    dims: dict[str, str] = {}
    measure: str = "count"
    values: list[float | None]
    flags: list[str | None]
    changes: list[float | None] = []


class Table(BaseModel):
    """A presented table mirroring one of Counting Lives' tables or figures."""

    id: str
    title: str
    mirrors: str
    note: str
    columns: list[str]
    change_columns: list[str] = []
    rows: list[TableRow]
    chart: bool = True


class ReturnOut(BaseModel):
    """A whole Counting Lives return for an area (or the nation) and a period."""

    format: str = "reachable.counting-lives/1"
    area: str
    area_name: str
    start: date
    end: date
    by_year: bool
    periods: list[Period]
    published: bool
    classification: str
    exclude_force: str | None = None
    generated_at: datetime
    statistics: list[StatisticOut]
    cells: list[Cell]
    completeness: list[Completeness]
    tables: list[Table] = []
    areas_included: list[str] = []
    flags: list[str] = []
    extra: dict[str, Any] = Field(default_factory=dict)
