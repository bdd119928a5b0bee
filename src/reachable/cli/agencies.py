"""`reachable agencies …`: register agencies and issue their API tokens."""

from __future__ import annotations

import typer

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.cli.context import cli_session

app = typer.Typer(help="Agencies and their API tokens.", no_args_is_help=True)


@app.command("add")
def add(code: str = typer.Argument(..., help="Agency code, e.g. POL-E23000014 or CSC-E08000025."),
        name: str | None = typer.Option(None, help="Display name (derived from the code if omitted).")) -> None:
    """Register an agency from its code."""
    with cli_session() as session:
        agency = areas.ensure_agency(session, code=code, name=name)
        typer.echo(f"{agency.code}\t{agency.kind}\t{agency.name}")


@app.command("token")
def token(code: str = typer.Argument(..., help="Agency code."),
          name: str = typer.Option(..., help="Which system holds the token, e.g. 'niche-rms'."),
          purpose: str = typer.Option("submit_events", help="submit_events or read_children.")) -> None:
    """Issue an API token for an agency system; it is shown once."""
    if purpose not in ("submit_events", "read_children"):
        raise typer.BadParameter("purpose must be submit_events or read_children")
    with cli_session() as session:
        agency = areas.ensure_agency(session, code=code)
        secret = access.create_token(session, agency_id=agency.id, name=name, purpose=purpose)
        access.record(session, actor=access.SYSTEM, action="change", object_type="api_token", object_id=agency.code,
                      fields={"name": name, "purpose": purpose}, justification="token issued from the CLI")
    typer.echo(secret)
