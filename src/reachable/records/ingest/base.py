"""What every adapter shares: a source file, the rows it yields, safe reading and per-cell parsing with errors."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from pydantic import ValidationError

from reachable.common.dates import parse_uk_date
from reachable.common.errors import FieldError
from reachable.records.schemas import EventIn, PersonIn
from reachable.records.validation import pydantic_errors

MAX_FILE_BYTES = 4 * 1024**3  # a whole council's decade of extracts fits; anything larger is refused unread
MAX_FIELD_CHARS = 10_000  # no cell of any format we read needs more; longer ones are junk or an attack
MAX_LINE_BYTES = 1024**2  # one canonical JSON line
SNIFF_BYTES = 64 * 1024
FORMATS = ("canonical", "cin-xml", "ssda903", "police-csv", "schools-csv", "nrm-csv", "intel-csv", "health-csv",
           "yjs-csv")


class Stream(Protocol):
    """What adapters read from: a binary stream of lines."""

    def read(self, size: int = -1, /) -> bytes:
        """Read bytes."""

    def readline(self, size: int = -1, /) -> bytes:
        """Read one line."""

    def __iter__(self) -> Iterator[bytes]:
        """Iterate over lines."""


@dataclass(frozen=True)
class Source:
    """One file to import: where it is, its format, the agency it speaks for and (if known) its table."""

    path: Path
    format: str
    agency: str | None = None
    table: str | None = None
    expected: dict[str, int] | None = None  # event counts per kind the manifest promises

    @property
    def label(self) -> str:
        """The file name shown in errors."""
        return str(self.path)


@dataclass(slots=True)
class Row:
    """One row (or record) of a source: the event or person it yields, or the errors that stop it."""

    line: int
    events: list[EventIn] = field(default_factory=list)
    person: PersonIn | None = None  # a row that only tells us who someone is (a school roll, 903 Header)
    agency: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    raw: str = ""


class ByteCounter:
    """A binary stream wrapper that reports bytes read, for the progress bar (in steps, not per line)."""

    STEP = 1 << 20  # a progress bar redraws at most a few times a second: per-line reports only cost time

    def __init__(self, stream: IO[bytes], on_read: Callable[[int], None] | None) -> None:
        """Wrap `stream`; `on_read(n)` is called with the bytes read since the last report."""
        self.stream = stream
        self.on_read = on_read
        self.unreported = 0

    def _count(self, data: bytes) -> bytes:
        """Add to the unreported count; report it once it is a step, or at the end of the stream."""
        self.unreported += len(data)
        if self.on_read is not None and (self.unreported >= self.STEP or not data) and self.unreported:
            self.on_read(self.unreported)
            self.unreported = 0
        return data

    def read(self, size: int = -1) -> bytes:
        """Read and report."""
        return self._count(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        """Read a line and report."""
        return self._count(self.stream.readline(size))

    def __iter__(self) -> Iterator[bytes]:
        """Lines, reported as they are read."""
        readline = self.readline
        while True:
            line = readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            yield line


def looks_binary(head: bytes) -> bool:
    """Whether a file's first bytes are binary junk rather than text (NULs, or mostly control bytes)."""
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return controls / len(head) > 0.05


