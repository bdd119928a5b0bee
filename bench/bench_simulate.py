"""Benchmark `reachable simulate`: events per second and peak memory (issue 3: 1M children x 3 years,
>= 5M events, <= 10 minutes, <= 4 GB on 2 cores).

Usage: python bench/bench_simulate.py [--children N] [--years Y] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from reachable.simulate import simulate


def main() -> None:
    """Run one simulation and print its size, speed and peak memory against the issue's targets."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="reachable-bench-"))
    started = time.perf_counter()
    manifest = simulate(out, children=args.children, years=args.years, seed=args.seed)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    events = manifest["events_total"]
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e9
    print(f"children            {args.children:,} over {args.years} years")
    print(f"events              {events:,} ({events / args.children:.2f} per child)")
    print(f"elapsed             {elapsed:,.1f} s")
    print(f"cpu time            {cpu:,.1f} s (elapsed is longer when other work shares the cores)")
    print(f"events/s            {events / elapsed:,.0f} (per cpu second: {events / cpu:,.0f})")
    print(f"children/s          {args.children / elapsed:,.0f}")
    print(f"peak memory         {peak_mb:,.0f} MB")
    print(f"output              {size:.2f} GB in {len(manifest['files'])} extract files")
    if args.children == 1_000_000 and args.years == 3:
        print(
            f"targets             events >= 5M: {events >= 5_000_000}; time <= 600 s: {elapsed <= 600}; "
            f"memory <= 4096 MB: {peak_mb <= 4096}"
        )
    if args.out is None:
        shutil.rmtree(out)


SCALES = {"smoke": 20_000, "medium": 200_000, "full": 1_000_000}


def run(scale: str) -> list[dict[str, Any]]:
    """The `python -m bench` entry: simulate at a scale; the 10-minute target is scaled to the children."""
    children = SCALES[scale]
    out = Path(tempfile.mkdtemp(prefix="reachable-bench-"))
    try:
        started = time.perf_counter()
        manifest = simulate(out, children=children, years=3, seed=1)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(out)
    events = manifest["events_total"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    budget = 600 * children / 1_000_000
    return [
        {"name": f"simulate {children:,} children x 3 years", "value": elapsed, "unit": "s",
         "target": f"<= {budget:g}", "baseline": None, "ratio": None, "note": f"{events:,} events"},
        {"name": "simulated events per second", "value": events / elapsed, "unit": "events/s", "target": None,
         "baseline": None, "ratio": None, "note": ""},
        {"name": "peak memory (whole bench process)", "value": peak_mb, "unit": "MB", "target": "<= 4096",
         "baseline": None, "ratio": None, "note": ""},
    ]


if __name__ == "__main__":
    main()
