"""HTTP adapter for NRM referrals and decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.nrm import service as nrm
from reachable.nrm.schemas import DecisionIn, NrmFigures, ReferralIn, ReferralOut

router = APIRouter(tags=["nrm"])


def referral_target(session: Session, request: Request) -> access.Target:
    """The child whose referral the route names."""
    referral = nrm.get_referral(session, referral_id=int(request.path_params["referral_id"]))
    return access.Target(child_id=referral.child_id)


# Decisions on a referral need change access to the referral's child.
ChangeReferral = Annotated[Authorised, Depends(authorise("child.change", target=referral_target))]


class Reconsideration(BaseModel):
    """Why a negative decision should be reconsidered."""

    reason: str


@router.get("/children/{child_id}/nrm")
def list_referrals(child_id: int, session: SessionDep,
                   _: Annotated[Authorised, Depends(authorise("child.view"))]) -> list[ReferralOut]:
    """The child's NRM referrals with decisions and timers."""
    return [ReferralOut.model_validate(r) for r in nrm.list_referrals(session, child_id=child_id)]


@router.post("/children/{child_id}/nrm", status_code=201)
def refer(child_id: int, referral: ReferralIn, session: SessionDep,
          auth: Annotated[Authorised, Depends(authorise("child.change"))]) -> ReferralOut:
    """Record a first responder's referral (the body's child_id must match the path)."""
    body = referral.model_copy(update={"child_id": child_id})
    return ReferralOut.model_validate(nrm.refer(session, referral=body, actor=auth.actor))


@router.post("/nrm/{referral_id}/reasonable-grounds")
def reasonable_grounds(referral_id: int, decision: DecisionIn, session: SessionDep,
                       auth: ChangeReferral) -> ReferralOut:
    """Record the reasonable grounds decision."""
    return ReferralOut.model_validate(nrm.record_rg(session, referral_id=referral_id, decision=decision,
                                                   actor=auth.actor))


@router.post("/nrm/{referral_id}/conclusive-grounds")
def conclusive_grounds(referral_id: int, decision: DecisionIn, session: SessionDep,
                       auth: ChangeReferral) -> ReferralOut:
    """Record the conclusive grounds decision."""
    return ReferralOut.model_validate(nrm.record_cg(session, referral_id=referral_id, decision=decision,
                                                   actor=auth.actor))


@router.post("/nrm/{referral_id}/reconsideration")
def reconsideration(referral_id: int, body: Reconsideration, session: SessionDep,
                    auth: ChangeReferral) -> ReferralOut:
    """Request reconsideration of a negative decision."""
    return ReferralOut.model_validate(nrm.request_reconsideration(session, referral_id=referral_id,
                                                                  reason=body.reason, actor=auth.actor))


@router.get("/reports/nrm-timeliness")
def timeliness(session: SessionDep, _: Annotated[Authorised, Depends(authorise("stats.view"))]) -> NrmFigures:
    """Median days to decisions and the share of RG decisions within 5 working days (no personal data)."""
    return nrm.figures(session)
