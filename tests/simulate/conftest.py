"""Shared simulated worlds: a small one for formats and truth, a larger one for calibration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reachable.simulate import simulate


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """3,000 children over 3 years (seconds)."""
    out = tmp_path_factory.mktemp("small")
    return out, simulate(out, children=3000, years=3, seed=11)


@pytest.fixture(scope="session")
def calibration_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """60,000 children over 3 years: enough for the published ratios to be stable (about 20 s)."""
    out = tmp_path_factory.mktemp("calibration")
    simulate(out, children=60_000, years=3, seed=1)
    summary: dict[str, Any] = json.loads((out / "truth" / "metrics.json").read_text(encoding="utf-8"))
    return summary
