"""The CLI commands, the API routes and the generated statistics reference agree with the registry."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reachable.access import service as access
from reachable.access.models import User
from reachable.api.app import create_app
from reachable.areas import service as areas
from reachable.cli.main import build_app
from reachable.common.dates import utcnow
from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from reachable.records.kinds import EventKind as K
from reachable.reports import service
from reachable.reports.registry import statistics_markdown
from tests.reports.conftest import BHAM, ev, kid, load

DOCS = Path(__file__).parents[2] / "docs"


def test_statistics_reference_is_current() -> None:
    assert (DOCS / "statistics.md").read_text() == statistics_markdown(), "regenerate docs/statistics.md"


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        events = [ev(K.MISSING_REPORTED, kid(f"Cli{n}", dob=date(2009, 1, 1)), f"2024-06-{n + 1:02d}",
                     payload={"episode_ref": f"E{n}", "from_care": True}) for n in range(6)]
        events.append(ev(K.ASSESSMENT_COMPLETED, kid("Cli0", dob=date(2009, 1, 1)), "2024-07-01",
                         agency=f"CSC-{BHAM}", payload={"factors": ["24A"]}))
        load(session, events)
        session.commit()
    engine.dispose()
    return url


def test_cli_report_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACHABLE_DATABASE_URL", _store(tmp_path))
    monkeypatch.setenv("REACHABLE_SECRET_KEY", "cli-secret")
    runner, app = CliRunner(), build_app()
    common = ["--area", BHAM, "--from", "2024-04-01", "--to", "2025-03-31"]
    for fmt in ("xlsx", "json"):  # csv and html writers are covered in test_exports
        result = runner.invoke(app, ["report", "counting-lives", *common, "--by", "year", "--format", fmt,
                                     "--out", str(tmp_path / f"r.{fmt}"), "--publish"])
        assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["published"] is True
    result = runner.invoke(app, ["report", "return", *common, "--out", str(tmp_path / "ret.json")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", "national", str(tmp_path / "ret.json"), "--format", "json",
                                 "--out", str(tmp_path / "nat.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "nat.json").read_text())["areas_included"] == [BHAM]
    result = runner.invoke(app, ["report", "cin-factors", *common, "--out", str(tmp_path / "cin.csv")])
    assert result.exit_code == 0 and "24A=1" in result.output, result.output
    result = runner.invoke(app, ["report", "ssda903-missing", *common, "--out", str(tmp_path / "903.csv")])
    assert result.exit_code == 0 and "6 episodes" in result.output, result.output
    assert "missing_children" in runner.invoke(app, ["report", "statistics"]).output
    bad = runner.invoke(app, ["report", "counting-lives", "--area", "NOWHERE", "--from", "2024-04-01", "--to",
                              "2025-03-31", "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code != 0 and not (tmp_path / "x.xlsx").exists()


def test_api_serves_the_same_published_figures(tmp_path: Path) -> None:
    url = _store(tmp_path)
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as session:
        agency = areas.ensure_agency(session, code=f"CSC-{BHAM}")
        analyst = User(username="analyst", display_name="Analyst", agency_id=agency.id, role="data_analyst",
                       totp_secret=access.DEMO_TOTP_SECRET, active=True, created_at=utcnow())
        worker = User(username="worker", display_name="Worker", agency_id=agency.id, role="social_worker",
                      totp_secret=access.DEMO_TOTP_SECRET, active=True, created_at=utcnow())
        session.add_all([analyst, worker])
        session.flush()
        tokens = {u.role: access.start_session(session, user=u).token for u in (analyst, worker)}
        expected = service.statistic_cells(session, statistic_id="missing_children", area=BHAM,
                                           start=date(2024, 4, 1), end=date(2025, 3, 31))
        session.commit()
    query = {"area": BHAM, "from": "2024-04-01", "to": "2025-03-31"}
    with TestClient(create_app(Settings(database_url=url), engine=engine)) as client:
        analyst_headers = {"Authorization": f"Bearer {tokens['data_analyst']}"}
        response = client.get("/api/v1/reports/statistics/missing_children", params=query, headers=analyst_headers)
        assert response.status_code == 200, response.text
        assert response.json() == [cell.model_dump() for cell in expected]
        assert response.json()[0]["value"] == 6
        whole = client.get("/api/v1/reports/counting-lives", params=query, headers=analyst_headers).json()
        assert whole["published"] is True
        assert client.get("/api/v1/reports/statistics", headers=analyst_headers).status_code == 200
        assert client.get("/api/v1/reports/statistics/nope", params=query, headers=analyst_headers).status_code == 404
        worker_headers = {"Authorization": f"Bearer {tokens['social_worker']}"}
        refused = client.get("/api/v1/reports/statistics", headers=worker_headers)
        assert refused.status_code == 403
    engine.dispose()
