"""Writing a return as JSON, CSV or XLSX; every text cell is neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from reachable.reports.schemas import ReturnOut, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("xlsx", "csv", "json", "html")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def shown(value: float | None, flag: str | None, measure: str) -> str:
    """A value as people read it: [c] suppressed, [w] withheld, [x] no data."""
    if flag in ("suppressed", "secondary"):
        return "[c]"
    if flag == "withheld":
        return "[w]"
    if value is None:
        return "[x]" if flag == "no data" else ""
    if measure == "count":
        return f"{int(value):,}"
    return f"{value:.1f}%" if measure == "percent" else f"{value:.1f}"


def change_text(value: float | None, measure: str) -> str:
    """A change as text: +12.5% for counts, +3.0 pts for percentages."""
    if value is None:
        return ""
    return f"{value:+.1f} pts" if measure == "percent" else f"{value:+.1f}%"


def to_json(ret: ReturnOut) -> str:
    """The return as JSON (the machine-readable form, also what the API serves)."""
    return ret.model_dump_json(indent=2)


def table_rows(ret: ReturnOut, table: Table) -> list[list[Any]]:
    """A table as rows of plain values, header first, ready for CSV or a sheet."""
    header = ["table", "row", *table.columns, *table.change_columns, "statistic", "classification"]
    rows: list[list[Any]] = [header]
    for row in table.rows:
        values = [shown(v, f, row.measure) for v, f in zip(row.values, row.flags, strict=True)]
        changes = [change_text(c, row.measure) for c in row.changes]
        rows.append([table.title, row.label, *values, *changes, row.statistic, ret.classification])
    return rows


def to_csv(ret: ReturnOut) -> str:
    """Every table in one CSV; each row carries the classification (internal use only / published)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(f"{ret.classification} — {ret.area_name} ({ret.area}), {ret.start} to {ret.end}")])
    for table in ret.tables:
        for row in table_rows(ret, table):
            writer.writerow([neutralise(value) for value in row])
        writer.writerow([])
    return buffer.getvalue()


def write(ret: ReturnOut, *, format: str, out: Path) -> Path:
    """Write the return in a format to a path; returns the path written."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "json":
        out.write_text(to_json(ret), encoding="utf-8")
    elif format == "csv":
        out.write_text(to_csv(ret), encoding="utf-8")
    elif format == "html":
        from reachable.reports.html import to_html

        out.write_text(to_html(ret), encoding="utf-8")
    else:
        from reachable.reports.xlsx import write_xlsx

        write_xlsx(ret, out)
    return out
