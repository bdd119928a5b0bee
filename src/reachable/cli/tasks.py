"""`reachable tasks …`: list tasks by child, area and status; complete them; escalate; reachable-moment metrics."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session
from reachable.rules import service as rules
from reachable.tasks import service as tasks
from reachable.tasks.schemas import Outcome, TaskOut

app = typer.Typer(help="Tasks, notices and reviews with owners and deadlines; metrics.", no_args_is_help=True)
FORMATS = ("table", "json")


def _actor() -> access.Actor:
    """The person at the terminal, for the audit."""
    return access.Actor(name=f"cli:{getpass.getuser()}", origin="cli")


def _check_format(fmt: str) -> None:
    """Refuse an unknown output format clearly."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")


def _when(value: datetime | None) -> str:
    """A time as the table shows it."""
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


@app.command("list")
def list_tasks(child: int | None = typer.Option(None, help="Only this child's tasks (child id)."),
               area: str | None = typer.Option(None, help="Only tasks owned in this area (ONS code)."),
               status: list[str] = typer.Option(None, help="open, done or cancelled (repeatable)."),
               kind: list[str] = typer.Option(None, help="task, notice, review or escalation (repeatable)."),
               rule: str | None = typer.Option(None, help="Only tasks from this rule id."),
               fmt: str = typer.Option("table", "--format", help="table or json."),
               limit: int = typer.Option(500, help="At most this many.")) -> None:
    """List tasks, soonest due first."""
    _check_format(fmt)
    with cli_session() as session:
        found = [TaskOut.model_validate(task) for task in tasks.list_tasks(
            session, child_id=child, area_code=area, status=status or None, kinds=kind or None, rule_id=rule,
            limit=limit)]
        access.record(session, actor=_actor(), action="view", object_type="tasks", child_id=child,
                      fields={"tasks": len(found), "area": area}, justification="tasks list from the CLI")
    if fmt == "json":
        typer.echo(json.dumps([task.model_dump(mode="json") for task in found], indent=2))
        return
    now = datetime.now(UTC)
    typer.echo("id\tkind\tstatus\tdue (UTC)\tchild\tarea\trole\trule\ttitle")
    for task in found:
        overdue = " OVERDUE" if task.status == "open" and task.due_at and task.due_at < now else ""
        typer.echo(f"{task.id}\t{task.kind}\t{task.status}{overdue}\t{_when(task.due_at)}\t{task.child_id or '-'}\t"
                   f"{task.owner_area_code or '-'}\t{task.owner_role or '-'}\t{task.rule_id or '-'}\t{task.title}")


@app.command("complete")
def complete(task_id: int = typer.Argument(..., help="Task id."),
             outcome: str = typer.Option(..., help="done, referred, no_further_action, no_concern, duplicate, "
                                                   "cancelled."),
             reason: str = typer.Option(..., help="Why (always required)."),
             by: str = typer.Option(..., help="Who is closing it."),
             role: str | None = typer.Option(None, help="Your role (manager reviews need manager).")) -> None:
    """Close a task with an outcome and the reason."""
    allowed = Outcome.__args__  # type: ignore[attr-defined]
    if outcome not in allowed:
        raise typer.BadParameter(f"--outcome must be one of {', '.join(allowed)}")
    with cli_session() as session:
        task = tasks.complete_task(session, task_id=task_id, outcome=outcome,  # type: ignore[arg-type]
                                   reason=reason, by=by, by_role=role)
        access.record(session, actor=_actor(), action="change", object_type="task", object_id=task_id,
                      child_id=task.child_id, fields={"outcome": outcome, "by": by}, justification=reason)
    typer.echo(f"task {task_id} {task.status}: {outcome}")


@app.command("escalate")
def escalate() -> None:
    """Escalate every overdue open task to a manager (once); safe to run repeatedly."""
    with cli_session() as session:
        created = tasks.escalate_overdue(session, by=_actor().name)
    for task in created:
        typer.echo(f"task {task.parent_task_id} escalated to {task.owner_role} as task {task.id}")
    typer.echo(f"{len(created)} escalation(s)")


@app.command("metrics")
def metrics(fmt: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """Reachable moments fired, and tasks acted on in time, by rule and area."""
    _check_format(fmt)
    with cli_session() as session:
        rows = rules.metrics(session)
    if fmt == "json":
        typer.echo(json.dumps([{**row.model_dump(), "on_time_rate": row.on_time_rate} for row in rows], indent=2))
        return
    typer.echo("rule\tarea\tfired\thistorical\ttasks\tin time\tlate\topen\toverdue\ton-time rate")
    for row in rows:
        rate = "-" if row.on_time_rate is None else f"{row.on_time_rate:.0%}"
        typer.echo(f"{row.rule_id}\t{row.area_code or '-'}\t{row.fired}\t{row.historical}\t{row.tasks}\t"
                   f"{row.closed_in_time}\t{row.closed_late}\t{row.open_in_time}\t{row.open_overdue}\t{rate}")


def register(root: typer.Typer) -> None:
    """Add `reachable tasks` to the command tree."""
    root.add_typer(app, name="tasks")
