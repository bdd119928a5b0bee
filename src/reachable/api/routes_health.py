"""Health check: is the process up and can it reach its store?"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from reachable import __version__
from reachable.api.deps import declares

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The service's health."""

    status: str
    version: str
    database: str


@router.get("/health")
@declares("public")
def health(request: Request) -> Health:
    """Report liveness and whether the database answers (no personal data)."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unreachable"
    return Health(status="ok" if database == "ok" else "degraded", version=__version__, database=database)
