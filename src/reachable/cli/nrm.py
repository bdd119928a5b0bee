"""`reachable nrm …`: NRM referrals, decisions, timers and timeliness figures."""

from __future__ import annotations

import json
from datetime import date

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session
from reachable.nrm import service as nrm
from reachable.nrm.schemas import DecisionIn, ReferralIn

app = typer.Typer(help="National Referral Mechanism referrals and decisions.", no_args_is_help=True)
ACTOR = access.Actor(name="cli")


@app.command("refer")
def refer(child_id: int = typer.Argument(..., help="Child id."),
          reference: str = typer.Option(..., help="The NRM reference."),
          referred_on: str = typer.Option(..., help="Date of referral (YYYY-MM-DD)."),
          first_responder: str = typer.Option(..., help="First responder agency code, e.g. CSC-E08000025."),
          person: str | None = typer.Option(None, help="First responder's name."),
          county_lines: bool = typer.Option(False, help="County lines exploitation."),
          case: str | None = typer.Option(None, help="Criminal case reference against the child, if any.")) -> None:
    """Record a referral and start the 5-working-day RG timer."""
    with cli_session() as session:
        row = nrm.refer(session, actor=ACTOR, referral=ReferralIn(
            child_id=child_id, reference=reference, referred_on=date.fromisoformat(referred_on),
            first_responder_agency=first_responder, first_responder_person=person, county_lines=county_lines,
            criminal_case_ref=case))
        typer.echo(f"referral {row.id} ({row.reference}): RG due {nrm.rg_due(row):%d/%m/%Y}")


@app.command("decide")
def decide(referral_id: int = typer.Argument(..., help="Referral id."),
           stage: str = typer.Option(..., help="rg or cg."),
           outcome: str = typer.Option(..., help="positive or negative."),
           on: str = typer.Option(..., help="Decision date (YYYY-MM-DD).")) -> None:
    """Record a reasonable (rg) or conclusive (cg) grounds decision."""
    decision = DecisionIn(outcome=outcome, decided_on=date.fromisoformat(on))
    with cli_session() as session:
        record = nrm.record_rg if stage == "rg" else nrm.record_cg
        row = record(session, referral_id=referral_id, decision=decision, actor=ACTOR)
        typer.echo(f"{row.reference}: {row.status}")


@app.command("reconsider")
def reconsider(referral_id: int = typer.Argument(..., help="Referral id."),
               reason: str = typer.Option(..., help="Why the negative decision should be reconsidered.")) -> None:
    """Request reconsideration of a negative decision."""
    with cli_session() as session:
        row = nrm.request_reconsideration(session, referral_id=referral_id, reason=reason, actor=ACTOR)
        typer.echo(f"{row.reference}: {row.status}")


@app.command("timers")
def timers() -> None:
    """Raise tasks for overdue RG decisions and children who turned 18 mid-process (run daily)."""
    with cli_session() as session:
        for line in nrm.check_timers(session) or ["nothing overdue"]:
            typer.echo(line)


@app.command("list")
def list_referrals(child: int | None = typer.Option(None, help="Only this child."),
                   status: str | None = typer.Option(None, help="Only this status.")) -> None:
    """List referrals with their status and decisions."""
    with cli_session() as session:
        for r in nrm.list_referrals(session, child_id=child, status=status):
            typer.echo(f"{r.id}\t{r.reference}\tchild {r.child_id}\t{r.referred_on:%d/%m/%Y}\t{r.status}\t"
                       f"RG {r.rg_decision or '-'}\tCG {r.cg_decision or '-'}")


@app.command("stats")
def stats() -> None:
    """Median days referral→RG and →CG, share of RG within 5 working days, positive rates."""
    with cli_session() as session:
        typer.echo(json.dumps(nrm.figures(session).model_dump(), indent=2))


def register(root: typer.Typer) -> None:
    """Add `reachable nrm …` to the CLI."""
    root.add_typer(app, name="nrm")
