"""`reachable report …`: the Counting Lives return, signed area returns, the national picture, statutory extracts."""

from __future__ import annotations

import getpass
import json
from datetime import date
from pathlib import Path

import typer

from reachable.access import service as access
from reachable.cli.context import cli_session
from reachable.common.errors import FieldError, InputRejected
from reachable.config import get_settings
from reachable.reports import service as reports
from reachable.reports.exports import FORMATS

app = typer.Typer(help="Counting Lives statistics, national returns and statutory extracts.", no_args_is_help=True)

AREA = typer.Option(..., "--area", help="ONS council or police force code, or 'all'.")
START = typer.Option(..., "--from", help="First day of the period (YYYY-MM-DD).")
END = typer.Option(..., "--to", help="Last day of the period (YYYY-MM-DD).")
OUT = typer.Option(..., "--out", help="File to write.")


def _day(text: str, field: str) -> date:
    """Parse an ISO date option, refusing anything else clearly."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputRejected([FieldError(field, "expected a date as YYYY-MM-DD", text)]) from None


def _by_year(by: str | None) -> bool:
    """--by accepts only 'year'."""
    if by not in (None, "year"):
        raise InputRejected([FieldError("by", "only 'year' (financial years) is supported", by)])
    return by == "year"


def _actor() -> access.Actor:
    """The person running the command, for the audit trail."""
    return access.Actor(name=f"cli:{getpass.getuser()}", role="analyst", origin="cli")


@app.command("counting-lives")
def counting_lives(area: str = AREA, start: str = START, end: str = END,
                   by: str | None = typer.Option(None, "--by", help="'year' for financial-year columns."),
                   format: str = typer.Option("xlsx", "--format", help="xlsx, csv, json or html."),
                   out: Path = OUT,
                   publish: bool = typer.Option(False, "--publish", help="Apply disclosure control for publication."),
                   exclude_force: str | None = typer.Option(None, "--exclude-force",
                                                            help="Force code to leave out of 'excluding' totals.")
                   ) -> None:
    """Every Counting Lives statistic for an area (or all) and a period, exported."""
    if format not in FORMATS:
        raise InputRejected([FieldError("format", f"choose one of {', '.join(FORMATS)}", format)])
    from reachable.reports.exports import write

    with cli_session() as session:
        ret = reports.build_return(session, area=area, start=_day(start, "from"), end=_day(end, "to"),
                                   by_year=_by_year(by), publish=publish, exclude_force=exclude_force)
        write(ret, format=format, out=out)
        access.record(session, actor=_actor(), action="export", object_type="counting_lives_return",
                      object_id=ret.area, fields={"from": start, "to": end, "format": format, "published": publish,
                                                  "out": str(out)})
    typer.echo(f"{ret.classification}\nwrote {out} ({len(ret.cells)} figures, {len(ret.tables)} tables)")
    for flag in ret.flags:
        typer.echo(f"  data gap: {flag}")


@app.command("return")
def signed_return(area: str = AREA, start: str = START, end: str = END,
                  by: str | None = typer.Option(None, "--by", help="'year' for financial years."),
                  out: Path = OUT,
                  key: Path | None = typer.Option(None, "--key", help="Ed25519 private key (PEM); default HMAC.")
                  ) -> None:
    """Write this area's signed aggregate return (unsuppressed counts only, no child-level data)."""
    from reachable.reports import signing

    settings = get_settings()
    with cli_session(settings) as session:
        ret = reports.build_return(session, area=area, start=_day(start, "from"), end=_day(end, "to"),
                                   by_year=_by_year(by))
        envelope = signing.sign(ret, secret_key=settings.secret_key, private_key=key)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(envelope, indent=1), encoding="utf-8")
        access.record(session, actor=_actor(), action="export", object_type="signed_return", object_id=ret.area,
                      fields={"from": start, "to": end, "alg": envelope["signature"]["alg"], "out": str(out)})
    typer.echo(f"wrote signed return {out} ({envelope['signature']['alg']})")


@app.command("national")
def national(returns: list[Path] = typer.Argument(..., help="Signed area return files."),
             format: str = typer.Option("xlsx", "--format", help="xlsx, csv, json or html."),
             out: Path = OUT,
             publish: bool = typer.Option(False, "--publish", help="Apply disclosure control for publication."),
             public_key: list[str] = typer.Option([], "--public-key", help="AREA=PEM for Ed25519 returns.")) -> None:
    """Verify and combine signed area returns into the national tables; flag areas with missing data."""
    from reachable.reports import national as combine
    from reachable.reports.exports import write

    keys = {}
    for item in public_key:
        area, _, path = item.partition("=")
        if not path:
            raise InputRejected([FieldError("public_key", "expected AREA=PATH", item)])
        keys[area] = Path(path)
    settings = get_settings()
    names: dict[str, str] = {}
    try:
        with cli_session(settings) as session:
            names = reports.area_names(session)
    except Exception:  # noqa: S110 - names are labels only; combining needs no store
        pass
    ret = combine.combine(combine.read_envelopes(returns), secret_key=settings.secret_key, public_keys=keys,
                          publish=publish, names=names)
    write(ret, format=format, out=out)
    typer.echo(f"{ret.classification}\ncombined {len(ret.areas_included)} area return(s) into {out}")
    for flag in ret.flags:
        typer.echo(f"  flag: {flag}")


def _extract(kind: str, area: str, start: str, end: str, out: Path) -> tuple[int, int, dict[str, int]]:
    """Write a child-level statutory extract and audit it; returns rows, children and the summary."""
    from reachable.reports import extracts

    build = {"cin_factor_extract": extracts.cin_factors, "ssda903_missing_extract": extracts.ssda903_missing}[kind]
    with cli_session() as session:
        ctx = reports.make_context(session, area=area, start=_day(start, "from"), end=_day(end, "to"))
        extract = build(session, ctx=ctx)
        out.write_text(extract.to_csv(), encoding="utf-8")
        access.record(session, actor=_actor(), action="export", object_type=kind, object_id=area,
                      fields={"from": start, "to": end, "rows": len(extract.rows), "children": extract.children},
                      justification="statutory return (DfE CIN census / SSDA903)")
    return len(extract.rows), extract.children, extract.summary


@app.command("cin-factors")
def cin_factors(area: str = AREA, start: str = START, end: str = END, out: Path = OUT) -> None:
    """CIN census assessment-factor extract (incl. 24A) from the system's own records; child-level, audited."""
    rows, children, summary = _extract("cin_factor_extract", area, start, end, out)
    typer.echo(f"wrote {out}: {rows} factor rows for {children} children; "
               + ", ".join(f"{k}={v}" for k, v in summary.items()))


@app.command("ssda903-missing")
def ssda903_missing(area: str = AREA, start: str = START, end: str = END, out: Path = OUT) -> None:
    """SSDA903 Missing table (CHILD, DOB, MISSING, MIS_START, MIS_END) for children in care; audited."""
    rows, children, _ = _extract("ssda903_missing_extract", area, start, end, out)
    typer.echo(f"wrote {out}: {rows} episodes for {children} children")


@app.command("statistics")
def statistics() -> None:
    """List every registered statistic (id and title); definitions are in docs/statistics.md."""
    for item in reports.list_statistics():
        typer.echo(f"{item.id}\t{item.title}")


def register(root: typer.Typer) -> None:
    """Add `reachable report …` to the CLI."""
    root.add_typer(app, name="report")
