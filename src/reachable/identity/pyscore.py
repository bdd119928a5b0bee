"""The trained model evaluated in plain Python, for the incremental matcher's latency budget (≤ 500 ms p95).

Splink compiles our comparisons to SQL; running that SQL for one record costs a DuckDB round trip of hundreds of
milliseconds. Here the same levels are written as Python predicates, and every number (m, u, comparison-vector
values, term-frequency rules) is read from Splink's own parsed settings, so only the predicates are ours. A test
scores thousands of pairs both ways and requires identical weights; a model whose structure differs from ours
(a user-supplied JSON) is not accepted here and the caller falls back to Splink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

Row = Mapping[str, Any]
Predicate = Callable[[Row, Row], bool]


def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity (prefix scale 0.1, at most 4 characters), as DuckDB computes it."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    taken_b = [False] * len(b)
    matched_a: list[str] = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken_b[j] and b[j] == ch:
                taken_b[j] = True
                matched_a.append(ch)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if taken_b[j]]
    m = len(matched_a)
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _eq(column: str) -> Predicate:
    """Both sides present and equal (SQL '=' with NULL never matching)."""
    return lambda a, b: a.get(column) is not None and a.get(column) == b.get(column)


def _swapped(a: Row, b: Row) -> bool:
    return _eq2(a.get("first_name"), b.get("last_name")) and _eq2(a.get("last_name"), b.get("first_name"))


def _half_swapped(a: Row, b: Row) -> bool:
    return _eq2(a.get("first_name"), b.get("last_name")) or _eq2(a.get("last_name"), b.get("first_name"))


def _eq2(a: Any, b: Any) -> bool:
    return a is not None and a == b


def _jw(column: str, threshold: float) -> Predicate:
    return lambda a, b: (a.get(column) is not None and b.get(column) is not None
                         and jaro_winkler(a[column], b[column]) >= threshold)


def within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance at most 1: one letter inserted, deleted, replaced, or two neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _one_edit(column: str) -> Predicate:
    return lambda a, b: (a.get(column) is not None and b.get(column) is not None
                         and within_one_edit(a[column], b[column]))


def _intersects(column: str) -> Predicate:
    return lambda a, b: bool(a.get(column)) and bool(b.get(column)) and bool(set(a[column]) & set(b[column]))


def _null(*columns: str) -> Predicate:
    return lambda a, b: all(a.get(c) is None for c in columns) or all(b.get(c) is None for c in columns)


def _partial(a: Row, b: Row) -> bool:
    return (a.get("dob") is None or b.get("dob") is None) and _eq2(a.get("dob_ym"), b.get("dob_ym"))


def _near(a: Row, b: Row) -> bool:
    return a.get("dob_days") is not None and b.get("dob_days") is not None and abs(a["dob_days"] - b["dob_days"]) <= 10


def _no_place(a: Row, b: Row) -> bool:
    return not ((a.get("pc_district") is not None and b.get("pc_district") is not None)
                or (a.get("area") is not None and b.get("area") is not None))


def _council_only(a: Row, b: Row) -> bool:
    return _eq2(a.get("area"), b.get("area")) and (a.get("pc_district") is None or b.get("pc_district") is None)


IDS = ("upn", "nhs_number", "police_person_id", "council_child_id")


def _no_shared_identifier(a: Row, b: Row) -> bool:
    return not any(a.get(c) is not None and b.get(c) is not None for c in IDS)


def _same_identifier(a: Row, b: Row) -> bool:
    return any(_eq2(a.get(c), b.get(c)) for c in IDS)


def _else(a: Row, b: Row) -> bool:
    return True


# The levels of comparisons.py, in the same order (null level first, else level last).
LEVELS: dict[str, list[Predicate]] = {
    "forename": [_null("first_name"), _eq("first_name"), _swapped, _half_swapped, _intersects("fn_groups"),
                 _jw("first_name", 0.92), _one_edit("first_name"), _eq("fn_sdx"), _jw("first_name", 0.8), _else],
    "surname": [_null("last_name"), _eq("last_name"), _swapped, _half_swapped, _intersects("ln_parts"),
                _jw("last_name", 0.92), _eq("ln_sdx"), _else],
    "dob": [_null("dob", "dob_ym", "dob_year"), _eq("dob"), lambda a, b: _eq2(a.get("dob"), b.get("dob_swapped")),
            _partial, _near, _eq("dob_ym"), _eq("dob_md"), _eq("dob_year"), _else],
    "postcode": [_no_place, _eq("postcode"), _eq("pc_sector"), _eq("pc_district"), _council_only, _eq("area"),
                 _eq("pc_area"), _else],
    "sex": [_null("sex"), _eq("sex"), _else],
    "identifiers": [_no_shared_identifier, _same_identifier, _else],
}


class Scorer:
    """A trained model's weights laid out for fast Python scoring."""

    def __init__(self, model: dict[str, Any]) -> None:
        """Parse the model with Splink so m, u and term-frequency rules are exactly Splink's."""
        from splink import SettingsCreator

        settings = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
        prior = settings._probability_two_random_records_match
        self.prior = math.log2(prior / (1 - prior))
        self.comparisons: list[tuple[str, list[Predicate], list[dict[str, Any]]]] = []
        for comparison in settings.comparisons:
            name = comparison.output_column_name
            levels = comparison.comparison_levels
            if name not in LEVELS or len(levels) != len(LEVELS[name]):
                raise ValueError(f"comparison {name!r} does not have the structure this scorer knows")
            laid_out = []
            for level in levels:
                info: dict[str, Any] = {"gamma": level.comparison_vector_value,
                                        "weight": 0.0 if level.is_null_level else level._log2_bayes_factor}
                if not level.is_null_level and level._has_tf_adjustments and level._tf_adjustment_weight:
                    info["tf"] = (level._tf_adjustment_input_column_name, level._tf_adjustment_weight,
                                  math.log2(level._u_probability_corresponding_to_exact_match(levels)),
                                  level._tf_minimum_u_value)
                laid_out.append(info)
            self.comparisons.append((name, LEVELS[name], laid_out))

    def score(self, left: Row, right: Row) -> dict[str, Any]:
        """The pair's match weight and probability with per-comparison gamma, weight and TF adjustment."""
        out: dict[str, Any] = {}
        total = self.prior
        for name, predicates, levels in self.comparisons:
            # The last predicate is the else level, so a level is always found.
            level = next(info for predicate, info in zip(predicates, levels, strict=True) if predicate(left, right))
            adjust = 0.0
            if "tf" in level:
                column, weight, log2_u, minimum = level["tf"]
                values = [v for v in (left.get(f"tf_{column}"), right.get(f"tf_{column}")) if v is not None]
                if values:
                    adjust = weight * (log2_u - math.log2(max(*values, minimum)))
            out[f"gamma_{name}"] = level["gamma"]
            out[f"mw_{name}"] = level["weight"]
            out[f"mw_tf_adj_{name}"] = adjust
            total += level["weight"] + adjust
        out["match_weight"] = total
        out["match_probability"] = 2 ** total / (1 + 2 ** total) if total < 1000 else 1.0
        for column in ("first_name", "last_name", "dob", "postcode", "sex", *IDS):
            out[f"{column}_l"], out[f"{column}_r"] = left.get(column), right.get(column)
        out["unique_id_l"], out["unique_id_r"] = left.get("unique_id"), right.get("unique_id")
        return out


@lru_cache(maxsize=8)
def _cached(version: str, model_json: str) -> Scorer:
    import json

    return Scorer(json.loads(model_json))


def scorer_for(version: str, model: dict[str, Any]) -> Scorer | None:
    """A cached scorer for a stored model version, or None when the model's structure is not ours."""
    import json

    try:
        return _cached(version, json.dumps(model, sort_keys=True))
    except ValueError:
        return None
