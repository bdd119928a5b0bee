"""Recognising a file's format from its content, and finding the files of a simulated or exported directory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reachable.common.errors import FieldError
from reachable.records.ingest import (
    canonical,
    cin_xml,
    health_csv,
    intel_csv,
    nrm_csv,
    police_csv,
    schools_csv,
    ssda903,
    yjs_csv,
)
from reachable.records.ingest.base import FORMATS, SNIFF_BYTES, Row, Source, Stream, looks_binary
from reachable.records.ingest.tabular import Table, closest_table, detect_table

Reader = Callable[[Stream, Source], Iterator[Row]]
READERS: dict[str, Reader] = {
    "canonical": canonical.read, "cin-xml": cin_xml.read, "ssda903": ssda903.read, "police-csv": police_csv.read,
    "schools-csv": schools_csv.read, "nrm-csv": nrm_csv.read, "intel-csv": intel_csv.read,
    "health-csv": health_csv.read, "yjs-csv": yjs_csv.read,
}
CSV_TABLES: dict[str, tuple[Table, ...]] = {
    "ssda903": ssda903.TABLES, "police-csv": police_csv.TABLES, "schools-csv": schools_csv.TABLES,
    "nrm-csv": nrm_csv.TABLES, "intel-csv": intel_csv.TABLES, "health-csv": health_csv.TABLES,
    "yjs-csv": yjs_csv.TABLES,
}
SUFFIXES = (".csv", ".xml", ".jsonl", ".ndjson", ".json")
assert set(READERS) == set(FORMATS)


def detect(head: bytes) -> tuple[str | None, str]:
    """(format, reason) from a file's first bytes: XML is CIN, a JSON object per line is canonical, else by header."""
    if looks_binary(head):
        return None, "binary content, not a text extract"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "cin-xml", "XML"
    if text.startswith(b"{"):
        return "canonical", "JSON Lines"
    first = text.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    header = [name.strip().strip('"') for name in first.split(",")]
    for name, tables in CSV_TABLES.items():
        table = detect_table(header, tables)
        if table is not None:
            return name, f"CSV table {table.name}"
    near = [(name, found) for name, tables in CSV_TABLES.items() if (found := closest_table(header, tables))]
    name, (table, share) = max(near, key=lambda item: item[1][1], default=("", (None, 0.0)))
    if table is not None and share >= 0.5:
        return name, f"closest to CSV table {table.name}"  # the reader then lists the wrong columns
    return None, "not a known format: no CSV layout has the columns " + ", ".join(header)[:200]


def agency_from_path(path: Path) -> str | None:
    """An agency code taken from a folder named like one (the simulator writes extracts/<AGENCY>/...)."""
    for parent in path.parents:
        prefix = parent.name.partition("-")[0]
        if prefix in ("POL", "CSC", "EDU", "HLT", "YJS", "VCS", "NRM") and "-" in parent.name:
            return parent.name
    return None


def expand(paths: list[Path], *, format: str = "auto", agency: str | None = None) -> tuple[list[Source],
                                                                                             list[FieldError]]:
    """The files to import: a directory's manifest.json if it has one, else its files; each with its format."""
    sources: list[Source] = []
    errors: list[FieldError] = []
    for path in paths:
        if path.is_dir() and (path / "manifest.json").is_file():
            found, problems = _from_manifest(path / "manifest.json", agency)
            sources += found
            errors += problems
        elif path.is_dir():
            for item in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                               and p.name != "manifest.json"):
                _add(item, format, agency, sources, errors)
        elif path.is_file():
            _add(path, format, agency, sources, errors)
        else:
            errors.append(FieldError("(path)", "no such file or directory", str(path), file=str(path)))
    return sources, errors


def _add(path: Path, format: str, agency: str | None, sources: list[Source], errors: list[FieldError]) -> None:
    """One file, its format detected unless given."""
    if format == "auto":
        with path.open("rb") as handle:
            found, reason = detect(handle.read(SNIFF_BYTES))
        if found is None:
            errors.append(FieldError("(format)", reason, None, file=str(path), line=1))
            return
        format = found
    sources.append(Source(path, format, agency or agency_from_path(path)))


def _from_manifest(manifest: Path, agency: str | None) -> tuple[list[Source], list[FieldError]]:
    """Files listed by a simulator manifest: {"files": [{"path", "format", "agency", "table", "events"}]}."""
    try:
        data: Any = json.loads(manifest.read_text(encoding="utf-8"))
        entries = data["files"] if isinstance(data, dict) else data
        sources = []
        for entry in entries:
            if entry["format"] not in READERS:
                continue  # truth tables and other outputs that are not agency extracts
            if agency and entry.get("agency") != agency:
                continue
            sources.append(Source(manifest.parent / entry["path"], entry["format"], entry.get("agency") or agency,
                                  entry.get("table"), {str(k): int(v) for k, v in entry.get("events", {}).items()}))
        return sources, []
    except (ValueError, KeyError, TypeError) as error:
        return [], [FieldError("(manifest)", f"unreadable manifest: {error}", None, file=str(manifest))]
