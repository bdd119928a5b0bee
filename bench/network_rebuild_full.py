"""Measure one network rebuild at full scale (1,000,000 synthetic nodes) on one database, without extrapolating.

Usage: python -m bench.network_rebuild_full sqlite|postgresql   (setup and rebuild take minutes each)
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime

from bench import bench_network as b


def main(which: str) -> None:
    """Build the full synthetic store on one database, rebuild the network once and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/network.db" if which == "sqlite" else b._postgres_url()
        if url is None:
            raise SystemExit("PostgreSQL is not reachable at 127.0.0.1:5432")
        print(f"{which}: start {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}", flush=True)
        count, seconds, cpu, result, entities = b._rebuild_once(url, b.SCALES["full"][0])
        print(f"{which}: {count:,} events -> {entities:,} entities, {result.links_created:,} links, "
              f"{result.evidence:,} evidence rows; rebuild {seconds:.1f} s wall, CPU {cpu:.1f} s; "
              f"{seconds / result.links_created * 5_000_000:.0f} s per 5M links; load {os.getloadavg()[0]:.2f}; "
              f"end {datetime.now(UTC):%H:%M} UTC")
        if which != "sqlite":
            b._postgres_url(create=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
