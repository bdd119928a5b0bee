"""`reachable demo`: a small simulated area, ingested and run through every stage, then served."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import typer
from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.cli.context import cli_session
from reachable.config import Settings, get_settings
from reachable.db import migrate
from reachable.identity import service as identity
from reachable.nrm import service as nrm
from reachable.records.ingest.detect import expand
from reachable.risk import service as risk
from reachable.simulate import simulate

DEMO_AREAS = ["E08000025", "E06000051"]  # Birmingham (exporting hub) and Shropshire (an importing county)
ACTOR = access.Actor(name="system:demo", role="importer", origin="demo")


def _step(label: str, work: Callable[[], str]) -> None:
    """Run one stage, timing it and printing what it did."""
    started = time.perf_counter()
    summary = work()
    typer.echo(f"  {label:<28} {summary} ({time.perf_counter() - started:.1f}s)")


def _counts(session: Session) -> dict[str, int]:
    """Headline counts of the demo store."""
    tables = ("children", "source_records", "events", "tasks", "markers", "nrm_referrals", "network_links")
    return {name: int(session.execute(text(f"SELECT count(*) FROM {name}")).scalar() or 0)  # noqa: S608
            for name in tables}


def build(settings: Settings, world: Path, *, children: int, seed: int) -> list[tuple[str, str, str]]:
    """Simulate, ingest, link, run timers and create demo users; returns the demo accounts."""
    migrate.upgrade(settings.database_url)
    with cli_session(settings) as session:
        areas.load_reference_areas(session)
    # The demo world ends yesterday, so its deadlines, overdue tasks and the early-identification list are live.
    end = date.today() - timedelta(days=1)
    def make_world() -> str:
        manifest = simulate(world, children=children, years=2, seed=seed, end_date=end)
        files = len(list((world / "extracts").rglob("*.*")))
        return f"{manifest['events_total']:,} events in {files} agency extracts"

    _step("simulate", make_world)

    def ingest() -> str:
        sources, problems = expand([world], format="auto", agency=None)
        with cli_session(settings) as session:
            # Real extracts carry impossible rows (an attendance before the recorded birth); keep the valid ones.
            report = pipeline.ingest_files(session, sources=sources, actor=ACTOR, accept_valid=True,
                                           rejects=world.parent / "rejects.csv", progress=False, errors=problems)
        totals = report.totals()
        return (f"{totals['created']:,} events stored; {totals['rejected_rows']} impossible rows set aside in "
                f"rejects.csv with reasons; rules and network ran in the same transactions")

    _step("ingest", ingest)

    def link() -> str:
        # Splink warns about comparison levels a small world never shows; the demo keeps its summary readable.
        logging.disable(logging.WARNING)
        try:
            with cli_session(settings) as session:
                identity.train_model(session, engine="duckdb", trained_by=ACTOR.name)
                summary = identity.run_linkage(session, actor=ACTOR, engine="duckdb")
        finally:
            logging.disable(logging.NOTSET)
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.__dict__.items()
                         if isinstance(v, int | float))

    _step("link records (Splink)", link)

    def timers() -> str:
        with cli_session(settings) as session:
            done = nrm.check_timers(session)
        return f"{len(done)} NRM timer actions"

    _step("NRM timers", timers)
    with cli_session(settings) as session:
        accounts = access.create_demo_users(session, area_codes=DEMO_AREAS)
        counts = _counts(session)
        top = risk.early_identification(session, limit=5)
    typer.echo("\nThe demo area now holds: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()))
    typer.echo("Top of the early-identification list (it informs; it changes nothing):")
    for row in top:
        typer.echo(f"  {row.reference}  score {row.score}: " + ", ".join(f["label"] for f in row.factors[:4]))
    return accounts


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
    typer.echo(f"Building the demo in {folder} (store {settings.database_url}):")
    accounts = build(settings, folder / "world", children=children, seed=seed)
    typer.echo(f"\nDemo ready in {time.perf_counter() - started:.0f}s. Sign in with any demo account, e.g.")
    for username, password, _secret in accounts[:3]:
        typer.echo(f"  {username} / {password}")
    typer.echo(f"  (every demo account uses the published demo TOTP secret {accounts[0][2]}; "
               "see README for how to get a code)")
    if serve:
        import uvicorn

        from reachable.api.app import create_app

        typer.echo(f"\nServing on http://{settings.host}:{settings.port}/ (Ctrl+C to stop)")
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add `reachable demo` to the CLI."""
    app.command("demo")(demo)
