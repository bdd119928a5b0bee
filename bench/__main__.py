"""Run every benchmark at a scale and write bench/results/latest.json and latest.md.

Each module bench/bench_<name>.py exposes `run(scale: str) -> list[dict]`; a figure dict has
name, value, unit, target (text such as ">= 30000" or "<= 100"), baseline, ratio and note.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _proc_field(path: str, key: str) -> str:
    """One field of a /proc file such as /proc/meminfo, or '' where there is none."""
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict[str, Any]:
    """Details of the machine the figures came from."""
    return {"python": sys.version.split()[0], "platform": platform.platform(), "cores": os.cpu_count(),
            "cpu": _proc_field("/proc/cpuinfo", "model name"), "memory": _proc_field("/proc/meminfo", "MemTotal")}


def meets(value: Any, target: str | None) -> bool | None:
    """Whether a value meets a target written as '>= N' or '<= N' (None when there is no target)."""
    if not target or not isinstance(target, str) or not isinstance(value, int | float):
        return None  # a bare number gives no direction (upper or lower bound), so no verdict
    operator, _, number = target.partition(" ")
    limit = float(number)
    return value >= limit if operator == ">=" else value <= limit


def markdown(results: dict[str, Any]) -> str:
    """The results as a markdown table."""
    lines = [f"# Benchmark results ({results['scale']}, {results['date']})", "",
             f"Machine: {results['machine']['cores']} cores, {results['machine']['cpu']}, "
             f"Python {results['machine']['python']}", "",
             "| benchmark | figure | value | unit | target | met | baseline | ratio | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for bench, figures in results["benchmarks"].items():
        for figure in figures:
            met = meets(figure.get("value"), figure.get("target"))
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                bench, figure.get("name"), _fmt(figure.get("value")), figure.get("unit", ""),
                figure.get("target") or "", "" if met is None else ("yes" if met else "**no**"),
                _fmt(figure.get("baseline")), _fmt(figure.get("ratio")), figure.get("note", "")))
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    """A number with sensible precision, or the value as text."""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def main() -> int:
    """Run the benchmarks named (or all) and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="smoke", choices=["smoke", "medium", "full"])
    parser.add_argument("--only", nargs="*", help="benchmark names, e.g. ingest rules")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    names = sorted(info.name.removeprefix("bench_") for info in pkgutil.iter_modules([str(HERE)])
                   if info.name.startswith("bench_"))
    if args.only:
        names = [name for name in names if name in args.only]
    results: dict[str, Any] = {"scale": args.scale, "date": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": machine(), "benchmarks": {}, "errors": {}}
    for name in names:
        started = time.perf_counter()
        print(f"== {name} ({args.scale})", flush=True)
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            figures = module.run(args.scale)
        except Exception:  # one failing benchmark must not hide the others' figures
            results["errors"][name] = traceback.format_exc()
            print(results["errors"][name], file=sys.stderr)
            continue
        results["benchmarks"][name] = figures
        for figure in figures:
            print(f"   {figure.get('name')}: {_fmt(figure.get('value'))} {figure.get('unit', '')}"
                  f" (target {figure.get('target') or '-'}, baseline {_fmt(figure.get('baseline'))},"
                  f" ratio {_fmt(figure.get('ratio'))})", flush=True)
        print(f"   ({time.perf_counter() - started:.1f}s)", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    (out / "latest.md").write_text(markdown(results))
    print(f"wrote {out / 'latest.json'} and {out / 'latest.md'}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
