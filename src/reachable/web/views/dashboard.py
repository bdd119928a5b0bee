"""The area dashboard: the Counting Lives return for an area and financial years, as grouped tables and charts.

Figures come only from the reports service (the same registry, queries and disclosure control as the CLI export
and the API), published: counts of 1-4 suppressed, so the page holds no child's details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from reachable.common.text import is_digits
from reachable.reports import service as reports
from reachable.reports.schemas import ALL, ReturnOut, StatisticOut, Table, TableRow

YEARS_OFFERED = 10  # financial years offered in the period form, the current one last
# The report's tables, grouped as the report's chapters run: missing, police, NRM, care, response (then any new).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("missing", ("missing", "missing_found")),
    ("police", ("arrests", "arrests_nationality", "stop_search")),
    ("nrm", ("nrm",)),
    ("care", ("cce",)),
    ("response", ("moments", "time_to_help")),
    ("areas", ("by_area",)),
)
HEADLINE = ("cce_children_at_risk", "missing_children", "arrested_children_class_a", "nrm_referrals")
SHOWN_FLAGS = {"suppressed": "dashboard.flag_suppressed", "secondary": "dashboard.flag_suppressed",
               "withheld": "dashboard.flag_withheld", "no data": "dashboard.flag_no_data"}
CHART_ROWS = 8
CHART_WIDTH, LABEL_WIDTH, BAR_SPACE = 720, 90, 520


@dataclass(frozen=True)
class Choice:
    """What the person asked for: an area (ONS code or ALL) and a span of financial years (start years)."""

    area: str
    first_year: int
    last_year: int

    @property
    def start(self) -> date:
        """First day of the first financial year."""
        return date(self.first_year, 4, 1)

    @property
    def end(self) -> date:
        """Last day of the last financial year."""
        return date(self.last_year + 1, 3, 31)

    def query(self) -> str:
        """The choice as this page's query string (area codes and years only: no personal data)."""
        return f"area={self.area}&from_year={self.first_year}&to_year={self.last_year}"

    def api_query(self) -> str:
        """The choice as the reports API's query string."""
        return f"area={self.area}&from={self.start.isoformat()}&to={self.end.isoformat()}&by=year"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a period's value for a row, already placed."""

    period: str
    text: str
    flag: str | None  # message key for a suppressed, withheld or missing figure
    y: int
    width: float


@dataclass(frozen=True)
class ChartRow:
    """A row's label and its bars."""

    label: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of a table's counts, one bar per period (drawn as inline SVG by the template)."""

    height: int
    rows: list[ChartRow]


@dataclass
class TableView:
    """A report table as the page shows it, with its chart and the definitions of its figures."""

    table: Table
    chart: Chart | None
    definitions: list[StatisticOut]


@dataclass
class Group:
    """A tab of the dashboard: one part of the report."""

    key: str
    tables: list[TableView] = field(default_factory=list)


@dataclass
class Dashboard:
    """Everything the page shows for one choice."""

    ret: ReturnOut
    groups: list[Group]
    headline: list[tuple[StatisticOut, str, float | None, str | None]]


