"""`reachable simulate`: write a synthetic world (agency extracts, ground truth, calibration report)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from reachable.simulate import DEFAULT_END, simulate
from reachable.simulate.report import checks, render


def simulate_command(
    children: int = typer.Option(10_000, "--children", min=1, help="Number of children in the world."),
    years: int = typer.Option(3, "--years", min=1, max=10, help="Years of history up to --end-date."),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed gives byte-identical output."),
    out: Path = typer.Option(..., "--out", help="Output directory (extracts/, truth/, manifest.json)."),
    end_date: str = typer.Option(DEFAULT_END.isoformat(), "--end-date", help="Last day simulated (ISO date)."),
    calibration_report: Path | None = typer.Option(
        None, "--calibration-report", help="Also write the calibration report (markdown) here."
    ),
) -> None:
    """Simulate children, exploitation and agency records into OUT."""
    end = date.fromisoformat(end_date)
    manifest = simulate(out, children=children, years=years, seed=seed, end_date=end)
    typer.echo(f"wrote {len(manifest['files'])} extract files, {manifest['events_total']:,} events to {out}")
    if calibration_report is not None:
        summary = json.loads((out / "truth" / "metrics.json").read_text(encoding="utf-8"))
        command = (
            f"reachable simulate --children {children} --years {years} --seed {seed} "
            f"--end-date {end_date} --out <dir> --calibration-report {calibration_report}"
        )
        calibration_report.parent.mkdir(parents=True, exist_ok=True)
        calibration_report.write_text(render(summary, manifest, command), encoding="utf-8")
        failed = [key for key, _, ok in checks(summary) if not ok]
        typer.echo(
            f"calibration report: {calibration_report} ({len(failed)} figures outside tolerance"
            + (f": {', '.join(failed)}" if failed else "")
            + ")"
        )


def register(app: typer.Typer) -> None:
    """Add the `simulate` command to the root app."""
    app.command("simulate")(simulate_command)
