"""Benchmark the contextual safeguarding network (issue 9).

Targets at 1,000,000 nodes / 5,000,000 links: 2-hop exposure p95 <= 100 ms, community detection <= 60 s,
rebuild from events <= 5 minutes. The events are generated synthetically straight into a SQLite store
(communities of 50 children around a line, a group, adults, places and a vehicle), then `rebuild` derives
the network from them exactly as in production. A library comparison (networkx, igraph, rustworkx) runs
on a separate synthetic graph. On a simulated world (`reachable.simulate`, ingested through the real
pipeline) it measures the share of exploited children within 2 hops of their true line's known entities
before their first arrest.

Usage: python -m bench.bench_network --scale smoke|medium|full [--save]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from reachable.network import graph, queries
from reachable.network import service as network

SCALES = {"smoke": (20_000, 100_000), "medium": (200_000, 1_000_000), "full": (1_000_000, 5_000_000)}
SIM_CHILDREN = {"smoke": 3_000, "medium": 10_000, "full": 10_000}
PG_URL = os.environ.get("REACHABLE_BENCH_NETWORK_POSTGRES_URL",
                        "postgresql://postgres@127.0.0.1:5432/reachable_bench_network")
COMMUNITY = 50  # children per community
# The synthetic events' shape, chosen so the derived network has the target's proportions (about five links per
# node): each community is 50 children, a line, a group, 3 adults, 4 places, a vehicle and 3 arrest places, and
# shares 2.5 "found at" places (one per 20 children); seven children in ten lead an arrest of three.
NODES_PER_COMMUNITY = 65.5
INCIDENTS_PER_CHILD = 0.7
POLICE, AREA = "POL-E23000014", "E08000025"
T0 = datetime(2023, 1, 1, tzinfo=UTC)


def figure(name: str, value: Any, unit: str, target: str | None = None, note: str = "",
           baseline: float | None = None) -> dict[str, Any]:
    """One benchmark figure."""
    ratio = (value / baseline) if baseline and isinstance(value, int | float) else None
    return {"name": name, "value": value, "unit": unit, "target": target, "baseline": baseline, "ratio": ratio,
            "note": note}


def _pc(n: int) -> str:
    """A distinct, valid-looking postcode for every integer (so places do not collide into giant hubs)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    n, unit = divmod(n, 400)
    n, sector = divmod(n, 10)
    area, district = divmod(n, 99)
    return (f"{letters[area // 20 % 20]}{letters[area % 20]}{district + 1} "
            f"{sector}{letters[unit // 20]}{letters[unit % 20]}")


