"""Running an import: stream every file, validate every row, write in chunks, collect every error.

All files of one command form one transaction (the caller's unit of work). By default the first error stops
writing but not reading, so the command can list every error before the caller rolls back; with
accept_valid the valid rows are written and each rejected row goes to the rejects file with its reasons.
"""

from __future__ import annotations

import csv
import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import FieldError, InputRejected
from reachable.db.dialect import bulk_load_cache, writes_overlap
from reachable.records import service as records
from reachable.records.ingest.background import Background
from reachable.records.ingest.base import MAX_FILE_BYTES, ByteCounter, Row, Source
from reachable.records.ingest.detect import READERS
from reachable.records.ingest.writer import Checked
from reachable.records.models import ImportBatch
from reachable.records.schemas import PersonIn, StoreResult
from reachable.records.validation import prepare_event

Store = Callable[[list[Checked], list[tuple[str, PersonIn]], ImportBatch], StoreResult]
CHUNK = 5000
BULK_CACHE_MB = 512  # SQLite page cache during an import: the hot index pages of a 5-million-event store


@dataclass
class FileReport:
    """What happened to one file."""

    path: str
    format: str
    agency: str | None
    batch_id: int | None = None
    rows: int = 0
    rejected_rows: int = 0
    events: Counter[str] = field(default_factory=Counter)
    created: int = 0
    unchanged: int = 0
    new_versions: int = 0
    skipped: str | None = None  # why nothing was read (e.g. already imported)


@dataclass
class ImportReport:
    """What an import did, file by file, and every error it found."""

    files: list[FileReport] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    rejects_path: str | None = None
    children: int = 0

    def totals(self) -> dict[str, int]:
        """Sums over every file."""
        return {name: sum(getattr(f, name) for f in self.files)
                for name in ("rows", "rejected_rows", "created", "unchanged", "new_versions")} | {
            "events": sum(sum(f.events.values()) for f in self.files)}


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Rejects:
    """The rejects file: one line per error with the row it stopped, cells neutralised for spreadsheets."""

    def __init__(self, path: Path | None) -> None:
        """Open lazily at `path` (nothing is written when there is nothing to reject)."""
        self.path = path
        self.handle: TextIO | None = None
        self.writer: Any = None

    def add(self, row: Row, errors: Sequence[FieldError]) -> None:
        """Write a rejected row's errors."""
        if self.path is None:
            return
        if self.writer is None:
            self.handle = self.path.open("w", encoding="utf-8", newline="")
            self.writer = csv.writer(self.handle)
            self.writer.writerow(["file", "line", "field", "value", "reason", "row"])
        for error in errors:
            self.writer.writerow([records.neutralise_cell(value) for value in (
                error.file, error.line, error.field, error.value, error.reason, row.raw)])

    def close(self) -> None:
        """Close the file if it was opened."""
        if self.handle is not None:
            self.handle.close()


def run(session: Session, *, sources: Sequence[Source], store: Store, imported_by: str, accept_valid: bool = False,
        rejects: Path | None = None, progress: bool = False, chunk_size: int = CHUNK,
        max_bytes: int = MAX_FILE_BYTES, errors: Sequence[FieldError] = (), few_statements: bool = False,
        ) -> ImportReport:
    """Import every source inside the caller's transaction; the report lists every error found.

    `few_statements`: `store` writes a chunk in a few statements (no later stages), so on SQLite too it may run
    on the writer thread while the next chunk is read (`writes_overlap`).
    """
    report = ImportReport(errors=list(errors), rejects_path=str(rejects) if rejects else None)
    known_areas = areas.area_codes(session)
    # SQLite's 2 MB default cache re-reads index pages for most insertions once a table outgrows it.
    bulk_load_cache(session, mebibytes=BULK_CACHE_MB)
    threaded = writes_overlap(session, few_statements=few_statements)
    sink = _Rejects(rejects if accept_valid else None)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                   TimeRemainingColumn(), disable=not progress, transient=False)
    try:
        with bar if progress else nullcontext(), _young_gc_only():
            for source in sources:
                report.files.append(_run_file(session, source, store=store, imported_by=imported_by,
                                              accept_valid=accept_valid, report=report, sink=sink, bar=bar,
                                              known_areas=known_areas, chunk_size=chunk_size, max_bytes=max_bytes,
                                              threaded=threaded))
    finally:
        sink.close()
    return report


