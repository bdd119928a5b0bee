"""Fuzzing at scale: Schemathesis against every API operation and Hypothesis against every import format.

API: generated requests (valid and invalid per the OpenAPI document) per operation, as several roles, in-process
on SQLite; targets zero server errors and zero schema-breaking responses. The operations are split over worker
processes (one per core). Parsers: generated inputs per import format through its reader (zero unhandled
exceptions), and a sample through the whole import pipeline (zero partial writes).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# (API cases per operation, reader inputs per format, full imports per seed table)
SCALES = {"smoke": (10, 200, 5), "medium": (100, 2_000, 30), "full": (1_000, 10_000, 100)}


def _api_share(args: tuple[int, int, int]) -> dict[str, Any]:
    """Fuzz every `workers`-th operation starting at `index` (in a worker process with its own store)."""
    index, workers, examples = args
    from tests.reliability.apifuzz import build_target, fast_password_hashing, fuzz, load_schema, operations

    logging.disable(logging.ERROR)  # the app logs each refused request; the figures are what matter here
    with fast_password_hashing():
        target = build_target()
        labels = [f"{op.method.upper()} {op.path}" for op in operations(load_schema(target.app))]
        mine = set(labels[index::workers])
        report = fuzz(target, examples=examples, derandomize=False, only=mine.__contains__)
    return {"operations": report.operations, "cases": report.cases, "findings": [vars(f) for f in report.findings],
            "statuses": report.statuses, "per_operation": report.per_operation}


def api(examples: int) -> list[dict[str, Any]]:
    """The API fuzz figures."""
    workers = max(1, min(4, os.cpu_count() or 1))
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        shares = list(pool.map(_api_share, [(i, workers, examples) for i in range(workers)]))
    seconds = time.perf_counter() - started
    operations = sum(s["operations"] for s in shares)
    cases = sum(s["cases"] for s in shares)
    findings = [f for s in shares for f in s["findings"]]
    statuses: dict[int, int] = {}
    for share in shares:
        for status, count in share["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + count
    fewest = min((n, op) for s in shares for op, n in s["per_operation"].items())
    server = sum(1 for f in findings if f["status"] >= 500)
    for finding in findings:
        print(f"   FINDING {finding['operation']} as {finding['caller']}: {finding['check']} ({finding['status']}) "
              f"{finding['message'][:300]!r} | {finding['repro'][:300]}", flush=True)
    return [
        {"name": "API: generated requests", "value": cases, "unit": "requests", "target": None, "baseline": None,
         "ratio": None, "note": f"{operations} operations, {examples} per operation asked (fewest: {fewest[0]} "
                                f"for {fewest[1]}, a small input space); statuses {dict(sorted(statuses.items()))}; "
                                f"{seconds:.0f}s on {workers} processes"},
        {"name": "API: requests per operation (median)", "value": sorted(
            n for s in shares for n in s["per_operation"].values())[operations // 2], "unit": "requests",
         "target": f">= {min(examples, 100)}", "baseline": None, "ratio": None, "note": ""},
        {"name": "API: server errors (5xx)", "value": server, "unit": "count", "target": "<= 0", "baseline": None,
         "ratio": None, "note": ""},
        {"name": "API: schema-breaking responses", "value": len(findings) - server, "unit": "count",
         "target": "<= 0", "baseline": None, "ratio": None, "note": "body, content type or headers off the document"},
    ]


def parsers(per_format: int, imports: int) -> list[dict[str, Any]]:
    """The parser fuzz figures: every format's reader, and full imports for each seed table."""
    from collections import Counter

    from tests.reliability.parserfuzz import check_import, check_reader, seeds

    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.registry import metadata
    from reachable.db.uow import session_factory

    tables = Counter(seed.format for seed in seeds())
    ran: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    engine = make_engine("sqlite://")
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        session.commit()
    for seed in seeds():
        try:
            ran[seed.format] += check_reader(seed, examples=-(-per_format // tables[seed.format]), derandomize=False)
            outcomes.update(check_import(engine, seed, examples=imports, derandomize=False))
        except Exception as error:  # report every format's failure, not only the first
            failures.append(f"{seed.name}: {type(error).__name__}: {str(error)[:400]}")
    engine.dispose()
    print(f"   reader inputs per format: {dict(sorted(ran.items()))}; imports: {dict(outcomes)}", flush=True)
    for failure in failures:
        print(f"   FAILURE {failure}", flush=True)
    return [
        {"name": "parsers: inputs per format (fewest)", "value": min(ran.values()) if ran else 0, "unit": "inputs",
         "target": f">= {per_format}", "baseline": None, "ratio": None,
         "note": f"{len(ran)} formats, {sum(ran.values())} inputs in {time.perf_counter() - started:.0f}s"},
        {"name": "parsers: unhandled exceptions or partial writes", "value": len(failures), "unit": "count",
         "target": "<= 0", "baseline": None, "ratio": None, "note": "; ".join(failures)[:500]},
        {"name": "parsers: full imports (ok / refused)", "value": sum(outcomes.values()), "unit": "imports",
         "target": None, "baseline": None, "ratio": None, "note": f"{dict(outcomes)}, on SQLite"},
    ]


def run(scale: str, part: str = "all") -> list[dict[str, Any]]:
    """API then parser fuzzing at a scale (`part`: both, or only one of them)."""
    examples, per_format, imports = SCALES[scale]
    figures = api(examples) if part in ("all", "api") else []
    return figures + (parsers(per_format, imports) if part in ("all", "parsers") else [])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="smoke", choices=sorted(SCALES))
    parser.add_argument("--part", default="all", choices=["all", "api", "parsers"])
    options = parser.parse_args()
    for figure in run(options.scale, options.part):
        print(figure)
