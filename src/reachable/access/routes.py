"""HTTP adapter for signing in, users, audit queries, discovery, break-glass, sharing, exports and retention."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.access.schemas import (
    AgreementIn,
    AgreementOut,
    BulkExportIn,
    EraseIn,
    ExportIn,
    JustificationIn,
    LoginIn,
    MeOut,
    RetentionReviewIn,
    ReviewIn,
    SessionOut,
    SharingDecisionIn,
    UserChange,
    UserCreated,
    UserIn,
    UserOut,
)
from reachable.access.sharing import known_to
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.areas import service as areas
from reachable.common.text import is_digits

router = APIRouter(tags=["access"])
CSV = "text/csv; charset=utf-8"


@router.post("/auth/login")
def login(body: LoginIn, request: Request, session: SessionDep,
          auth: Annotated[Authorised, Depends(authorise("public"))]) -> SessionOut:
    """Sign in with username, password and TOTP code; returns a session token for `Authorization: Bearer`."""
    origin = request.client.host if request.client else None
    try:
        signed = access.login(session, username=body.username, password=body.password, totp=body.totp,
                              origin=origin, user_agent=request.headers.get("user-agent"))
    except access.LoginFailed as error:
        session.commit()  # the failed attempt must count towards throttling even though we refuse
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error)) from None
    principal = access.principal_for_user(session, user=signed.user, origin=origin)
    access.record(session, actor=access.actor_for(principal), action="login", object_type="session",
                  object_id=signed.session_id, justification="signed in with password and TOTP")
    return SessionOut(token=signed.token, expires_at=signed.expires_at,
                      idle_timeout_seconds=signed.idle_timeout_seconds)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: SessionDep, auth: Annotated[Authorised, Depends(authorise("self"))]) -> None:
    """End this session at once (the token is dead on the next request)."""
    token = getattr(request.state, "session_token", None)
    if token:
        access.logout(session, token=token)
    access.record(session, actor=auth.actor, action="logout", object_type="session", justification="signed out")


@router.get("/auth/me")
def me(auth: Annotated[Authorised, Depends(authorise("self"))]) -> MeOut:
    """The signed-in caller and their agency."""
    user = auth.user
    return MeOut(id=user.id, username=user.name.removeprefix("user:").removeprefix("token:"), role=user.role,
                 agency_code=user.agency_code, agency_kind=user.agency_kind, area_code=user.agency_area_code)


def _out(user: Any) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/users")
def list_users(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("users.admin"))]) -> list[UserOut]:
    """Users of the administrator's agency."""
    return [_out(user) for user in access.list_users(session, agency_id=auth.user.agency_id)]


@router.post("/users", status_code=201)
def create_user(body: UserIn, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("users.admin"))]) -> UserCreated:
    """Create a user in the administrator's own agency; the TOTP secret is shown once."""
    user, secret = access.create_user(session, username=body.username, display_name=body.display_name,
                                      agency_code=auth.user.agency_code, role=body.role, team=body.team,
                                      password=body.password, actor=auth.actor)
    return UserCreated(user=_out(user), totp_secret=secret,
                       provisioning_uri=access.provisioning_uri(secret, username=user.username))


def _same_agency_user(session: SessionDep, user_id: int, auth: Authorised) -> None:
    user = access.get_user(session, user_id=user_id)
    if user.agency_id != auth.user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")


@router.patch("/users/{user_id}")
def change_user(user_id: int, body: UserChange, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("users.admin"))]) -> UserOut:
    """Change another user's role, team or active flag (never your own; agency never changes)."""
    _same_agency_user(session, user_id, auth)
    try:
        user = access.update_user(session, user_id=user_id, actor=auth.actor, role=body.role, team=body.team,
                                  active=body.active)
    except access.SelfChangeRefused as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    return _out(user)


@router.post("/users/{user_id}/reset-mfa")
def reset_mfa(user_id: int, session: SessionDep,
              auth: Annotated[Authorised, Depends(authorise("users.admin"))]) -> dict[str, str]:
    """Issue a new TOTP secret for a user of the same agency (shown once) and end their sessions."""
    _same_agency_user(session, user_id, auth)
    if user_id == auth.user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "another administrator must reset your MFA")
    secret = access.reset_mfa(session, user_id=user_id, actor=auth.actor)
    user = access.get_user(session, user_id=user_id)
    return {"totp_secret": secret, "provisioning_uri": access.provisioning_uri(secret, username=user.username)}


@router.get("/audit/verify")
def verify(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("audit.read"))]) -> dict[str, Any]:
    """Check the whole audit chain; problems are listed (empty means intact) and a checkpoint is recorded."""
    problems = access.verify_chain(session)
    mark = access.checkpoint(session) if not problems else None
    return {"intact": not problems, "problems": problems[:100], "checkpoint": mark.last_id if mark else None}


@router.get("/audit/alerts")
def alerts(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("audit.read"))],
           min_reads: int = 25) -> list[dict[str, Any]]:
    """Users whose reads today are unusually high against their own baseline (insider misuse)."""
    agency_users = {f"user:{u.username}" for u in access.list_users(session, agency_id=auth.user.agency_id)}
    return [alert.__dict__ for alert in access.read_volume_alerts(session, min_reads=min_reads)
            if alert.actor in agency_users]


