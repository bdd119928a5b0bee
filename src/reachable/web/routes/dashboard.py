"""The area dashboard: Counting Lives statistics for an area and financial years, with downloads (aggregates only).

Need-to-know: the reports' own policy action (stats.view: analysts and managers, published figures with small
numbers suppressed) guards the page and the downloads, and each download is audited like the CLI export.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from reachable.access import service as access
from reachable.api.deps import declares
from reachable.common.dates import utcnow
from reachable.reports import service as reports
from reachable.reports.schemas import ALL
from reachable.web import guard
from reachable.web.render import page, translator_for
from reachable.web.routes.common import SessionDep, UserDep
from reachable.web.views import dashboard as views

router = APIRouter(include_in_schema=False)
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/dashboard")
@declares("stats.view")
def dashboard(request: Request, session: SessionDep, user: UserDep, area: str | None = None,
              from_year: str | None = None, to_year: str | None = None) -> Response:
    """The statistics for the person's area (or a chosen one) and the current (or chosen) financial years."""
    guard.allow(session, user=user, action="stats.view")
    t = translator_for(request)
    names = reports.area_names(session)
    today = utcnow().date()
    choice, problems = views.choose(area=area, from_year=from_year, to_year=to_year, default_area=user.area_code,
                                    names=names, today=today)
    errors = {name: t(key) for name, key in problems.items()}
    board = None if errors else views.build(session, choice=choice)
    values = {"area": area or choice.area, "from_year": from_year or str(choice.first_year),
              "to_year": to_year or str(choice.last_year)}
    return page(request, "pages/dashboard.html", {
        "board": board, "choice": choice, "errors": errors, "error_summary": list(errors.items()),
        "values": values, "areas": [(code, t("dashboard.all_areas") if code == ALL else
                                       t("dashboard.area_option", name=name, code=code))
                                      for code, name in views.area_choices(names)], "years": views.year_choices(today),
        "area_name": names.get(choice.area, choice.area), "groups": views.GROUPS,
        "number": views.number, "change": views.change, "flag_key": views.flag_key,
    }, status_code=400 if errors else 200)


@router.get("/dashboard/counting-lives.{format}")
@declares("stats.view")
def download(request: Request, session: SessionDep, user: UserDep, format: str, area: str | None = None,
             from_year: str | None = None, to_year: str | None = None) -> Response:
    """The same published return as the report's own CSV or XLSX export (the JSON is the reports API's)."""
    if format not in MEDIA:
        raise HTTPException(status_code=404)
    decision = guard.allow(session, user=user, action="stats.view")
    choice, problems = views.choose(area=area, from_year=from_year, to_year=to_year, default_area=user.area_code,
                                    names=reports.area_names(session), today=utcnow().date())
    if problems:
        t = translator_for(request)
        raise HTTPException(status_code=400, detail="; ".join(t(key) for key in problems.values()))
    ret = reports.build_return(session, area=choice.area, start=choice.start, end=choice.end, by_year=True,
                               publish=True)
    # The report's exporter, as `reachable report counting-lives` uses it, so the files are the same.
    from reachable.reports.exports import write

    with tempfile.TemporaryDirectory() as folder:
        content = write(ret, format=format, out=Path(folder) / f"return.{format}").read_bytes()
    access.record(session, actor=user.actor(), action="export", object_type="counting_lives_return",
                  object_id=ret.area, fields={"from": choice.start.isoformat(), "to": choice.end.isoformat(),
                                              "format": format, "published": True, "via": "web"},
                  justification=decision.justification)
    filename = f"counting-lives-{ret.area}-{choice.first_year}-{choice.last_year + 1}.{format}"
    return Response(content, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
