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


def test_council_and_postcode_area_come_from_the_record() -> None:
    assert features.council_of("CSC-E06000020") == "E06000020"
    assert features.council_of("HLT-W06000006") == "W06000006"
    assert features.council_of("POL-E23000014") is None  # a police force covers several councils
    assert features.council_of("VCS-routes-out") is None and features.council_of(None) is None
    row = features.features({"record_id": 1, "source": "EDU-E08000025", "last_name": "Smith", "postcode": "b152tt"})
    assert (row["area"], row["pc_area"]) == ("E08000025", "B")
    assert features.features({"record_id": 2, "postcode": "TF10 7XT"})["pc_area"] == "TF"


def test_one_edit_apart() -> None:
    from reachable.identity.pyscore import within_one_edit

    assert within_one_edit("mia", "ima")  # neighbours swapped
    assert within_one_edit("ava", "aa") and within_one_edit("aa", "ava")
    assert within_one_edit("max", "mx") and within_one_edit("leo", "lea")
    assert not within_one_edit("isla", "ayla") and not within_one_edit("mia", "amy")


def test_nameless_records_are_blocked_with_named_ones_of_the_same_council() -> None:
    cin = features.features({"record_id": 1, "source": "CSC-E06000020", "dob": "2021-10-30", "sex": "M",
                             "council_child_id": "15263529"})
    health = features.features({"record_id": 2, "source": "HLT-E06000020", "first_name": "Jack",
                                "last_name": "Parker", "dob": "2021-10-30", "sex": "M", "postcode": "TF3 6LB"})
    elsewhere = features.features({"record_id": 3, "source": "HLT-E08000025", "first_name": "Jack",
                                   "last_name": "Parker", "dob": "2021-10-30", "sex": "M"})
    assert blocking.probe_keys(cin) & blocking.index_keys(health)
    assert not blocking.probe_keys(cin) & blocking.index_keys(elsewhere)


def test_names_swapped_at_the_same_address_are_compared() -> None:
    stored = features.features({"record_id": 1, "first_name": "Maryam", "last_name": "Sharma", "postcode": "B33 7WH"})
    swapped = features.features({"record_id": 2, "first_name": "Sharma", "last_name": "Maryam", "postcode": "B33 7WH"})
    assert blocking.probe_keys(swapped) & blocking.index_keys(stored)


def test_same_home_and_birth_year_are_compared() -> None:
    # A mistyped day with a misspelt surname at the same address: no name or date rule reaches the pair.
    school = features.features({"record_id": 1, "first_name": "Megan", "last_name": "Thomson", "dob": "2016-03-18",
                                "postcode": "B11 0UX"})
    health = features.features({"record_id": 2, "first_name": "Meggan", "last_name": "Thompson",
                                "dob": "2016-03-19", "postcode": "B11 0UX"})
    next_year = features.features({"record_id": 3, "first_name": "Ellie", "last_name": "Thompson",
                                   "dob": "2017-05-02", "postcode": "B11 0UX"})
    assert blocking.probe_keys(health) & blocking.index_keys(school)
    assert not blocking.probe_keys(next_year) & blocking.index_keys(school)
