"""The FastAPI application factory: nothing is created until create_app is called."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from reachable import __version__
from reachable.api.readfirst import RetryAsWriter
from reachable.common.errors import Conflict, InputRejected, NotFound
from reachable.config import Settings
from reachable.db.engine import make_engine, pool_for, read_first
from reachable.db.uow import session_factory


def settle_heap() -> None:
    """Take what start-up built (modules, routes, mappers, caches) out of the cyclic garbage collector's scans.

    A long-running worker holds about 180,000 such objects; a full collection walked them all, stopping every
    request of the worker for 110-140 ms (measured), so full collections were the slowest requests' cause.
    """
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build the app on the configured store (or a given engine), with every domain's routes mounted."""
    from reachable.access import routes as access_routes
    from reachable.access import service as access
    from reachable.api import hardening, routes_health
    from reachable.identity import routes as identity_routes
    from reachable.markers import routes as markers_routes
    from reachable.network import routes as network_routes
    from reachable.nrm import routes as nrm_routes
    from reachable.plans import routes as plans_routes
    from reachable.records import routes as records_routes
    from reachable.reports import routes as reports_routes
    from reachable.risk import routes as risk_routes
    from reachable.rules import routes as rules_routes
    from reachable.tasks import routes as tasks_routes
    from reachable.web.mount import mount_web

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A server worker (`reachable serve`) seals the audit chain in batches in the background; elsewhere
        # (tests, library use) rows are sealed right after each commit.
        if getattr(app.state, "background_sealer", False):
            settle_heap()
            with access.BackgroundSealer(app.state.engine):
                yield
        else:
            yield

    app = FastAPI(title="Reachable", version=__version__, lifespan=lifespan,
                  description="Multi-agency system for finding and protecting children at risk of criminal "
                              "exploitation. Every personal-data route needs authentication.")
    engine = engine or make_engine(settings.database_url, echo=settings.echo_sql,
                                   **pool_for(settings.max_concurrent_requests, settings.db_pool_size))
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    reader = read_first(engine)  # SQLite: GETs read without the write lock (api/deps.get_session)
    app.state.read_sessions = session_factory(reader) if reader is not None else None
    app.include_router(routes_health.router)
    app.include_router(records_routes.router, prefix="/api/v1")
    app.include_router(identity_routes.router, prefix="/api/v1")
    app.include_router(access_routes.router, prefix="/api/v1")
    app.include_router(network_routes.router, prefix="/api/v1")
    for router in (markers_routes.router, tasks_routes.router, rules_routes.router):  # reachable moments
        app.include_router(router, prefix="/api/v1")
    for router in (nrm_routes.router, plans_routes.router, risk_routes.router):  # response and risk
        app.include_router(router, prefix="/api/v1")
    app.include_router(reports_routes.router, prefix="/api/v1")  # Counting Lives statistics
    mount_web(app)  # the web interface: pages, assets, HTML error pages
    hardening.install(app)  # out-of-range numbers are 422s; both refusal shapes documented
    app.add_middleware(RetryAsWriter)  # a read-first GET that needs to write is re-run as a writing request

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
