"""`reachable link …` (train, run, evaluate, review, merge, split) and the standalone `reachable link-file`."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session
from reachable.identity import service as identity

app = typer.Typer(help="Record linkage: who is this child?", no_args_is_help=True)
review_app = typer.Typer(help="The clerical review queue.", no_args_is_help=True)
app.add_typer(review_app, name="review")
ENGINE = typer.Option("duckdb", help="duckdb (default) or spark.")


def _actor(by: str | None) -> access.Actor:
    """Who is acting from the command line."""
    return access.Actor(name=f"cli:{by or getpass.getuser()}", role="linkage_operator", origin="cli")


@app.command("train")
def train(engine: str = ENGINE, seed: int = typer.Option(42, help="Random seed for u sampling."),
          auto_link: float = typer.Option(0.95, help="Match probability at or above which records link."),
          review: float = typer.Option(0.5, help="Match probability at or above which a pair goes to review."),
          by: str | None = typer.Option(None, help="Who trained it (default: the login name).")) -> None:
    """Train the linkage model on every stored record (no labels) and make it the active version."""
    with cli_session() as session:
        model = identity.train_model(session, engine=engine, trained_by=_actor(by).name, seed=seed,
                                     auto_link_threshold=auto_link, review_threshold=review)
        access.record(session, actor=_actor(by), action="change", object_type="linkage_model",
                      object_id=model.version, fields={"records": model.record_count}, justification="trained")
        typer.echo(f"model {model.version}: trained on {model.record_count} records in "
                   f"{model.notes.get('seconds')} s; auto link >= {model.auto_link_threshold}, "
                   f"review >= {model.review_threshold}")


@app.command("run")
def run(engine: str = ENGINE, train_first: bool = typer.Option(False, "--train", help="Train a new model first."),
        by: str | None = typer.Option(None, help="Who ran it.")) -> None:
    """Re-link every stored record with the active model, obeying every reviewer's decision."""
    with cli_session() as session:
        if train_first or identity.active_model(session) is None:
            identity.train_model(session, engine=engine, trained_by=_actor(by).name)
        summary = identity.run_linkage(session, actor=_actor(by), engine=engine)
    for name, value in summary.__dict__.items():
        typer.echo(f"{name}\t{value}")


@app.command("models")
def models() -> None:
    """List stored model versions (the active one is marked *)."""
    with cli_session() as session:
        for row in identity.list_models(session):
            typer.echo(f"{'*' if row.active else ' '} {row.version}\t{row.engine}\t{row.record_count} records\t"
                       f"auto>={row.auto_link_threshold}\treview>={row.review_threshold}\t{row.trained_at:%Y-%m-%d}")


@app.command("evaluate")
def evaluate(truth: Path = typer.Option(..., "--truth", exists=True, file_okay=False,
                                        help="Simulator output directory (reads truth/person_records.csv)."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text.")) -> None:
    """Pairwise and B-cubed accuracy of the stored links against ground truth, overall and by subgroup."""
    with cli_session() as session:
        results = identity.evaluate_store(session, truth_dir=truth)
    if as_json:
        typer.echo(json.dumps(results, indent=2, default=str))
        return
    for name in ("model", "baseline"):
        for line in identity.format_report(results[name]["label"], results[name]):
            typer.echo(line)


@review_app.command("list")
def review_list(limit: int = typer.Option(50), status: str = typer.Option("open")) -> None:
    """Review items, most uncertain first."""
    with cli_session() as session:
        for item in identity.list_items(session, status=status, limit=limit):
            typer.echo(f"{item.id}\trecords {item.record_a_id} & {item.record_b_id}\t"
                       f"p={item.match_probability:.3f}\tw={item.match_weight:.1f}\t{item.model_version}")


@review_app.command("show")
def review_show(item_id: int) -> None:
    """Both records side by side with the match-weight waterfall."""
    with cli_session() as session:
        typer.echo(json.dumps(identity.get_item(session, item_id=item_id), indent=2, default=str))


@review_app.command("decide")
def review_decide(item_id: int, decision: str = typer.Option(..., help="match or no_match"),
                  reason: str = typer.Option(..., help="Why (stored with the decision)."),
                  by: str | None = typer.Option(None, help="Reviewer name.")) -> None:
    """Decide a review item; the decision is applied now and respected by every later run."""
    with cli_session() as session:
        result = identity.decide_item(session, item_id=item_id, decision=decision, reason=reason, actor=_actor(by))
    typer.echo(json.dumps(result))


@app.command("merge")
def merge(into: int, other: int, reason: str = typer.Option(...), by: str | None = typer.Option(None)) -> None:
    """Merge child OTHER into child INTO, carrying records, events, markers and tasks."""
    with cli_session() as session:
        change = identity.merge_children(session, into_id=into, from_id=other, reason=reason, actor=_actor(by))
    typer.echo(f"change {change.id}: merged child {other} into {into} ({len(change.record_ids['records'])} records)")


@app.command("split")
def split(child: int, records: str = typer.Option(..., help="Comma-separated source record ids to move."),
          reason: str = typer.Option(...), by: str | None = typer.Option(None)) -> None:
    """Split records off a child (undoing a merge restores the original child exactly)."""
    ids = [int(part) for part in records.split(",") if part.strip()]
    with cli_session() as session:
        change = identity.split_child(session, child_id=child, record_ids=ids, reason=reason, actor=_actor(by))
    typer.echo(f"change {change.id}: records {ids} moved to child {change.other_child_id}")


def link_file(input_csv: Path = typer.Argument(..., exists=True, dir_okay=False, help="Canonical person CSV."),
              output: Path = typer.Option(..., "--output", help="Where to write record_id,cluster_id."),
              engine: str = ENGINE,
              model: Path | None = typer.Option(None, help="A saved Splink model JSON to use instead of training."),
              threshold: float = typer.Option(0.99, help="Match probability at or above which records link.")) -> None:
    """Deduplicate any person CSV (record_id, source, first_name, last_name, dob, sex, postcode, identifiers)."""
    result = identity.link_file(input_csv, output, engine=engine, model_path=model, threshold=threshold)
    typer.echo(f"{result.records} records -> {result.clusters} clusters (model {result.model}); "
               f"{len(result.held_unlinked)} held unlinked for lack of identifying fields; wrote {output}")


def register(root: typer.Typer) -> None:
    """Add `link` and `link-file` to the CLI."""
    root.add_typer(app, name="link")
    root.command("link-file")(link_file)