@router.get("/audit/export", response_class=PlainTextResponse,
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
def export(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("audit.read"))],
           since: datetime | None = None, until: datetime | None = None) -> PlainTextResponse:
    """The audit as JSON lines for the ICO (rows of the administrator's agency's users and systems)."""
    lines = [json.dumps(row, default=str) for row in access.export_rows(session, since=since, until=until)
             if row["actor_agency_id"] == auth.user.agency_id]
    access.record(session, actor=auth.actor, action="disclose", object_type="audit_export",
                  fields={"rows": len(lines)}, justification="audit export for the regulator",
                  recipient="Information Commissioner's Office")
    return PlainTextResponse("\n".join(lines) + ("\n" if lines else ""), media_type="application/x-ndjson")


@router.get("/children/{child_id}/audit")
def child_audit(child_id: int, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("child.audit"))]) -> list[dict[str, Any]]:
    """Who has viewed or received this child's data, newest first."""
    agencies = areas.agencies_by_id(session, ids={r.actor_agency_id for r in access.list_for_child(
        session, child_id=child_id) if r.actor_agency_id})
    return [{"at": row.at, "who": row.actor, "agency": agencies[row.actor_agency_id].code
             if row.actor_agency_id in agencies else None, "action": row.action, "what": row.object_type,
             "why": row.justification, "recipient": row.recipient, "from": row.origin}
            for row in access.list_for_child(session, child_id=child_id)]



@router.get("/children/{child_id}/known-to", tags=["discovery"])
def discover(child_id: int, session: SessionDep,
             auth: Annotated[Authorised, Depends(authorise("child.discover"))]) -> dict[str, object]:
    """Which agencies know this child and whom to contact, with no details (any practitioner)."""
    return known_to(session, child_id=child_id)


@router.post("/children/{child_id}/break-glass", status_code=201, tags=["break-glass"])
def break_glass(child_id: int, body: JustificationIn, session: SessionDep,
                auth: Annotated[Authorised, Depends(authorise("child.break_glass"))]) -> dict[str, Any]:
    """Open time-limited emergency access to a child; your manager will review it."""
    grant = access.open_break_glass(session, principal=auth.user, actor=auth.actor, child_id=child_id,
                                    justification=body.justification)
    return {"id": grant.id, "expires_at": grant.expires_at, "review": "pending"}


@router.get("/break-glass", tags=["break-glass"])
def list_break_glass(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("breakglass.review"))],
                     all_: bool = False) -> list[dict[str, Any]]:
    """Break-glass uses by your agency's users, unreviewed first."""
    return [{"id": g.id, "user_id": g.user_id, "child_id": g.child_id, "justification": g.justification,
             "opened_at": g.opened_at, "expires_at": g.expires_at, "review_outcome": g.review_outcome}
            for g in access.list_break_glass(session, agency_id=auth.user.agency_id, unreviewed_only=not all_)]


@router.post("/break-glass/{grant_id}/review", tags=["break-glass"])
def review_break_glass(grant_id: int, body: ReviewIn, session: SessionDep,
                       auth: Annotated[Authorised, Depends(authorise("breakglass.review"))]) -> dict[str, Any]:
    """Record a manager's verdict on one break-glass use."""
    grant = access.review_break_glass(session, principal=auth.user, actor=auth.actor, grant_id=grant_id,
                                      outcome=body.outcome, note=body.note)
    return {"id": grant.id, "review_outcome": grant.review_outcome, "reviewed_by": grant.reviewed_by}


@router.post("/children/{child_id}/sharing-decisions", status_code=201, tags=["sharing"])
def share(child_id: int, body: SharingDecisionIn, session: SessionDep,
          auth: Annotated[Authorised, Depends(authorise("child.share"))]) -> dict[str, Any]:
    """Record a decision to share (or not) this child's data with another agency, with its reasons."""
    row = access.record_sharing_decision(
        session, principal=auth.user, actor=auth.actor, child_id=child_id, to_agency_code=body.to_agency,
        decision=body.decision, scope=body.scope, lawful_gateway=body.lawful_gateway, reason=body.reason,
        child_informed=body.child_informed, expires_at=body.expires_at)
    return {"id": row.id, "decision": row.decision, "scope": row.scope}


@router.get("/sharing-agreements", tags=["sharing"])
def list_agreements(session: SessionDep,
                    auth: Annotated[Authorised, Depends(authorise("isa.read"))]) -> list[AgreementOut]:
    """Information sharing agreements your agency is party to."""
    return [AgreementOut.model_validate(a) for a in access.list_agreements(session, agency_id=auth.user.agency_id)]


@router.post("/sharing-agreements", status_code=201, tags=["sharing"])
def create_agreement(body: AgreementIn, session: SessionDep,
                     auth: Annotated[Authorised, Depends(authorise("isa.manage"))]) -> AgreementOut:
    """Record an information sharing agreement your agency is party to."""
    row = access.create_agreement(session, actor=auth.actor, **body.model_dump())
    return AgreementOut.model_validate(row)


