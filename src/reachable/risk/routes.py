"""HTTP adapter for screening, risk history and the early-identification list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.risk import service as risk
from reachable.risk.schemas import AssessmentIn, AssessmentOut, LevelChange, RankedChild
from reachable.risk.screening import Suggestion

router = APIRouter(tags=["risk"])


def assessment_target(session: Session, request: Request) -> access.Target:
    """The child an assessment is about."""
    return access.Target(child_id=risk.get_assessment(session, assessment_id=int(request.path_params["assessment_id"])
                                                      ).child_id)


class Dispute(BaseModel):
    """Why another agency disputes an assessment."""

    reason: str


@router.get("/children/{child_id}/screening")
def screening(child_id: int, session: SessionDep,
              _: Annotated[Authorised, Depends(authorise("child.view"))]) -> Suggestion:
    """The pre-filled screening: indicators with evidence and the suggested level with reasons."""
    return risk.screen(session, child_id=child_id)


@router.post("/children/{child_id}/risk-assessments", status_code=201)
def assess(child_id: int, decision: AssessmentIn, session: SessionDep,
           auth: Annotated[Authorised, Depends(authorise("child.change"))]) -> AssessmentOut:
    """Record a practitioner's screening decision (overrides need a reason)."""
    return AssessmentOut.model_validate(risk.create_assessment(session, child_id=child_id, decision=decision,
                                                               actor=auth.actor))


@router.get("/children/{child_id}/risk-history")
def history(child_id: int, session: SessionDep,
            _: Annotated[Authorised, Depends(authorise("child.view"))]) -> list[LevelChange]:
    """The child's risk timeline: who changed the level, when and why."""
    return risk.history(session, child_id=child_id)


@router.post("/risk-assessments/{assessment_id}/dispute")
def dispute(assessment_id: int, body: Dispute, session: SessionDep,
            auth: Annotated[Authorised, Depends(authorise("child.change", target=assessment_target))]
            ) -> AssessmentOut:
    """Dispute another agency's assessment; both views are kept."""
    return AssessmentOut.model_validate(risk.dispute(session, assessment_id=assessment_id, reason=body.reason,
                                                     actor=auth.actor))


@router.post("/risk-assessments/{assessment_id}/moderate", status_code=201)
def moderate(assessment_id: int, decision: AssessmentIn, session: SessionDep,
             auth: Annotated[Authorised, Depends(authorise("child.change", target=assessment_target))]
             ) -> AssessmentOut:
    """Record the moderated multi-agency view of a disputed assessment."""
    return AssessmentOut.model_validate(risk.moderate(session, assessment_id=assessment_id, decision=decision,
                                                      actor=auth.actor))


@router.get("/early-identification")
def early_identification(session: SessionDep, auth: Annotated[Authorised, Depends(authorise("children.list"))],
                         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RankedChild]:
    """The ranked list for the MACE panel, with contributing factors, only children the caller may see."""
    ranked = risk.early_identification(session, limit=limit * 20)
    visible = [row for row in ranked if access.decide(session, user=auth.principal, action="child.view",
                                                       target=access.Target(child_id=row.child_id)).allowed]
    return visible[:limit]
