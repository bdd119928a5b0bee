"""`reachable areas …`: the reference list of councils and police forces."""

from __future__ import annotations

import typer

from reachable.areas import service as areas
from reachable.cli.context import cli_session

app = typer.Typer(help="Reference areas (ONS codes).", no_args_is_help=True)


@app.command("list")
def list_areas(kind: str | None = typer.Option(None, help="Only this kind, e.g. police_force.")) -> None:
    """List areas with their covering police force."""
    with cli_session() as session:
        for area in areas.list_areas(session, kind=kind):
            typer.echo(f"{area.code}\t{area.kind}\t{area.name}\t{area.police_force_code or ''}")