def _synthetic_events(session: Any, nodes: int, rng: random.Random) -> int:
    """Children, adults and events written straight to the tables (setup only; the rebuild reads them)."""
    agency = areas.ensure_agency(session, code=POLICE).id
    communities = max(1, round(nodes / NODES_PER_COMMUNITY))
    children = communities * COMMUNITY
    now = datetime.now(UTC)
    records, kids, links, events = [], [], [], []
    for c in range(children):
        records.append({"id": c + 1, "agency_id": agency, "agency_person_id": f"C{c}", "dob": date(2009, 1, 1),
                        "police_person_id": f"P{c}", "home_area_code": AREA, "content_hash": "x",
                        "first_seen_at": now, "updated_at": now})
        kids.append({"id": c + 1, "reference": f"RCH-{c:08d}", "created_at": now, "status": "active"})
        links.append({"source_record_id": c + 1, "child_id": c + 1, "decision": "new_child", "reason": "bench",
                      "evidence": {}, "decided_by": "bench", "decided_at": now})
    for table, rows in (("source_records", records), ("children", kids), ("record_links", links)):
        _copy(session, table, rows)
    event_id = 0

    def add(child: int, kind: str, payload: dict[str, Any], day: int, **extra: Any) -> None:
        nonlocal event_id
        event_id += 1
        events.append({"id": event_id, "kind": kind, "occurred_at": T0 + timedelta(days=day, minutes=event_id % 997),
                       "recorded_at": now, "agency_id": agency, "agency_key": f"K{event_id}", "version": 1,
                       "source_record_id": child + 1, "person_role": "child_at_risk", "area_code": AREA,
                       "postcode": extra.get("postcode"), "place": None, "incident_ref": extra.get("incident"),
                       "payload": payload, "content_hash": "x"})

    for c in range(children):
        group = c // COMMUNITY
        day = rng.randrange(900)
        intel = [("deal_line", f"0770{group:07d}", 0.6), ("adult", f"AD{group}-{rng.randrange(3)}", 0.5),
                 ("place", _pc(group * 4 + rng.randrange(4)), 0.5), ("group", f"OCG-{group}", 0.3),
                 ("vehicle", f"V{group}", 0.2)]
        for association, subject, share in intel:
            if rng.random() < share:
                add(c, "intelligence_report", {"association": association, "subject_key": subject,
                                               "grading": "2/B/P"}, day)
        add(c, "missing_found", {}, day + 3, postcode=_pc(10_000_000 + rng.randrange(max(1, children // 20))))
        if rng.random() < INCIDENTS_PER_CHILD:
            # An arrest of three children from the same community, recorded together at one of its places.
            partners = [c] + [group * COMMUNITY + rng.randrange(COMMUNITY) for _ in range(2)]
            place = _pc(20_000_000 + group * 3 + rng.randrange(3))
            for member in set(partners):
                add(member, "arrest", {"offence_category": "pwits_class_a"}, day + 10, incident=f"INC-{c}",
                    postcode=place)
    _copy(session, "events", events)
    return len(events)


def _copy(session: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Setup rows (dicts with the same keys) written in bulk: COPY on PostgreSQL, executemany on SQLite."""
    from reachable.network.store import Writer

    writer = Writer(session)
    text_dates = session.get_bind().dialect.name == "sqlite"  # PostgreSQL's binary COPY takes date objects

    def value(v: Any) -> Any:
        return (writer.time(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) and text_dates
                else writer.json(v) if isinstance(v, dict) else v)

    for start in range(0, len(rows), 50_000):
        batch = rows[start:start + 50_000]
        writer.append(metadata().tables[table], list(batch[0]),
                      [tuple(value(v) for v in row.values()) for row in batch])


def _direct_network(session: Any, nodes: int, rng: random.Random) -> tuple[int, int]:
    """A network of about `nodes` entities and five links per entity, written straight to the network tables.

    Same shape as the event-built one: communities of 50 children around a line, a group, three adults, four
    places and a vehicle, peer links inside the community, and shared "found at" places across communities.
    """
    from reachable.network.models import NetworkEntity, NetworkLink, table_of
    from reachable.network.store import Writer

    writer = Writer(session)

    def _insert(table: Any, rows: list[dict[str, Any]]) -> list[int]:
        return writer.insert(table, list(rows[0]), [
            tuple(writer.time(v) if isinstance(v, datetime) else writer.json(v) if isinstance(v, dict) else v
                  for v in row.values()) for row in rows])

    now = datetime.now(UTC)
    communities = max(1, nodes // 62)
    shared_places = max(1, communities * 5 // 2)
    entities: list[dict[str, Any]] = []

    def entity(kind: str, key: str, compartment: str = "shared") -> None:
        entities.append({"kind": kind, "key": key, "label": key, "child_id": None, "place_type": None,
                         "area_code": AREA, "attributes": {}, "compartment": compartment, "created_at": now})

    for c in range(communities):
        for n in range(COMMUNITY):
            entity("child", f"child:{c}:{n}")
        entity("line", f"line:{c}", "police")
        entity("group", f"group:{c}", "police")
        for n in range(3):
            entity("adult", f"adult:{c}:{n}")
        for n in range(4):
            entity("place", f"place:{c}:{n}")
        entity("vehicle", f"vehicle:{c}", "police")
    for n in range(shared_places):
        entity("place", f"place:found:{n}")
    ids = _insert(table_of(NetworkEntity), entities)
    per = COMMUNITY + 10
    links: list[dict[str, Any]] = []
    counter = iter(range(1 << 40))

    def link(a: int, b: int, kind: str, compartment: str = "shared") -> None:
        seen = T0 + timedelta(days=rng.randrange(900))
        number = next(counter)
        links.append({"source_id": ids[a], "target_id": ids[b], "kind": kind, "source_role": "child_at_risk",
                      "target_role": None, "first_seen_at": seen, "last_seen_at": seen, "confidence": 1.0,
                      "basis": "fact" if compartment == "shared" else "intelligence", "grading": None,
                      "compartment": compartment, "source_event_ids": {"ids": [number]}, "reason": "bench",
                      "link_key": f"k{number}", "origin": "derived", "status": "active", "created_at": now,
                      "updated_at": now, "updated_by": "bench"})

    total = 0
    for c in range(communities):
        base = c * per
        for n in range(COMMUNITY):
            me = base + n
            for offset, kind, share, compartment in ((50, "linked_to_line", 0.6, "police"),
                                                     (51, "associated_with_group", 0.3, "police"),
                                                     (52 + rng.randrange(3), "associates_with", 0.5, "shared"),
                                                     (55 + rng.randrange(4), "seen_at", 0.5, "shared"),
                                                     (59, "seen_in_vehicle", 0.2, "police")):
                if rng.random() < share:
                    link(me, base + offset, kind, compartment)
            for _ in range(3):
                link(me, base + rng.randrange(COMMUNITY), "arrested_together")
            if rng.random() < 0.9:
                link(me, communities * per + rng.randrange(shared_places), "found_at")
        if len(links) >= 200_000:
            _insert(table_of(NetworkLink), links)
            total += len(links)
            links.clear()
    _insert(table_of(NetworkLink), links)
    return len(entities), total + len(links)


def _load() -> str:
    """The 1-minute load average, noted next to every timing (the machine may be shared)."""
    return f"load {os.getloadavg()[0]:.1f}"


def _postgres_url(*, create: bool = True) -> str | None:
    """A fresh PostgreSQL database for the rebuild (dropped again with create=False), or None without a server."""
    from sqlalchemy import create_engine, text

    url = PG_URL.replace("postgresql://", "postgresql+psycopg://")
    server, name = url.rsplit("/", 1)
    try:
        admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:
        return None
    return PG_URL


def _rebuild_once(url: str, nodes: int) -> tuple[int, float, float, Any, int]:
    """Synthetic events into a fresh store, then one rebuild: events, wall and CPU seconds, result, entities."""
    engine = make_engine(url)
    metadata().drop_all(engine)
    metadata().create_all(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        areas.load_reference_areas(session)
        started = time.perf_counter()
        count = _synthetic_events(session, nodes, random.Random(9))
        session.commit()
        print(f"   setup: {count:,} events in {time.perf_counter() - started:.0f}s", flush=True)
    with sessions() as session:
        started, cpu = time.perf_counter(), time.process_time()
        result = network.rebuild(session)
        session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        entities = session.scalar(select(func.count()).select_from(metadata().tables["network_entities"]))
    if not url.startswith("sqlite"):
        metadata().drop_all(engine)
    engine.dispose()
    return count, seconds, cpu, result, entities or 0


def _rebuild_figures(scale: str) -> list[dict[str, Any]]:
    """Rebuild from synthetic events on SQLite and PostgreSQL (at full scale measured smaller, extrapolated).

    The figure is wall time; the note adds this process's CPU time and the load average, because the
    database's own work is in the wall time only, and a shared machine stretches both.
    """
    measured = {"smoke": "smoke", "medium": "medium", "full": "medium"}[scale]
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        stores = [("SQLite", f"sqlite:///{tmp}/network.db", measured)]
        pg = _postgres_url()
        if pg is not None:
            # PostgreSQL is measured at the same size as SQLite (setting up 1.25 M events takes about 90 s).
            stores.append(("PostgreSQL", pg, measured))
        for label, url, size in stores:
            count, seconds, cpu, result, entities = _rebuild_once(url, SCALES[size][0])
            rate = result.links_created / seconds
            out.append(figure(f"rebuild from events ({size}, {label})", round(seconds, 1), "s",
                              "<= 300" if scale != "full" else None,
                              note=f"{count:,} events -> {entities:,} entities, {result.links_created:,} links, "
                                   f"{result.evidence:,} evidence rows; {rate:,.0f} links/s; Python CPU "
                                   f"{cpu:.1f}s; {_load()}"))
            if scale == "full":
                out.append(figure(f"rebuild from events, extrapolated to 5M links ({label})",
                                  round(seconds / result.links_created * 5_000_000), "s", "<= 300",
                                  note=f"linear from the {size} run (one pass); by this process's CPU time alone "
                                       f"{cpu / result.links_created * 5_000_000:.0f}s; {_load()}"))
        if pg is not None:
            _postgres_url(create=False)
    return out


def _network_figures(scale: str) -> list[dict[str, Any]]:
    """Exposure and community detection on a network of the target size."""
    nodes, _ = SCALES[scale]
    rng = random.Random(9)
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/network.db")
        metadata().create_all(engine)
        sessions = session_factory(engine)
        with sessions() as session:
            areas.load_reference_areas(session)
            started = time.perf_counter()
            total_nodes, total_links = _direct_network(session, nodes, rng)
            session.commit()
            print(f"   setup: {total_nodes:,} entities, {total_links:,} links in "
                  f"{time.perf_counter() - started:.0f}s", flush=True)
        out.append(figure("network size", total_nodes, "nodes", note=f"{total_links:,} links"))
        with sessions() as session:
            police = network.Viewer(name="bench", agency=POLICE, police=True)
            council = network.Viewer(name="bench", agency="CSC-E08000025", police=False)
            ent = metadata().tables["network_entities"]
            lines = list(session.scalars(select(ent.c.key).where(ent.c.kind == "line")))
            adults = list(session.scalars(select(ent.c.key).where(ent.c.kind == "adult")))
            for label, viewer, keys in (("line seeds, police view", police, lines),
                                        ("adult seeds, partner view", council, adults)):
                timings, reached = [], []
                for key in rng.sample(keys, min(200, len(keys))):
                    started = time.perf_counter()
                    found = queries.exposure(session, viewer=viewer, seeds=[key], hops=2)
                    timings.append((time.perf_counter() - started) * 1000)
                    reached.append(len(found))
                p95 = statistics.quantiles(timings, n=20)[18]
                out.append(figure(f"2-hop exposure p95 ({label})", round(p95, 1), "ms", "<= 100",
                                  note=f"{len(timings)} seeds, median {statistics.median(reached):.0f} children "
                                       f"reached, median {statistics.median(timings):.1f} ms; SQL BFS on SQLite; "
                                       f"{_load()}"))
            started, cpu = time.perf_counter(), time.process_time()
            snapshot = graph.load_snapshot(session, viewer=police)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            parts = graph.communities(snapshot)
            leiden_s, cpu = time.perf_counter() - started, time.process_time() - cpu
            out.append(figure("community detection (load + Leiden)", round(load_s + leiden_s, 1), "s", "<= 60",
                              note=f"load {load_s:.1f}s + igraph Leiden {leiden_s:.1f}s, {len(parts):,} communities; "
                                   f"CPU {cpu:.1f}s; {_load()}"))
            started, cpu = time.perf_counter(), time.process_time()
            graph.peer_groups(session, viewer=police, limit=50)
            out.append(figure("peer groups query end to end", round(time.perf_counter() - started, 1), "s",
                              "<= 60", note=f"CPU {time.process_time() - cpu:.1f}s; {_load()}"))
            started, cpu = time.perf_counter(), time.process_time()
            graph.connectors(session, viewer=police, top=20)
            out.append(figure("key connectors (degree + betweenness)", round(time.perf_counter() - started, 1),
                              "s", note=f"above 5,000 entities betweenness counts paths of up to 2 links; CPU "
                                        f"{time.process_time() - cpu:.1f}s; {_load()}"))
        engine.dispose()
    return out


def _library_figures(scale: str) -> list[dict[str, Any]]:
    """networkx vs igraph vs rustworkx on one random community graph: build, 2-hop p95, communities."""
    nodes, links = SCALES[scale]
    nodes, links = (nodes, links) if scale != "full" else (200_000, 1_000_000)
    rng = random.Random(4)
    edges = []
    for _ in range(links):
        a = rng.randrange(nodes)
        # Mostly within a block of 60 nodes (communities), some across.
        b = (a // 60) * 60 + rng.randrange(60) if rng.random() < 0.9 else rng.randrange(nodes)
        edges.append((a, min(b, nodes - 1)))
    seeds = rng.sample(range(nodes), 200)
    out = []
    import igraph
    import networkx as nx

    started = time.perf_counter()
    ig = igraph.Graph(n=nodes, edges=edges)
    build = time.perf_counter() - started
    times = _timed(lambda s: ig.neighborhood(s, order=2), seeds)
    started = time.perf_counter()
    ig.community_leiden(objective_function="modularity", n_iterations=2)
    out.append(figure("igraph: build / 2-hop p95 / Leiden", round(time.perf_counter() - started, 2), "s",
                      note=f"{nodes:,} nodes {links:,} links; build {build:.2f}s, 2-hop p95 {times:.3f} ms; GPL-2"))
    started = time.perf_counter()
    g = nx.Graph()
    g.add_edges_from(edges)
    build = time.perf_counter() - started
    times = _timed(lambda s: nx.single_source_shortest_path_length(g, s, cutoff=2), seeds)
    sample = nx.Graph(edges[: min(len(edges), 200_000)])
    started = time.perf_counter()
    nx.community.louvain_communities(sample, seed=1)
    louvain = time.perf_counter() - started
    out.append(figure("networkx: Louvain on 200k-link sample", round(louvain, 2), "s",
                      note=f"build {build:.2f}s, 2-hop p95 {times:.3f} ms; BSD; full graph not attempted"))
    if importlib.util.find_spec("rustworkx") is not None:
        import rustworkx as rx

        started = time.perf_counter()
        rg = rx.PyGraph()
        rg.add_nodes_from(range(nodes))
        rg.add_edges_from_no_data(edges)
        build = time.perf_counter() - started
        times = _timed(lambda s: rx.bfs_successors(rg, s), seeds[:20])
        out.append(figure("rustworkx: build", round(build, 2), "s",
                          note="Apache-2.0; no community detection in 0.18, so it cannot replace igraph here"))
    else:
        out.append(figure("rustworkx", None, "", note="not installed (pip install rustworkx to compare)"))
    return out


def _timed(action: Any, seeds: list[int]) -> float:
    """p95 in milliseconds of an action over seeds."""
    timings = []
    for seed in seeds:
        started = time.perf_counter()
        action(seed)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]


def run(scale: str) -> list[dict[str, Any]]:
    """Every network figure at a scale."""
    figures = _network_figures(scale) + _rebuild_figures(scale) + _library_figures(scale)
    from bench.network_truth import simulated_share

    figures += simulated_share(SIM_CHILDREN[scale])
    return figures


def main() -> None:
    """Run standalone, print the figures and, with --save, write bench/results/network-<scale>.json|md."""
    import json
    from pathlib import Path

    from bench.__main__ import machine, markdown

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="smoke", choices=list(SCALES))
    parser.add_argument("--save", action="store_true", help="write bench/results/network-<scale>.json and .md")
    args = parser.parse_args()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    figures = run(args.scale)
    for item in figures:
        print(f"{item['name']}: {item['value']} {item['unit']} (target {item['target'] or '-'}) {item['note']}")
    if args.save:
        results = {"scale": args.scale, "date": started, "machine": machine(), "benchmarks": {"network": figures},
                   "errors": {}}
        out = Path(__file__).parent / "results"
        (out / f"network-{args.scale}.json").write_text(json.dumps(results, indent=2, default=str))
        (out / f"network-{args.scale}.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
