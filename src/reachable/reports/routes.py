"""HTTP adapter for statistics: the same registry and service as the export and the web dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from reachable.api.deps import Authorised, SessionDep, authorise
from reachable.common.errors import NotFound
from reachable.reports import service as reports
from reachable.reports.schemas import Cell, ReturnOut, StatisticOut

router = APIRouter(prefix="/reports", tags=["reports"])
# stats.view: aggregate figures with small numbers suppressed, never a child's details; so the API always
# publishes (suppresses); unsuppressed internal figures leave only through the audited CLI export.
Reader = Annotated[Authorised, Depends(authorise("stats.view"))]
Area = Annotated[str, Query(description="ONS council or police force code, or 'all'.")]
Start = Annotated[date, Query(alias="from")]
End = Annotated[date, Query(alias="to")]
By = Annotated[str | None, Query(pattern="^year$", description="'year' for financial years.")]


@router.get("/statistics")
def list_statistics(auth: Reader) -> list[StatisticOut]:
    """Every statistic's documented definition."""
    return reports.list_statistics()


@router.get("/statistics/{statistic_id}")
def statistic(statistic_id: str, area: Area, start: Start, end: End, session: SessionDep, auth: Reader,
              by: By = None) -> list[Cell]:
    """One statistic's figures for an area and period, with disclosure control applied."""
    try:
        cells = reports.statistic_cells(session, statistic_id=statistic_id, area=area, start=start, end=end,
                                        by_year=by == "year", publish=True)
    except KeyError as error:
        raise NotFound(str(error)) from None
    return cells


@router.get("/counting-lives")
def counting_lives(area: Area, start: Start, end: End, session: SessionDep, auth: Reader, by: By = None,
                   exclude_force: str | None = None) -> ReturnOut:
    """The whole published Counting Lives return as JSON (the same object the CLI exports with --publish)."""
    return reports.build_return(session, area=area, start=start, end=end, by_year=by == "year", publish=True,
                                exclude_force=exclude_force)
