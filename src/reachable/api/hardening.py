"""Hostile-input hardening the API fuzzing (tests/reliability) asks for: out-of-range numbers and honest 422 docs.

- A number beyond a 64-bit integer (in a path, query or body) cannot reach the database: SQLite's driver raises
  OverflowError and PostgreSQL a DataError. Both mean "bad input", so the caller gets a 422, not a 500; so does a
  time whose conversion to UTC leaves years 1–9999 (SQLAlchemy wraps that OverflowError in a StatementError).
- Routes refuse input in two shapes: FastAPI's validation errors (`detail` is a list) and the domain's
  InputRejected (`detail` is text, `errors` lists every problem). The OpenAPI document says so, so clients and
  the schema fuzzer know both.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, StatementError


class _ThreadLimit:
    """Middleware form of `_enough_threads`, plus the line requests wait in for one of the `admitted` places."""

    def __init__(self, app: Any, threads: int = 0, admitted: int = 0) -> None:
        """Wrap the next ASGI app."""
        self.call = _enough_threads(app, threads or THREADS)
        self.places = anyio.Semaphore(admitted or MAX_CONCURRENT)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass the request on once a place is free (waiting costs no thread), raising the thread limit once."""
        if scope["type"] != "http":
            await self.call(scope, receive, send)
            return
        async with self.places:
            await self.call(scope, receive, send)


REFUSED_SCHEMA: dict[str, Any] = {
    "title": "InputRefused", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "errors": {"type": "array", "title": "Errors", "items": {
            "type": "object", "properties": {"field": {"type": "string"}, "reason": {"type": "string"},
                                             "value": {"type": ["string", "null"]},
                                             "line": {"type": ["integer", "null"]}}}},
    },
}


def out_of_range(detail: str) -> JSONResponse:
    """A 422 in FastAPI's own validation-error shape."""
    return JSONResponse(status_code=422, content={"detail": [
        {"loc": ["request"], "msg": detail, "type": "value_error", "input": None}]})


# A request that holds the database's write lock (SQLite) needs a worker thread again for its next step
# (dependency, endpoint, commit). If every thread is taken by requests waiting for that lock, nobody can finish:
# the server stalls until the lock wait times out (bench_load, 50 clients). So at most MAX_CONCURRENT requests
# (setting max_concurrent_requests) are inside the app at once, the rest wait in line without a thread, and the
# server keeps more threads than that. uvicorn refuses (503) only beyond CONNECTIONS_PER_PLACE times as many
# connections: refusing at MAX_CONCURRENT failed requests on a busy machine, where a finished request's task
# lingers while its client already sends the next one (bench_load, 50 clients).
MAX_CONCURRENT = 64
THREADS = MAX_CONCURRENT + 16
CONNECTIONS_PER_PLACE = 4


def _enough_threads(app: Any, threads: int = THREADS) -> Any:
    """ASGI wrapper that raises the worker-thread limit to `threads` (above the admitted requests) once running."""
    raised = False

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        nonlocal raised
        if not raised:
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = max(limiter.total_tokens, threads)
            raised = True
        await app(scope, receive, send)

    return wrapped


def install(app: FastAPI) -> None:
    """Register the handlers, the thread limit and the OpenAPI amendment on an app."""
    settings = getattr(app.state, "settings", None)
    admitted = getattr(settings, "max_concurrent_requests", MAX_CONCURRENT)
    app.add_middleware(_ThreadLimit, threads=admitted + 16, admitted=admitted)

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, _error: OverflowError) -> JSONResponse:
        return out_of_range("a number is out of range (at most 9223372036854775807)")

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, _error: DataError) -> JSONResponse:
        return out_of_range("a value is out of range for the database")

    @app.exception_handler(StatementError)
    async def _statement_error(_request: Request, error: StatementError) -> JSONResponse:
        # SQLAlchemy wraps what a bind parameter's conversion raised: a time at 0001-01-01 with a positive
        # offset is before year 1 in UTC (found by the full API fuzz). Anything else is a real fault.
        if isinstance(error.orig, OverflowError):
            return out_of_range("a value is out of range (times must fall between years 1 and 9999 in UTC)")
        raise error

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            document.setdefault("components", {}).setdefault("schemas", {})["InputRefused"] = REFUSED_SCHEMA
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    refused = operation.get("responses", {}).get("422", {}).get("content", {}).get(
                        "application/json")
                    if refused is not None:
                        refused["schema"] = {"anyOf": [refused["schema"],
                                                       {"$ref": "#/components/schemas/InputRefused"}]}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
