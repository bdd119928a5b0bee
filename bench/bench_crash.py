"""Crash: kill -9 at a random moment during bulk imports and API writes, on SQLite and PostgreSQL.

Each import trial starts `reachable ingest` on a new canonical file and SIGKILLs it at a moment drawn uniformly
from the time an uninterrupted import takes (start-up included); each API trial starts `reachable serve`, has four
clients post events and SIGKILLs the server. After every kill: the database's integrity check, the audit chain,
no half-written import or orphaned row, and every acknowledged write present; then the import is re-run or the
events resent, which must complete them. At the end the store must equal a clean store that imported the same
events without any crash (row counts of events, records, children, links, tasks, markers, rule firings).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.reliability import invariants
from tests.reliability.crash import (
    api_trial,
    canonical,
    make_store,
    measure_import,
    postgres_available,
    reference_state,
    write_file,
)

SCALES = {"smoke": 3, "medium": 10, "full": 50}  # trials per database and kind
IMPORT_EVENTS, IMPORT_PEOPLE, API_EVENTS, API_CLIENTS, API_WINDOW = 120, 30, 80, 4, 2.5


def run_backend(backend: str, trials: int, folder: Path) -> list[dict[str, Any]]:
    """All trials on one backend; the figures."""
    from tests.reliability.crash import import_trial

    rng = random.Random(2026)
    store = make_store(backend, folder, "crash")
    started = time.perf_counter()
    try:
        window = measure_import(store, folder, events=IMPORT_EVENTS, people=IMPORT_PEOPLE)
        results = []
        for index in range(trials):
            results.append(import_trial(store, folder, index, events=IMPORT_EVENTS, people=IMPORT_PEOPLE,
                                        window=window, rng=rng))
            results.append(api_trial(store, index, events=API_EVENTS, clients=API_CLIENTS, window=API_WINDOW,
                                     rng=rng))
            print(f"   {backend} trial {index + 1}/{trials}: "
                  + "; ".join(f"{r.kind} kill at {r.kill_after:.2f}s, {r.present_after_kill}/{r.expected} "
                              f"{'problems: ' + str(r.problems) if r.problems else 'ok'}" for r in results[-2:]),
                  flush=True)
        final = invariants.counts(store.engine)
        problems = invariants.check_all(store.engine)
    finally:
        store.drop()
    # The same events imported once, cleanly: the state every crash-and-re-run sequence must reach.
    files = [folder / "warmup.jsonl", *(folder / f"I{i}.jsonl" for i in range(trials))]
    files.append(write_file(folder / "api-events.jsonl",
                            [row for i in range(trials) for row in canonical(f"A{i}", API_EVENTS, API_EVENTS // 4)]))
    reference = reference_state(backend, folder, files)
    imports = [r for r in results if r.kind == "import"]
    apis = [r for r in results if r.kind == "api"]
    failed = [r for r in results if r.problems]
    lost = sum(1 for r in apis for p in r.problems if "acknowledged writes lost" in p)
    half = sum(1 for r in imports if r.present_after_kill not in (0, r.expected))
    mid = sum(1 for r in apis if r.expected)
    note = json.dumps({"final": final, "reference": reference})[:600]
    return [
        {"name": f"{backend}: trials (import + API kills)", "value": len(results), "unit": "count",
         "target": f">= {2 * trials}", "baseline": None, "ratio": None,
         "note": f"import window {window:.1f}s; {mid} API kills after at least one acknowledged write; "
                 f"{time.perf_counter() - started:.0f}s"},
        {"name": f"{backend}: trials with any problem", "value": len(failed), "unit": "count", "target": "<= 0",
         "baseline": None, "ratio": None, "note": "; ".join(f"{r.kind}@{r.kill_after:.2f}s {r.problems}"
                                                            for r in failed)[:500]},
        {"name": f"{backend}: acknowledged API writes lost", "value": lost, "unit": "trials", "target": "<= 0",
         "baseline": None, "ratio": None,
         "note": f"{sum(r.expected for r in apis)} writes acknowledged before a kill, all checked"},
        {"name": f"{backend}: half-written imports after kill", "value": half, "unit": "trials", "target": "<= 0",
         "baseline": None, "ratio": None,
         "note": f"{sum(1 for r in imports if r.present_after_kill)} kills came after the commit"},
        {"name": f"{backend}: final state differs from a clean run", "value": int(final != reference or bool(problems)),
         "unit": "bool", "target": "<= 0", "baseline": None, "ratio": None, "note": note},
    ]


def run(scale: str) -> list[dict[str, Any]]:
    """Both backends (PostgreSQL when it answers)."""
    figures: list[dict[str, Any]] = []
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not postgres_available():
            print("   PostgreSQL not reachable: skipped", flush=True)
            continue
        with tempfile.TemporaryDirectory() as folder:
            figures += run_backend(backend, SCALES[scale], Path(folder))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="smoke", choices=sorted(SCALES))
    for figure in run(parser.parse_args().scale):
        print(figure)
