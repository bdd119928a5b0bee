"""Signing in (password + TOTP, throttled) and server-side sessions with idle and absolute timeouts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from reachable.access import mfa, passwords
from reachable.access.models import LoginAttempt, User, UserSession
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.db.uow import defer_write

IDLE_TIMEOUT = timedelta(minutes=30)
# The idle clock moves at most once a minute: writing it on every request was a third of a read's statements
# (and on SQLite a write). A session then ends up to a minute early, never late.
TOUCH_EVERY = timedelta(minutes=1)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=5)
THROTTLE_FAILURES = 10
TOKEN_PREFIX = "rss_"  # noqa: S105 (a prefix, not a secret)
COOKIE_NAME = "reachable_session"
# The web UI sets the session cookie with exactly these attributes.
COOKIE_ATTRIBUTES: dict[str, object] = {"httponly": True, "secure": True, "samesite": "strict", "path": "/"}
GENERIC_FAILURE = "sign-in failed: check your username, password and code"


class LoginFailed(Exception):
    """Sign-in refused; the message is the same whatever failed, so it reveals nothing."""


@dataclass(frozen=True)
class SignedIn:
    """A new session: the clear token (shown once), the user and when the session must end."""

    token: str
    user: User
    session_id: int
    expires_at: datetime
    idle_timeout_seconds: int


def token_digest(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str, *, secret_key: str) -> str:
    """A CSRF token bound to one session (for the web UI's forms): HMAC of the session token."""
    return hmac.new(secret_key.encode(), f"csrf:{token}".encode(), hashlib.sha256).hexdigest()


def recent_failures(session: Session, *, username: str, now: datetime) -> int:
    """Failed sign-ins for this account within the throttle window."""
    return int(session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False),
        LoginAttempt.at > now - THROTTLE_WINDOW)) or 0)


def _attempt(session: Session, *, username: str, now: datetime, success: bool, reason: str,
             origin: str | None) -> None:
    session.add(LoginAttempt(username=username, at=now, success=success, reason=reason, origin=origin))
    session.flush()


def login(session: Session, *, username: str, password: str, totp: str, origin: str | None = None,
          user_agent: str | None = None, now: datetime | None = None) -> SignedIn:
    """Check password and TOTP code and open a session; raise LoginFailed (after recording why) otherwise.

    The caller must commit even when LoginFailed is raised, so the failure counts towards throttling.
    """
    now = now or utcnow()
    username = username.strip().lower()[:120]
    if recent_failures(session, username=username, now=now) >= THROTTLE_FAILURES:
        passwords.verify_password(None, password)  # same effort as a real attempt
        _attempt(session, username=username, now=now, success=False, reason="throttled", origin=origin)
        raise LoginFailed(GENERIC_FAILURE)
    user = session.scalar(select(User).where(User.username == username))
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active or not user.totp_secret:
        reason = "unknown user" if user is None else ("disabled" if not user.active else "bad password")
        _attempt(session, username=username, now=now, success=False, reason=reason, origin=origin)
        raise LoginFailed(GENERIC_FAILURE)
    step = mfa.matching_step(user.totp_secret, totp, last_step=user.totp_last_step, at=now.timestamp())
    if step is None:
        _attempt(session, username=username, now=now, success=False, reason="bad or reused code", origin=origin)
        raise LoginFailed(GENERIC_FAILURE)
    user.totp_last_step = step
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    _attempt(session, username=username, now=now, success=True, reason="ok", origin=origin)
    return start_session(session, user=user, origin=origin, user_agent=user_agent, now=now)


def start_session(session: Session, *, user: User, origin: str | None = None, user_agent: str | None = None,
                  now: datetime | None = None) -> SignedIn:
    """Open a new session for an already authenticated user (a fresh token every sign-in, ASVS 7.2.4)."""
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=token_digest(token), created_at=now, last_seen_at=now,
                      expires_at=now + ABSOLUTE_TIMEOUT, origin=origin, user_agent=(user_agent or "")[:300] or None)
    session.add(row)
    session.flush()
    return SignedIn(token=token, user=user, session_id=row.id, expires_at=row.expires_at,
                    idle_timeout_seconds=int(IDLE_TIMEOUT.total_seconds()))


@cache
def _session_query() -> Select[Any]:
    """A session, its user and the user's agency in one statement, built once: every signed-in request starts here."""
    return (areas.with_agency(select(UserSession, User).outerjoin(User, User.id == UserSession.user_id), User.agency_id)
            .where(UserSession.token_hash == bindparam("digest")))


def resume(session: Session, *, token: str, now: datetime | None = None) -> tuple[UserSession, User] | None:
    """The live session and its active user for a token, touching its idle clock; None if dead or expired."""
    now = now or utcnow()
    found = session.execute(_session_query(), {"digest": token_digest(token)}).first()
    if found is None:
        return None
    row, user, agency = found
    areas.hold_agency(session, agency)
    if row.revoked_at is not None:
        return None
    if now >= row.expires_at:
        _revoke(row, now, "absolute timeout")
        return None
    if now - row.last_seen_at >= IDLE_TIMEOUT:
        _revoke(row, now, "idle timeout")
        return None
    if user is None or not user.active:
        _revoke(row, now, "account disabled")
        return None
    if now - row.last_seen_at < TOUCH_EVERY:
        return row, user
    row_id = row.id
    if not defer_write(session, lambda writer: _touch(writer, row_id, now)):  # read-first: at the request's end
        row.last_seen_at = now
    return row, user


def _touch(session: Session, row_id: int, now: datetime) -> None:
    """Move a session's idle clock on (a read-first request's queued write)."""
    session.execute(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now))


def _revoke(row: UserSession, now: datetime, reason: str) -> None:
    row.revoked_at = now
    row.revoke_reason = reason


def logout(session: Session, *, token: str, now: datetime | None = None) -> bool:
    """End the session holding this token; True if there was a live one."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    _revoke(row, now or utcnow(), "logout")
    return True


def revoke_all(session: Session, *, user_id: int, reason: str, now: datetime | None = None) -> int:
    """End every live session of a user (account disabled, MFA reset, password change); returns how many."""
    result = session.execute(update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)).values(
        revoked_at=now or utcnow(), revoke_reason=reason[:60]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
