"""`reachable risk …`: screening, risk history, the early-identification list and its evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from reachable.cli.context import cli_session
from reachable.risk import evaluate as evaluation
from reachable.risk import service as risk

app = typer.Typer(help="Screening, risk history and early identification.", no_args_is_help=True)


@app.command("screen")
def screen(child_id: int = typer.Argument(..., help="Child id.")) -> None:
    """Show the pre-filled screening for a child: indicators with evidence and the suggested level."""
    with cli_session() as session:
        suggestion = risk.screen(session, child_id=child_id)
    typer.echo(f"suggested level: {suggestion.level}")
    for reason in suggestion.reasons:
        typer.echo(f"  because {reason}")
    for finding in suggestion.findings:
        if finding.present:
            typer.echo(f"  [{finding.level}] {finding.label}: events {finding.evidence_event_ids}")


@app.command("history")
def history(child_id: int = typer.Argument(..., help="Child id.")) -> None:
    """A child's risk timeline and the days spent at each level."""
    with cli_session() as session:
        for step in risk.history(session, child_id=child_id):
            typer.echo(f"{step.at:%d/%m/%Y}\t{step.previous or '-'} -> {step.level}\t{step.by}\t{step.reason}")
        for level, days in risk.time_at_levels(session, child_id=child_id).items():
            typer.echo(f"{level}: {days:.0f} days")


@app.command("list")
def ranked(limit: int = typer.Option(50, help="How many children (the panel's list size)."),
           format: str = typer.Option("table", help="table or json.")) -> None:
    """The early-identification list for the MACE panel. It informs; it changes no status."""
    with cli_session() as session:
        rows = risk.early_identification(session, limit=limit)
    if format == "json":
        typer.echo(json.dumps([row.model_dump() for row in rows], indent=2))
        return
    for row in rows:
        factors = ", ".join(f"{f['label']} (+{f['points']})" for f in row.factors)
        typer.echo(f"{row.reference}\t{row.score}\t{factors}")


TRUTH = typer.Option(..., help="The simulator's truth folder (DIR/truth).")
LIST_SHARE = typer.Option(0.01, help="List size as a share of the 10–17 population.")
FORMAT = typer.Option("table", help="table or json.")


def _evaluated(truth: Path, list_share: float) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    """The evaluation report and its per-method figures (shared by `evaluate` and `fairness`)."""
    with cli_session() as session:
        report = evaluation.evaluate(session, truth_dir=truth, list_share=list_share)
    methods = report["methods"]
    assert isinstance(methods, dict)
    return report, methods


@app.command("evaluate")
def evaluate(truth: Path = TRUTH, list_share: float = LIST_SHARE, format: str = FORMAT) -> None:
    """Recall, precision and lead time against ground truth, beside 'current practice' and 'any missing'."""
    report, methods = _evaluated(truth, list_share)
    if format == "json":
        typer.echo(json.dumps({name: {k: v for k, v in figures.items() if k != "fairness"}
                               for name, figures in methods.items()}, indent=2))
        return
    typer.echo(f"population 10-17: {report['population_10_17']}; list share {list_share:.1%} "
               f"(at most {report['list_size_limit']} children over the period); score {report['score_version']}, "
               f"threshold {report['threshold_points']} points")
    typer.echo("current_practice and any_missing are ranked to the same list size; *_uncapped have no limit.")
    fields = ["list_size", "precision", "recall", "share_flagged_before_first_pwits_arrest",
              "share_flagged_before_first_nrm_referral", "median_lead_time_days"]
    typer.echo("method\t" + "\t".join(fields))
    for name, figures in methods.items():
        typer.echo(name + "\t" + "\t".join(str(figures.get(f)) for f in fields))
    sizes = report.get("system_at_list_sizes")
    if isinstance(sizes, dict):
        typer.echo("system at other list sizes (share of the 10-17 population):")
        typer.echo("list share\t" + "\t".join(fields))
        for share, figures in sizes.items():
            typer.echo(share + "\t" + "\t".join(str(figures.get(f)) for f in fields))


@app.command("fairness")
def fairness(truth: Path = TRUTH, list_share: float = LIST_SHARE, format: str = FORMAT) -> None:
    """Identification and false-negative rates and lead times by sex, age band and ethnicity."""
    _, methods = _evaluated(truth, list_share)
    tables: dict[str, dict[str, dict[str, object]]] = {
        name: figures["fairness"] for name, figures in methods.items()}  # type: ignore[misc]
    if format == "json":
        typer.echo(json.dumps(tables, indent=2))
        return
    typer.echo("group\texploited\t" + "\t".join(f"{m} rate" for m in tables))
    for group, row in tables["system"].items():
        rates = "\t".join(str(tables[m].get(group, {}).get("identification_rate")) for m in tables)
        typer.echo(f"{group}\t{row['exploited']}\t{rates}")
    typer.echo("Known blind spots: girls (sex=F) and under-10s (age_band=under 10) are shown explicitly above.")


def register(root: typer.Typer) -> None:
    """Add `reachable risk …` to the CLI."""
    root.add_typer(app, name="risk")
