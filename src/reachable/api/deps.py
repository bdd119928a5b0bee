"""Dependencies shared by every route: the unit of work, the caller's identity and the policy guard.

Every route declares its policy action through `authorise(action)` (or `agency_caller`), so the authorisation
matrix test can enumerate `app.routes` and find a route that declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Cookie, Depends, Header, HTTPException, Request, Response, status
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.readfirst import WRITE_MODE
from reachable.db.uow import start_read_first, take_deferred, unit_of_work

TargetResolver = Callable[[Session, Request], access.Target]


class AccessDenied(HTTPException):
    """Refused by the policy; the refusal's audit row is committed even though the request fails."""


READ_METHODS = frozenset({"GET", "HEAD"})


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed once if the route succeeds, rolled back if not.

    On SQLite a GET is read-first: it reads without the store's write lock and writes its audit rows (and the
    session's idle clock) in one short transaction at the end, before the response is sent (db/uow.py).
    """
    read_sessions = request.app.state.read_sessions
    read_first = (read_sessions is not None and request.method in READ_METHODS
                  and not request.scope.get(WRITE_MODE))
    session: Session = (read_sessions if read_first else request.app.state.sessions)()
    if read_first:
        start_read_first(session)
    try:
        yield session
        _commit(request, session)
    except AccessDenied:
        _commit(request, session)  # keep the record of the refused attempt (misuse detection), nothing else
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _commit(request: Request, session: Session) -> None:
    """Commit the unit of work; for a read-first one, end its read and run its queued writes in one transaction."""
    queued = take_deferred(session)
    session.commit()
    if queued:
        with unit_of_work(request.app.state.sessions) as writer:
            for write in queued:
                write(writer)


# scope="function": commit before the response is sent. With FastAPI's default the commit ran after the reply, so
# a crash (or a failed commit) could lose a write the client had already been told was stored (bench_crash).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(authorization: str | None) -> str:
    """The token from an Authorization: Bearer header, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return authorization[7:].strip()


def _origin(request: Request) -> str | None:
    return request.client.host if request.client else None


def resolve_caller(session: Session, request: Request, authorization: str | None,
                   cookie: str | None) -> access.Principal | None:
    """The principal behind a bearer token (session or agency API token) or the web session cookie."""
    token = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else cookie
    if not token:
        return None
    if token.startswith(access.TOKEN_PREFIX):
        live = access.resume(session, token=token)
        if live is None:
            return None
        request.state.session_token = token
        return access.principal_for_user(session, user=live[1], origin=_origin(request))
    api_token = access.check_token(session, token=token)
    if api_token is None:
        return None
    return access.principal_for_token(session, token=api_token, origin=_origin(request))


def current_user(session: SessionDep, request: Request, authorization: Annotated[str | None, Header()] = None,
                 reachable_session: Annotated[str | None, Cookie()] = None) -> access.Principal:
    """The signed-in person (session bearer token or web cookie), or 401."""
    principal = resolve_caller(session, request, authorization, reachable_session)
    if principal is None or principal.kind != "user":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first (session expired, revoked or missing)",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


@dataclass(frozen=True)
class Authorised:
    """What a guarded route gets: who is calling, the policy's decision and the actor for further audit rows."""

    principal: access.Principal | None
    decision: access.Decision
    target: access.Target

    @property
    def actor(self) -> access.Actor:
        """The audit actor (the system for public routes)."""
        return access.actor_for(self.principal) if self.principal else access.SYSTEM

    @property
    def user(self) -> access.Principal:
        """The principal, for routes that are never public."""
        assert self.principal is not None
        return self.principal


def child_target(session: Session, request: Request) -> access.Target:
    """The default target: the child named by the route's {child_id} path parameter, if any."""
    raw = request.path_params.get("child_id")
    try:
        return access.Target(child_id=int(raw) if raw is not None else None)
    except ValueError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such child") from None


