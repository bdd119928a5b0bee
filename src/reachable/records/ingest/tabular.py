"""CSV formats described as tables: each table's columns and how one row becomes events (or a person)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reachable.common.errors import FieldError
from reachable.records.ingest.base import (
        Cells,
    Row,
    Source,
    Stream,
    agency_area,
    build_event,
    build_person,
    read_csv,
)

SEXES = {"M": "M", "F": "F", "U": "U", "1": "M", "2": "F", "0": "U", "9": "U"}


@dataclass(frozen=True)
class Mapped:
    """What one row says: the person, and the events as canonical values without agency or person."""

    person: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)


Convert = Callable[[Cells, str], Mapped | None]


@dataclass(frozen=True)
class Table:
    """One table of a CSV format: its exact columns and its row mapping."""

    name: str
    columns: tuple[str, ...]
    convert: Convert
    optional: tuple[str, ...] = ()

    def matches(self, header: Sequence[str]) -> bool:
        """Whether a header is this table's (every column present, nothing unknown)."""
        names = set(header)
        return set(self.columns) <= names <= set(self.columns) | set(self.optional)


def event(kind: str, key: str, at: datetime | None, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Canonical values of one event (None times are dropped by the caller with an error already recorded)."""
    return {"kind": kind, "agency_key": key, "occurred_at": at, "payload": payload, **extra}


def split_names(forenames: str | None) -> tuple[str | None, str | None]:
    """First name and middle names from a forenames cell."""
    if not forenames:
        return None, None
    first, _, rest = forenames.strip().partition(" ")
    return first, rest.strip() or None


def identity(c: Cells, *, person_id: str, surname: str = "surname", forenames: str = "forenames",
             postcode: str | None = None, **ids: str) -> dict[str, Any]:
    """The person columns most extracts share: id, names, dob, sex, postcode, plus named identifiers."""
    first, middle = split_names(c.text(forenames))
    agency_person_id = c.need(person_id)
    values: dict[str, Any] = {"agency_person_id": agency_person_id, "first_name": first, "middle_names": middle,
                              "last_name": c.text(surname), "dob": c.date("dob"),
                              "sex": c.choice("sex", SEXES)}
    if postcode:
        values["postcode"] = c.text(postcode)
    for target, column in ids.items():
        values[target] = agency_person_id if column == person_id else c.text(column)
    return values


def detect_table(header: Sequence[str], tables: Sequence[Table]) -> Table | None:
    """The table whose columns a header has exactly."""
    return next((table for table in tables if table.matches(header)), None)


def closest_table(header: Sequence[str], tables: Sequence[Table]) -> tuple[Table, float] | None:
    """The table sharing most columns with a header, and the share of its columns present (for wrong headers)."""
    names = set(header)
    scored = [(table, len(names & set(table.columns)) / len(table.columns)) for table in tables]
    best = max(scored, key=lambda item: item[1], default=None)
    return best if best is not None and best[1] > 0 else None


def reader(tables: Sequence[Table]) -> Callable[[Stream, Source], Iterator[Row]]:
    """A `read(stream, source)` for a CSV format made of these tables."""

    def read(stream: Stream, source: Source) -> Iterator[Row]:
        """One Row per CSV record, mapped by the table its header names."""
        if not source.agency:
            yield Row(line=1, errors=[FieldError("agency", f"a {source.format} file needs --agency (or a manifest)",
                                                 None, file=source.label, line=1)])
            return
        head = stream.readline()
        header = [name.strip().lstrip("\ufeff") for name in head.decode("utf-8", errors="replace").split(",")]
        table = next((t for t in tables if t.name == source.table), None) or detect_table(header, tables)
        if table is None and (near := closest_table(header, tables)) is not None and near[1] >= 0.5:
            table = near[0]  # read_csv then names the missing and unexpected columns
        if table is None:
            expected = "; ".join(f"{t.name}: {', '.join(t.columns)}" for t in tables)
            yield Row(line=1, errors=[FieldError("(header)", f"wrong columns: not a table of {source.format} "
                                                 f"(expected {expected})"[:1000], ",".join(header)[:200],
                                                 file=source.label, line=1)])
            return
        named = Source(source.path, source.format, source.agency, table.name, source.expected)
        area = agency_area(source.agency)
        for item in read_csv(_Replay(head, stream), named, required=table.columns, optional=table.optional):
            if isinstance(item, Row):
                yield item
                continue
            line, cells, raw = item
            parsed = Cells(cells, source=named, line=line)
            mapped = table.convert(parsed, source.agency)
            errors = parsed.errors
            row = Row(line=line, errors=errors, raw=raw, agency=source.agency)
            if mapped is None or errors:
                yield row
                continue
            person = build_person({"home_area_code": None, **mapped.person}, source=named, line=line,
                                  errors=errors)
            if person is None:
                yield row
                continue
            if not mapped.events:
                row.person = person
            for values in mapped.events:
                values.setdefault("area_code", area)
                built = build_event({**values, "agency": source.agency, "person": person}, source=named,
                                    line=line, errors=errors)
                if built is not None:
                    row.events.append(built)
            yield row

    return read


class _Replay:
    """A line stream that gives back an already-read first line."""

    def __init__(self, first: bytes, rest: Stream) -> None:
        """Serve `first`, then the lines of `rest`."""
        self.first = first
        self.rest = rest

    def __iter__(self) -> Iterator[bytes]:
        """The lines."""
        if self.first:
            yield self.first
        yield from self.rest

    def read(self, size: int = -1) -> bytes:
        """Unused by CSV reading; present for the stream protocol."""
        first, self.first = self.first, b""
        return first + self.rest.read(size)

    def readline(self, size: int = -1) -> bytes:
        """The next line."""
        if self.first:
            first, self.first = self.first, b""
            return first
        return self.rest.readline(size)
