"""Blocking: which pairs are compared at all. Several narrow rules together keep recall high without n² pairs.

The same rules exist twice on purpose: as Splink rules for batch runs (any engine) and as index keys for the
incremental matcher, which looks candidates up in the operational database one record at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from reachable.identity.features import IDENTIFIER_COLUMNS

# Each rule: the feature columns that must agree. Why each exists is in docs/linkage.md.
RULES: tuple[tuple[str, ...], ...] = (
    *((name,) for name in IDENTIFIER_COLUMNS),  # an identifier in common
    ("dob", "fn_canon"),  # surname changed or double-barrelled
    ("dob", "ln_sdx"),  # forename nickname, typo or short form
    ("dob", "pc_district"),  # both names recorded differently, same area
    ("fn_canon", "ln_sdx", "dob_year"),  # date of birth mistyped within the year
    ("fn_canon", "ln_sdx", "pc_district"),  # date of birth missing or wrong year
    ("postcode", "fn_canon"),  # same home, date of birth missing
    # Rules added later go last: a rule's position is part of its key in the stored incremental index.
    ("postcode", "ln_sdx"),  # same home, date of birth missing, forename a nickname or misspelt
    ("dob", "area"),  # same council: statutory returns (CIN census, SSDA903) carry no names at all
    # Same home and birth year: a mistyped day with a name written differently or swapped (Megan Thomson /
    # Meggan Thompson), or a nameless SSDA903 record whose day and month are transposed. Siblings born the same
    # year at one address (twins) are few, so this stays cheap.
    ("postcode", "dob_year"),
)
SWAPPED_DOB = "l.dob = r.dob_swapped AND l.ln_sdx = r.ln_sdx"  # day and month transposed
# Forename and surname swapped (within the birth year: names like Ali, James or Thomas are both, so the bare
# swap rule grows quadratically).
SWAPPED_NAMES = "l.first_name = r.last_name AND l.last_name = r.first_name AND l.dob_year = r.dob_year"
SWAPPED_AT_HOME = "l.first_name = r.last_name AND l.last_name = r.first_name AND l.postcode = r.postcode"


def prediction_rules() -> list[Any]:
    """The Splink blocking rules used to generate candidate pairs for prediction."""
    return [*(block_on(*columns) for columns in RULES), SWAPPED_DOB, SWAPPED_NAMES, SWAPPED_AT_HOME]


def deterministic_rules() -> list[Any]:
    """Rules admitting almost no false matches, used to estimate how often two random records match."""
    return [block_on("first_name", "last_name", "dob"), *(block_on(name) for name in IDENTIFIER_COLUMNS)]


def training_rules() -> list[BlockingRuleCreator]:
    """EM blocking rules: each leaves some comparisons free to be estimated; together they cover all."""
    return [block_on("dob"), block_on("fn_canon", "ln_sdx", "pc_district")]


def index_keys(row: Mapping[str, Any]) -> set[str]:
    """The blocking keys a record is filed under in the incremental index."""
    keys: set[str] = set()
    for number, columns in enumerate(RULES):
        values = [row.get(column) for column in columns]
        if all(values):
            keys.add(f"{number}:" + "|".join(str(value) for value in values))
    if row.get("dob") and row.get("ln_sdx"):
        keys.add(f"swd:{row['dob']}|{row['ln_sdx']}")
    if row.get("first_name") and row.get("last_name") and row.get("dob_year"):
        keys.add(f"swn:{row['first_name']}|{row['last_name']}|{row['dob_year']}")
    if row.get("first_name") and row.get("last_name") and row.get("postcode"):
        keys.add(f"swh:{row['first_name']}|{row['last_name']}|{row['postcode']}")
    return keys


def probe_keys(row: Mapping[str, Any]) -> set[str]:
    """The keys to look up for a new record: its own keys plus the transposed and swapped forms."""
    keys = index_keys(row)
    if row.get("dob_swapped") and row.get("ln_sdx"):
        keys.add(f"swd:{row['dob_swapped']}|{row['ln_sdx']}")
    if row.get("first_name") and row.get("last_name") and row.get("dob_year"):
        keys.add(f"swn:{row['last_name']}|{row['first_name']}|{row['dob_year']}")
    if row.get("first_name") and row.get("last_name") and row.get("postcode"):
        keys.add(f"swh:{row['last_name']}|{row['first_name']}|{row['postcode']}")
    return keys
