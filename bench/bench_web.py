"""Web: the child page for a child with 5,000 events (target p95 <= 300 ms), rendered through the whole app.

Builds a SQLite store with one child whose chronology holds N events from three agencies, signs in as a
social worker in the child's area and requests the child page repeatedly (the first page of the chronology,
then a filtered view), timing each full HTTP response.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

from fastapi.testclient import TestClient

from reachable import pipeline
from reachable.access import service as access
from reachable.api.app import create_app
from reachable.areas import service as areas
from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from reachable.records.kinds import EventKind
from reachable.records.schemas import EventIn, PersonIn

SCALES = {"smoke": (1000, 20), "full": (5000, 60)}
AREA, CSC = "E08000025", "CSC-E08000025"
KINDS = [(EventKind.MISSING_REPORTED, {"missing_type": "M", "risk_level": "medium"}),
         (EventKind.STOP_SEARCH, {"grounds": "drugs", "items_found": ["cash"]}),
         (EventKind.CONCERN_RAISED, {"categories": ["new_phones"], "detail": "two new phones"}),
         (EventKind.HEALTH_ATTENDANCE, {"injury_type": "stab_wound", "setting": "A&E"})]
AGENCY = {EventKind.STOP_SEARCH: "POL-E23000014", EventKind.HEALTH_ATTENDANCE: "HLT-E08000025"}


def _store(folder: Path, events: int) -> tuple[Settings, str, str]:
    """A store with one child of `events` events; returns settings, the child reference and a TOTP secret."""
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", data_dir=folder)
    engine = make_engine(settings.database_url)
    metadata().create_all(engine)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        areas.ensure_agency(session, code=CSC)
        _, secret = access.create_user(session, username="bench.worker", display_name="Bench Worker",
                                       agency_code=CSC, role="social_worker", password="bench-passphrase-2025",
                                       actor=access.SYSTEM)
        child_ref = ""
        for offset in range(0, events, 1000):
            batch = []
            for n in range(offset, min(events, offset + 1000)):
                kind, payload = KINDS[n % len(KINDS)]
                agency = AGENCY.get(kind, CSC)
                batch.append(EventIn(agency=agency, agency_key=f"bench-{n}", kind=kind, payload=payload,
                                     occurred_at=start + timedelta(hours=7 * n), area_code=AREA,
                                     person=PersonIn(agency_person_id="BENCH-1", first_name="Ava", last_name="Jones",
                                                     dob=datetime(2010, 2, 3).date(), home_area_code=AREA)))
            outcome = pipeline.ingest(session, events=batch, actor=access.SYSTEM)
            from reachable.identity import service as identity

            child_ref = identity.get_child(session, child_id=outcome.child_ids[0]).reference
        session.commit()
    engine.dispose()
    return settings, child_ref, secret


def run(scale: str) -> list[dict[str, Any]]:
    """Time the child page; one result row per view."""
    events, repeats = SCALES[scale]
    with tempfile.TemporaryDirectory() as folder:
        settings, child_ref, secret = _store(Path(folder), events)
        with TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False) as client:
            page = client.get("/sign-in").text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            signed = client.post("/sign-in", data={"username": "bench.worker", "password": "bench-passphrase-2025",
                                                   "code": access.current_code(secret), "csrf_token": token})
            assert signed.status_code == 303, signed.text[:500]
            rows = []
            for name, params in (("child page, 5,000-event chronology" if events == 5000 else
                                  f"child page, {events}-event chronology", {}),
                                 ("child page, filtered to one agency", {"agency": "POL-E23000014"})):
                times = []
                for _ in range(repeats + 3):
                    started = time.perf_counter()
                    response = client.get(f"/children/{child_ref}", params=params)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                times = times[3:]  # warm-up
                p95 = quantiles(times, n=20)[-1]
                middle = sorted(times)[len(times) // 2]
                rows.append({"name": name, "value": round(p95, 1), "unit": "ms p95", "target": 300.0,
                             "baseline": None, "ratio": round(p95 / 300.0, 3),
                             "note": f"{events} events, {repeats} requests, median {middle:.1f} ms"})
            return rows


def main() -> None:
    """Run standalone and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
    for row in run(parser.parse_args().scale):
        print(f"{row['name']}: {row['value']} {row['unit']} (target <= {row['target']}; {row['note']})")


if __name__ == "__main__":
    main()
