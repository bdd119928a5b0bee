"""Realism of the world itself: identity noise, moving lines, local and travelling exploitation, CLI."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from reachable.cli.simulate import register
from reachable.simulate.areas import AREAS, HUBS
from reachable.simulate.identity import make_nhs, make_upn, nhs_check_digit, upn_check_letter


def _csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV into dicts."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_identifiers_are_well_formed() -> None:
    for n in (0, 1, 999_999, 12_345_678):
        upn = make_upn("330", n)
        assert len(upn) == 13 and upn_check_letter(upn[1:]) == upn[0]
        nhs = make_nhs(n)
        assert len(nhs) == 10 and nhs[0] == "9" and nhs_check_digit(nhs[:9]) == int(nhs[9])
    assert len({make_upn("330", n) for n in range(20000)}) == 20000


def test_world_has_exporting_hubs_importing_counties_and_wales() -> None:
    assert {a.code for a in HUBS} >= {"E08000025"}
    assert any(a.country == "Wales" for a in AREAS)
    assert sum(a.role == "importing" for a in AREAS) >= 3
    areas_csv = Path(__file__).parents[2] / "src" / "reachable" / "areas" / "data" / "areas.csv"
    if areas_csv.exists():
        known = {r["code"]: r for r in _csv(areas_csv)}
        for a in AREAS:
            assert a.code in known and known[a.code]["name"] == a.name
            assert known[a.code]["police_force_code"] == a.force.code


def test_identity_noise_duplicates_and_variation(small_world: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = small_world
    records = _csv(root / "truth" / "person_records.csv")
    per = Counter((r["agency"], r["child_id"]) for r in records)
    assert any(n > 1 for n in per.values()), "some agencies hold duplicate records of a child"
    children = {r["child_id"]: r for r in _csv(root / "truth" / "children.csv")}
    truth = {(r["agency"], r["agency_person_id"]): r["child_id"] for r in records}
    dobs: defaultdict[str, set[str]] = defaultdict(set)
    for f in manifest["files"]:
        if f["format"] == "police-csv" and f["table"] == "arrests":
            for row in _csv(root / f["path"]):
                cid = truth[(f["agency"], row["person_id"])]
                dobs[cid].add(row["dob"])
    assert children and dobs


def test_lines_move_and_children_are_exploited_locally_and_away(small_world: tuple[Path, dict[str, Any]]) -> None:
    root, _ = small_world
    lines = _csv(root / "truth" / "lines.csv")
    markets = defaultdict(set)
    for r in lines:
        markets[r["line_id"]].add(r["importing_area"])
    assert any(len(m) > 1 for m in markets.values())
    assert all(r["to_date"] == "" or r["from_date"] <= r["to_date"] for r in lines), "a segment ends before it starts"
    kids = [r for r in _csv(root / "truth" / "children.csv") if r["exploited"] == "Y"]
    assert {r["travels"] for r in kids} == {"Y", "N"}
    assert {r["max_stage"] for r in kids} >= {"groomed", "trapped"}
    stages = _csv(root / "truth" / "stages.csv")
    assert {r["stage"] for r in stages} == {"targeted", "groomed", "tested", "trapped"}
    hidden = sum(int(r["missing_episodes_true"]) - int(r["missing_episodes_recorded"]) for r in kids)
    assert hidden > 0, "some missing episodes of exploited children are never reported"


def test_cli_command_writes_a_world(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.callback()
    def root() -> None:
        """Root."""

    report = tmp_path / "cal.md"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--children",
            "300",
            "--years",
            "1",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "w"),
            "--calibration-report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "manifest.json").exists()
    assert report.read_text(encoding="utf-8").startswith("# Calibration report")