def guard(session: Session, request: Request, *, principal: access.Principal | None, action: str,
          target: access.Target) -> access.Decision:
    """Ask the policy; audit the outcome (a refusal, or an allowed access to personal data); raise if refused."""
    decision = access.decide(session, user=principal, action=action, target=target)
    spec = access.ACTIONS.get(action)
    where = {"route": getattr(request.scope.get("route"), "path", request.url.path), "method": request.method}
    if not decision.allowed:
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        access.record(session, actor=access.actor_for(principal), action="denied", object_type=action,
                      child_id=target.child_id if not decision.not_found else None,
                      fields={**where, "reason": decision.reason}, justification=decision.reason)
        code = status.HTTP_404_NOT_FOUND if decision.not_found else status.HTTP_403_FORBIDDEN
        raise AccessDenied(code, decision.reason)
    if principal is not None and spec is not None and spec.audit is not None:
        typed = request.headers.get("x-justification", "").strip()[:500]
        justification = f"{decision.justification} | {typed}" if typed else decision.justification
        access.record(session, actor=access.actor_for(principal), action=spec.audit, object_type=action,
                      object_id=target.child_id, child_id=target.child_id,
                      fields={**where, "break_glass": decision.break_glass_id}, justification=justification)
    return decision


def authorise(action: str, *, target: TargetResolver = child_target) -> Callable[..., Authorised]:
    """A dependency that declares a route's policy action, checks it for the caller and audits the access."""

    def dependency(session: SessionDep, request: Request, authorization: Annotated[str | None, Header()] = None,
                   reachable_session: Annotated[str | None, Cookie()] = None) -> Authorised:
        principal = None if action == "public" else resolve_caller(session, request, authorization,
                                                                   reachable_session)
        if principal is None and action != "public":  # before the target: no existence oracle for strangers
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        try:
            resolved = target(session, request)
        except (ValueError, OverflowError):  # a path id that is not a (64-bit) number names nothing
            raise HTTPException(status.HTTP_404_NOT_FOUND, "not found") from None
        decision = guard(session, request, principal=principal, action=action, target=resolved)
        return Authorised(principal=principal, decision=decision, target=resolved)

    dependency.policy_action = action  # type: ignore[attr-defined]
    return dependency


def policy_actor(action: str, *, target: TargetResolver = child_target) -> Callable[..., access.Actor]:
    """Like `authorise(action)` but hands the route just the audit actor (a drop-in for `agency_caller`)."""
    inner = authorise(action, target=target)

    def dependency(auth: Annotated[Authorised, Depends(inner)]) -> access.Actor:
        return auth.actor

    dependency.policy_action = action  # type: ignore[attr-defined]
    return dependency


def agency_caller(purpose: str):  # type: ignore[no-untyped-def]
    """A dependency admitting only an agency system holding a live token for `purpose`."""

    def dependency(session: SessionDep, request: Request,
                   authorization: Annotated[str | None, Header()] = None) -> access.Actor:
        token = access.check_token(session, token=_bearer(authorization), purpose=purpose)
        if token is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid, revoked or wrongly scoped token",
                                headers={"WWW-Authenticate": "Bearer"})
        principal = access.principal_for_token(session, token=token, origin=_origin(request))
        return access.actor_for(principal)

    actions = {"submit_events": "events.submit", "review_links": "identity.review"}
    dependency.policy_action = actions.get(purpose, f"token:{purpose}")  # type: ignore[attr-defined]
    return dependency


def set_session_cookie(response: Response, token: str) -> None:
    """Put a session token in the secure, HttpOnly, SameSite=Strict cookie the web UI runs on."""
    response.set_cookie(access.COOKIE_NAME, token, max_age=int(access.ABSOLUTE_TIMEOUT.total_seconds()),
                        **access.COOKIE_ATTRIBUTES)  # type: ignore[arg-type]


def clear_session_cookie(response: Response) -> None:
    """Remove the session cookie (after logout)."""
    response.delete_cookie(access.COOKIE_NAME, path="/", secure=True, httponly=True, samesite="strict")


def declares(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a route that calls the policy itself (e.g. a web page) with its action, for the matrix test."""

    def mark(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.policy_action = action  # type: ignore[attr-defined]
        return endpoint

    return mark


def route_action(dependant: Any) -> str | None:
    """The policy action a route declares (searched through its dependencies), or None."""
    for sub in getattr(dependant, "dependencies", []):
        found = getattr(sub.call, "policy_action", None) or route_action(sub)
        if found:
            return str(found)
    return None
