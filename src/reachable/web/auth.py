"""The signed-in person for the web pages, on access's server-side sessions (password + TOTP, throttled)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import SessionDep
from reachable.areas import service as areas

COOKIE = access.COOKIE_NAME
CSRF_COOKIE = "rch_csrf"  # before sign-in there is no session to bind a CSRF token to: double-submit cookie


class SignInRequired(Exception):
    """The page needs a signed-in person; the handler redirects to the sign-in page."""


@dataclass(frozen=True)
class WebUser:
    """The person signed in, with the agency they act for."""

    id: int
    username: str
    display_name: str
    role: str
    agency_id: int
    agency_code: str
    agency_name: str
    area_code: str | None
    principal: access.Principal

    def actor(self) -> access.Actor:
        """This person as the actor recorded in the audit."""
        return access.actor_for(self.principal)


def resume(session: Session, *, token: str | None, origin: str | None = None) -> WebUser | None:
    """The person behind a session cookie (sliding the idle timeout), or None if the session is dead."""
    if not token:
        return None
    found = access.resume(session, token=token)
    if found is None:
        return None
    _row, user = found
    agency = areas.agencies_by_id(session, ids={user.agency_id})[user.agency_id]
    principal = access.principal_for_user(session, user=user, origin=origin)
    return WebUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   agency_id=agency.id, agency_code=agency.code, agency_name=agency.name,
                   area_code=agency.area_code, principal=principal)


def origin(request: Request) -> str | None:
    """Where the request came from, for the audit."""
    return request.client.host if request.client else None


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Whether a form's CSRF token is the one this browser was given."""
    expected = str(getattr(request.state, "csrf_token", ""))
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def current_user(request: Request, session: Session) -> WebUser | None:
    """The signed-in person (resumed once per request, in the page's own unit of work), or None."""
    user = getattr(request.state, "web_user", None)
    if isinstance(user, WebUser):
        return user
    user = resume(session, token=request.cookies.get(COOKIE), origin=origin(request))
    request.state.web_user = user
    return user


def require_user(request: Request, session: SessionDep) -> WebUser:  # the page's one unit of work
    """The signed-in person, or a redirect to sign in."""
    user = current_user(request, session)
    if user is None:
        raise SignInRequired()
    return user
