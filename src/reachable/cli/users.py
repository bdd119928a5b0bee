"""`reachable users …`: create, list, disable users and reset their MFA (operator commands, audited)."""

from __future__ import annotations

import getpass

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session

app = typer.Typer(help="Users: accounts, roles and multi-factor authentication.", no_args_is_help=True)
OPERATOR = access.Actor(name="cli:operator")


@app.command("add")
def add(username: str = typer.Argument(..., help="Login name (lower case)."),
        agency: str = typer.Option(..., help="Agency code, e.g. CSC-E08000025."),
        role: str = typer.Option(..., help=f"One of: {', '.join(access.ROLES)}."),
        name: str = typer.Option(..., help="Display name."),
        team: str | None = typer.Option(None, help="Team within the agency."),
        password: str | None = typer.Option(None, help="Initial password (prompted for if omitted).")) -> None:
    """Create a user; prints the TOTP secret and otpauth URI once, for their authenticator app."""
    secret_password = password or getpass.getpass("initial password: ")
    with cli_session() as session:
        user, secret = access.create_user(session, username=username, display_name=name, agency_code=agency,
                                          role=role, team=team, password=secret_password, actor=OPERATOR)
        typer.echo(f"created {user.username} ({role}, {agency})")
        typer.echo(f"TOTP secret: {secret}")
        typer.echo(f"otpauth URI: {access.provisioning_uri(secret, username=user.username)}")


@app.command("list")
def list_(agency: str | None = typer.Option(None, help="Only this agency's users.")) -> None:
    """List users with agency, role, team and whether active."""
    from reachable.areas import service as areas

    with cli_session() as session:
        agency_id = areas.get_agency(session, code=agency).id if agency else None
        for user in access.list_users(session, agency_id=agency_id):
            typer.echo(f"{user.id}\t{user.username}\t{user.role}\t{user.team or '-'}\t"
                       f"{'active' if user.active else 'disabled'}")


@app.command("disable")
def disable(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Disable a user; every session they hold ends on its next request."""
    with cli_session() as session:
        user = access.find_user(session, username=username)
        access.update_user(session, user_id=user.id, actor=OPERATOR, active=False)
    typer.echo(f"disabled {username}; sessions revoked")


@app.command("reset-mfa")
def reset_mfa(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Give a user a new TOTP secret (printed once) and end their sessions."""
    with cli_session() as session:
        user = access.find_user(session, username=username)
        secret = access.reset_mfa(session, user_id=user.id, actor=OPERATOR)
        typer.echo(f"TOTP secret: {secret}")
        typer.echo(f"otpauth URI: {access.provisioning_uri(secret, username=user.username)}")


def register(root: typer.Typer) -> None:
    """Add `reachable users` to the CLI."""
    root.add_typer(app, name="users")
