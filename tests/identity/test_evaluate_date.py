"""Subgroup ages in `link evaluate` are ages when the records were made, not at today's date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from reachable.identity.evaluate import age_band, reference_date


def test_reference_date_is_the_end_of_the_simulated_window(tmp_path: Path) -> None:
    (tmp_path / "truth").mkdir()
    (tmp_path / "manifest.json").write_text(json.dumps({"window": {"start": "2021-04-01", "end": "2024-03-31"}}))
    assert reference_date(tmp_path) == date(2024, 3, 31)
    assert reference_date(tmp_path / "truth") == date(2024, 3, 31)  # given the truth folder itself
    # A 16-year-old at the end of the window is 16-17 then, whatever today's date is.
    assert age_band(date(2007, 6, 1), reference_date(tmp_path) or date.today()) == "16-17"


def test_no_manifest_or_a_broken_one_gives_no_date(tmp_path: Path) -> None:
    assert reference_date(tmp_path) is None
    (tmp_path / "manifest.json").write_text("{not json")
    assert reference_date(tmp_path) is None
    (tmp_path / "manifest.json").write_text(json.dumps({"window": {}}))
    assert reference_date(tmp_path) is None
