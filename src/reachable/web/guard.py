"""Every page asks access's one policy before it shows or changes anything, and audits what it showed."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.web.auth import WebUser


class Refused(HTTPException):
    """The policy said no: a 403 page that shows the policy's reason (or a 404 if the child does not exist)."""

    def __init__(self, decision: access.Decision) -> None:
        super().__init__(status_code=404 if decision.not_found else 403, detail=decision.reason)
        self.decision = decision


def decide(session: Session, *, user: WebUser, action: str, child_id: int | None = None,
           owner_agency_id: int | None = None) -> access.Decision:
    """The policy's decision for this person, action and object (no exception)."""
    target = access.Target(child_id=child_id, owner_agency_id=owner_agency_id)
    return access.decide(session, user=user.principal, action=action, target=target)


def allow(session: Session, *, user: WebUser, action: str, child_id: int | None = None,
          owner_agency_id: int | None = None) -> access.Decision:
    """The decision if allowed; otherwise the refusal page."""
    decision = decide(session, user=user, action=action, child_id=child_id, owner_agency_id=owner_agency_id)
    if not decision.allowed:
        raise Refused(decision)
    return decision


def audit(session: Session, *, user: WebUser, decision: access.Decision, object_type: str,
          object_id: str | int | None = None, child_id: int | None = None,
          fields: dict[str, Any] | None = None, justification: str | None = None) -> None:
    """Write the audit row the action calls for (view, change, disclose...) with the policy's justification."""
    spec = access.ACTIONS.get(decision.action)
    if spec is None or spec.audit is None:
        return
    access.record(session, actor=user.actor(), action=spec.audit, object_type=object_type,
                  object_id=object_id, child_id=child_id, fields=fields or {},
                  justification=justification or decision.justification)
