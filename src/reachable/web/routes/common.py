"""What every page route shares: the signed-in person, the unit of work and the CSRF check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from reachable.api.deps import SessionDep as SessionDep
from reachable.web.auth import WebUser, csrf_ok, require_user

UserDep = Annotated[WebUser, Depends(require_user)]


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse a form that did not come from one of our pages (403 with a page that says what to do)."""
    if not csrf_ok(request, token):
        raise HTTPException(status_code=403, detail="csrf")
