"""`reachable serve`: run the web UI and API."""

from __future__ import annotations

import typer

from reachable.api.hardening import MAX_CONCURRENT
from reachable.config import get_settings


def serve(host: str | None = typer.Option(None, help="Bind address (default 127.0.0.1)."),
          port: int | None = typer.Option(None, help="Port (default 8000)."),
          workers: int = typer.Option(1, help="Worker processes (use more with PostgreSQL).")) -> None:
    """Serve the API (OpenAPI at /openapi.json) and web UI."""
    import uvicorn

    settings = get_settings()
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    settings = settings.model_copy(update=overrides)
    typer.echo(f"Reachable on http://{settings.host}:{settings.port} (store: {settings.database_url})")
    if workers > 1:
        uvicorn.run("reachable.api.asgi:app", host=settings.host, port=settings.port, workers=workers,
                    factory=False, log_level="warning", limit_concurrency=MAX_CONCURRENT)
        return
    from reachable.api.app import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                limit_concurrency=MAX_CONCURRENT)
