"""Unsupervised training: match rate from deterministic rules, u by random sampling, m by EM; kept as JSON."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from splink import Linker

from reachable.identity import blocking, comparisons
from reachable.identity.engines import make_api

TF_COLUMNS = ("first_name", "last_name", "postcode")
ONE_PER_PERSON = ("identifiers",)  # comparisons of values issued one per person (see without_sampled_matches)
# How much of all true matches the deterministic rules are thought to find: agencies rarely share an
# identifier and exact name + date of birth misses every nickname and typo.
DETERMINISTIC_RECALL = 0.6


@dataclass
class Trained:
    """A trained model ready to be stored: the Splink JSON, term frequencies and what training did."""

    model: dict[str, Any]
    term_frequencies: dict[str, dict[str, float]]
    notes: dict[str, Any] = field(default_factory=dict)
    engine: str = "duckdb"

    @property
    def version(self) -> str:
        """A content hash: the same parameters always give the same version."""
        body = json.dumps({"model": self.model.get("comparisons"),
                           "p": self.model.get("probability_two_random_records_match")}, sort_keys=True)
        return "splink-" + hashlib.sha256(body.encode()).hexdigest()[:12]


def linker_for(api: Any, table: pa.Table, model: Any, name: str = "records") -> Linker:
    """A Splink linker over an Arrow table of feature rows (a saved model is recompiled for the engine)."""
    frame = api.register(table, table_name=name)
    if isinstance(model, dict):
        model = for_engine(model, api.sql_dialect.sql_dialect_str)
    return Linker(frame, model, log_level=logging.WARNING)


def term_frequencies(linker: Linker) -> dict[str, dict[str, float]]:
    """Term frequency of every value of the adjusted columns (used by the incremental matcher)."""
    tables: dict[str, dict[str, float]] = {}
    for column in TF_COLUMNS:
        frame = linker.table_management.compute_tf_table(column)
        rows = frame.as_pyarrow_table()  # type: ignore[no-untyped-call]
        tables[column] = dict(zip(rows.column(column).to_pylist(), rows.column(f"tf_{column}").to_pylist(),
                                  strict=True))
    return tables


SMALLEST = 1e-6  # EM can drive a rarely seen level to exactly 0, which Splink then refuses to load


def sanitised(model: dict[str, Any]) -> dict[str, Any]:
    """The model with every m and u probability at least SMALLEST, so it always loads again."""
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            for name in ("m_probability", "u_probability"):
                if level.get(name) is not None and level[name] < SMALLEST:
                    level[name] = SMALLEST
    return model


def without_sampled_matches(model: dict[str, Any], *, sample_pairs: float) -> dict[str, Any]:
    """u of the agency-identifier levels corrected for the true matches inside the random sample.

    Random sampling measures P(level | random pair) = λ·m + (1 − λ)·u, with λ the match rate. An agency identifier
    is issued one per person, so nearly every random pair that shares one is a true match and the raw estimate
    overstates u (understating the evidence) many times over; solving for u removes them, and a level left with
    nothing gets half a pair of the sample, the most the sample can tell. Postcodes and dates of birth are shared
    by siblings and twins, so their raw u stands."""
    rate = float(model["probability_two_random_records_match"])
    floor = 0.5 / sample_pairs
    for comparison in model.get("comparisons", []):
        if comparison.get("output_column_name") not in ONE_PER_PERSON:
            continue
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if m is not None and u is not None:
                level["u_probability"] = max(floor, (u - rate * m) / (1 - rate))
    return model


def for_engine(model: dict[str, Any], engine: str) -> dict[str, Any]:
    """The model's parameters on our comparisons compiled for another engine's SQL dialect.

    A saved model's SQL is in the dialect it was trained in; rather than have Splink translate it, the
    comparisons are compiled afresh for the engine and the trained m, u and match rate copied across."""
    if engine == model.get("sql_dialect", "duckdb"):
        return model
    fresh = comparisons.settings().create_settings_dict(engine)
    fresh["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    for new, old in zip(fresh["comparisons"], model["comparisons"], strict=True):
        for new_level, old_level in zip(new["comparison_levels"], old["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if key in old_level:
                    new_level[key] = old_level[key]
    return fresh


def without_term_frequencies(model: dict[str, Any]) -> dict[str, Any]:
    """A copy of the model that ignores term frequencies (frequencies from a tiny input would be nonsense)."""
    clean = copy.deepcopy(model)
    for comparison in clean.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            for key in ("tf_adjustment_column", "tf_adjustment_weight", "tf_minimum_u_value"):
                level.pop(key, None)
    return clean


def train(table: pa.Table, *, engine: str = "duckdb", seed: int = 42, u_max_pairs: float = 2e6,
          em_max_pairs: float = 1e6) -> Trained:
    """Train the model without labels on an Arrow table of feature rows."""
    started = time.perf_counter()
    api = make_api(engine)
    linker = linker_for(api, table, comparisons.settings())
    linker.training.estimate_probability_two_random_records_match(blocking.deterministic_rules(),
                                                                  recall=DETERMINISTIC_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    skipped: list[str] = []
    for rule in blocking.training_rules():
        # A failed EM session leaves Splink's settings half-updated (the blocked comparison goes missing),
        # so keep a copy to restore before retrying.
        saved = copy.deepcopy(linker._settings_obj.core_model_settings)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_max_pairs)
        except ValueError as error:
            linker._settings_obj.core_model_settings = copy.deepcopy(saved)
            # On small inputs EM can drive a rare level's m to exactly 0, which Splink refuses mid-iteration;
            # without term frequencies the update is smoother. If that fails too, the session is skipped.
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, max_pairs=em_max_pairs, estimate_without_term_frequencies=True)
            except ValueError:
                linker._settings_obj.core_model_settings = saved
                skipped.append(f"{rule.get_blocking_rule('duckdb').blocking_rule_sql}: {error}")
    model = without_sampled_matches(sanitised(linker.misc.save_model_to_json()), sample_pairs=u_max_pairs)
    frequencies = term_frequencies(linker)
    notes = {"records": table.num_rows, "seconds": round(time.perf_counter() - started, 1), "seed": seed,
             "u_max_pairs": u_max_pairs, "em_max_pairs": em_max_pairs, "deterministic_recall": DETERMINISTIC_RECALL,
             "em_sessions_skipped": skipped,
             "em_blocking_rules": [str(rule.get_blocking_rule("duckdb").blocking_rule_sql)
                                   for rule in blocking.training_rules()]}
    return Trained(model=model, term_frequencies=frequencies, notes=notes, engine=engine)
