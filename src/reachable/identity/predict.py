"""Scoring candidate pairs with a trained model, and turning scored pairs into clusters (children)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from reachable.common.text import is_digits
from reachable.identity.engines import make_api
from reachable.identity.training import Trained, linker_for, train

COMPARISONS = ("forename", "surname", "dob", "postcode", "sex", "identifiers")


@dataclass(frozen=True)
class Pair:
    """Two records the model scored, with its verdict."""

    left: str
    right: str
    probability: float
    weight: float


@dataclass
class Prediction:
    """Scored pairs at or above the review threshold, and the evidence for those below the auto-link one."""

    pairs: list[Pair]
    evidence: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0


def waterfall(row: Mapping[str, Any], model: Mapping[str, Any]) -> dict[str, Any]:
    """The field-by-field evidence for one scored pair: prior, each comparison's weight, the total."""
    from reachable.identity.comparisons import level_labels

    labels = level_labels(dict(model))
    prior = float(model["probability_two_random_records_match"])
    steps: list[dict[str, Any]] = [{"comparison": "prior", "level": "two random records match",
                                    "weight": round(math.log2(prior / (1 - prior)), 3)}]
    for name in COMPARISONS:
        gamma = int(row.get(f"gamma_{name}", -1))
        steps.append({
            "comparison": name, "level": labels.get(name, {}).get(gamma, str(gamma)),
            "weight": round(float(row.get(f"mw_{name}") or 0.0), 3),
            "term_frequency_adjustment": round(float(row.get(f"mw_tf_adj_{name}") or 0.0), 3),
            "left": _shown(row, name, "l"), "right": _shown(row, name, "r"),
        })
    return {"steps": steps, "match_weight": round(float(row["match_weight"]), 3),
            "match_probability": float(row["match_probability"])}


_SHOWN = {"forename": "first_name", "surname": "last_name", "dob": "dob", "postcode": "postcode", "sex": "sex"}


def _shown(row: Mapping[str, Any], name: str, side: str) -> Any:
    """The value a reviewer sees for a comparison on one side."""
    if name == "identifiers":
        ids = {c: row.get(f"{c}_{side}") for c in ("upn", "nhs_number", "police_person_id", "council_child_id")}
        return {k: v for k, v in ids.items() if v}
    return row.get(f"{_SHOWN[name]}_{side}")


def predict(table: pa.Table, model: Mapping[str, Any], *, review_threshold: float, auto_threshold: float,
            engine: str = "duckdb") -> Prediction:
    """Score every blocked pair; keep pairs at or above the review threshold, with evidence for the review band."""
    started = time.perf_counter()
    api = make_api(engine)
    linker = linker_for(api, table, dict(model))
    scored = linker.inference.predict(threshold_match_probability=review_threshold, warning_mode="never")
    slim = _arrow(scored, "unique_id_l, unique_id_r, match_probability, match_weight")
    pairs = [Pair(left, right, probability, weight) for left, right, probability, weight in zip(
        *(slim.column(name).to_pylist() for name in slim.column_names), strict=True)]
    band = scored.query_sql(_select(scored, "*") + f" WHERE match_probability < {float(auto_threshold)}")
    evidence = {(row["unique_id_l"], row["unique_id_r"]): waterfall(row, model) for row in band.as_record_list()}
    return Prediction(pairs=pairs, evidence=evidence, seconds=time.perf_counter() - started)


def _select(frame: Any, columns: str) -> str:
    """SELECT from a table Splink created (its name is Splink's own, never user input)."""
    return f"SELECT {columns} FROM {frame.physical_name}"  # noqa: S608


def _arrow(frame: Any, columns: str) -> pa.Table:
    """Some columns of a Splink table as Arrow (no pandas)."""
    table: pa.Table = frame.query_sql(_select(frame, columns)).as_pyarrow_table()
    return table


