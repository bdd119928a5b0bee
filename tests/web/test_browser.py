"""Browser tests: Debian's Chromium driven by playwright-core (npm) against one live server on 127.0.0.1.

They run in the default suite only when /usr/bin/chromium and node_modules exist; screenshots, the downloaded
report and results.json land in test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from reachable.access import service as access
from reachable.api.app import create_app
from reachable.areas import service as areas
from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from tests.web.world import COVENTRY, MISSING_GIRLS, PASSWORD, build

ROOT = Path(__file__).parents[2]
CHROMIUM = Path(os.environ.get("REACHABLE_CHROMIUM", "/usr/bin/chromium"))
OUT = ROOT / "test-artifacts" / "web"
READY = CHROMIUM.exists() and (ROOT / "node_modules" / "playwright-core").is_dir() and shutil.which("node")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not READY, reason="needs /usr/bin/chromium and npm ci")]
FLOWS = ("sign_in", "search", "child_page", "complete_task", "review_decision", "download_report", "other_pages")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a SQLite store, serve it on 127.0.0.1 and run every flow once in one browser."""
    folder = tmp_path_factory.mktemp("browser")
    settings = Settings(database_url=f"sqlite:///{folder / 'reachable.db'}", data_dir=folder)
    engine = make_engine(settings.database_url)
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        world = build(session)
        session.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    if OUT.exists():
        shutil.rmtree(OUT)
    env = {**os.environ, "BASE_URL": f"http://127.0.0.1:{port}", "USERNAME": world.username, "PASSWORD": PASSWORD,
           "CODE": access.current_code(world.totp_secret), "CHILD_REF": world.child_ref,
           "TASK_ID": str(world.task_id), "REVIEW_ID": str(world.review_id), "OUT_DIR": str(OUT),
           "CHROMIUM": str(CHROMIUM), "ANALYST_USERNAME": world.analyst_username,
           "ANALYST_SECRET": world.analyst_secret, "DASHBOARD_AREA": COVENTRY, "DASHBOARD_YEAR": "2024",
           "MISSING_GIRLS": str(MISSING_GIRLS)}
    try:
        completed = subprocess.run(["node", str(Path(__file__).parent / "browser" / "flows.mjs")], cwd=ROOT,
                                   env=env, capture_output=True, text=True, timeout=180)
        assert completed.returncode == 0, completed.stderr[-3000:]
        yield json.loads((OUT / "results.json").read_text())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.mark.parametrize("name", FLOWS)
def test_flow(run: dict[str, Any], name: str) -> None:
    assert run["flows"][name]["ok"], run["flows"][name].get("error")


def test_no_request_leaves_the_machine(run: dict[str, Any]) -> None:
    assert run["offsite"] == []


def test_no_accessibility_violations(run: dict[str, Any]) -> None:
    assert run["axe"], "axe-core did not run"
    assert {page: found for page, found in run["axe"].items() if found} == {}


def test_no_script_errors(run: dict[str, Any]) -> None:
    expected = ("RCH-NOTHERE: Failed to load resource: the server responded with a status of 404",
                "/dashboard: Failed to load resource: the server responded with a status of 403")  # the refusal
    assert [error for error in run["consoleErrors"] if not any(e in error for e in expected)] == []


def test_screenshots_saved(run: dict[str, Any]) -> None:
    for name in ("sign-in", "my-work", "search-results", "child", "task", "review", "dashboard",
                 "dashboard-statistics", "dashboard-police"):
        assert (OUT / f"{name}.png").stat().st_size > 1000, name
