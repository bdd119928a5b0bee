"""The CLI: version, and creating a store from nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reachable.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("reachable 0.")


def test_db_upgrade_on_empty_sqlite_file(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "REACHABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    result = _run("db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    assert "reference areas loaded" in result.stdout
    listed = _run("areas", "list", "--kind", "police_force", env=env)
    assert listed.stdout.count("\n") == 44  # 43 territorial forces plus British Transport Police
    from reachable.db import migrate

    assert _run("db", "current", env=env).stdout.strip() == migrate.heads()[0]
