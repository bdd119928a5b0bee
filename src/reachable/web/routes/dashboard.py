"""The area dashboard with its figures as tables and charts, and a CSV download (aggregates only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reachable.api.deps import declares
from reachable.web import guard
from reachable.web.auth import WebUser
from reachable.web.render import page, translator_for
from reachable.web.routes.common import SessionDep, UserDep
from reachable.web.views.dashboard import Figure, as_csv, count_children, figures

router = APIRouter(include_in_schema=False)
STATISTICS = ("children_missing", "children_arrested_pwits", "children_excluded", "children_cce_marker",
              "children_nrm_referred", "children_with_tasks")


def _allowed(session: SessionDep, user: WebUser) -> None:
    """Aggregate statistics are for analysts and managers; practitioners see them through their manager."""
    if not guard.decide(session, user=user, action="stats.view").allowed:
        guard.allow(session, user=user, action="children.list")


def _chart(rows: list[Figure]) -> dict[str, list[dict[str, object]]]:
    """Bar lengths (as percentages of the largest figure) per statistic, for simple server-drawn bars."""
    top = max([row.value or 0 for row in rows] + [1])
    bars: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        bars.setdefault(row.statistic, []).append({"year": row.year, "value": row.value,
                                                   "width": round((row.value or 0) / top * 100, 1)})
    return bars


@router.get("/dashboard")
@declares("stats.view")
def dashboard(request: Request, session: SessionDep, user: UserDep) -> Response:
    """Figures for the person's area, by financial year."""
    _allowed(session, user)
    rows = figures(session, area=user.area_code)
    years = sorted({row.year for row in rows})
    table = {name: {row.year: row for row in rows if row.statistic == name} for name in STATISTICS}
    return page(request, "pages/dashboard.html", {
        "years": years, "table": table, "bars": _chart(rows), "statistics": STATISTICS,
        "children": count_children(session, area=user.area_code), "area": user.area_code})


@router.get("/dashboard/figures.csv")
@declares("stats.view")
def download(request: Request, session: SessionDep, user: UserDep) -> Response:
    """The same figures as a CSV file (no personal data: counts with small numbers suppressed)."""
    _allowed(session, user)
    t = translator_for(request)
    labels = {name: t(f"dashboard.stat_{name}") for name in STATISTICS}
    text = as_csv(figures(session, area=user.area_code), labels=labels, suppressed=t("dashboard.suppressed_csv"),
                  area=user.area_code)
    filename = f"reachable-figures-{user.area_code or 'all'}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
