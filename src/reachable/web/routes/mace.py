"""The MACE agenda (children with CCE markers, open disruption plans, NRM decisions awaited) and the rules."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from reachable.access import service as access
from reachable.api.deps import declares
from reachable.identity.models import Child
from reachable.markers.models import Marker
from reachable.nrm.models import NrmReferral
from reachable.plans.models import Plan
from reachable.rules.registry import load_registry
from reachable.web import guard
from reachable.web.render import page
from reachable.web.routes.common import SessionDep, UserDep
from reachable.web.views.lookup import children_by_id

router = APIRouter(include_in_schema=False)
CCE_CODES = ("cce_risk", "cce_victim", "county_lines")


@router.get("/mace")
@declares("children.list")
def agenda(request: Request, session: SessionDep, user: UserDep) -> Response:
    """Who the panel should discuss: children with CCE markers in the area, plans due for review, NRM cases."""
    decision = guard.allow(session, user=user, action="children.list")
    in_area = [Child.status == "active"] + ([Child.home_area_code == user.area_code] if user.area_code else [])
    marked = session.execute(select(Marker, Child).join(Child, Child.id == Marker.child_id)
                             .where(Marker.code.in_(CCE_CODES), Marker.status.in_(("active", "proposed")), *in_area)
                             .order_by(Marker.review_due_at.is_(None), Marker.review_due_at, Marker.id)
                             .limit(200)).all()
    plans = list(session.scalars(select(Plan).where(Plan.status == "open", Plan.kind.in_(("disruption", "context")))
                                 .order_by(Plan.review_due_at.is_(None), Plan.review_due_at).limit(100)))
    referrals = session.execute(select(NrmReferral, Child).join(Child, Child.id == NrmReferral.child_id)
                                .where(NrmReferral.cg_decision.is_(None), *in_area)
                                .order_by(NrmReferral.referred_on).limit(100)).all()
    visible = set(access.visible_child_ids(
        session, user=user.principal, child_ids=list({row[1].id for row in marked} | {row[1].id for row in referrals})))
    guard.audit(session, user=user, decision=decision, object_type="mace_agenda",
                fields={"children": len(visible)}, justification="MACE agenda")
    return page(request, "pages/mace.html", {
        "marked": [row for row in marked if row[1].id in visible],
        "plans": plans, "plan_children": children_by_id(session, (plan.child_id for plan in plans)),
        "referrals": [row for row in referrals if row[1].id in visible]})


@router.get("/rules")
@declares("public")
def rules(request: Request, user: UserDep) -> Response:
    """Every reachable-moment rule in force: what triggers it, what it asks, and its id and version."""
    registry = load_registry(request.app.state.settings.rules_dir)
    loaded = [registry.rules[rule_id] for rule_id in sorted(registry.rules)]
    return page(request, "pages/rules.html", {"rules": loaded})
