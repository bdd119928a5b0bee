"""Dependencies shared by every route: the unit of work and the caller's identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.db.uow import unit_of_work


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed once if the route succeeds, rolled back if not."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _bearer(authorization: str | None) -> str:
    """The token from an Authorization: Bearer header, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return authorization[7:].strip()


def agency_caller(purpose: str):  # type: ignore[no-untyped-def]
    """A dependency admitting only an agency system holding a live token for `purpose`."""

    def dependency(session: SessionDep, request: Request,
                   authorization: Annotated[str | None, Header()] = None) -> access.Actor:
        token = access.check_token(session, token=_bearer(authorization), purpose=purpose)
        if token is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid, revoked or wrongly scoped token",
                                headers={"WWW-Authenticate": "Bearer"})
        client = request.client.host if request.client else None
        return access.Actor(name=f"token:{token.name}", agency_id=token.agency_id, role="agency_system",
                            origin=client)

    return dependency
