"""The access domain's public face: identity, sessions, the policy, the audit, sharing, exports and retention.

Other domains and the delivery layers import only this module (and access.schemas).
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from reachable.access.audit import (
    GENESIS,
    S62_OPERATION,
    SYSTEM,
    Actor,
    BackgroundSealer,
    ReadAlert,
    as_dict,
    audit_digest,
    checkpoint,
    export_rows,
    list_for_child,
    read_volume_alerts,
    record,
    seal,
    verify_chain,
)
from reachable.access.exports import (
    approve_bulk_export,
    download_bulk_export,
    export_child,
    request_bulk_export,
    safe_cell,
    subject_access,
    to_csv,
)
from reachable.access.mfa import current_code, provisioning_uri
from reachable.access.models import ApiToken
from reachable.access.passwords import PasswordRejected, check_policy
from reachable.access.policy import (
    Decision,
    Principal,
    Target,
    active_break_glass,
    decide,
    relationships,
    visible_child_ids,
)
from reachable.access.retention import (
    DueRecord,
    ensure_default_rules,
    erase_child,
    list_due,
    record_review,
    retention_gaps,
    rule_for,
    run_disposal,
)
from reachable.access.roles import ACTIONS, PRACTITIONERS, ROLES, TOKEN_ROLES, ActionSpec, RoleSpec
from reachable.access.sessions import (
    ABSOLUTE_TIMEOUT,
    COOKIE_ATTRIBUTES,
    COOKIE_NAME,
    IDLE_TIMEOUT,
    THROTTLE_FAILURES,
    THROTTLE_WINDOW,
    TOKEN_PREFIX,
    LoginFailed,
    SignedIn,
    csrf_token,
    login,
    logout,
    resume,
    revoke_all,
    start_session,
)
from reachable.access.sharing import (
    GATEWAYS,
    create_agreement,
    list_agreements,
    list_break_glass,
    open_break_glass,
    record_sharing_decision,
    review_break_glass,
)
from reachable.access.users import (
    DEMO_TOTP_SECRET,
    SelfChangeRefused,
    actor_for,
    create_demo_users,
    create_user,
    ensure_team,
    find_user,
    get_user,
    list_users,
    principal_for_token,
    principal_for_user,
    reset_mfa,
    set_password,
    update_user,
)
from reachable.areas import service as areas
from reachable.common.dates import utcnow

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "ACTIONS",
    "COOKIE_ATTRIBUTES",
    "COOKIE_NAME",
    "DEMO_TOTP_SECRET",
    "GATEWAYS",
    "GENESIS",
    "IDLE_TIMEOUT",
    "PRACTITIONERS",
    "ROLES",
    "S62_OPERATION",
    "SYSTEM",
    "THROTTLE_FAILURES",
    "THROTTLE_WINDOW",
    "TOKEN_PREFIX",
    "TOKEN_ROLES",
    "ActionSpec",
    "Actor",
    "BackgroundSealer",
    "Decision",
    "DueRecord",
    "LoginFailed",
    "PasswordRejected",
    "Principal",
    "ReadAlert",
    "RoleSpec",
    "SelfChangeRefused",
    "SignedIn",
    "Target",
    "active_break_glass",
    "actor_for",
    "approve_bulk_export",
    "as_dict",
    "audit_digest",
    "check_policy",
    "check_token",
    "checkpoint",
    "create_agreement",
    "create_demo_users",
    "create_token",
    "create_user",
    "csrf_token",
    "current_code",
    "decide",
    "download_bulk_export",
    "ensure_default_rules",
    "ensure_team",
    "erase_child",
    "export_child",
    "export_rows",
    "find_user",
    "get_user",
    "list_agreements",
    "list_break_glass",
    "list_due",
    "list_for_child",
    "list_users",
    "login",
    "logout",
    "open_break_glass",
    "principal_for_token",
    "principal_for_user",
    "provisioning_uri",
    "read_volume_alerts",
    "record",
    "record_review",
    "record_sharing_decision",
    "relationships",
    "request_bulk_export",
    "reset_mfa",
    "resume",
    "retention_gaps",
    "review_break_glass",
    "revoke_all",
    "rule_for",
    "run_disposal",
    "safe_cell",
    "seal",
    "set_password",
    "start_session",
    "subject_access",
    "to_csv",
    "token_digest",
    "update_user",
    "verify_chain",
    "visible_child_ids",
]


PURPOSES = ("submit_events", "read_children", "review_links")


def token_digest(token: str) -> str:
    """The stored form of an API token (tokens are long and random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, agency_id: int, name: str, purpose: str = "submit_events") -> str:
    """Issue a token for an agency system; the clear token is returned once and never stored."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    token = "rch_" + secrets.token_urlsafe(32)
    session.add(ApiToken(agency_id=agency_id, name=name, purpose=purpose, token_hash=token_digest(token),
                         created_at=utcnow()))
    session.flush()
    return token


@cache
def _token_query() -> Select[Any]:
    """A token and its agency in one statement, built once: every agency system's request starts here."""
    return areas.with_agency(select(ApiToken), ApiToken.agency_id).where(ApiToken.token_hash == bindparam("digest"))


def check_token(session: Session, *, token: str, purpose: str | None = None) -> ApiToken | None:
    """The live token matching this secret (and purpose, if given), or None."""
    found = session.execute(_token_query(), {"digest": token_digest(token)}).first()
    row: ApiToken | None = found[0] if found is not None else None
    agency = found[1] if found is not None else None
    areas.hold_agency(session, agency)
    if row is None or row.revoked_at is not None or (purpose is not None and row.purpose != purpose):
        return None
    return row
