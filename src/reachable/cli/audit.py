"""`reachable audit …` (verify the chain, who saw a child, export for the ICO or a SAR, misuse alerts) and
`reachable retention …` (overdue reviews, disposal)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session

app = typer.Typer(help="The tamper-evident audit (DPA 2018 s62).", no_args_is_help=True)
retention = typer.Typer(help="Retention reviews and disposal.", no_args_is_help=True)
OPERATOR = access.Actor(name="cli:operator")


@app.command("verify")
def verify() -> None:
    """Check every audit row's hash and chain; exit 1 on any change, gap or cut-off end."""
    with cli_session() as session:
        problems = access.verify_chain(session)
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            raise typer.Exit(1)
        mark = access.checkpoint(session)
        typer.echo(f"audit intact ({mark.rows if mark else 0} rows; checkpoint at row {mark.last_id if mark else 0})")


@app.command("seal")
def seal() -> None:
    """Link audit rows still waiting into the hash chain now (the server does this after each request)."""
    with cli_session() as session:
        count = access.seal(session)
    typer.echo(f"{count} audit rows sealed")


@app.command("child")
def child(child_id: int = typer.Argument(..., help="The child's id.")) -> None:
    """Who has viewed or received this child's data (newest first)."""
    with cli_session() as session:
        for row in access.list_for_child(session, child_id=child_id):
            typer.echo(f"{row.at.isoformat()}\t{row.action}\t{row.actor}\t{row.object_type}\t"
                       f"{row.recipient or '-'}\t{row.justification or '-'}")


@app.command("export")
def export(output: Path = typer.Argument(..., help="JSON-lines file to write."),
           child_id: int | None = typer.Option(None, help="Only this child's rows (subject access)."),
           since: datetime | None = typer.Option(None, help="From this UTC time."),
           until: datetime | None = typer.Option(None, help="Before this UTC time.")) -> None:
    """Write audit rows (with their hashes, so the copy can be verified) for the ICO or a SAR; audited."""
    count = 0
    with cli_session() as session, output.open("w", encoding="utf-8") as handle:
        for row in access.export_rows(session, child_id=child_id, since=since, until=until):
            handle.write(json.dumps(row, default=str) + "\n")
            count += 1
        access.record(session, actor=OPERATOR, action="disclose", object_type="audit_export", child_id=child_id,
                      fields={"rows": count, "file": output.name}, justification="audit export from the CLI",
                      recipient="ICO or data subject")
    typer.echo(f"{count} audit rows written to {output}")


@app.command("alerts")
def alerts(min_reads: int = typer.Option(25, help="Ignore days with fewer distinct children viewed.")) -> None:
    """Users who viewed unusually many children today against their own 28-day baseline."""
    with cli_session() as session:
        for alert in access.read_volume_alerts(session, min_reads=min_reads):
            typer.echo(f"{alert.actor}\t{alert.day}\t{alert.reads}\t{alert.reason}")


@retention.command("due")
def due(limit: int = typer.Option(100, help="At most this many rows.")) -> None:
    """Records past their review date (the overdue-review report)."""
    with cli_session() as session:
        access.ensure_default_rules(session)
        for item in access.list_due(session, limit=limit):
            typer.echo(f"{item.record_type}\t{item.record_id}\t{item.kind}\t{item.agency_code}\t"
                       f"{item.review_due.date()}\t{item.on_review}")


@retention.command("dispose")
def dispose() -> None:
    """Run the disposal job: delete overdue auto-dispose records and those a review said to dispose of."""
    with cli_session() as session:
        access.ensure_default_rules(session)
        result = access.run_disposal(session, actor=OPERATOR)
    typer.echo(f"{result['events_disposed']} events disposed of; {result['children_erased']} children erased")


def register(root: typer.Typer) -> None:
    """Add `reachable audit` and `reachable retention` to the CLI."""
    root.add_typer(app, name="audit")
    root.add_typer(retention, name="retention")
