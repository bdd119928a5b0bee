"""Measure one network rebuild at full scale (1,000,000 synthetic nodes) on one database, without extrapolating.

Usage: python -m bench.network_rebuild_full sqlite|postgresql   (setup and rebuild take minutes each)
The synthetic events are written by this process; the rebuild runs in a fresh process on the stored events,
as `reachable network build` does, not in the process whose setup has just made and freed millions of objects.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from bench import bench_network as b
from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory


def _setup(url: str) -> int:
    """A fresh store holding the full scale's synthetic events; returns how many."""
    engine = make_engine(url)
    metadata().drop_all(engine)
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        started = time.perf_counter()
        count = b._synthetic_events(session, b.SCALES["full"][0], random.Random(9))
        session.commit()
        print(f"   setup: {count:,} events in {time.perf_counter() - started:.0f}s", flush=True)
    engine.dispose()
    return count


def _rebuild(url: str) -> None:
    """One rebuild of the stored events (in this process), printed as JSON."""
    from reachable.network import service as network

    engine = make_engine(url)
    with session_factory(engine)() as session:
        started, cpu = time.perf_counter(), time.process_time()
        result = network.rebuild(session)
        session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        entities = session.scalar(select(func.count()).select_from(metadata().tables["network_entities"]))
    engine.dispose()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "entities": entities, "links": result.links_created,
                      "evidence": result.evidence}))


def main(which: str) -> None:
    """Build the full synthetic store on one database, rebuild the network once and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/network.db" if which == "sqlite" else b._postgres_url()
        if url is None:
            raise SystemExit("PostgreSQL is not reachable at 127.0.0.1:5432")
        print(f"{which}: start {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}", flush=True)
        count = _setup(url)
        done = subprocess.run([sys.executable, "-m", "bench.network_rebuild_full", "--rebuild", url],
                              check=True, capture_output=True, text=True)
        got = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{which}: {count:,} events -> {got['entities']:,} entities, {got['links']:,} links, "
              f"{got['evidence']:,} evidence rows; rebuild {got['seconds']:.1f} s wall, CPU {got['cpu']:.1f} s; "
              f"{got['seconds'] / got['links'] * 5_000_000:.0f} s per 5M links; load {os.getloadavg()[0]:.2f}; "
              f"end {datetime.now(UTC):%H:%M} UTC")
        if which != "sqlite":
            b._postgres_url(create=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rebuild"]:
        _rebuild(sys.argv[2])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
