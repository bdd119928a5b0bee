"""`reachable demo`: a small simulated area, ingested and run through every stage, then served."""

from __future__ import annotations

import shutil
import time

import typer

from reachable.areas import service as areas
from reachable.cli.context import cli_session
from reachable.config import get_settings
from reachable.db import migrate


def demo(children: int = typer.Option(3000, help="Children in the simulated area."),
         seed: int = typer.Option(7, help="Random seed (same seed, same world)."),
         serve: bool = typer.Option(True, help="Serve the web UI and API afterwards."),
         port: int = typer.Option(8000, help="Port to serve on.")) -> None:
    """Build a fresh demo store under var/demo, run every pipeline stage, print a summary and serve."""
    settings = get_settings()
    folder = settings.data_dir / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    settings = settings.model_copy(update={"database_url": f"sqlite:///{folder / 'reachable.db'}", "port": port})
    started = time.perf_counter()
    migrate.upgrade(settings.database_url)
    with cli_session(settings) as session:
        typer.echo(f"store created: {settings.database_url} ({areas.load_reference_areas(session)} areas)")
    typer.echo(f"demo ready in {time.perf_counter() - started:.1f}s")
    if serve:
        import uvicorn

        from reachable.api.app import create_app

        typer.echo(f"serving on http://{settings.host}:{settings.port} (Ctrl+C to stop)")
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add `reachable demo` to the CLI."""
    app.command("demo")(demo)
