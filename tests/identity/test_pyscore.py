"""The Python scorer used at ingest gives exactly Splink's weights (no database)."""

from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace
from typing import Any

from reachable.identity import features, incremental, pyscore, synthetic
from reachable.identity.linkfile import shipped_model


def test_python_scores_equal_splink_scores() -> None:
    world = synthetic.world(children=150, seed=4, noise=0.4)
    rows = [features.features(r) for r in world.records]
    frequencies: dict[str, dict[str, float]] = {}
    for column in ("first_name", "last_name", "postcode"):
        counts = Counter(r[column] for r in rows if r[column])
        frequencies[column] = {k: v / sum(counts.values()) for k, v in counts.items()}
    model: Any = SimpleNamespace(model=shipped_model(), version="test", term_frequencies=frequencies)
    scorer = pyscore.Scorer(model.model)
    rng = random.Random(1)
    compared = 0
    for left in rows[:12]:
        same = [r for r in rows if world.truth[r["unique_id"]] == world.truth[left["unique_id"]]]
        others = rng.sample(rows, 40) + same
        by_id = {o["unique_id"]: o for o in others}
        for expected in incremental.splink_score(model, left, others):
            got = scorer.score(incremental._with_tf(left, model),
                               incremental._with_tf(by_id[expected["unique_id_r"]], model))
            for name in ("forename", "surname", "dob", "postcode", "sex", "identifiers"):
                assert got[f"gamma_{name}"] == expected[f"gamma_{name}"], (name, left, by_id[expected["unique_id_r"]])
            assert abs(got["match_weight"] - expected["match_weight"]) < 1e-9
            compared += 1
    assert compared > 500


def test_string_measures() -> None:
    assert abs(pyscore.jaro_winkler("martha", "marhta") - 0.9611111) < 1e-6
    assert abs(pyscore.jaro_winkler("dixon", "dicksonx") - 0.8133333) < 1e-6
    assert pyscore.jaro_winkler("", "a") == 0.0


def test_foreign_models_are_not_scored_in_python() -> None:
    model = shipped_model()
    model["comparisons"] = model["comparisons"][:2]
    assert pyscore.scorer_for("other", model) is not None  # fewer comparisons of our shape are still ours
    model["comparisons"][0]["comparison_levels"] = model["comparisons"][0]["comparison_levels"][:3]
    assert pyscore.scorer_for("broken", model) is None
