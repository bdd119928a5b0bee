"""Hostile-input hardening the API fuzzing (tests/reliability) asks for: out-of-range numbers and honest 422 docs.

- A number beyond a 64-bit integer (in a path, query or body) cannot reach the database: SQLite's driver raises
  OverflowError and PostgreSQL a DataError. Both mean "bad input", so the caller gets a 422, not a 500.
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
from sqlalchemy.exc import DataError


class _ThreadLimit:
    """Middleware form of `_enough_threads` (Starlette builds middleware from a class and the app)."""

    def __init__(self, app: Any) -> None:
        """Wrap the next ASGI app."""
        self.call = _enough_threads(app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass the request on, after raising the thread limit the first time."""
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


# A request that holds the database's write lock (SQLite) or the audit chain's lock (PostgreSQL) needs a worker
# thread again for its next step (dependency, endpoint, commit). If every thread is taken by requests waiting for
# that lock, nobody can finish: the server stalls until the lock wait times out (bench_load, 50 clients). So the
# server admits at most MAX_CONCURRENT requests at once (`reachable serve` passes it to uvicorn) and keeps more
# threads than that.
MAX_CONCURRENT = 64
THREADS = MAX_CONCURRENT + 16


def _enough_threads(app: Any) -> Any:
    """ASGI wrapper that raises the worker-thread limit above MAX_CONCURRENT once the event loop runs."""
    raised = False

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        nonlocal raised
        if not raised:
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = max(limiter.total_tokens, THREADS)
            raised = True
        await app(scope, receive, send)

    return wrapped


def install(app: FastAPI) -> None:
    """Register the handlers, the thread limit and the OpenAPI amendment on an app."""
    app.add_middleware(_ThreadLimit)

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, _error: OverflowError) -> JSONResponse:
        return out_of_range("a number is out of range (at most 9223372036854775807)")

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, _error: DataError) -> JSONResponse:
        return out_of_range("a value is out of range for the database")

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
