"""Signing in (username, password and the code from an authenticator app) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reachable.access import service as access
from reachable.api.deps import declares
from reachable.db.uow import unit_of_work
from reachable.web.auth import COOKIE, current_user, origin
from reachable.web.render import page, translator_for
from reachable.web.routes.common import SessionDep, check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
@declares("public")
def sign_in_form(request: Request, session: SessionDep) -> Response:
    """The sign-in page (already signed in: straight to my work)."""
    if current_user(request, session) is not None:
        return RedirectResponse("/", status_code=303)
    return page(request, "pages/sign_in.html", {"values": {}})


@router.post("/sign-in")
@declares("public")
def sign_in(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
            code: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    """Check password and code together; the same message for any failure, so nothing is revealed."""
    check_csrf(request, csrf_token)
    t = translator_for(request)
    errors = [(field, t(f"sign_in.error_{field}")) for field, value in
              (("username", username), ("password", password), ("code", code)) if not value.strip()]
    if errors:
        return page(request, "pages/sign_in.html", {"values": {"username": username}, "error_summary": errors,
                                                    "errors": dict(errors)}, status_code=400)
    # Its own unit of work, committed even when sign-in fails, so failures count towards throttling.
    with unit_of_work(request.app.state.sessions) as session:
        try:
            signed_in = access.login(session, username=username, password=password, totp=code,
                                              origin=origin(request), user_agent=request.headers.get("user-agent"))
        except access.LoginFailed:
            signed_in = None
    if signed_in is None:
        error = [("username", t("sign_in.failed"))]
        return page(request, "pages/sign_in.html", {"values": {"username": username}, "error_summary": error,
                                                    "errors": {}}, status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, signed_in.token, **access.COOKIE_ATTRIBUTES)  # type: ignore[arg-type]
    return response


@router.post("/sign-out")
@declares("self")
def sign_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session on the server and forget the cookie."""
    check_csrf(request, csrf_token)
    token = request.cookies.get(COOKIE)
    if token:
        with unit_of_work(request.app.state.sessions) as session:
            access.logout(session, token=token)
    response = RedirectResponse("/signed-out", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/signed-out")
@declares("public")
def signed_out(request: Request) -> Response:
    """Confirmation that the person has signed out."""
    return page(request, "pages/signed_out.html")
