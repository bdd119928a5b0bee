"""`reachable network …`: build the contextual safeguarding network and query it as an agency's analyst."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from reachable.access import service as access
from reachable.cli.context import cli_session
from reachable.network import export as exports
from reachable.network import graph, queries
from reachable.network import service as network

app = typer.Typer(help="Contextual safeguarding network: children, adults, places, lines, groups.",
                  no_args_is_help=True)
AGENCY = typer.Option(None, "--agency", help="View as this agency (a POL- code sees police intelligence).")
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of text.")


def _when(text: str | None) -> datetime | None:
    """An ISO date or datetime as aware UTC."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _viewer(session: Any, agency: str | None, query: str, fields: dict[str, Any]) -> network.Viewer:
    """The CLI user's view, with the query audited."""
    viewer = network.viewer_for_agency(session, name="cli", agency_code=agency)
    access.record(session, actor=access.Actor(name="cli", origin="cli"), action="view", object_type="network",
                  object_id=query, fields={k: str(v) for k, v in fields.items() if v is not None},
                  justification=f"network {query} from the CLI as {agency or 'no agency'}")
    return viewer


def _print(items: list[BaseModel], as_json: bool, line: Any) -> None:
    """JSON or one text line per item."""
    if as_json:
        typer.echo(json.dumps([item.model_dump(mode="json") for item in items], indent=2))
        return
    for item in items:
        typer.echo(line(item))


@app.command("build")
def build() -> None:
    """Rebuild every derived link from the current events (analysts' links and removals are kept)."""
    with cli_session() as session:
        result = network.rebuild(session)
        access.record(session, actor=access.Actor(name="cli", origin="cli"), action="change",
                      object_type="network", object_id="rebuild",
                      fields={"events": result.events, "links_created": result.links_created,
                              "links_updated": result.links_updated, "links_lapsed": result.links_lapsed},
                      justification="network rebuild from the CLI")
    typer.echo(f"events {result.events}, entities created {result.entities_created}, links created "
               f"{result.links_created}, updated {result.links_updated}, lapsed {result.links_lapsed}, "
               f"evidence {result.evidence}")
    for note in result.notes[:20]:
        typer.echo(f"note: {note}")


@app.command("exposure")
def exposure(seed: list[str] = typer.Argument(..., help="Entity ids or keys, e.g. line:07700900123."),
             hops: int = typer.Option(2, help="How many links away (1-4)."),
             as_of: str | None = typer.Option(None, help="Only links first seen by this date."),
             agency: str | None = AGENCY, as_json: bool = AS_JSON) -> None:
    """Children within k hops of a line, group, adult or place, with the path that explains each."""
    with cli_session() as session:
        viewer = _viewer(session, agency, "exposure", {"seed": seed, "hops": hops})
        found = queries.exposure(session, viewer=viewer, seeds=seed, hops=hops, as_of=_when(as_of))
        _print(list(found), as_json, lambda r: f"{r.child.label}\t{r.hops} hop(s)\t{r.seed.label} → " + " → ".join(
            f"[{s.link_kind}] {s.entity.label}" for s in r.path))


@app.command("groups")
def groups(since: str | None = typer.Option(None, help="Only links seen since this date."),
           min_children: int = typer.Option(2, help="Smallest group reported."),
           agency: str | None = AGENCY, as_json: bool = AS_JSON) -> None:
    """Peer groups of children (community detection)."""
    with cli_session() as session:
        viewer = _viewer(session, agency, "groups", {"since": since})
        found = graph.peer_groups(session, viewer=viewer, since=_when(since), min_children=min_children)
        _print(list(found), as_json, lambda g: f"group {g.group}\t{len(g.children)} children\t"
               + ", ".join(c.label for c in g.children) + "\tvia " + ", ".join(o.label for o in g.others[:5]))


