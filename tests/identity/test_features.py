"""Normalisation, nicknames, dates, postcodes and blocking keys (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from reachable.identity import blocking, features
from reachable.identity.predict import Pair, cluster


def test_nicknames_share_a_group() -> None:
    groups = features.nickname_groups()
    assert set(groups["jay"]) & set(groups["jayden"])
    assert set(groups["billy"]) & set(groups["william"])
    assert not set(groups["tom"]) & set(groups["william"])


def test_names_fold_case_accents_and_hyphens() -> None:
    assert features.clean_name("  Zoë SMITH-Jones ") == "zoe smith jones"
    assert features.clean_name("O'Brien") == "obrien"
    assert features.clean_name(" - ") is None
    assert features.soundex("robert") == features.soundex("rupert") == "r163"
    assert features.soundex("ashcraft") == "a261"


@pytest.mark.parametrize(("text", "expected"), [
    ("2009-04-03", (date(2009, 4, 3), "2009-04", "2009")),
    ("03/04/2009", (date(2009, 4, 3), "2009-04", "2009")),
    ("2009-04", (None, "2009-04", "2009")),
    ("04/2009", (None, "2009-04", "2009")),
    ("2009", (None, None, "2009")),
    ("", (None, None, None)),
])
def test_partial_dates_keep_what_is_known(text: str, expected: tuple[object, ...]) -> None:
    assert features.parse_dob(text) == expected


def test_bad_dates_are_refused() -> None:
    with pytest.raises(ValueError):
        features.parse_dob("31/02/2009")
    with pytest.raises(ValueError):
        features.parse_dob("next tuesday")


def test_postcode_levels() -> None:
    assert features.postcode_parts("b152tt") == ("B15 2TT", "B15 2", "B15")
    assert features.postcode_parts("B15") == (None, None, "B15")
    assert features.postcode_parts("not a postcode") == (None, None, None)


def test_feature_row_carries_transposed_date_and_nickname_groups() -> None:
    row = features.features({"record_id": 1, "first_name": "Jay", "last_name": "Smith", "dob": "2009-04-03"})
    assert row["dob_swapped"] == "2009-03-04"
    assert "jayden" in row["fn_groups"]
    assert row["sex"] is None


def test_records_without_identifying_fields_are_unusable() -> None:
    assert not features.usability(features.features({"record_id": 1, "first_name": "Jay"})).usable
    assert not features.usability(features.features({"record_id": 1, "dob": "2009-01-01"})).usable
    assert features.usability(features.features({"record_id": 1, "upn": "A123456789012"})).usable
    assert features.usability(features.features({"record_id": 1, "last_name": "Smith", "dob": "2009"})).usable


def test_probe_keys_find_swapped_names_and_transposed_dates() -> None:
    stored = features.features({"record_id": 1, "first_name": "Jayden", "last_name": "Smith", "dob": "2009-04-03"})
    swapped = features.features({"record_id": 2, "first_name": "Smith", "last_name": "Jayden", "dob": "2009-12-01"})
    transposed = features.features({"record_id": 3, "first_name": "Kai", "last_name": "Smyth", "dob": "2009-03-04"})
    assert blocking.probe_keys(swapped) & blocking.index_keys(stored)
    assert blocking.probe_keys(transposed) & blocking.index_keys(stored)


def test_clustering_obeys_people() -> None:
    pairs = [Pair("1", "2", 0.999, 10), Pair("2", "3", 0.998, 9), Pair("4", "5", 0.2, -3)]
    plain = cluster(["1", "2", "3", "4", "5"], pairs, threshold=0.99)
    assert plain["1"] == plain["2"] == plain["3"] and plain["4"] != plain["5"]
    obeyed = cluster(["1", "2", "3", "4", "5"], pairs, threshold=0.99, must=[("4", "5")], cannot=[("1", "3")])
    assert obeyed["1"] == obeyed["2"] != obeyed["3"]
    assert obeyed["4"] == obeyed["5"]
