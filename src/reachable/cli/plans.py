"""`reachable plans …` and `reachable mace …`: plans, disruption actions and the MACE panel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session
from reachable.plans import mace
from reachable.plans import service as plans
from reachable.plans.actions import ACTION_TYPES
from reachable.plans.schemas import ActionIn, Criteria, PlanIn

app = typer.Typer(help="Plans and disruption actions.", no_args_is_help=True)
panel = typer.Typer(help="The MACE panel: agenda, decisions and minutes.", no_args_is_help=True)
ACTOR = access.Actor(name="cli")


@app.command("create")
def create(kind: str = typer.Option(..., help="cin, cp, lac, disruption or context."),
           title: str = typer.Option(..., help="What the plan is for."),
           owner: str = typer.Option(..., help="Owning agency code."),
           child: int | None = typer.Option(None, help="The child (not for context plans)."),
           subject: int | None = typer.Option(None, help="Network entity a context plan is about."),
           link: list[int] = typer.Option([], help="Children linked to a context plan (repeatable).")) -> None:
    """Create a plan."""
    with cli_session() as session:
        plan = plans.create_plan(session, actor=ACTOR, plan=PlanIn(
            kind=kind, title=title, owner_agency=owner, child_id=child, subject_entity_id=subject,
            linked_child_ids=link))
        typer.echo(f"plan {plan.id} created")


@app.command("action")
def action(plan_id: int = typer.Argument(..., help="Plan id."),
           action_type: str = typer.Option(..., help=f"One of: {', '.join(sorted(ACTION_TYPES))}."),
           title: str = typer.Option(..., help="What will be done."),
           owner: str = typer.Option(..., help="Owning agency code."),
           target: str = typer.Option("child", help="child, adult, place, line or group."),
           target_label: str | None = typer.Option(None, help="Who or what the action targets."),
           due: str | None = typer.Option(None, help="Due date (YYYY-MM-DD).")) -> None:
    """Add an action to a plan."""
    with cli_session() as session:
        row = plans.add_action(session, plan_id=plan_id, actor=ACTOR, action=ActionIn(
            action_type=action_type, title=title, owner_agency=owner, target_kind=target,
            target_label=target_label, due_on=date.fromisoformat(due) if due else None))
        typer.echo(f"action {row.id} added")


@app.command("list")
def list_plans(child: int = typer.Argument(..., help="Child id.")) -> None:
    """A child's open plans with their actions."""
    with cli_session() as session:
        for plan in plans.list_plans(session, child_id=child):
            typer.echo(f"{plan.id}\t{plan.kind}\t{plan.title}")
            for a in plans.list_actions(session, plan_id=plan.id):
                typer.echo(f"   {a.id}\t{a.action_type}\t{a.target_kind}\t{a.status}\t{a.title}")


@panel.command("agenda")
def agenda(area: str = typer.Option(..., help="Area code of the panel.")) -> None:
    """Children meeting the panel's criteria, each with every reason."""
    with cli_session() as session:
        for item in mace.build_agenda(session, area_code=area, criteria=Criteria()):
            typer.echo(f"{item.reference}\t" + "; ".join(item.reasons))


@panel.command("meeting")
def meeting(area: str = typer.Option(..., help="Area code of the panel."),
            on: str = typer.Option(..., help="Meeting date (YYYY-MM-DD)."),
            chair: str | None = typer.Option(None, help="Chair's name.")) -> None:
    """Plan a meeting and freeze its agenda."""
    with cli_session() as session:
        row = mace.create_meeting(session, area_code=area, held_on=date.fromisoformat(on), criteria=Criteria(),
                                  chair=chair, actor=ACTOR)
        typer.echo(f"meeting {row.id}: {len(mace.items(session, meeting_id=row.id))} items")


@panel.command("decide")
def decide(item_id: int = typer.Argument(..., help="Agenda item id."),
           decision: str = typer.Option(..., help="What the panel decided."),
           action: list[str] = typer.Option([], help="An action (repeatable).")) -> None:
    """Record the panel's decision and actions for one item."""
    with cli_session() as session:
        mace.record_decision(session, item_id=item_id, decision=decision, actions=action, actor=ACTOR)
        typer.echo("recorded")


@panel.command("minutes")
def minutes(meeting_id: int = typer.Argument(..., help="Meeting id."),
            out: Path = typer.Option(..., help="Markdown file to write.")) -> None:
    """Export the minutes (each child's disclosure is audited)."""
    with cli_session() as session:
        out.write_text(mace.minutes(session, meeting_id=meeting_id, actor=ACTOR))
    typer.echo(f"wrote {out}")


def register(root: typer.Typer) -> None:
    """Add `reachable plans …` and `reachable mace …` to the CLI."""
    root.add_typer(app, name="plans")
    root.add_typer(panel, name="mace")
