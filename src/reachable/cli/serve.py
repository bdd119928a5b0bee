"""`reachable serve`: run the web UI and API."""

from __future__ import annotations

import typer

from reachable.api.hardening import CONNECTIONS_PER_PLACE
from reachable.config import get_settings


def serve(host: str | None = typer.Option(None, help="Bind address (default 127.0.0.1)."),
          port: int | None = typer.Option(None, help="Port (default 8000)."),
          workers: int = typer.Option(1, help="Worker processes (use more with PostgreSQL).")) -> None:
    """Serve the API (OpenAPI at /openapi.json) and web UI."""
    import uvicorn

    settings = get_settings()
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    settings = settings.model_copy(update=overrides)
    connections = settings.max_concurrent_requests * CONNECTIONS_PER_PLACE  # past the admitted, requests queue
    typer.echo(f"Reachable on http://{settings.host}:{settings.port} (store: {settings.database_url})")
    if workers > 1:
        uvicorn.run("reachable.api.asgi:app", host=settings.host, port=settings.port, workers=workers,
                    factory=False, log_level="warning", limit_concurrency=connections)
        return
    from reachable.api.app import create_app

    app = create_app(settings)
    app.state.background_sealer = True  # a server: seal the audit chain in batches (access/audit.py)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", limit_concurrency=connections)
