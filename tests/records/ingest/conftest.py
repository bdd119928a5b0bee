"""Helpers for ingest tests: run an import inside a session and count what the store holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.records.ingest.detect import expand
from reachable.records.ingest.runner import ImportReport
from reachable.records.models import Event, ImportBatch, SourceRecord

CORPUS = Path(__file__).parent / "corpus"


def import_paths(session: Session, paths: list[Path], *, format: str = "auto", agency: str | None = None,
                 **options: Any) -> ImportReport:
    """Expand and import paths as the CLI does (the caller commits or rolls back)."""
    sources, errors = expand(paths, format=format, agency=agency)
    return pipeline.ingest_files(session, sources=sources, actor=access.SYSTEM, errors=errors, **options)


def counts(session: Session) -> tuple[int, int, int]:
    """(events, source records, import batches) in the store."""
    return tuple(int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[return-value]
                 for model in (Event, SourceRecord, ImportBatch))
