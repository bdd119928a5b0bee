"""Helpers for linkage tests: noisy worlds ingested through the real pipeline, and the shipped model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.identity import store, synthetic
from reachable.identity.linkfile import shipped_model
from reachable.identity.models import LinkageModel
from reachable.identity.training import Trained
from reachable.records.kinds import EventKind
from tests.factories import SAMPLE_PAYLOADS, event, person


def record_event(row: dict[str, Any], number: int = 0) -> Any:
    """One canonical event about a synthetic record, from the record's own agency."""
    who = person(agency_person_id=row["record_id"], first_name=row["first_name"], last_name=row["last_name"],
                 dob=row["dob"], sex=row["sex"] or None, postcode=row["postcode"] or None, upn=row["upn"],
                 nhs_number=row["nhs_number"], police_person_id=row["police_person_id"],
                 ethnicity=row["ethnicity"], home_area_code="E08000025")
    return event(EventKind.CONCERN_RAISED, agency=row["source"], agency_key=f"{row['record_id']}-{number}",
                 person=who, payload=SAMPLE_PAYLOADS[EventKind.CONCERN_RAISED],
                 occurred_at=datetime(2025, 1, 1 + number % 28, 12, tzinfo=UTC))


def ingest_world(session: Session, world: synthetic.World) -> dict[str, int]:
    """Ingest every record of a world; returns agency_person_id -> source record id."""
    # Only the link stage: these tests are about identity, and the rules stage would triple their run time.
    outcome = pipeline.ingest(session, events=[record_event(row) for row in world.records], actor=access.SYSTEM,
                              stages=[pipeline.link_stage])
    ids: dict[str, int] = {}
    from reachable.records import service as records

    for event_id in outcome.stored.event_ids:
        stored = records.get_event(session, event_id=event_id)
        assert stored is not None
        source = records.get_source_record(session, record_id=stored.source_record_id)
        assert source is not None
        ids[source.agency_person_id] = source.id
    return ids


def use_shipped_model(session: Session) -> LinkageModel:
    """Make the shipped m and u active with the match rate of a small world (training itself is tested once)."""
    model = shipped_model()
    model["probability_two_random_records_match"] = 0.02  # ~1 true pair per 50 pairs among 100 records
    return store.save_model(session, trained=Trained(model=model, term_frequencies={}), trained_by="test")


@pytest.fixture
def small_world() -> synthetic.World:
    """About 100 noisy records of 40 children."""
    return synthetic.world(children=40, records_per_child=2.5, noise=0.2, seed=7)
