"""HTTP adapter for the rules in force and a child's rule firings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.rules import service as rules
from reachable.rules.schemas import FiringOut, RuleOut
from reachable.rules.spec import as_data

router = APIRouter(tags=["rules"])


@router.get("/rules")
def list_rules(_auth: Annotated[Authorised, Depends(authorise("public"))]) -> list[RuleOut]:
    """Every rule in force (built-in and local), with id, version and jurisdiction (no personal data)."""
    return rules.list_rules()


@router.get("/rules/{rule_id}")
def show_rule(rule_id: str, _auth: Annotated[Authorised, Depends(authorise("public"))]) -> dict[str, Any]:
    """One rule in full: trigger, conditions, actions, guidance and where it came from."""
    loaded = rules.get_rule(rule_id=rule_id)
    return {"source": loaded.source, "builtin": loaded.builtin, "rule": as_data(loaded.spec)}


@router.get("/children/{child_id}/rule-firings")
def child_firings(child_id: int, session: SessionDep,
                  _auth: Annotated[Authorised, Depends(authorise("child.view"))]) -> list[FiringOut]:
    """The reachable moments a child's events fired, each with its reason and evidence."""
    return [FiringOut.model_validate(firing) for firing in rules.list_firings(session, child_id=child_id)]
