"""`reachable db …`: create, upgrade, downgrade and inspect the store's schema."""

from __future__ import annotations

from pathlib import Path

import typer

from reachable.areas import service as areas
from reachable.cli.context import cli_session
from reachable.config import get_settings
from reachable.db import backup as backups
from reachable.db import migrate
from reachable.db.engine import make_engine

app = typer.Typer(help="Create and migrate the operational store.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the schema (creating it on an empty database) and load the reference areas."""
    settings = get_settings()
    migrate.upgrade(settings.database_url, revision)
    if revision == "head":
        with cli_session(settings) as session:
            count = areas.load_reference_areas(session)
        typer.echo(f"schema at head; {count} reference areas loaded")
    else:
        typer.echo(f"schema at {revision}")


@app.command("downgrade")
def downgrade(revision: str = typer.Argument("base", help="Target revision ('base' drops everything).")) -> None:
    """Downgrade the schema to a revision."""
    migrate.downgrade(get_settings().database_url, revision)
    typer.echo(f"schema at {revision}")


@app.command("current")
def current() -> None:
    """Print the revision the store is at."""
    engine = make_engine(get_settings().database_url)
    typer.echo(migrate.current(engine) or "empty (no schema)")
    engine.dispose()


@app.command("backup")
def backup(target: Path = typer.Argument(..., help="File to write (SQLite copy or pg_dump custom format).")) -> None:
    """Write a consistent backup of the live store."""
    backups.backup(get_settings().database_url, target)
    typer.echo(f"backup written to {target}")


@app.command("restore")
def restore(source: Path = typer.Argument(..., help="A file written by `reachable db backup`."),
            yes: bool = typer.Option(False, "--yes", help="Confirm: the current store is replaced.")) -> None:
    """Replace the store with a backup, then check the audit chain is intact."""
    if not yes:
        raise typer.BadParameter("restoring replaces the current store: add --yes to confirm")
    settings = get_settings()
    backups.restore(settings.database_url, source)
    from reachable.access import service as access

    with cli_session(settings) as session:
        problems = access.verify_chain(session)
    typer.echo("restored; audit chain intact" if not problems else "restored; AUDIT CHAIN BROKEN:\n" +
               "\n".join(problems))
    if problems:
        raise typer.Exit(1)