def decoded_lines(stream: Stream, source: Source, bad: dict[int, FieldError]) -> Iterator[str]:
    """UTF-8 text lines (a BOM is dropped); a line that is not UTF-8 is recorded in `bad` and passed on repaired."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad[number] = FieldError("(line)", "not valid UTF-8 text: save the extract as UTF-8",
                                     repr(raw[max(0, error.start - 10):error.end + 10]), file=source.label, line=number)
            text = raw.decode("utf-8", errors="replace")
        if "\x00" in text:
            bad[number] = FieldError("(line)", "contains NUL bytes (binary data in a text file)", None,
                                     file=source.label, line=number)
            text = text.replace("\x00", "")
        yield text


def read_csv(stream: Stream, source: Source, *, required: tuple[str, ...],
             optional: tuple[str, ...] = ()) -> Iterator[Row | tuple[int, dict[str, str], str]]:
    """CSV records as (line, cells, raw text); a wrong header or unreadable line comes back as an error Row."""
    bad: dict[int, FieldError] = {}
    lines = decoded_lines(stream, source, bad)
    reader = csv.reader(lines, strict=True)
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        yield Row(line=1, errors=[FieldError("(file)", "the file is empty", None, file=source.label, line=1)])
        return
    except csv.Error as error:
        yield Row(line=1, errors=[FieldError("(header)", f"unreadable CSV header: {error}", None,
                                             file=source.label, line=1)])
        return
    missing = [name for name in required if name not in header]
    extra = [name for name in header if name not in required and name not in optional]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if missing or extra or duplicated:
        reasons = []
        if missing:
            reasons.append("missing column(s) " + ", ".join(missing))
        if extra:
            reasons.append("unexpected column(s) " + ", ".join(extra))
        if duplicated:
            reasons.append("repeated column(s) " + ", ".join(duplicated))
        yield Row(line=1, errors=[FieldError("(header)", "wrong columns for " + (source.table or source.format)
                                             + ": " + "; ".join(reasons), ",".join(header)[:200],
                                             file=source.label, line=1)])
        return
    previous = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = reader.line_num
            yield Row(line=line, errors=[bad.get(line) or FieldError("(line)", f"unreadable CSV: {error}", None,
                                                                     file=source.label, line=line)])
            previous = line
            continue
        line = reader.line_num
        raw = ",".join(cells)
        errors = [bad[n] for n in range(previous + 1, line + 1) if n in bad]
        previous = line
        if not cells or all(not cell.strip() for cell in cells):
            if errors:
                yield Row(line=line, errors=errors, raw=raw)
            continue
        if len(cells) != len(header):
            errors.append(FieldError("(line)", f"has {len(cells)} cells but the header has {len(header)}", None,
                                     file=source.label, line=line))
        if errors:
            yield Row(line=line, errors=errors, raw=raw)
            continue
        yield line, dict(zip(header, (cell.strip() for cell in cells), strict=True)), raw


class Cells:
    """One CSV row's cells, parsed field by field; every problem is collected, not only the first."""

    def __init__(self, cells: dict[str, str], *, source: Source, line: int) -> None:
        """Wrap a row's cells for parsing."""
        self.cells = cells
        self.source = source
        self.line = line
        self.errors: list[FieldError] = []

    def fail(self, name: str, reason: str, value: str | None = None) -> None:
        """Record a problem with one field."""
        self.errors.append(FieldError(name, reason, value, file=self.source.label, line=self.line))

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A cell's text, or None when blank (an error if required)."""
        value = self.cells.get(name, "").strip()
        if not value:
            if required:
                self.fail(name, "is required")
            return None
        return value

    def need(self, name: str) -> str:
        """A required cell's text ('' after recording the error when blank)."""
        return self.text(name, required=True) or ""

    def date(self, name: str, *, required: bool = False) -> date | None:
        """A dd/mm/yyyy (or ISO) date."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return parse_uk_date(value)
        except ValueError:
            self.fail(name, "not a valid date (expected dd/mm/yyyy)", value)
            return None

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        """A dd/mm/yyyy hh:mm[:ss] time (UK local), a dd/mm/yyyy date (midnight) or an ISO time."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            if "/" in value:
                day, _, clock = value.partition(" ")
                parsed = parse_uk_date(day)
                hours, minutes, seconds = ([*(int(part) for part in clock.split(":")), 0, 0][:3]
                                           if clock else (0, 0, 0))
                return datetime(parsed.year, parsed.month, parsed.day, hours, minutes, seconds)
            return datetime.fromisoformat(value)
        except ValueError:
            self.fail(name, "not a valid date and time (expected dd/mm/yyyy hh:mm)", value)
            return None

    def choice(self, name: str, allowed: dict[str, Any] | set[str], *, required: bool = False) -> Any:
        """A coded cell; a code outside the list is an error that names the allowed codes."""
        value = self.text(name, required=required)
        if value is None:
            return None
        if value not in allowed:
            self.fail(name, "unknown code; expected one of " + ", ".join(sorted(allowed))[:300], value)
            return None
        return allowed[value] if isinstance(allowed, dict) else value

    def flag(self, name: str, *, required: bool = False) -> bool | None:
        """A Y/N (or true/false, 1/0) cell."""
        value = self.text(name, required=required)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("y", "yes", "true", "1"):
            return True
        if lowered in ("n", "no", "false", "0"):
            return False
        self.fail(name, "expected Y or N", value)
        return None

    def number(self, name: str) -> float | None:
        """A decimal number."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            self.fail(name, "not a number", value)
            return None

    def listed(self, name: str, allowed: set[str] | None = None) -> list[str]:
        """A ;-separated list, each item optionally checked against a code list."""
        value = self.text(name)
        items = [item.strip() for item in (value or "").split(";") if item.strip()]
        if allowed is not None:
            for item in items:
                if item not in allowed:
                    self.fail(name, "unknown code; expected some of " + ", ".join(sorted(allowed))[:300], item)
            items = [item for item in items if item in allowed]
        return items


def build_event(values: dict[str, Any], *, source: Source, line: int, errors: list[FieldError]) -> EventIn | None:
    """A canonical event from mapped values; Pydantic's complaints become located field errors."""
    try:
        return EventIn.model_validate(values)
    except ValidationError as error:
        errors.extend(pydantic_errors(error, line=line, file=source.label))
        return None


def build_person(values: dict[str, Any], *, source: Source, line: int, errors: list[FieldError]) -> PersonIn | None:
    """A canonical person from mapped values, with located errors."""
    try:
        return PersonIn.model_validate(values)
    except ValidationError as error:
        errors.extend(pydantic_errors(error, prefix="person.", line=line, file=source.label))
        return None


def agency_area(agency: str) -> str | None:
    """The council or force area an agency code names (CSC-E08000025 → E08000025); None for VCS and NRM."""
    prefix, _, rest = agency.partition("-")
    return rest if prefix in ("POL", "CSC", "EDU", "HLT", "YJS") and rest else None
