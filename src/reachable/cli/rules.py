"""`reachable rules …`: list, show and test reachable-moment rules, generate their docs, run scheduled rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from reachable.common.errors import FieldError, InputRejected
from reachable.records.schemas import EventIn
from reachable.rules import service as rules
from reachable.rules.registry import LoadedRule, Registry, load_registry, parse_rule
from reachable.rules.spec import as_data

app = typer.Typer(help="Reachable-moment rules: list, show, test, docs, sweep.", no_args_is_help=True)
DOCS = Path("docs")


def _registry(rules_dir: Path | None) -> Registry:
    """The rules in force, or those of a given folder beside the built-ins."""
    return rules.registry(rules_dir=rules_dir) if rules_dir else rules.registry()


@app.command("list")
def list_rules(fmt: str = typer.Option("table", "--format", help="table or json."),
               rules_dir: Path | None = typer.Option(None, help="Local rules folder (default: settings).")) -> None:
    """List every rule in force: id, version, jurisdiction, trigger and source."""
    found = rules.list_rules(rules=_registry(rules_dir))
    if fmt == "json":
        typer.echo(json.dumps([rule.model_dump() for rule in found], indent=2))
        return
    for rule in found:
        trigger = ",".join(rule.kinds) or f"schedule:{rule.schedule}"
        state = "" if rule.enabled else "\tdisabled"
        typer.echo(f"{rule.id}\tv{rule.version}\t{'/'.join(rule.jurisdiction)}\t{trigger}\t"
                   f"{'built-in' if rule.builtin else rule.source}{state}")


@app.command("show")
def show_rule(rule_id: str = typer.Argument(..., help="Rule id, e.g. cp.drugs-weapons."),
              fmt: str = typer.Option("yaml", "--format", help="yaml or json."),
              rules_dir: Path | None = typer.Option(None, help="Local rules folder (default: settings).")) -> None:
    """Show one rule in full, with where it came from."""
    loaded = rules.get_rule(rule_id=rule_id, rules=_registry(rules_dir))
    data = {"source": loaded.source, "builtin": loaded.builtin, **as_data(loaded.spec)}
    typer.echo(json.dumps(data, indent=2) if fmt == "json" else yaml.safe_dump(data, sort_keys=False,
                                                                               allow_unicode=True))


def _read_events(path: Path) -> list[EventIn]:
    """Canonical events from a JSON Lines file; every bad line is reported with its number."""
    events: list[EventIn] = []
    problems: list[FieldError] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(EventIn.model_validate_json(line))
        except ValidationError as error:
            problems += [FieldError(".".join(map(str, e["loc"])), e["msg"], file=str(path), line=number)
                         for e in error.errors()]
    if problems:
        raise InputRejected(problems)
    return events


def _scratch_run(registry: Registry, events: list[EventIn], now: datetime) -> list[str]:
    """Run events through the rules in a throw-away in-memory store; describe what fired."""
    from reachable import pipeline
    from reachable.access import service as access
    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.registry import metadata
    from reachable.db.uow import session_factory
    from reachable.tasks import service as tasks

    engine = make_engine("sqlite://")
    metadata().create_all(engine)
    lines: list[str] = []
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)

        def stage(s: Session, outcome: pipeline.IngestOutcome, _actor: access.Actor) -> None:
            result = rules.run_for_events(s, event_ids=outcome.stored.event_ids, child_ids=outcome.child_ids,
                                          now=now, rules=registry)
            lines.extend(f"  {action}" for action in result.actions)

        pipeline.ingest(session, events=events, actor=access.SYSTEM, stages=[pipeline.link_stage, stage])
        for firing in rules.list_firings(session)[::-1]:
            lines.append(f"fired {firing.rule_id} v{firing.rule_version} [{firing.mode}]: {firing.reason}")
        for task in tasks.list_tasks(session):
            lines.append(f"{task.kind} for {task.owner_role} in {task.owner_area_code} due "
                         f"{task.due_at:%Y-%m-%d %H:%M}: {task.title}")
    engine.dispose()
    return lines


@app.command("test")
def test_rules(files: list[Path] = typer.Argument(None, help="Rule files to check (default: every rule in force)."),
               events: Path | None = typer.Option(None, help="JSON Lines of canonical events to run through them."),
               now: datetime | None = typer.Option(None, help="Evaluate as of this time (default: now)."),
               rules_dir: Path | None = typer.Option(None, help="Local rules folder (default: settings).")) -> None:
    """Validate rule files, and run sample events through them in a scratch store to see what fires."""
    problems: list[FieldError] = []
    for path in files or []:
        try:
            parse_rule(path.read_text(encoding="utf-8"), source=str(path))
        except InputRejected as error:
            problems += error.errors
    if problems:
        raise InputRejected(problems)
    registry = _registry(rules_dir)
    if files:
        extra = load_registry(None)
        for path in files:
            loaded = parse_rule(path.read_text(encoding="utf-8"), source=str(path))
            extra.add(LoadedRule(spec=loaded, source=str(path), builtin=False))
        registry = extra.index()
    typer.echo(f"{len(registry.rules)} rule(s) valid")
    if events is not None:
        moment = (now or datetime.now(UTC)).astimezone(UTC) if (now is None or now.tzinfo) else now.replace(tzinfo=UTC)
        for line in _scratch_run(registry, _read_events(events), moment):
            typer.echo(line)


@app.command("docs")
def docs(out: Path = typer.Option(DOCS / "rules.md", help="Where to write the rules reference."),
         markers_out: Path = typer.Option(DOCS / "markers.md", help="Where to write the marker list."),
         check: bool = typer.Option(False, help="Only check the files are current (exit 1 if not).")) -> None:
    """Generate docs/rules.md (every built-in rule) and docs/markers.md (the marker list)."""
    from reachable.markers import service as markers
    from reachable.rules.docs import rules_markdown

    wanted = {out: rules_markdown(), markers_out: markers.markers_markdown()}
    stale = [str(path) for path, text in wanted.items() if not path.exists() or path.read_text() != text]
    if check:
        if stale:
            typer.echo(f"out of date: {', '.join(stale)}; run `reachable rules docs`", err=True)
            raise typer.Exit(1)
        typer.echo("rule and marker docs are current")
        return
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {path}")


@app.command("sweep")
def sweep() -> None:
    """Run the scheduled rules (marker reviews due) and escalate overdue tasks; safe to repeat (e.g. from cron)."""
    from reachable.cli.context import cli_session

    with cli_session() as session:
        done = rules.sweep(session)
    for line in done:
        typer.echo(line)
    typer.echo(f"{len(done)} action(s)")


def register(root: typer.Typer) -> None:
    """Add `reachable rules` to the command tree."""
    root.add_typer(app, name="rules")
