"""Users and teams: creation, role changes (never one's own), disabling, MFA reset, principals, demo users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access import mfa, passwords, sessions
from reachable.access.audit import Actor, record
from reachable.access.models import ApiToken, Team, User
from reachable.access.policy import Principal
from reachable.access.roles import ROLES
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import FieldError, InputRejected, NotFound


class SelfChangeRefused(PermissionError):
    """Users can never change their own role, team or agency, nor disable themselves."""


def ensure_team(session: Session, *, agency_id: int, name: str, contact: str | None = None) -> Team:
    """The agency's team of this name, created on first use."""
    team = session.scalar(select(Team).where(Team.agency_id == agency_id, Team.name == name))
    if team is None:
        team = Team(agency_id=agency_id, name=name, contact=contact, created_at=utcnow())
        session.add(team)
        session.flush()
    elif contact and not team.contact:
        team.contact = contact
    return team


def _check_role(role: str, agency_kind: str) -> None:
    spec = ROLES.get(role)
    if spec is None:
        raise InputRejected([FieldError("role", f"unknown role; one of {', '.join(ROLES)}", role)])
    if agency_kind not in spec.agency_kinds:
        raise InputRejected([FieldError("role", f"a {agency_kind} agency cannot grant the {role} role", role)])


def create_user(session: Session, *, username: str, display_name: str, agency_code: str, role: str,
                password: str, team: str | None = None, totp_secret: str | None = None,
                actor: Actor) -> tuple[User, str]:
    """Create a user with a hashed password and a TOTP secret; returns the user and the secret (shown once)."""
    username = username.strip().lower()
    if not username or len(username) > 120:
        raise InputRejected([FieldError("username", "must be 1–120 characters", username)])
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InputRejected([FieldError("username", "already taken", username)])
    agency = areas.get_agency(session, code=agency_code)
    _check_role(role, agency.kind)
    try:
        passwords.check_policy(password, username=username)
    except passwords.PasswordRejected as error:
        raise InputRejected([FieldError("password", str(error))]) from error
    team_row = ensure_team(session, agency_id=agency.id, name=team) if team else None
    secret = totp_secret or mfa.new_secret()
    user = User(username=username, display_name=display_name, agency_id=agency.id, role=role,
                team_id=team_row.id if team_row else None, password_hash=passwords.hash_password(password),
                totp_secret=secret, active=True, created_at=utcnow())
    session.add(user)
    session.flush()
    record(session, actor=actor, action="admin", object_type="user", object_id=user.id,
           fields={"created": username, "role": role, "agency": agency.code, "team": team},
           justification="user account created")
    return user, secret


def get_user(session: Session, *, user_id: int) -> User:
    """One user by id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def find_user(session: Session, *, username: str) -> User:
    """One user by username, or NotFound."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(session: Session, *, agency_id: int | None = None) -> list[User]:
    """Users, optionally of one agency, by username."""
    query = select(User).order_by(User.username)
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    return list(session.scalars(query))


def update_user(session: Session, *, user_id: int, actor: Actor, role: str | None = None,
                team: str | None = None, active: bool | None = None) -> User:
    """Change another user's role, team or active flag; refused for one's own account; disabling ends sessions."""
    user = get_user(session, user_id=user_id)
    if actor.user_id == user.id and (role is not None or team is not None or active is not None):
        raise SelfChangeRefused("users can never change their own role, team or agency, nor disable themselves")
    changes: dict[str, object] = {}
    if role is not None and role != user.role:
        agency = areas.agencies_by_id(session, ids={user.agency_id})[user.agency_id]
        _check_role(role, agency.kind)
        changes["role"] = [user.role, role]
        user.role = role
        sessions.revoke_all(session, user_id=user.id, reason="role changed")
    if team is not None:
        changes["team"] = [user.team, team]
        user.team_id = ensure_team(session, agency_id=user.agency_id, name=team).id
        session.expire(user, ["team_ref"])
    if active is not None and active != user.active:
        changes["active"] = [user.active, active]
        user.active = active
        user.disabled_at = None if active else utcnow()
        if not active:
            sessions.revoke_all(session, user_id=user.id, reason="account disabled")
    record(session, actor=actor, action="admin", object_type="user", object_id=user.id, fields=changes,
           justification="user account changed")
    return user