def _export_target(session: Session, request: Request) -> access.Target:
    """The child, agreement and recipient agency of a person export, read from the path and query."""
    child_id = int(request.path_params["child_id"]) if is_digits(str(request.path_params.get("child_id", ""))) else 0
    agreement = request.query_params.get("agreement_id", "")
    recipient = request.query_params.get("recipient_agency")
    recipient_id = None
    if recipient:
        try:
            recipient_id = areas.get_agency(session, code=recipient).id
        except Exception:
            recipient_id = -1
    return access.Target(child_id=child_id, agreement_id=int(agreement) if is_digits(agreement) else None,
                         recipient_agency_id=recipient_id)


@router.post("/children/{child_id}/export", tags=["exports"])
def export_child(child_id: int, body: ExportIn, session: SessionDep,
                 auth: Annotated[Authorised, Depends(authorise("child.export", target=_export_target))],
                 ) -> PlainTextResponse:
    """One child's data as CSV for a named recipient; pass ?agreement_id= (and ?recipient_agency=). Redacted
    unless `redacted` is false and the agreement allows the fields."""
    if auth.target.agreement_id != body.agreement_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "agreement_id in the query and body differ")
    text = access.export_child(session, principal=auth.user, actor=auth.actor, child_id=child_id,
                               agreement_id=body.agreement_id, recipient=body.recipient,
                               justification=body.justification, redacted=body.redacted)
    return PlainTextResponse(text, media_type=CSV, headers={"Cache-Control": "no-store"})


@router.post("/exports", status_code=201, tags=["exports"])
def request_bulk(body: BulkExportIn, session: SessionDep,
                 auth: Annotated[Authorised, Depends(authorise("bulk.export"))]) -> dict[str, Any]:
    """Ask for a bulk export; a second person must approve it before it can be downloaded."""
    row = access.request_bulk_export(session, principal=auth.user, actor=auth.actor, child_ids=body.child_ids,
                                     agreement_id=body.agreement_id, recipient=body.recipient,
                                     justification=body.justification)
    return {"id": row.id, "status": row.status}


@router.post("/exports/{export_id}/approve", tags=["exports"])
def approve_bulk(export_id: int, session: SessionDep,
                 auth: Annotated[Authorised, Depends(authorise("bulk.approve"))]) -> dict[str, Any]:
    """Approve someone else's bulk export request."""
    row = access.approve_bulk_export(session, principal=auth.user, actor=auth.actor, export_id=export_id)
    return {"id": row.id, "status": row.status}


@router.get("/exports/{export_id}/download", tags=["exports"])
def download_bulk(export_id: int, session: SessionDep,
                  auth: Annotated[Authorised, Depends(authorise("bulk.export"))]) -> PlainTextResponse:
    """Download your approved bulk export (redacted CSV)."""
    text = access.download_bulk_export(session, principal=auth.user, actor=auth.actor, export_id=export_id)
    return PlainTextResponse(text, media_type=CSV, headers={"Cache-Control": "no-store"})


@router.get("/children/{child_id}/subject-access", tags=["data protection"])
def subject_access(child_id: int, session: SessionDep,
                   auth: Annotated[Authorised, Depends(authorise("child.sar"))]) -> dict[str, Any]:
    """Subject access export for a child: their data, who received it, third parties and intelligence withheld."""
    return access.subject_access(session, actor=auth.actor, child_id=child_id)


@router.post("/children/{child_id}/erase", tags=["data protection"])
def erase(child_id: int, body: EraseIn, session: SessionDep,
          auth: Annotated[Authorised, Depends(authorise("child.erase"))]) -> dict[str, Any]:
    """Erase or de-list a child (or only your agency's records of them); only the audit remains."""
    return access.erase_child(session, child_id=child_id, actor=auth.actor, reason=body.reason,
                              agency_id=auth.user.agency_id if body.agency_only else None)


@router.get("/retention/due", tags=["data protection"])
def retention_due(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("retention.manage"))],
                  limit: int = 500) -> list[dict[str, Any]]:
    """Your agency's records past their review date (the overdue-review report)."""
    return [item.__dict__ for item in access.list_due(session, agency_id=auth.user.agency_id, limit=limit)]


@router.post("/retention/reviews", status_code=201, tags=["data protection"])
def retention_review(body: RetentionReviewIn, session: SessionDep,
                     auth: Annotated[Authorised, Depends(authorise("retention.manage"))]) -> dict[str, Any]:
    """Record a retention review decision (retain needs a rationale) on one of your agency's records."""
    due_ids = {item.record_id for item in access.list_due(session, agency_id=auth.user.agency_id, limit=10**9)}
    if body.record_id not in due_ids:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no record {body.record_id} of your agency is due review")
    review = access.record_review(session, record_id=body.record_id, outcome=body.outcome, rationale=body.rationale,
                                  actor=auth.actor, next_review_days=body.next_review_days)
    return {"id": review.id, "outcome": review.outcome, "next_review_at": review.next_review_at}
