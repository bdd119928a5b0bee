"""The same model on Splink's Spark backend, in local mode (slow: JVM start-up; needs the `spark` extra)."""

from __future__ import annotations

import importlib.util

import pytest

from reachable.identity import evaluate, features, synthetic
from reachable.identity.linkfile import shipped_model
from reachable.identity.predict import link_table
from reachable.identity.training import Trained

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark not installed")]


def test_spark_gives_the_same_clusters_as_duckdb() -> None:
    world = synthetic.world(children=150, records_per_child=2.5, seed=8)
    table = features.to_arrow(features.features(row) for row in world.records)
    model = Trained(model=shipped_model(), term_frequencies={})
    on_duckdb, _, _ = link_table(table, engine="duckdb", trained=model, prior=0.005)
    on_spark, _, _ = link_table(table, engine="spark", trained=model, prior=0.005)
    duck = evaluate.scores(on_duckdb, world.truth)
    spark = evaluate.scores(on_spark, world.truth)
    assert spark.pair_precision == pytest.approx(duck.pair_precision, abs=0.01)
    assert spark.pair_recall == pytest.approx(duck.pair_recall, abs=0.01)
