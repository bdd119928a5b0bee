"""The XLSX workbook: a sheet per table with a classification banner, notes, definitions and completeness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reachable.reports.exports import change_text, neutralise
from reachable.reports.schemas import ReturnOut, Table

BANNER_INTERNAL = PatternFill("solid", fgColor="C00000")
BANNER_PUBLISHED = PatternFill("solid", fgColor="1F4E79")
HEADER = PatternFill("solid", fgColor="D9E1F2")
FLAG_TEXT = {"suppressed": "[c]", "secondary": "[c]", "withheld": "[w]", "no data": "[x]"}


def _put(sheet: Worksheet, row: int, column: int, value: Any, **style: Any) -> None:
    """Write one cell, neutralising text that could run as a formula."""
    cell = sheet.cell(row=row, column=column, value=neutralise(value))
    for name, setting in style.items():
        setattr(cell, name, setting)


def _banner(sheet: Worksheet, ret: ReturnOut, title: str, width: int) -> int:
    """Title, classification banner and scope lines at the top of a sheet; returns the next free row."""
    fill = BANNER_PUBLISHED if ret.published else BANNER_INTERNAL
    _put(sheet, 1, 1, ret.classification, font=Font(bold=True, color="FFFFFF"), fill=fill)
    for column in range(2, max(width, 2) + 1):
        sheet.cell(row=1, column=column).fill = fill
    _put(sheet, 2, 1, title, font=Font(bold=True, size=13))
    _put(sheet, 3, 1, f"{ret.area_name} ({ret.area}); {ret.start} to {ret.end}; "
                      f"generated {ret.generated_at:%Y-%m-%d %H:%M} UTC")
    return 5


def _table_sheet(book: Workbook, ret: ReturnOut, table: Table) -> None:
    """One presented table with numbers as numbers (percent formats), flags as [c]/[w]/[x]."""
    sheet = book.create_sheet(table.id[:31])
    width = 1 + len(table.columns) + len(table.change_columns)
    row = _banner(sheet, ret, table.title, width)
    _put(sheet, row, 1, f"Mirrors Counting Lives: {table.mirrors}. {table.note}", font=Font(italic=True))
    row += 2
    for column, text in enumerate(["", *table.columns, *table.change_columns], start=1):
        _put(sheet, row, column, text, font=Font(bold=True), fill=HEADER,
             alignment=Alignment(horizontal="center", wrap_text=True))
    for item in table.rows:
        row += 1
        _put(sheet, row, 1, item.label)
        for index, (value, flag) in enumerate(zip(item.values, item.flags, strict=True), start=2):
            if flag:
                _put(sheet, row, index, FLAG_TEXT.get(flag, flag), alignment=Alignment(horizontal="right"))
            elif value is not None:
                _put(sheet, row, index, value / 100 if item.measure == "percent" else value,
                     number_format="0.0%" if item.measure == "percent" else
                     ("#,##0" if item.measure == "count" else "0.0"))
        for offset, change in enumerate(item.changes):
            _put(sheet, row, 2 + len(table.columns) + offset, change_text(change, item.measure),
                 alignment=Alignment(horizontal="right"))
    row += 2
    _put(sheet, row, 1, "[c] suppressed (1–4, or to protect a suppressed cell); [w] withheld (rate on a suppressed "
                        "base); [x] no data. Definitions: sheet 'definitions'.", font=Font(italic=True))
    sheet.column_dimensions["A"].width = 62
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16
    sheet.freeze_panes = "B8"


def _list_sheet(book: Workbook, ret: ReturnOut, name: str, title: str, header: list[str],
                rows: list[list[Any]]) -> None:
    """A plain list sheet (definitions, completeness, flags)."""
    sheet = book.create_sheet(name)
    row = _banner(sheet, ret, title, len(header))
    for column, text in enumerate(header, start=1):
        _put(sheet, row, column, text, font=Font(bold=True), fill=HEADER)
    for values in rows:
        row += 1
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value, alignment=Alignment(wrap_text=True, vertical="top"))
    for column in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 60 if column > 2 else 30


def write_xlsx(ret: ReturnOut, path: Path) -> None:
    """Write the workbook: a contents/notes sheet, each table, definitions, completeness."""
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "notes"
    row = _banner(notes, ret, "Counting Lives return", 2)
    lines = [
        "Each figure is defined once in Reachable's statistics registry (sheet 'definitions'; docs/statistics.md).",
        "Periods: " + ", ".join(p.label for p in ret.periods),
        f"Force excluded from 'excluding' totals: {ret.exclude_force}" if ret.exclude_force else "",
        *ret.flags,
    ]
    for text in filter(None, lines):
        _put(notes, row, 1, text)
        row += 1
    row += 1
    for table in ret.tables:
        _put(notes, row, 1, f"{table.id}: {table.title} (mirrors {table.mirrors})")
        row += 1
    notes.column_dimensions["A"].width = 120
    for table in ret.tables:
        _table_sheet(book, ret, table)
    _list_sheet(book, ret, "definitions", "Statistic definitions",
                ["statistic", "title", "definition", "inclusion", "source"],
                [[s.id, s.title, s.definition, s.inclusion, s.source] for s in ret.statistics])
    _list_sheet(book, ret, "completeness", "Data completeness: which agencies supplied each statistic's data",
                ["statistic", "area", "agencies supplying", "needed agency kinds", "needed kinds with no data"],
                [[c.statistic, c.area, ", ".join(c.agencies) or "none", ", ".join(c.needed_kinds),
                  ", ".join(c.missing_kinds) or "—"] for c in ret.completeness])
    book.save(path)
