"""Full runs, incremental matching, clerical decisions and merge/split on real databases."""

from __future__ import annotations

import csv
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict
from reachable.identity import evaluate, features, store, synthetic, training
from reachable.identity import service as identity
from reachable.identity.models import Child, ReviewItem
from reachable.markers.models import Marker
from reachable.records.kinds import EventKind
from reachable.tasks.models import Task
from tests.factories import event, person
from tests.identity.conftest import ingest_world, use_shipped_model

REVIEWER = access.Actor(name="reviewer:alex", role="social_worker")


def _children(session: Session, ids: dict[str, int]) -> dict[str, str]:
    """agency person id -> current child id."""
    out = {}
    for name, rid in ids.items():
        link = identity.current_link(session, source_record_id=rid)
        assert link is not None
        out[name] = str(link.child_id)
    return out


def test_full_run_links_noisy_records_and_respects_truth(session: Session, small_world: synthetic.World) -> None:
    ids = ingest_world(session, small_world)
    before = evaluate.scores(_children(session, ids), small_world.truth)
    use_shipped_model(session)
    summary = identity.run_linkage(session, actor=access.SYSTEM)
    after = evaluate.scores(_children(session, ids), small_world.truth)
    assert summary.records == len(small_world.records)
    assert after.pair_recall > before.pair_recall + 0.2  # exact rules miss nicknames, typos, transposed dates
    assert after.pair_precision >= 0.97
    model = identity.active_model(session)
    assert model is not None
    link = next(found for rid in ids.values() if (found := identity.current_link(session, source_record_id=rid))
                and found.model_version == model.version and found.decision == "auto_link")
    assert "match probability" in link.reason and link.match_probability


def test_training_without_labels_gives_a_versioned_model() -> None:
    world = synthetic.world(children=200, records_per_child=2.5, seed=5)
    trained = training.train(features.to_arrow(features.features(row) for row in world.records))
    assert trained.version.startswith("splink-")
    assert trained.version == training.Trained(model=trained.model, term_frequencies={}).version
    assert {c["output_column_name"] for c in trained.model["comparisons"]} >= {"forename", "surname", "dob"}
    assert trained.term_frequencies["last_name"]["smith"] > trained.term_frequencies["last_name"].get("okafor", 0)
    levels = {c["output_column_name"]: c["comparison_levels"] for c in trained.model["comparisons"]}
    exact_dob = next(level for level in levels["dob"] if level.get("label_for_charts") == "Exact match on dob")
    assert exact_dob["m_probability"] > 10 * exact_dob["u_probability"]


def test_model_versions_are_stored_and_one_is_active(session: Session) -> None:
    first = use_shipped_model(session)
    assert identity.active_model(session) is first and first.active
    changed = training.Trained(model={**first.model, "probability_two_random_records_match": 0.001},
                               term_frequencies={})
    second = store.save_model(session, trained=changed, trained_by="test", auto_link_threshold=0.995)
    assert second.version != first.version and not first.active
    assert [m.version for m in identity.list_models(session)] == [second.version, first.version]
    with pytest.raises(ValueError):
        store.save_model(session, trained=changed, trained_by="test", auto_link_threshold=0.4, review_threshold=0.5)


def test_incremental_match_at_ingest(session: Session, small_world: synthetic.World) -> None:
    ingest_world(session, small_world)
    use_shipped_model(session)
    first = pipeline.ingest(session, events=[event(EventKind.ARREST, person=person(
        agency_person_id="NEW1", first_name="Jayden", last_name="Smithers", dob=date(2009, 4, 3), postcode="B15 2TT"))],
        actor=access.SYSTEM)
    started = time.perf_counter()
    again = pipeline.ingest(session, events=[event(EventKind.SCHOOL_EXCLUSION, agency="EDU-E08000025",
                                                   agency_key="X9", person=person(
        agency_person_id="NEW2", first_name="Jay", last_name="SMITHERS", dob=date(2009, 3, 4), postcode="b152tt"))],
        actor=access.SYSTEM)
    assert time.perf_counter() - started < 5
    assert again.child_ids == first.child_ids
    link = identity.list_links(session, child_id=first.child_ids[0])[-1]
    assert link.decision == "auto_link" and link.model_version
    assert {step["comparison"] for step in link.evidence["steps"]} >= {"prior", "forename", "dob"}


def test_records_without_identifying_fields_are_held_unlinked(session: Session) -> None:
    a = pipeline.ingest(session, events=[event(EventKind.ARREST, person=person(
        agency_person_id="U1", first_name="Jay", last_name=None, dob=None, postcode=None))], actor=access.SYSTEM)
    b = pipeline.ingest(session, events=[event(EventKind.ARREST, agency_key="k2", person=person(
        agency_person_id="U2", first_name="Jay", last_name=None, dob=None, postcode=None))], actor=access.SYSTEM)
    assert a.child_ids != b.child_ids
    link = identity.list_links(session, child_id=b.child_ids[0])[0]
    assert link.decision == "held_unlinked" and "no identifier" in link.reason


def _pair_for_review(session: Session, ids: dict[str, int], world: synthetic.World, *, same: bool) -> ReviewItem:
    """A review item for two records that truly are (or are not) the same child."""
    children = _children(session, ids)
    names = sorted(ids)
    for a in names:
        for b in names:
            if a < b and (world.truth[a] == world.truth[b]) == same and (children[a] == children[b]) == same:
                item = ReviewItem(record_a_id=min(ids[a], ids[b]), record_b_id=max(ids[a], ids[b]),
                                  match_probability=0.7, match_weight=1.2, model_version="test", evidence={},
                                  status="open", created_at=utcnow())
                session.add(item)
                session.flush()
                return item
    raise AssertionError("no suitable pair")