@contextmanager
def _young_gc_only() -> Iterator[None]:
    """Turn off CPython's automatic collections for the import; each chunk collects the young objects itself.

    An import keeps a chunk of models alive at a time, so automatic collections keep re-walking the whole heap
    (a third of the time of a bulk import); what an import leaves behind is freed by reference counting, and
    the few cycles (query results) die young.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_file(session: Session, source: Source, *, store: Store, imported_by: str, accept_valid: bool,
              report: ImportReport, sink: _Rejects, bar: Progress, known_areas: set[str], chunk_size: int,
              max_bytes: int, threaded: bool) -> FileReport:
    """Read, validate and (while allowed) write one file."""
    result = FileReport(str(source.path), source.format, source.agency)
    size = source.path.stat().st_size
    if size > max_bytes:
        report.errors.append(FieldError("(file)", f"file is {size} bytes, over the limit of {max_bytes}", None,
                                        file=source.label))
        result.skipped = "too large"
        return result
    digest = file_digest(source.path)
    agency_id = _agency_id(session, source, report)
    earlier = records.find_batch(session, digest=digest, format=source.format, agency_id=agency_id)
    if earlier is not None:
        result.skipped = f"already imported as batch {earlier.id}"
        result.batch_id = earlier.id
        return result
    batch = records.create_batch(session, source_kind="file", source_name=str(source.path)[-500:],
                                 format=source.format, digest=digest, imported_by=imported_by, agency_id=agency_id)
    result.batch_id = batch.id
    events: list[Checked] = []
    people: list[tuple[str, PersonIn]] = []
    seen: dict[int, int] = {}
    kinds: Counter[str] = Counter()
    label = source.label
    now = utcnow()

    def stored(outcome: StoreResult) -> None:
        result.created += outcome.created
        result.unchanged += outcome.unchanged
        result.new_versions += outcome.new_versions

    def flush() -> None:
        nonlocal events, people
        if (events or people) and (accept_valid or not report.errors):
            # The chunk is written on the writer thread while this one reads and checks the next.
            writer.submit(store, (events, people, batch), then=stored)
        events, people = [], []
        gc.collect(1)

    task = bar.add_task(source.path.name, total=size)
    with Background(threaded=threaded) as writer, source.path.open("rb") as handle:
        stream = ByteCounter(handle, lambda n: bar.advance(task, n))
        for row in READERS[source.format](stream, source):
            result.rows += 1
            problems = list(row.errors)
            checked: list[Checked] = []
            if not problems:
                for event in row.events:
                    found, payload_json = prepare_event(event, known_areas=known_areas, now=now, line=row.line,
                                                        file=label)
                    problems += found
                    key = hash((event.agency, event.agency_key))
                    if key in seen:
                        problems.append(FieldError("agency_key", f"duplicate key: already on line {seen[key]} of "
                                                   "this file", event.agency_key, file=label, line=row.line))
                    seen[key] = row.line
                    checked.append((row.line, event, payload_json))
            if problems:
                result.rejected_rows += 1
                report.errors.extend(problems)
                sink.add(row, problems)
                continue
            for event in row.events:
                kinds[event.kind] += 1  # the member, not its .value: an enum property costs more than the count
            events.extend(checked)
            if row.person is not None and row.agency:
                people.append((row.agency, row.person))
            if len(events) + len(people) >= chunk_size:
                flush()
        flush()
    result.events.update({str(kind): count for kind, count in kinds.items()})
    _check_manifest(source, result, report)
    batch.finished_at = utcnow()
    batch.counts = {"rows": result.rows, "rejected_rows": result.rejected_rows, "created": result.created,
                    "unchanged": result.unchanged, "new_versions": result.new_versions,
                    "events": dict(sorted(result.events.items()))}
    return result


def _agency_id(session: Session, source: Source, report: ImportReport) -> int | None:
    """The id of the agency a file speaks for (registered on first sight); a bad code is an error."""
    if not source.agency:
        return None
    try:
        return areas.ensure_agency(session, code=source.agency).id
    except InputRejected as error:
        report.errors.extend(FieldError(e.field, e.reason, e.value, file=source.label) for e in error.errors)
        return None


def _check_manifest(source: Source, result: FileReport, report: ImportReport) -> None:
    """When a manifest promised event counts, the file must yield exactly those (rejects aside)."""
    if source.expected is None or result.rejected_rows:
        return
    promised = {kind: count for kind, count in source.expected.items() if count}
    got = {kind: count for kind, count in result.events.items() if count}
    if promised != got:
        report.errors.append(FieldError("(manifest)", f"the manifest promises events {promised} but the file "
                                        f"yields {got}", None, file=source.label))
