"""The area dashboard shows the reports service's Counting Lives statistics, with downloads, to analysts only."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reachable.access.models import AuditEvent
from reachable.reports import service as reports
from tests.web.world import COVENTRY, EPISODES_EACH, MISSING_GIRLS, WebWorld

CHOICE = f"area={COVENTRY}&from_year=2024&to_year=2024"


def _figure(html: str, label: str) -> list[str]:
    """The cells of the table row with this label, as text."""
    match = re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th>(.*?)</tr>', html, flags=re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_dashboard_shows_the_known_statistics_for_a_chosen_area_and_year(analyst: TestClient,
                                                                           world: WebWorld) -> None:
    page = analyst.get(f"/dashboard?{CHOICE}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Coventry (E08000026)" in html and "1 April 2024 to 31 March 2025" in html
    assert _figure(html, "Children missing from care: girls") == [str(MISSING_GIRLS)]
    assert _figure(html, "Missing episodes from care: girls") == [str(MISSING_GIRLS * EPISODES_EACH)]
    assert _figure(html, "All children missing from care") == [str(MISSING_GIRLS)]
    assert _figure(html, "All children missing from home") == ["0"]
    assert _figure(html, "Episodes per child from care: girls") == ["2.0"]
    assert re.search(rf'data-statistic="missing_children">{MISSING_GIRLS}</dd>', html)  # the headline
    # Grouped like the report, each table with a chart and its figures' definitions.
    for group in ("Missing children", "Police", "National Referral Mechanism", "Children&#39;s services", "Response"):
        assert f">{group}</a>" in html, group
    assert html.count('<svg class="rch-chart"') >= 1 and 'class="govuk-details"' in html
    definition = next(s for s in reports.list_statistics() if s.id == "missing_children").definition
    assert definition.replace("'", "&#39;").replace('"', "&#34;")[:60] in html
    assert f"/dashboard/counting-lives.xlsx?{CHOICE.replace('&', '&amp;')}" in html
    assert "/api/v1/reports/counting-lives?area=E08000026&amp;from=2024-04-01&amp;to=2025-03-31&amp;by=year" in html


def test_dashboard_defaults_to_own_area_and_the_current_financial_year(analyst: TestClient,
                                                                         world: WebWorld) -> None:
    page = analyst.get("/dashboard")
    assert page.status_code == 200
    assert "Birmingham (E08000025)" in page.text
    assert '<option value="E08000025" selected>' in page.text


def test_several_years_give_a_column_each_and_the_change(analyst: TestClient, world: WebWorld) -> None:
    page = analyst.get(f"/dashboard?area={COVENTRY}&from_year=2023&to_year=2024")
    assert page.status_code == 200
    assert _figure(page.text, "Children missing from care: girls") == ["0", str(MISSING_GIRLS), ""]  # 0 -> 6: no %


def test_a_bad_choice_is_explained_and_shows_no_figures(analyst: TestClient, world: WebWorld) -> None:
    page = analyst.get("/dashboard?area=NOWHERE&from_year=2024&to_year=2023")
    assert page.status_code == 400
    assert "Choose an area from the list" in page.text and "govuk-error-summary" in page.text
    assert "govuk-tabs" not in page.text
    backwards = analyst.get(f"/dashboard?area={COVENTRY}&from_year=2024&to_year=2023")
    assert backwards.status_code == 400 and "must be the same as or after the first" in backwards.text
    assert analyst.get("/dashboard?from_year=1990").status_code == 400


def test_downloads_are_the_report_exports_and_are_audited(analyst: TestClient, world: WebWorld,
                                                          sessions: sessionmaker[Session]) -> None:
    csv = analyst.get(f"/dashboard/counting-lives.csv?{CHOICE}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert f"Children missing from care: girls,{MISSING_GIRLS}," in csv.text
    xlsx = analyst.get(f"/dashboard/counting-lives.xlsx?{CHOICE}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(xlsx.content))["missing"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Missing episodes from care: girls"] == MISSING_GIRLS * EPISODES_EACH
    json = analyst.get("/api/v1/reports/counting-lives",
                       params={"area": COVENTRY, "from": "2024-04-01", "to": "2025-03-31", "by": "year"})
    assert json.status_code == 200
    cells = [c for c in json.json()["cells"] if c["statistic"] == "missing_children" and c["dims"] == {}]
    assert [c["value"] for c in cells] == [MISSING_GIRLS]
    assert analyst.get(f"/dashboard/counting-lives.pdf?{CHOICE}").status_code == 404
    with sessions() as session:
        audited = list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "counting_lives_return")))
    assert [(row.action, row.actor, row.object_id, row.fields["format"]) for row in audited] == [
        ("export", "user:dana.analyst", COVENTRY, "csv"), ("export", "user:dana.analyst", COVENTRY, "xlsx")]


def test_an_analyst_lands_on_the_dashboard_not_a_refusal(analyst: TestClient, world: WebWorld) -> None:
    assert analyst.get("/").headers["location"] == "/dashboard"
