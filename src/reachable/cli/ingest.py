"""`reachable ingest`: bulk import of agency extracts (CIN XML, SSDA903, our CSV layouts, canonical JSONL)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import event

from reachable import pipeline
from reachable.access import service as access
from reachable.common.errors import InputRejected
from reachable.config import get_settings
from reachable.db.engine import make_engine
from reachable.db.uow import session_factory, unit_of_work
from reachable.records.ingest.base import FORMATS, MAX_FILE_BYTES
from reachable.records.ingest.detect import expand
from reachable.records.ingest.runner import ImportReport

WAIT_MS = 3_600_000  # another import may hold SQLite's single write lock for minutes: queue, do not fail


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (a directory's manifest.json is used).")],
    format: Annotated[str, typer.Option("--format", help="auto, or one of: " + ", ".join(FORMATS))] = "auto",
    agency: Annotated[str | None, typer.Option("--agency", help="Agency code the files speak for.")] = None,
    accept_valid: Annotated[bool, typer.Option("--accept-valid", help="Import valid rows; write the rest to "
                                                                      "the rejects file.")] = False,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Rejects file (default: "
                                                                   "./rejects-<first file>.csv).")] = None,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress",
                                                  help="Progress bar (default: on a terminal).")] = None,
    max_file_mb: Annotated[int, typer.Option("--max-file-mb", help="Refuse larger files.")] = MAX_FILE_BYTES >> 20,
    by: Annotated[str | None, typer.Option("--by", help="Who is importing (default: the login name).")] = None,
) -> None:
    """Import agency extracts in one transaction: every error listed, nothing written unless all is valid."""
    if format != "auto" and format not in FORMATS:
        raise typer.BadParameter(f"unknown format {format!r}; expected auto or one of {', '.join(FORMATS)}")
    sources, problems = expand(paths, format=format, agency=agency)
    if accept_valid and rejects is None:
        rejects = Path(f"rejects-{paths[0].name or 'import'}.csv")
    actor = access.Actor(name=f"cli:{by or getpass.getuser()}", role="importer", origin="cli")
    settings = get_settings()
    show = sys.stderr.isatty() if progress is None else progress
    try:
        engine = make_engine(settings.database_url, echo=settings.echo_sql)
        _patient_sqlite(engine)
        try:
            with unit_of_work(session_factory(engine)) as session:
                report = pipeline.ingest_files(session, sources=sources, actor=actor, accept_valid=accept_valid,
                                               rejects=rejects, progress=show, errors=problems,
                                               max_bytes=max_file_mb << 20)
        finally:
            engine.dispose()
    except InputRejected as refused:
        for error in refused.errors:
            typer.echo(f"{error.file or '-'}:{error.line or 0}: {error.field}: {error.reason}"
                       + ("" if error.value is None else f" (value {error.value[:200]!r})"), err=True)
        typer.echo(f"import refused: {len(refused.errors)} error(s) in {len(sources)} file(s); nothing was written",
                   err=True)
        raise typer.Exit(2) from None
    _print(report)
    if report.errors:
        typer.echo(f"{len(report.errors)} error(s); {report.totals()['rejected_rows']} row(s) rejected, written to "
                   f"{report.rejects_path}", err=True)
        raise typer.Exit(3)


def _patient_sqlite(engine: Any) -> None:
    """Let a second SQLite import wait for the first instead of failing after the default 30 seconds."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={WAIT_MS}")
        cursor.close()


def _print(report: ImportReport) -> None:
    """One line per file and the totals."""
    for item in report.files:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(item.events.items()))
        state = item.skipped or (f"batch {item.batch_id}: {item.rows} rows, {item.created} created, "
                                 f"{item.unchanged} unchanged, {item.new_versions} new versions, "
                                 f"{item.rejected_rows} rejected")
        typer.echo(f"{item.path} [{item.format} {item.agency or '-'}] {state}" + (f" ({kinds})" if kinds else ""))
    totals = report.totals()
    typer.echo(f"total: {len(report.files)} files, {totals['rows']} rows, {totals['events']} events read, "
               f"{totals['created']} created, {totals['unchanged']} unchanged, {totals['new_versions']} new versions, "
               f"{totals['rejected_rows']} rejected, {report.children} children touched")


def register(app: typer.Typer) -> None:
    """Add `reachable ingest` to the command tree."""
    app.command("ingest")(ingest)
