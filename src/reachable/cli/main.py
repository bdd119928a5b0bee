"""The `reachable` command: one sub-group per domain."""

from __future__ import annotations

import sys
from types import ModuleType

import typer
from sqlalchemy.exc import DBAPIError

from reachable import __version__
from reachable.common.errors import InputRejected, ReachableError


def build_app() -> typer.Typer:
    """Assemble the command tree (imports happen here, not at package import)."""
    from reachable.cli import agencies, areas, db, serve

    app = typer.Typer(help="Reachable: find children who are criminally exploited early, and protect them.",
                      no_args_is_help=True, add_completion=False,
                      # Tracebacks with local variables would print children's personal data.
                      pretty_exceptions_enable=False, pretty_exceptions_show_locals=False)

    @app.callback(invoke_without_command=True)
    def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
        if version:
            typer.echo(f"reachable {__version__}")
            raise typer.Exit()

    app.add_typer(db.app, name="db")
    app.add_typer(areas.app, name="areas")
    app.add_typer(agencies.app, name="agencies")
    app.command("serve")(serve.serve)
    for module in _optional_modules():
        module.register(app)
    return app


def _optional_modules() -> list[ModuleType]:
    """Every command module in reachable.cli that defines register(app), in name order."""
    import importlib
    import pkgutil

    import reachable.cli as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda item: item.name):
        if info.name in ("main", "context", "__main__"):
            continue
        module = importlib.import_module(f"reachable.cli.{info.name}")
        if hasattr(module, "register"):
            found.append(module)
    return found


def main() -> None:
    """Run the CLI, turning refused input into a clear message and a non-zero exit."""
    app = build_app()
    try:
        app()
    except InputRejected as error:
        typer.echo(str(error), err=True)
        sys.exit(2)
    except ReachableError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except DBAPIError as error:
        text = str(error.orig)
        if "no such table" in text or "does not exist" in text:
            typer.echo("error: the store has no schema yet; run `reachable db upgrade` first", err=True)
        else:
            typer.echo(f"error: the database refused the operation: {text.splitlines()[0]}", err=True)
        sys.exit(1)
