"""The FastAPI application factory: nothing is created until create_app is called."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from reachable import __version__
from reachable.common.errors import Conflict, InputRejected, NotFound
from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.uow import session_factory


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build the app on the configured store (or a given engine), with every domain's routes mounted."""
    from reachable.api import routes_health
    from reachable.identity import routes as identity_routes
    from reachable.records import routes as records_routes

    app = FastAPI(title="Reachable", version=__version__,
                  description="Multi-agency system for finding and protecting children at risk of criminal "
                              "exploitation. Every personal-data route needs authentication.")
    engine = engine or make_engine(settings.database_url, echo=settings.echo_sql)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.include_router(routes_health.router)
    app.include_router(records_routes.router, prefix="/api/v1")
    app.include_router(identity_routes.router, prefix="/api/v1")

    @app.exception_handler(InputRejected)
    async def _rejected(_request: Request, error: InputRejected) -> JSONResponse:
        errors = [{"field": e.field, "reason": e.reason, "value": e.value, "line": e.line} for e in error.errors]
        return JSONResponse(status_code=422, content={"detail": "input refused; nothing was written",
                                                      "errors": errors})

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, error: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, error: Conflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    return app
