"""Streaming output: rows buffered per file for one chunk of children, sorted by time, then appended."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class _Out:
    """One output file: its identity in the manifest, its open handle and the current chunk's rows."""

    path: Path
    rel: str
    fmt: str
    agency: str
    table: str
    header: list[str] | None
    footer: str
    handle: io.TextIOWrapper
    extra: dict[str, Any] = field(default_factory=dict)
    rows: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    count: int = 0
    events: Counter[str] = field(default_factory=Counter)


class Sink:
    """All output files of a run; bounded memory because rows are flushed after every chunk."""

    def __init__(self, root: Path) -> None:
        """Write under `root` (created if missing)."""
        self.root = root
        self.files: dict[str, _Out] = {}
        self._buf = io.StringIO()
        self._csv = csv.writer(self._buf, lineterminator="\n")

    def _open(
        self,
        rel: str,
        fmt: str,
        agency: str,
        table: str,
        header: list[str] | None,
        preamble: str,
        footer: str,
        extra: dict[str, Any] | None,
    ) -> _Out:
        """Open a file the first time something is written to it."""
        out = self.files.get(rel)
        if out is None:
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w", encoding="utf-8", newline="")
            if header is not None:
                handle.write(",".join(header) + "\n")
            handle.write(preamble)
            out = _Out(path, rel, fmt, agency, table, header, footer, handle, dict(extra or {}))
            self.files[rel] = out
        return out

    def row(
        self,
        rel: str,
        fmt: str,
        agency: str,
        table: str,
        header: list[str],
        values: list[str],
        key: tuple[str, ...],
        kinds: tuple[str, ...] = (),
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Queue one CSV row; `kinds` are the canonical event kinds it maps to (for manifest counts)."""
        out = self._open(rel, fmt, agency, table, header, "", "", extra)
        self._buf.seek(0)
        self._buf.truncate()
        self._csv.writerow(values)
        out.rows.append((key, self._buf.getvalue()))
        out.count += 1
        for k in kinds:
            out.events[k] += 1

    def text(
        self,
        rel: str,
        fmt: str,
        agency: str,
        table: str,
        preamble: str,
        footer: str,
        body: str,
        key: tuple[str, ...],
        kinds: Counter[str],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Queue one record of a text format (a CIN census <Child> element)."""
        out = self._open(rel, fmt, agency, table, None, preamble, footer, extra)
        out.rows.append((key, body))
        out.count += 1
        out.events.update(kinds)

    def flush(self) -> None:
        """Sort each file's queued rows by key (time first) and append them."""
        for out in self.files.values():
            if out.rows:
                out.rows.sort(key=lambda r: r[0])
                out.handle.write("".join(r[1] for r in out.rows))
                out.rows.clear()

    def close(self) -> list[dict[str, Any]]:
        """Flush, write footers, close everything; return manifest entries sorted by path."""
        self.flush()
        entries = []
        for rel in sorted(self.files):
            out = self.files[rel]
            out.handle.write(out.footer)
            out.handle.close()
            entry: dict[str, Any] = {
                "path": rel,
                "format": out.fmt,
                "agency": out.agency,
                "table": out.table,
                "records": out.count,
                "events": dict(sorted(out.events.items())),
            }
            entry.update(out.extra)
            entries.append(entry)
        return entries
