"""Mounts the web interface on the FastAPI app: pages, assets, the session middleware and HTML error pages."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.types import ASGIApp, Receive, Scope, Send

from reachable.access import service as access
from reachable.web import auth
from reachable.web.assets import mount_assets
from reachable.web.render import page, translator_for

logger = logging.getLogger(__name__)
NOT_PAGES = ("/api/", "/static/", "/assets/", "/health", "/openapi.json", "/docs", "/redoc")


# cytoscape.js 3.35.0 (pinned) injects one fixed <style> element; allowing exactly its hash keeps style-src strict.
CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"


def _csp(nonce: str) -> str:
    """A strict Content Security Policy: our own origin only, and one nonce for GOV.UK's js-enabled line."""
    return ("default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self' " + CYTOSCAPE_STYLE +
            "; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'")


def is_page(path: str) -> bool:
    """Whether a path belongs to the web interface (not the API, assets or health checks)."""
    return not path.startswith(NOT_PAGES)


class PagesOnly:
    """Run an HTTP middleware for web pages only; API calls, assets and health checks go straight through.

    Starlette's function middleware passes every response through a stream and a task group, which cost an
    API request about as much as one of its SQL statements.
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction) -> None:
        """Wrap `app`; `dispatch` sees page requests only."""
        self.app = app
        self.pages = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send a page request through the middleware and anything else to the app."""
        if scope["type"] == "http" and is_page(scope["path"]):
            await self.pages(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def mount_web(app: FastAPI) -> None:
    """Add every page group, the assets and the web middleware to the app."""
    from reachable.web.routes import ROUTERS

    settings = app.state.settings
    mount_assets(app)
    for router in ROUTERS:
        app.include_router(router)

    async def web_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.nonce = secrets.token_urlsafe(16)
        # The session itself is resumed inside each page's own unit of work (auth.require_user): one commit a page.
        token = request.cookies.get(auth.COOKIE)
        request.state.web_user = None
        csrf_cookie = request.cookies.get(auth.CSRF_COOKIE)
        if token:
            # Signed in: the CSRF token is bound to the session (access.csrf_token).
            request.state.csrf_token = access.csrf_token(token, secret_key=settings.secret_key)
        else:
            request.state.csrf_token = csrf_cookie or secrets.token_urlsafe(32)
        response = await call_next(request)
        if not token and not csrf_cookie:
            response.set_cookie(auth.CSRF_COOKIE, request.state.csrf_token, httponly=True, samesite="strict",
                                secure=True, path="/")
        response.headers.setdefault("Content-Security-Policy", _csp(request.state.nonce))
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data: never cache them
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    app.add_middleware(PagesOnly, dispatch=web_context)

    @app.exception_handler(auth.SignInRequired)
    async def _sign_in(_request: Request, _error: auth.SignInRequired) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        if not is_page(request.url.path):
            return await http_exception_handler(request, error)
        template = {403: "errors/403.html", 404: "errors/404.html"}.get(error.status_code, "errors/generic.html")
        reason = translator_for(request)("errors.csrf") if error.detail == "csrf" else error.detail
        return page(request, template, {"status": error.status_code, "reason": reason},
                    status_code=error.status_code)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, error: Exception) -> Response:
        logger.exception("unhandled error on %s", request.url.path, exc_info=error)
        if not is_page(request.url.path):
            return Response("internal server error", status_code=500)
        return page(request, "errors/500.html", {"status": 500}, status_code=500)