def test_clerical_decisions_survive_a_full_rerun(session: Session, small_world: synthetic.World) -> None:
    ids = ingest_world(session, small_world)
    use_shipped_model(session)
    identity.run_linkage(session, actor=access.SYSTEM)
    apart = _pair_for_review(session, ids, small_world, same=True)  # linked, but a reviewer says different children
    together = _pair_for_review(session, ids, small_world, same=False)  # apart, but a reviewer says the same child
    assert identity.decide_item(session, item_id=apart.id, decision="no_match", reason="different schools",
                                actor=REVIEWER)["applied"] == "split"
    assert identity.decide_item(session, item_id=together.id, decision="match", reason="same UPN on paper file",
                                actor=REVIEWER)["applied"] == "merged"
    for _ in range(1):
        identity.run_linkage(session, actor=access.SYSTEM)
        links = {rid: identity.current_link(session, source_record_id=rid) for rid in
                 (apart.record_a_id, apart.record_b_id, together.record_a_id, together.record_b_id)}
        assert links[apart.record_a_id].child_id != links[apart.record_b_id].child_id  # type: ignore[union-attr]
        assert links[together.record_a_id].child_id == links[together.record_b_id].child_id  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        identity.decide_item(session, item_id=apart.id, decision="match", reason="again", actor=REVIEWER)
    detail = identity.get_item(session, item_id=together.id)
    assert detail["status"] == "decided" and detail["left"]["fields"]["last_name"]


def _snapshot(session: Session, child_id: int) -> dict[str, object]:
    child = session.get(Child, child_id)
    assert child is not None
    return {
        "reference": child.reference, "status": child.status, "dob": child.dob,
        "records": sorted(identity.record_ids_for_child(session, child_id=child_id)),
        "events": [(e.id, e.kind, e.version) for e in identity.chronology(session, child_id=child_id)],
        "markers": sorted(session.scalars(select(Marker.id).where(Marker.child_id == child_id))),
        "tasks": sorted(session.scalars(select(Task.id).where(Task.child_id == child_id))),
    }


def test_merge_then_split_restores_the_original_children_exactly(session: Session) -> None:
    one = pipeline.ingest(session, events=[event(EventKind.ARREST), event(EventKind.CUSTODY, agency_key="c1")],
                          actor=access.SYSTEM).child_ids[0]
    two = pipeline.ingest(session, events=[event(EventKind.MISSING_REPORTED, agency="CSC-E08000025", agency_key="m1",
                                                 person=person(agency_person_id="C7", first_name="Kai",
                                                               dob=date(2010, 6, 1)))],
                          actor=access.SYSTEM).child_ids[0]
    now = utcnow()
    for child_id in (one, two):
        session.add(Marker(child_id=child_id, code="CCE_RISK", status="active", set_by="t", set_at=now, reason="r"))
        session.add(Task(child_id=child_id, kind="task", title="RHI", created_at=now))
    session.flush()
    before = {one: _snapshot(session, one), two: _snapshot(session, two)}
    merge = identity.merge_children(session, into_id=one, from_id=two, reason="same child", actor=REVIEWER)
    merged = _snapshot(session, one)
    assert session.get(Child, two).status == "merged"  # type: ignore[union-attr]
    for part in ("records", "markers", "tasks"):
        assert merged[part] == sorted(before[one][part] + before[two][part])  # type: ignore[operator]
    assert len(merged["events"]) == 3  # type: ignore[arg-type]
    assert merge.carried == {"markers": before[two]["markers"], "tasks": before[two]["tasks"]}
    split = identity.split_child(session, child_id=one, record_ids=merge.record_ids["records"],
                                 reason="not the same child after all", actor=REVIEWER)
    assert split.other_child_id == two and split.reverses_id == merge.id
    assert {one: _snapshot(session, one), two: _snapshot(session, two)} == before
    audit = [row.fields.get("operation") for row in access.list_for_child(session, child_id=one, actions=("change",))]
    assert audit[:2] == ["split", "merge"]
    assert access.verify_chain(session) == []
    with pytest.raises(Conflict):
        identity.split_child(session, child_id=one, record_ids=before[one]["records"], reason="x",  # type: ignore[arg-type]
                             actor=REVIEWER)


def test_evaluate_against_simulator_truth(session: Session, small_world: synthetic.World, tmp_path: Path) -> None:
    ingest_world(session, small_world)
    (tmp_path / "truth").mkdir()
    with (tmp_path / "truth" / "person_records.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["agency", "agency_person_id", "child_id"])
        writer.writerows([row["source"], row["record_id"], small_world.truth[row["record_id"]]]
                         for row in small_world.records)
    results = identity.evaluate_store(session, truth_dir=tmp_path)
    overall = results["model"]["overall"]
    assert overall["records"] == len(small_world.records) and 0 < overall["pair_recall"] <= 1
    assert results["baseline"]["overall"]["pair_precision"] == 1.0
    assert set(results["model"]["groups"]) == {"sex", "age_band", "ethnicity"}
    assert "under 10" in results["model"]["groups"]["age_band"]["values"] or results["model"]["groups"]["age_band"]
    text = "\n".join(identity.format_report("model", results["model"]))
    assert "B-cubed" in text and "by ethnicity" in text