@app.command("hotspots")
def hotspots(start: str = typer.Option(..., help="Period start (ISO date)."),
             end: str = typer.Option(..., help="Period end (ISO date)."), limit: int = typer.Option(20),
             agency: str | None = AGENCY, as_json: bool = AS_JSON) -> None:
    """Places linking the most children over a period."""
    with cli_session() as session:
        viewer = _viewer(session, agency, "hotspots", {"start": start, "end": end})
        found = queries.hotspots(session, viewer=viewer, start=_when(start) or datetime.now(UTC),
                                 end=_when(end) or datetime.now(UTC), limit=limit)
        _print(list(found), as_json, lambda h: f"{h.place.label}\t{h.place.place_type or '-'}\t"
               f"{h.children} children\t{h.events} events")


@app.command("lines")
def lines(line: str | None = typer.Option(None, help="One line (id or key)."),
          period: str = typer.Option("quarter", help="month, quarter or year."),
          agency: str | None = AGENCY, as_json: bool = AS_JSON) -> None:
    """Which areas each deal line runs between, and how that changed."""
    with cli_session() as session:
        viewer = _viewer(session, agency, "lines", {"line": line})
        found = queries.line_map(session, viewer=viewer, line=line, period=period)
        _print(list(found), as_json, lambda m: f"{m.line.label}\tfrom {', '.join(m.origin_areas)}\t" + "; ".join(
            f"{p.period}: {', '.join(p.areas)}" for p in m.periods))


@app.command("new-links")
def new_links(since: str = typer.Option(..., help="ISO date."),
              recorded: bool = typer.Option(False, help="By when recorded here, not when first seen."),
              agency: str | None = AGENCY, as_json: bool = AS_JSON) -> None:
    """Links first seen since a date."""
    with cli_session() as session:
        viewer = _viewer(session, agency, "new-links", {"since": since})
        found = queries.new_links(session, viewer=viewer, since=_when(since) or datetime.now(UTC), recorded=recorded)
        _print(list(found), as_json, lambda k: f"{k.first_seen_at:%Y-%m-%d}\t{k.source.label} [{k.kind}] "
               f"{k.target.label}\t{k.basis}{' ' + k.grading if k.grading else ''}")


@app.command("connectors")
def connectors(top: int = typer.Option(20), include_children: bool = typer.Option(False),
               agency: str | None = AGENCY, as_json: bool = AS_JSON) -> None:
    """Key connectors by betweenness and degree (adults, places, lines, vehicles, groups)."""
    with cli_session() as session:
        viewer = _viewer(session, agency, "connectors", {"top": top})
        found = graph.connectors(session, viewer=viewer, top=top, include_children=include_children)
        _print(list(found), as_json, lambda c: f"{c.entity.kind}\t{c.entity.label}\tdegree {c.degree}\t"
               f"betweenness {c.betweenness}{'  (' + c.note + ')' if c.note else ''}")


@app.command("export")
def export(path: Path = typer.Argument(..., help="Output file."),
           format: str = typer.Option("graphml", "--format", help="graphml or gexf."),
           since: str | None = typer.Option(None), until: str | None = typer.Option(None),
           agency: str | None = AGENCY) -> None:
    """Export the network to GraphML or GEXF (audited as a disclosure)."""
    with cli_session() as session:
        viewer = network.viewer_for_agency(session, name="cli", agency_code=agency)
        body, nodes, links = exports.export(session, viewer=viewer, fmt=format, since=_when(since),
                                            until=_when(until))
        access.record(session, actor=access.Actor(name="cli", origin="cli"), action="disclose",
                      object_type="network_export", object_id=format,
                      fields={"format": format, "nodes": nodes, "links": links, "path": str(path)},
                      justification=f"network export from the CLI as {agency or 'no agency'}")
    path.write_bytes(body)
    typer.echo(f"wrote {nodes} entities and {links} links to {path}")


def register(root: typer.Typer) -> None:
    """Mount `reachable network …`."""
    root.add_typer(app, name="network")