def cluster(ids: Iterable[str], pairs: Iterable[Pair], *, threshold: float,
            must: Iterable[tuple[str, str]] = (), cannot: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Connected components over pairs at or above the threshold, obeying people's decisions.

    Pairs a person said match are joined first; then model links, strongest first, except a link that would put
    two records a person said are different children into one cluster. Each cluster is named by its smallest id.
    """
    parent = {record: record for record in ids}
    apart: dict[str, set[str]] = {}
    for left, right in cannot:
        if left in parent and right in parent:
            apart.setdefault(left, set()).add(right)
            apart.setdefault(right, set()).add(left)

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def forbidden(a: str, b: str) -> bool:
        return any(find(other) == b for other in apart.get(a, ())) or any(find(o) == a for o in apart.get(b, ()))

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        ra, rb = (ra, rb) if len(apart.get(ra, ())) >= len(apart.get(rb, ())) else (rb, ra)
        parent[rb] = ra
        if rb in apart:
            apart.setdefault(ra, set()).update(apart.pop(rb))

    # Decisions are carried on roots: a record's "apart" set moves to its root as clusters grow.
    for left, right in must:
        if left in parent and right in parent:
            union(left, right)
    for pair in sorted((p for p in pairs if p.probability >= threshold), key=lambda p: -p.probability):
        if pair.left in parent and pair.right in parent:
            ra, rb = find(pair.left), find(pair.right)
            if ra != rb and not forbidden(ra, rb):
                union(ra, rb)
    _rehome(apart, find)
    groups: dict[str, list[str]] = {}
    for record in parent:
        groups.setdefault(find(record), []).append(record)
    return {record: min(members, key=_sort_key) for members in groups.values() for record in members}


def _reestimate_prior(linker: Any) -> None:
    """Re-estimate the match rate on this data; keep the model's own when the exact rules find nothing."""
    from reachable.identity.blocking import deterministic_rules
    from reachable.identity.training import DETERMINISTIC_RECALL

    settings = linker._settings_obj
    before = settings._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match(deterministic_rules(),
                                                                      recall=DETERMINISTIC_RECALL)
    except Exception:  # Splink can refuse on odd inputs; the model's own rate then stands
        settings._probability_two_random_records_match = before
    if not 0 < settings._probability_two_random_records_match < 1:  # no exact matches at all: rate unknown
        settings._probability_two_random_records_match = before


def _rehome(apart: dict[str, set[str]], find: Any) -> None:
    """Nothing to do after clustering; kept separate so the invariant is documented: apart sets live on roots."""
    del apart, find


def _sort_key(record_id: str) -> tuple[int, str]:
    """Numeric ids sort as numbers, others as text."""
    return (int(record_id), "") if is_digits(record_id) else (1 << 62, record_id)


def link_table(table: pa.Table, *, engine: str = "duckdb", trained: Trained | None = None,
               threshold: float = 0.99, prior: float | None = None) -> tuple[dict[str, str], Trained, dict[str, float]]:
    """Train (unless given a model), predict and cluster with Splink: the standalone link-file pipeline.

    A given model keeps its m and u, but how often two random records match depends on the data's size, so that
    one parameter is re-estimated on this table when the exact rules find any matches."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    given = trained is not None
    trained = trained or train(table, engine=engine)
    api = make_api(engine)
    # Only ids and scores are needed here: not carrying every column through the pairs saves time and memory.
    slim = {**trained.model, "retain_matching_columns": False, "retain_intermediate_calculation_columns": False}
    linker = linker_for(api, table, slim)
    if prior is not None:
        linker._settings_obj._probability_two_random_records_match = prior
    elif given:
        _reestimate_prior(linker)
    timings["train"] = time.perf_counter() - started
    scored = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    timings["predict"] = time.perf_counter() - started - timings["train"]
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(scored, threshold)
    result = _arrow(clusters, "unique_id, cluster_id")
    timings["cluster"] = time.perf_counter() - started - timings["train"] - timings["predict"]
    mapping = dict(zip(result.column("unique_id").to_pylist(), result.column("cluster_id").to_pylist(), strict=True))
    return mapping, trained, timings