def financial_year_of(day: date) -> int:
    """The start year of the financial year (April to March) a day falls in."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(start_year: int) -> str:
    """A financial year as the report labels it, e.g. 2024/25."""
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def year_choices(today: date) -> list[tuple[int, str]]:
    """The financial years the form offers, oldest first."""
    current = financial_year_of(today)
    return [(year, year_label(year)) for year in range(current - YEARS_OFFERED + 1, current + 1)]


def area_choices(names: dict[str, str]) -> list[tuple[str, str]]:
    """Areas for the form: all areas first, then by name."""
    rest = sorted(((code, name) for code, name in names.items() if code != ALL), key=lambda item: (item[1], item[0]))
    return [(ALL, names[ALL]), *rest]


def choose(*, area: str | None, from_year: str | None, to_year: str | None, default_area: str | None,
           names: dict[str, str], today: date) -> tuple[Choice, dict[str, str]]:
    """The choice from the form (defaults: the person's area, the current financial year) and message keys for
    whatever is wrong with it."""
    errors: dict[str, str] = {}
    offered = {year for year, _ in year_choices(today)}
    current = financial_year_of(today)
    code = (area or default_area or ALL).strip()
    code = ALL if code.lower() == "all" else code
    if code not in names:
        errors["area"] = "dashboard.error_area"

    def year(value: str | None, name: str) -> int:
        if value is None or value == "":
            return current
        if not is_digits(value) or int(value) not in offered:
            errors[name] = "dashboard.error_year"
            return current
        return int(value)

    first, last = year(from_year, "from_year"), year(to_year, "to_year")
    if last < first and not errors:
        errors["to_year"] = "dashboard.error_order"
    return Choice(area=code, first_year=first, last_year=last), errors


def build(session: Session, *, choice: Choice) -> Dashboard:
    """The published return for the choice, laid out as tabs of tables with charts and definitions."""
    ret = reports.build_return(session, area=choice.area, start=choice.start, end=choice.end, by_year=True,
                               publish=True)
    definitions = {statistic.id: statistic for statistic in ret.statistics}
    by_id = {table.id: table for table in ret.tables}
    placed = {table_id for _, ids in GROUPS for table_id in ids}
    groups = []
    for key, ids in (*GROUPS, ("other", tuple(t.id for t in ret.tables if t.id not in placed))):
        group = Group(key=key)
        for table_id in ids:
            table = by_id.get(table_id)
            if table is None:
                continue
            used = list(dict.fromkeys(row.statistic for row in table.rows))
            group.tables.append(TableView(table=table, chart=chart(table) if table.chart else None,
                                          definitions=[definitions[s] for s in used if s in definitions]))
        if group.tables:
            groups.append(group)
    return Dashboard(ret=ret, groups=groups, headline=headline(ret, definitions))


def headline(ret: ReturnOut, definitions: dict[str, StatisticOut]
             ) -> list[tuple[StatisticOut, str, float | None, str | None]]:
    """The headline counts for the latest period: (definition, period, value, flag)."""
    if not ret.periods:
        return []
    last = ret.periods[-1].label
    cells = {c.statistic: c for c in ret.cells
             if c.area == ret.area and c.period == last and not c.dims and c.measure == "count"}
    out = []
    for statistic in HEADLINE:
        if statistic in definitions:
            cell = cells.get(statistic)
            out.append((definitions[statistic], last, cell.value if cell else None,
                        cell.flag if cell else "no data"))
    return out


def number(value: float | None, measure: str) -> str:
    """A figure as people read it (the caller shows flags): 1,234 / 12.5% / 1.5."""
    if value is None:
        return ""
    if measure == "count":
        return f"{int(value):,}"
    return f"{value:.1f}%" if measure == "percent" else f"{value:.1f}"


def flag_key(flag: str | None) -> str | None:
    """The message key for a cell's flag ([c], [w], [x]); None for a figure shown as it is."""
    return SHOWN_FLAGS.get(flag) if flag else None


def change(value: float | None, measure: str) -> tuple[str, str] | None:
    """A change as (number, message key for its unit): points for percentages, per cent otherwise."""
    if value is None:
        return None
    return f"{value:+.1f}", "dashboard.change_points" if measure == "percent" else "dashboard.change_percent"


def _charted(row: TableRow) -> bool:
    return row.measure == "count" and any(v for v, f in zip(row.values, row.flags, strict=True) if not f)


def chart(table: Table) -> Chart | None:
    """Bars for the table's count rows with figures (top-level rows first), scaled to the largest."""
    rows = [r for r in table.rows if _charted(r) and not r.label.startswith(" ")]
    rows += [r for r in table.rows if _charted(r) and r.label.startswith(" ")]
    rows = rows[:CHART_ROWS]
    if not rows:
        return None
    peak = max((v or 0) for r in rows for v, f in zip(r.values, r.flags, strict=True) if not f) or 1
    out, y = [], 0
    for row in rows:
        label_y, y = y + 16, y + 24
        bars = []
        for period, value, flag in zip(table.columns, row.values, row.flags, strict=True):
            shown = 0.0 if flag or value is None else value
            bars.append(Bar(period=period, text=number(value, row.measure), flag=flag_key(flag), y=y,
                            width=round(BAR_SPACE * shown / peak, 1)))
            y += 22
        out.append(ChartRow(label=row.label.strip(), y=label_y, bars=bars))
        y += 10
    return Chart(height=y, rows=out)
