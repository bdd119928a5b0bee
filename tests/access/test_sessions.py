"""Sign-in, MFA, session timeouts and revocation, throttling and self-escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import InputRejected

PASSWORD = "correct horse battery"


def _user(session: Session, role: str = "social_worker", name: str = "sam") -> tuple[int, str]:
    areas.ensure_agency(session, code="CSC-E08000025")
    user, secret = access.create_user(session, username=name, display_name="Sam", agency_code="CSC-E08000025",
                                      role=role, password=PASSWORD, actor=access.SYSTEM)
    return user.id, secret


def test_login_needs_password_and_a_fresh_totp_code(session: Session) -> None:
    _, secret = _user(session)
    with pytest.raises(access.LoginFailed):
        access.login(session, username="sam", password=PASSWORD, totp="000000")
    with pytest.raises(access.LoginFailed):
        access.login(session, username="sam", password="wrong password!", totp=access.current_code(secret))
    code = access.current_code(secret)
    signed = access.login(session, username="sam", password=PASSWORD, totp=code)
    assert signed.token.startswith("rss_") and access.resume(session, token=signed.token)
    with pytest.raises(access.LoginFailed):  # the same code cannot be replayed
        access.login(session, username="sam", password=PASSWORD, totp=code)
    user = access.find_user(session, username="sam")
    assert user.password_hash and user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_idle_and_absolute_timeouts(session: Session) -> None:
    user_id, _ = _user(session)
    user = access.get_user(session, user_id=user_id)
    now = utcnow()
    idle = access.start_session(session, user=user, now=now)
    assert access.resume(session, token=idle.token, now=now + timedelta(minutes=29))
    assert access.resume(session, token=idle.token, now=now + timedelta(minutes=29 + 31)) is None
    long = access.start_session(session, user=user, now=now)
    t = now
    for _ in range(12 * 3):  # active every 20 minutes: idle never trips, the 12-hour limit does
        t += timedelta(minutes=20)
        alive = access.resume(session, token=long.token, now=t)
        assert (alive is not None) == (t - now < timedelta(hours=12))


def test_the_idle_clock_moves_at_most_once_a_minute_and_never_lets_a_session_outlive_its_timeout(
        session: Session) -> None:
    user_id, _ = _user(session)
    now = utcnow()
    signed = access.start_session(session, user=access.get_user(session, user_id=user_id), now=now)
    row, _ = access.resume(session, token=signed.token, now=now + timedelta(seconds=59)) or (None, None)
    assert row is not None and row.last_seen_at == now  # not written: under a minute since the last write
    row, _ = access.resume(session, token=signed.token, now=now + timedelta(seconds=61)) or (None, None)
    assert row is not None and row.last_seen_at == now + timedelta(seconds=61)
    # Requests every 50 s from then on keep it alive; it ends 30 minutes after the last *recorded* activity,
    # which is at most a minute before the last request: early, never late.
    t = now + timedelta(seconds=61)
    for _ in range(40):
        t += timedelta(seconds=50)
        assert access.resume(session, token=signed.token, now=t) is not None
    assert access.resume(session, token=signed.token, now=t + timedelta(minutes=30)) is None


def test_logout_and_disable_kill_sessions_on_the_next_request(session: Session) -> None:
    user_id, _ = _user(session)
    admin_id, _ = _user(session, role="administrator", name="ada")
    user = access.get_user(session, user_id=user_id)
    first, second = access.start_session(session, user=user), access.start_session(session, user=user)
    assert access.logout(session, token=first.token)
    assert access.resume(session, token=first.token) is None and access.resume(session, token=second.token)
    admin = access.actor_for(access.principal_for_user(session, user=access.get_user(session, user_id=admin_id)))
    access.update_user(session, user_id=user_id, actor=admin, active=False)
    assert access.resume(session, token=second.token) is None


def test_throttle_after_ten_failures_in_five_minutes(session: Session) -> None:
    _, secret = _user(session)
    now = utcnow()
    for _ in range(access.THROTTLE_FAILURES):
        with pytest.raises(access.LoginFailed):
            access.login(session, username="sam", password="bad password!!", totp="123456", now=now)
    with pytest.raises(access.LoginFailed):  # even the right password and code are refused now
        access.login(session, username="sam", password=PASSWORD, totp=access.current_code(secret), now=now)
    later = now + access.THROTTLE_WINDOW + timedelta(seconds=1)
    assert access.login(session, username="sam", password=PASSWORD,
                        totp=access.current_code(secret, at=later.timestamp()), now=later)


def test_nobody_changes_their_own_role_team_or_agency(session: Session) -> None:
    admin_id, _ = _user(session, role="administrator", name="ada")
    admin = access.actor_for(access.principal_for_user(session, user=access.get_user(session, user_id=admin_id)))
    for change in ({"role": "team_manager"}, {"team": "Other"}, {"active": False}):
        with pytest.raises(access.SelfChangeRefused):
            access.update_user(session, user_id=admin_id, actor=admin, **change)  # type: ignore[arg-type]
    with pytest.raises(InputRejected):  # roles must fit the agency
        other, _ = _user(session, name="bob")
        access.update_user(session, user_id=other, actor=admin, role="police_officer")


def test_password_policy() -> None:
    for bad in ("short", "password1234", "x" * 129, "sam-is-my-password"):
        with pytest.raises(access.PasswordRejected):
            access.check_policy(bad, username="sam")


def test_api_login_me_logout_and_self_escalation(client: TestClient, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        admin_id, secret = _user(session, role="administrator", name="ada")
        session.commit()
    bad = client.post("/api/v1/auth/login", json={"username": "ada", "password": "nope", "totp": "000000"})
    assert bad.status_code == 401 and "sign-in failed" in bad.text
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope", "totp": "1"})
    assert unknown.json() == bad.json()  # no user enumeration through messages
    token = client.post("/api/v1/auth/login", json={"username": "ada", "password": PASSWORD,
                                                    "totp": access.current_code(secret)}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "administrator"
    own = client.patch(f"/api/v1/users/{admin_id}", json={"role": "team_manager"}, headers=headers)
    assert own.status_code == 403
    agency = client.patch(f"/api/v1/users/{admin_id}", json={"agency_id": 99}, headers=headers)
    assert agency.status_code == 422  # agency is not a changeable field at all
    created = client.post("/api/v1/users", headers=headers, json={
        "username": "newbie", "display_name": "New", "role": "social_worker", "password": "a long enough pass"})
    assert created.status_code == 201 and created.json()["totp_secret"]
    cookie = client.get("/api/v1/auth/me", cookies={access.COOKIE_NAME: token})
    assert cookie.status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
