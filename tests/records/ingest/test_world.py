"""Acceptance: a simulated world's whole output imports cleanly, counts match the manifest, a re-run is a no-op."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.records.models import Event
from tests.records.ingest.conftest import counts, import_paths

simulate = pytest.importorskip("reachable.simulate").simulate


def _world(tmp_path: Path, children: int) -> Path:
    out = tmp_path / "world"
    simulate(out, children=children, years=2, seed=1)
    return out


def _check(session: Session, out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    promised: Counter[tuple[str, str]] = Counter()
    for entry in manifest["files"]:
        for kind, n in entry.get("events", {}).items():
            promised[(entry["agency"], kind)] += n
    report = import_paths(session, [out])
    read: Counter[tuple[str, str]] = Counter()
    for item in report.files:
        for kind, n in item.events.items():
            read[(item.agency or "", kind)] += n
    assert +read == +promised  # every agency and kind, exactly as the extracts say
    totals = report.totals()
    assert totals["rejected_rows"] == 0 and totals["new_versions"] == 0
    # Census years overlap: an episode in two returns is stored once and seen again as unchanged.
    assert totals["created"] + totals["unchanged"] == sum(promised.values())
    agency_of = {i: a.code for i, a in areas.agencies_by_id(session, ids=set(
        session.scalars(select(Event.agency_id).distinct()))).items()}
    stored = Counter((agency_of[e.agency_id], e.kind) for e in session.scalars(select(Event)))
    assert sum(stored.values()) == totals["created"] and set(stored) <= set(promised)
    before = counts(session)
    again = import_paths(session, [out])
    assert all(item.skipped for item in again.files) and counts(session) == before


def test_small_world_imports_exactly(session: Session, tmp_path: Path) -> None:
    _check(session, _world(tmp_path, 150))


@pytest.mark.slow
def test_three_thousand_children(session: Session, tmp_path: Path) -> None:
    _check(session, _world(tmp_path, 3000))
