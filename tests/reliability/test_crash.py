"""Crash: kill -9 a real `reachable ingest` and a real `reachable serve` mid-write, then check nothing was lost.

A short version of bench/bench_crash.py (which runs >= 50 trials per database and kind): one trial of each
kind per database, with the kill drawn at random from the window the write takes.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.reliability import invariants
from tests.reliability.crash import api_trial, import_trial, make_store


def test_kill_during_import_and_api_writes(backend: str, tmp_path: Path) -> None:
    store = make_store(backend, tmp_path, "short")
    rng = random.Random(13)
    try:
        results = [import_trial(store, tmp_path, 0, events=120, people=30, window=6.0, rng=rng),
                   api_trial(store, 0, events=40, clients=4, window=3.0, rng=rng)]
        assert [(r.kind, r.kill_after, r.problems) for r in results if r.problems] == []
        assert invariants.check_all(store.engine) == []
        state = invariants.counts(store.engine)
        assert state["events"] == 160 and state["children"] == 40
    finally:
        store.drop()
