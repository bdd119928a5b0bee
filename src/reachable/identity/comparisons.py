"""The Fellegi–Sunter comparisons tuned for English child records, written once and compiled by Splink per engine."""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from reachable.identity.blocking import prediction_rules
from reachable.identity.features import IDENTIFIER_COLUMNS

NO_POSTCODE = "pc_district_l IS NULL OR pc_district_r IS NULL"
SWAPPED = "first_name_l = last_name_r AND last_name_l = first_name_r"
# Swapped, and one of the two names also misspelt or shortened (Harry Edwards / Edwards Haz).
HALF_SWAPPED = "first_name_l = last_name_r OR last_name_l = first_name_r"


def _null(*columns: str) -> ComparisonLevelCreator:
    """The level for pairs where either side lacks every one of the columns (no evidence either way)."""
    either = " OR ".join(f"({' AND '.join(f'{c}_{side} IS NULL' for c in columns)})" for side in ("l", "r"))
    return cll.CustomLevel(either, "missing on one side").configure(is_null_level=True)


def forename() -> cl.CustomComparison:
    """Forenames: exact, swapped with the surname, nickname or short form, spelling, one edit, sound, loose."""
    return cl.CustomComparison(output_column_name="forename", comparison_description="forename", comparison_levels=[
        _null("first_name"),
        cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
        cll.CustomLevel(SWAPPED, "forename and surname swapped"),
        cll.CustomLevel(HALF_SWAPPED, "swapped, one name written differently"),
        cll.ArrayIntersectLevel("fn_groups", 1).configure(label_for_charts="nickname or short form"),
        cll.JaroWinklerLevel("first_name", 0.92).configure(label_for_charts="spelling differs slightly"),
        # Short names defeat Jaro-Winkler (Mia / Ima, Ava / Aa): one letter added, dropped, changed or swapped.
        cll.DamerauLevenshteinLevel("first_name", 1).configure(label_for_charts="one letter different"),
        cll.ExactMatchLevel("fn_sdx").configure(label_for_charts="sounds alike"),
        cll.JaroWinklerLevel("first_name", 0.8).configure(label_for_charts="spelling differs"),
        cll.ElseLevel(),
    ])


def surname() -> cl.CustomComparison:
    """Surnames: exact, swapped (weighed under forename), half of a double-barrelled name, spelling, sound; else."""
    return cl.CustomComparison(output_column_name="surname", comparison_description="surname", comparison_levels=[
        _null("last_name"),
        cll.ExactMatchLevel("last_name", term_frequency_adjustments=True),
        # The forename comparison already weighs a swap; weighing it here too would make a swapped pair count
        # for far more than two exact names, so this level carries no evidence of its own.
        cll.CustomLevel(SWAPPED, "forename and surname swapped (weighed under forename)").configure(
            m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True),
        cll.CustomLevel(HALF_SWAPPED, "swapped, one name written differently (weighed under forename)").configure(
            m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True),
        cll.ArrayIntersectLevel("ln_parts", 1).configure(label_for_charts="shares part of a double-barrelled name"),
        cll.JaroWinklerLevel("last_name", 0.92).configure(label_for_charts="spelling differs slightly"),
        cll.ExactMatchLevel("ln_sdx").configure(label_for_charts="sounds alike"),
        cll.ElseLevel(),
    ])


def date_of_birth() -> cl.CustomComparison:
    """Dates of birth: exact, day and month transposed, partial agreeing, near, same month, same day other year."""
    return cl.CustomComparison(output_column_name="dob", comparison_description="date of birth", comparison_levels=[
        _null("dob", "dob_ym", "dob_year"),
        cll.ExactMatchLevel("dob"),
        cll.CustomLevel("dob_l = dob_swapped_r", "day and month transposed"),
        cll.CustomLevel("(dob_l IS NULL OR dob_r IS NULL) AND dob_ym_l = dob_ym_r",
                        "partial date, same year and month"),
        cll.AbsoluteDifferenceLevel("dob_days", 10).configure(label_for_charts="within ten days"),
        cll.ExactMatchLevel("dob_ym").configure(label_for_charts="same year and month"),
        cll.ExactMatchLevel("dob_md").configure(label_for_charts="same day and month, different year"),
        cll.ExactMatchLevel("dob_year").configure(label_for_charts="same year"),
        cll.ElseLevel(),
    ])


def postcode() -> cl.CustomComparison:
    """Where the child lives: postcode at full, sector and district level, the council, the postcode area.

    Children move and records lag, so a different postcode in the same council or postcode area still counts for
    something. The council is the one whose agency holds the record (CIN census and SSDA903 returns carry no
    postcode at all); a pair is only 'missing' when the two records share no kind of place to compare."""
    comparable = ("(pc_district_l IS NOT NULL AND pc_district_r IS NOT NULL) "
                  "OR (area_l IS NOT NULL AND area_r IS NOT NULL)")
    return cl.CustomComparison(output_column_name="postcode", comparison_description="where the child lives",
                               comparison_levels=[
        cll.CustomLevel(f"NOT ({comparable})", "missing on one side").configure(is_null_level=True),
        cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
        cll.ExactMatchLevel("pc_sector").configure(label_for_charts="same sector"),
        cll.ExactMatchLevel("pc_district").configure(label_for_charts="same district"),
        # The council is strong evidence when it is all there is, weak when the two postcodes already differ.
        cll.CustomLevel(f"area_l = area_r AND ({NO_POSTCODE})", "same council, no postcode to compare"),
        cll.ExactMatchLevel("area").configure(label_for_charts="same council, different postcode"),
        cll.ExactMatchLevel("pc_area").configure(label_for_charts="same postcode area"),
        cll.ElseLevel(),
    ])


def sex() -> cl.CustomComparison:
    """Recorded sex (unknown counts as missing)."""
    return cl.CustomComparison(output_column_name="sex", comparison_description="sex", comparison_levels=[
        _null("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel(),
    ])


def identifiers() -> cl.CustomComparison:
    """UPN, NHS number, police person id, council child id: agreement is strong evidence, conflict strong against."""
    both = " OR ".join(f"({c}_l IS NOT NULL AND {c}_r IS NOT NULL)" for c in IDENTIFIER_COLUMNS)
    agree = " OR ".join(f"{c}_l = {c}_r" for c in IDENTIFIER_COLUMNS)
    return cl.CustomComparison(
        output_column_name="identifiers", comparison_description="agency identifiers", comparison_levels=[
            cll.CustomLevel(f"NOT ({both})", "no identifier held by both").configure(is_null_level=True),
            cll.CustomLevel(agree, "same agency identifier"),
            cll.ElseLevel().configure(label_for_charts="different identifiers of the same kind"),
        ])


def settings(*, probability_two_random_records_match: float = 0.0001) -> SettingsCreator:
    """The untrained model: dedupe across all sources, our comparisons and blocking rules."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[forename(), surname(), date_of_birth(), postcode(), sex(), identifiers()],
        blocking_rules_to_generate_predictions=prediction_rules(),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source"],
        max_iterations=20,
    )


def level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """For each comparison of a saved model, its comparison-vector value mapped to the level's label."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        values = [lvl for lvl in levels if not lvl.get("is_null_level")]
        mapping = {len(values) - 1 - i: lvl.get("label_for_charts") or lvl["sql_condition"]
                   for i, lvl in enumerate(values)}
        mapping[-1] = "missing on one side"
        labels[comparison["output_column_name"]] = mapping
    return labels
