"""Exports: XLSX (opens in LibreOffice), CSV, JSON, HTML with inline SVG; no formula-injection vectors."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from reachable.records.kinds import EventKind as K
from reachable.reports import service
from reachable.reports.exports import FORMULA_STARTS, neutralise, write
from reachable.reports.schemas import INTERNAL, ReturnOut, TableRow
from reachable.tasks.models import Task
from tests.reports.conftest import at, ev, kid, load

EVIL = ("=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd")


def _return(session: Session, *, publish: bool = False) -> ReturnOut:
    who = kid("Ola", dob=date(2009, 1, 1))
    ids = load(session, [ev(K.MISSING_REPORTED, who, "2024-06-01", payload={"episode_ref": "X"}),
                         ev(K.ARREST, who, "2024-07-01", payload={"offence_category": "pwits_class_a"})])
    session.add(Task(child_id=ids[0], kind="task", title="t", rule_id="=cmd|' /C calc'!A0", rule_version="1",
                     status="open", evidence={}, created_at=at("2024-08-01")))
    session.flush()
    ret = service.build_return(session, area="ALL", start=date(2023, 4, 1), end=date(2025, 3, 31), by_year=True,
                               publish=publish)
    # An injected label at the start of a cell, as a hostile rule id or area name could produce.
    ret.tables[0].rows.append(TableRow(label=EVIL[0], statistic="x", values=[1.0, 2.0], flags=[None, None],
                                       changes=[100.0]))
    return ret


def test_neutralise() -> None:
    assert all(neutralise(text).startswith("'") for text in EVIL)
    assert neutralise("Children missing") == "Children missing" and neutralise(-3) == -3


def test_xlsx_every_sheet_is_classified_and_no_cell_is_a_formula(session: Session, tmp_path: Path) -> None:
    ret = _return(session)
    path = write(ret, format="xlsx", out=tmp_path / "r.xlsx")
    book = load_workbook(path)
    assert len(book.sheetnames) >= 10
    for sheet in book.worksheets:
        assert sheet["A1"].value == INTERNAL, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (sheet.title, cell.value)
    arrests = book["arrests"]
    labels = [row[0].value for row in arrests.iter_rows(min_row=8)]
    assert "Children arrested for PWITS class A: total" in labels


def test_csv_json_html(session: Session, tmp_path: Path) -> None:
    ret = _return(session, publish=True)
    rows = list(csv.reader((write(ret, format="csv", out=tmp_path / "r.csv")).open(encoding="utf-8")))
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    assert rows[0][0].startswith("Published")
    assert json.loads((write(ret, format="json", out=tmp_path / "r.json")).read_text())["published"] is True
    html = write(ret, format="html", out=tmp_path / "r.html").read_text()
    assert "<svg" in html and "<rect" in html
    assert not any(asset in html for asset in ('src="http', "href=\"http", "url(http", "<script", "<link", "@import"))


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None,
                    reason="LibreOffice is not installed (Debian: apt-get install libreoffice-calc-nogui)")
def test_xlsx_opens_in_libreoffice(tmp_path: Path) -> None:
    # Runs once (on SQLite): the workbook does not depend on the database, and LibreOffice is slow to start.
    engine = make_engine("sqlite://")
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        path = write(_return(session), format="xlsx", out=tmp_path / "r.xlsx")
    engine.dispose()
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    assert binary is not None
    result = subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                             "pdf", "--outdir", str(tmp_path), str(path)], capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.pdf").stat().st_size > 1000
