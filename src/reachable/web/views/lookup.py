"""Small batch look-ups that label rows: children by id, agencies by id."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.identity.models import Child


def children_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Child]:
    """Active children keyed by id (erased children never appear, even on old rows)."""
    wanted = {child_id for child_id in ids if child_id is not None}
    if not wanted:
        return {}
    query = select(Child).where(Child.id.in_(wanted), Child.status != "erased")
    return {child.id: child for child in session.scalars(query)}


def agency_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Agency names keyed by id."""
    wanted = {agency_id for agency_id in ids if agency_id is not None}
    return {agency_id: agency.name for agency_id, agency in areas.agencies_by_id(session, ids=wanted).items()}