def reset_mfa(session: Session, *, user_id: int, actor: Actor) -> str:
    """Give a user a new TOTP secret (shown once) and end their sessions."""
    user = get_user(session, user_id=user_id)
    user.totp_secret = mfa.new_secret()
    user.totp_last_step = None
    sessions.revoke_all(session, user_id=user.id, reason="MFA reset")
    record(session, actor=actor, action="admin", object_type="user", object_id=user.id,
           fields={"mfa": "reset"}, justification="multi-factor authentication reset")
    return user.totp_secret


def set_password(session: Session, *, user_id: int, password: str, actor: Actor) -> None:
    """Replace a user's password (policy-checked) and end their sessions; MFA is left in force."""
    user = get_user(session, user_id=user_id)
    try:
        passwords.check_policy(password, username=user.username)
    except passwords.PasswordRejected as error:
        raise InputRejected([FieldError("password", str(error))]) from error
    user.password_hash = passwords.hash_password(password)
    sessions.revoke_all(session, user_id=user.id, reason="password changed")
    record(session, actor=actor, action="admin", object_type="user", object_id=user.id,
           fields={"password": "changed"}, justification="password changed")


def principal_for_user(session: Session, *, user: User, origin: str | None = None) -> Principal:
    """The policy's view of a signed-in user."""
    agency = areas.agencies_by_id(session, ids={user.agency_id})[user.agency_id]
    return Principal(kind="user", id=user.id, name=f"user:{user.username}", role=user.role, agency_id=agency.id,
                     agency_code=agency.code, agency_kind=agency.kind, agency_area_code=agency.area_code,
                     team_id=user.team_id, origin=origin)


def principal_for_token(session: Session, *, token: ApiToken, origin: str | None = None) -> Principal:
    """The policy's view of an agency system calling with an API token."""
    agency = areas.agencies_by_id(session, ids={token.agency_id})[token.agency_id]
    return Principal(kind="token", id=token.id, name=f"token:{token.name}", role=f"token:{token.purpose}",
                     agency_id=agency.id, agency_code=agency.code, agency_kind=agency.kind,
                     agency_area_code=agency.area_code, origin=origin)


def actor_for(principal: Principal) -> Actor:
    """The audit actor for a principal."""
    return Actor(name=principal.name, agency_id=principal.agency_id, role=principal.role, origin=principal.origin,
                 user_id=principal.id if principal.kind == "user" else None)


DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPDEMOONLY"  # noqa: S105 - demo only: every demo user shares this published secret
DEMO_PASSWORD = "demo-{role}-2025!"  # noqa: S105 - demo only, documented in docs/security.md
DEMO_ROLE_AGENCY = {
    "social_worker": "CSC", "team_manager": "CSC", "police_officer": "POL", "police_analyst": "POL",
    "designated_safeguarding_lead": "EDU", "youth_justice_worker": "YJS", "health_practitioner": "HLT",
    "charity_caseworker": "VCS", "data_analyst": "CSC", "administrator": "CSC",
}


def create_demo_users(session: Session, *, area_codes: list[str]) -> list[tuple[str, str, str]]:
    """One user per role in each council area (demo only): (username, password, TOTP secret) for each."""
    created: list[tuple[str, str, str]] = []
    for area_code in area_codes:
        area = areas.get_area(session, code=area_code)
        force = areas.police_force_for(session, area_code=area_code) or area_code
        for role, prefix in DEMO_ROLE_AGENCY.items():
            code = {"POL": f"POL-{force}", "VCS": "VCS-demo-charity"}.get(prefix, f"{prefix}-{area_code}")
            areas.ensure_agency(session, code=code)
            username = f"{role.replace('_', '.')}.{area_code.lower()}"
            password = DEMO_PASSWORD.format(role=role.replace("_", "-"))
            if session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(session, username=username, display_name=f"Demo {ROLES[role].label} ({area.name})",
                            agency_code=code, role=role, password=password, team="Exploitation hub",
                            totp_secret=DEMO_TOTP_SECRET, actor=Actor(name="system:demo"))
            created.append((username, password, DEMO_TOTP_SECRET))
    return created
