"""A store pre-filled with many linked records (bulk inserts), and timed incremental matches against it."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from reachable.identity import blocking, features, store, synthetic, training
from reachable.identity import service as identity
from reachable.identity.models import BlockingKey, Child, LinkageModel, RecordLink
from reachable.records.models import SourceRecord

NOW = datetime(2025, 3, 31, tzinfo=UTC)
TRAINING_SAMPLE = 200_000


def _person(row: dict[str, Any]) -> dict[str, Any]:
    """Source-record columns from a synthetic row."""
    dob = date.fromisoformat(row["dob"]) if row["dob"] else None
    return {"first_name": row["first_name"], "last_name": row["last_name"], "dob": dob, "sex": row["sex"] or None,
            "postcode": row["postcode"] or None, "upn": row["upn"], "nhs_number": row["nhs_number"],
            "police_person_id": row["police_person_id"], "ethnicity": row["ethnicity"]}


def build_store(url: str, world: synthetic.World, *, chunk: int = 50_000) -> None:
    """Schema, agencies, every record linked to its true child, the blocking index and a trained model."""
    engine = make_engine(url)
    metadata().create_all(engine)
    with unit_of_work(session_factory(engine)) as session:
        areas.load_reference_areas(session)
        agency = {code: areas.ensure_agency(session, code=code).id for code in synthetic.SOURCES}
    children: dict[str, int] = {}
    with engine.begin() as connection:
        names = sorted(world.children)
        for start in range(0, len(names), chunk):
            connection.execute(insert(Child), [{"id": n + 1, "reference": f"RCH-B{n:07d}", "created_at": NOW,
                                                "status": "active"} for n in range(start, min(start + chunk,
                                                                                              len(names)))])
        children = {name: n + 1 for n, name in enumerate(names)}
        for start in range(0, len(world.records), chunk):
            rows = world.records[start:start + chunk]
            connection.execute(insert(SourceRecord), [
                {"id": start + i + 1, "agency_id": agency[row["source"]], "agency_person_id": row["record_id"],
                 "content_hash": "bench", "first_seen_at": NOW, "updated_at": NOW, **_person(row)}
                for i, row in enumerate(rows)])
            connection.execute(insert(RecordLink), [
                {"source_record_id": start + i + 1, "child_id": children[world.truth[row["record_id"]]],
                 "decision": "auto_link", "reason": "bench", "evidence": {}, "decided_by": "bench",
                 "decided_at": NOW} for i, row in enumerate(rows)])
            keys = []
            for i, row in enumerate(rows):
                featured = features.features({**row, "record_id": start + i + 1})
                keys.extend({"source_record_id": start + i + 1, "key": key[:160]}
                            for key in blocking.index_keys(featured))
            connection.execute(insert(BlockingKey), keys)
    sample = random.Random(3).sample(world.records, min(TRAINING_SAMPLE, len(world.records)))
    trained = training.train(features.to_arrow(features.features(row) for row in sample))
    with unit_of_work(session_factory(engine)) as session:
        store.save_model(session, trained=trained, trained_by="bench")
    engine.dispose()


def probe_latencies(url: str, world: synthetic.World, *, probes: int, with_model: bool) -> list[float]:
    """Milliseconds to resolve each of `probes` new noisy records of existing children (one commit each)."""
    engine = make_engine(url)
    rng = random.Random(11 if with_model else 12)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        session.execute(update(LinkageModel).values(active=False))
        if with_model:
            newest = session.scalar(select(LinkageModel.id).order_by(LinkageModel.id.desc()).limit(1))
            session.execute(update(LinkageModel).where(LinkageModel.id == newest).values(active=True))
        agency_id = areas.ensure_agency(session, code="POL-E23000014").id
    timings: list[float] = []
    base = rng.randrange(10**6)
    for n in range(probes):
        template = rng.choice(world.records)
        with unit_of_work(factory) as session:
            record = SourceRecord(agency_id=agency_id, agency_person_id=f"PROBE-{with_model}-{base}-{n}",
                                  content_hash="probe", first_seen_at=NOW, updated_at=NOW, **_person(template))
            session.add(record)
            session.flush()
            started = time.perf_counter()
            identity.resolve_record(session, record_id=record.id)
            timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return timings


def simulated_world_store(folder: Path, *, seed: int, children: int = 30_000) -> tuple[str, Path]:
    """The simulator's world ingested store-only into SQLite (reused when `folder` already has it), then a
    fresh copy linked by the real path: `link run --train` (train, predict, cluster, reconcile children)."""
    import logging
    import shutil

    from reachable import pipeline
    from reachable.access import service as access
    from reachable.db import migrate
    from reachable.records.ingest.detect import expand
    from reachable.simulate import simulate

    logging.getLogger("splink").setLevel(logging.ERROR)
    world, ingested, linked = folder / "world", folder / "ingested.db", folder / "linked.db"
    actor = access.Actor(name="bench:identity")
    if not ingested.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if not (world / "truth").exists():
            simulate(world, children=children, years=3, seed=seed)
        url = f"sqlite:///{ingested}"
        migrate.upgrade(url)
        loading = make_engine(url)
        factory = session_factory(loading)
        with unit_of_work(factory) as session:
            areas.load_reference_areas(session)
        sources, problems = expand([world], format="auto", agency=None)
        with unit_of_work(factory) as session:
            pipeline.ingest_files(session, sources=sources, actor=actor, accept_valid=True,
                                  rejects=folder / "rejects.csv", progress=False, errors=problems, stages=[])
        loading.dispose()  # closing the last connection folds the WAL into the file the copy below reads
    shutil.copyfile(ingested, linked)
    url = f"sqlite:///{linked}"
    migrate.upgrade(url)  # the reused store may predate a later migration
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        identity.train_model(session, engine="duckdb", trained_by=actor.name)
        identity.run_linkage(session, actor=actor, engine="duckdb")
    engine.dispose()
    return url, world
