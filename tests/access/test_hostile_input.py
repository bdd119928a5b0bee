"""Hostile files on the import path (XXE, billion laughs) and formula injection on the export path."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from reachable.access import service as access
from reachable.records.ingest import cin_xml
from reachable.records.ingest.base import Source

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year></CollectionDetails></Header>
<Children><Child><ChildIdentifiers><LAchildID>&xxe;</LAchildID></ChildIdentifiers></Child></Children></Message>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Message>&lol3;</Message>"""
LATE_DOCTYPE = b"<?xml version='1.0'?>\n<!--" + b"x" * 70000 + b"-->\n" + XXE.split(b"\n", 1)[1]


@pytest.mark.parametrize("payload", [XXE, LAUGHS, LATE_DOCTYPE], ids=["xxe", "billion-laughs", "late-doctype"])
def test_cin_xml_refuses_entities(payload: bytes) -> None:
    rows = list(cin_xml.read(io.BytesIO(payload), Source(path=Path("hostile.xml"), format="cin-xml",
                                                         agency="CSC-E08000025")))
    assert rows and all(row.errors for row in rows)
    text = repr(rows)
    assert "root:" not in text and "lollollol" not in text


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "\0=1", "\x01=HYPERLINK()",
                                   "  =1", "=cmd|' /C calc'!A0"])
def test_formula_cells_are_neutralised(value: str) -> None:
    assert access.safe_cell(value).startswith("'")
    out = access.to_csv([{"a": value, "b": "plain"}], ("a", "b"))
    cell = next(csv.reader(io.StringIO(out.splitlines()[1] if "\n" not in value and "\r" not in value
                                       else out.split("\r\n", 1)[1])))[0]
    assert cell.startswith("'")


def test_plain_cells_are_untouched() -> None:
    assert access.safe_cell("Jayden") == "Jayden"
    assert access.safe_cell(None) == "" and access.safe_cell(12) == "12"
