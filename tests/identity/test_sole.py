"""Records without names (CIN census, SSDA903) linked to the only child they could be, and the u correction."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.identity import features, pyscore, store, training
from reachable.identity import service as identity
from reachable.identity.linkfile import shipped_model
from reachable.identity.models import ReviewItem
from reachable.identity.predict import Pair
from reachable.identity.sole import sole_candidates
from reachable.records.kinds import EventKind
from tests.factories import event, person

SOURCES = {"n": "CSC-E06000020", "a": "HLT-E06000020", "b": "EDU-E06000020", "c": "HLT-E06000020",
           "d": "CSC-E06000020"}


def test_a_nameless_record_joins_its_only_candidate_child() -> None:
    clusters = {"n": "n", "a": "a", "b": "a", "c": "c"}
    pairs = [Pair("n", "a", 0.6, 0.5), Pair("n", "b", 0.62, 0.7), Pair("n", "c", 0.3, -1.0)]
    found = sole_candidates(clusters, pairs, nameless={"n"}, sources=SOURCES, review_threshold=0.5)
    assert [(p.left, p.right) for p in found] == [("n", "b")]  # the strongest pair into the one child


def test_two_possible_children_or_a_same_agency_record_or_a_decision_keep_it_apart() -> None:
    pairs = [Pair("n", "a", 0.6, 0.5), Pair("n", "c", 0.6, 0.5)]
    two = sole_candidates({"n": "n", "a": "a", "c": "c"}, pairs, nameless={"n"}, sources=SOURCES,
                          review_threshold=0.5)
    assert two == []
    own = sole_candidates({"n": "n", "a": "a", "d": "a"}, pairs[:1], nameless={"n"}, sources=SOURCES,
                          review_threshold=0.5)
    assert own == []  # the child already has a record from this council's children's services
    other = sole_candidates({"n": "n", "a": "a", "d": "a", "c": "c"}, pairs, nameless={"n"}, sources=SOURCES,
                            review_threshold=0.5)
    assert [(p.left, p.right) for p in other] == [("n", "c")]  # the child holding a CSC record is someone else
    refused = sole_candidates({"n": "n", "a": "a"}, pairs[:1], nameless={"n"}, sources=SOURCES,
                              review_threshold=0.5, cannot=[("a", "n")])
    assert refused == []
    linked = sole_candidates({"n": "a", "a": "a", "b": "b"}, [Pair("n", "b", 0.6, 0.5)], nameless={"n"},
                             sources=SOURCES, review_threshold=0.5)
    assert linked == []  # already linked by the model: nothing to add


def test_identifier_u_is_corrected_for_matches_in_the_random_sample() -> None:
    model = {"probability_two_random_records_match": 1e-4, "comparisons": [
        {"output_column_name": "identifiers", "comparison_levels": [
            {"is_null_level": True},
            {"m_probability": 0.7, "u_probability": 8e-5},
            {"m_probability": 0.3, "u_probability": 0.99992}]},
        {"output_column_name": "dob", "comparison_levels": [{"m_probability": 0.8, "u_probability": 2e-4}]}]}
    out = training.without_sampled_matches(model, sample_pairs=1e6)
    same, other = out["comparisons"][0]["comparison_levels"][1:]
    assert math.isclose(same["u_probability"], (8e-5 - 7e-5) / (1 - 1e-4))
    assert math.isclose(same["u_probability"] + other["u_probability"], 1.0)  # still a distribution
    assert out["comparisons"][1]["comparison_levels"][0]["u_probability"] == 2e-4  # twins share birthdays


def test_a_swap_does_not_outweigh_two_exact_names() -> None:
    scorer = pyscore.Scorer(shipped_model())
    base = {"record_id": 1, "first_name": "Oliver", "last_name": "Jones", "dob": "2009-04-03"}
    exact = scorer.score(features.features(base), features.features({**base, "record_id": 2}))
    swapped = scorer.score(features.features(base), features.features(
        {**base, "record_id": 3, "first_name": "Jones", "last_name": "Oliver"}))
    assert swapped["match_weight"] <= exact["match_weight"]


def _cin(key: str, **fields: Any) -> Any:
    """A CIN-census-like event: no names, a council child id, date of birth and sex."""
    who = person(agency_person_id=key, first_name=None, last_name=None, postcode=None, upn=None,
                 council_child_id=key, home_area_code="E06000020", **fields)
    return event(EventKind.CONCERN_RAISED, agency="CSC-E06000020", agency_key=f"cin-{key}", person=who)


def test_incremental_links_a_nameless_record_to_its_sole_candidate_and_asks_for_review(session: Session) -> None:
    model = shipped_model()
    model["probability_two_random_records_match"] = 3e-5  # a realistic store: the pair alone is only "possible"
    # The shipped model is trained on one council's synthetic records, so the council says little there; a low
    # review threshold puts the pair in the review band as a store of many councils would.
    store.save_model(session, trained=training.Trained(model=model, term_frequencies={}), trained_by="test",
                     review_threshold=0.05)
    named = pipeline.ingest(session, events=[event(EventKind.SCHOOL_EXCLUSION, agency="HLT-E06000020",
                                                   agency_key="h1", person=person(
        agency_person_id="H1", first_name="Jack", last_name="Parker", dob=date(2021, 10, 30), sex="M",
        postcode="TF3 6LB", upn=None, nhs_number="9951002064", home_area_code="E06000020"))],
        actor=access.SYSTEM, stages=[pipeline.link_stage])
    cin = pipeline.ingest(session, events=[_cin("C1", dob=date(2021, 10, 30), sex="M")], actor=access.SYSTEM,
                          stages=[pipeline.link_stage])
    assert cin.child_ids == named.child_ids
    link = identity.list_links(session, child_id=named.child_ids[0])[-1]
    assert link.decision == "auto_link" and "only child" in link.reason
    assert session.scalars(select(ReviewItem).where(ReviewItem.status == "open")).first() is not None
    second = pipeline.ingest(session, events=[_cin("C2", dob=date(2021, 10, 30), sex="M")], actor=access.SYSTEM,
                             stages=[pipeline.link_stage])
    assert second.child_ids != named.child_ids  # that child already has a record from this agency
