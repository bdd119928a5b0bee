"""Turning a person record into the normalised fields the linkage model compares (pure Python, no database)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa

IDENTIFIER_COLUMNS = ("upn", "nhs_number", "police_person_id", "council_child_id")
# The columns every comparison and blocking rule reads; the model's input table has exactly these.
FEATURE_COLUMNS = (
    "unique_id", "source", "first_name", "last_name", "fn_groups", "fn_canon", "fn_sdx", "ln_parts", "ln_sdx",
    "dob", "dob_swapped", "dob_ym", "dob_year", "dob_md", "dob_days", "sex", "postcode", "pc_sector",
    "pc_district", "pc_area", "area", *IDENTIFIER_COLUMNS,
)
_NOT_LETTERS = re.compile(r"[^a-z \-]")
_SPACES = re.compile(r"[\s\-]+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")
_EPOCH = date(1970, 1, 1)
_LETTERS = re.compile(r"[A-Z]+")
# A council's ONS code inside an agency code (CSC-E06000020, HLT-W06000006): unitary, metropolitan, London borough,
# county or Welsh principal area. Police force codes (E23, W15) cover several councils and are not areas here.
_COUNCIL = re.compile(r"(?<![A-Z0-9])((?:E0[6-9]|E10|W06)[0-9]{6})(?![0-9])")


@cache
def nickname_groups() -> dict[str, tuple[str, ...]]:
    """Each known forename and the nickname groups it belongs to (from the shipped table)."""
    text = resources.files("reachable.identity").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    groups: dict[str, set[str]] = {}
    rows = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    next(rows)  # header
    for group, names in rows:
        for name in names.split("|"):
            groups.setdefault(name, set()).add(group)
    return {name: tuple(sorted(found)) for name, found in groups.items()}


def clean_name(value: str | None) -> str | None:
    """Lower-case ASCII letters with single spaces; hyphens and apostrophes fold away; None when empty."""
    if not value:
        return None
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower().replace("'", "")
    text = _SPACES.sub(" ", _NOT_LETTERS.sub("", text)).strip()
    return text or None


def soundex(name: str | None) -> str | None:
    """American Soundex of the first word: a coarse phonetic key that survives most misspellings."""
    if not name:
        return None
    word = name.split(" ")[0]
    digits = word.translate(_SOUNDEX)
    code, last = word[0], digits[0] if digits[0].isdigit() else ""
    for ch, digit in zip(word[1:], digits[1:], strict=True):
        if digit.isdigit() and digit != last:
            code += digit
        if ch not in "hw":
            last = digit if digit.isdigit() else ""
    return (code + "000")[:4]


def parse_dob(value: object) -> tuple[date | None, str | None, str | None]:
    """A date of birth as (full date, yyyy-mm, yyyy); partial dates keep what is known. Raises ValueError."""
    if value is None or value == "":
        return None, None, None
    if isinstance(value, date):
        return value, value.strftime("%Y-%m"), str(value.year)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        full = date.fromisoformat(text)
    elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        day, month, year = (int(part) for part in text.split("/"))
        full = date(year, month, day)
    elif re.fullmatch(r"\d{4}-\d{2}", text) or re.fullmatch(r"\d{1,2}/\d{4}", text):
        year_text, month_text = text.split("-") if "-" in text else reversed(text.split("/"))
        year, month = int(year_text), int(month_text)
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} is not 1-12")
        return None, f"{year:04d}-{month:02d}", f"{year:04d}"
    elif re.fullmatch(r"\d{4}", text):
        return None, None, text
    else:
        raise ValueError("not a date (use yyyy-mm-dd, dd/mm/yyyy, yyyy-mm or yyyy)")
    return full, full.strftime("%Y-%m"), str(full.year)


def postcode_parts(value: str | None) -> tuple[str | None, str | None, str | None]:
    """A UK postcode as (full, sector, district); a malformed one keeps only its outward part if it has one."""
    if not value:
        return None, None, None
    compact = re.sub(r"\s+", "", value).upper()
    match = _POSTCODE.match(compact)
    if match is None:
        return None, None, compact[:4] if 2 <= len(compact) <= 4 and compact[0].isalpha() else None
    outward, inward = match.groups()
    return f"{outward} {inward}", f"{outward} {inward[0]}", outward


def _postcode_area(district: str | None) -> str | None:
    """The letters of a postcode district (B, TF, SY): the postcode area, a town or county."""
    match = _LETTERS.match(district) if district else None
    return match.group(0) if match else None


def council_of(source: str | None) -> str | None:
    """The council area an agency's records come from, when its code names one (CSC-E06000020 -> E06000020)."""
    match = _COUNCIL.search(source.upper()) if source else None
    return match.group(1) if match else None


@dataclass(frozen=True)
class Usability:
    """Whether a record carries enough to be matched at all, and if not why not."""

    usable: bool
    reason: str


def usability(row: Mapping[str, Any]) -> Usability:
    """A record needs an identifier, or a surname with a forename or a date of birth, to be compared."""
    if any(row.get(name) for name in IDENTIFIER_COLUMNS):
        return Usability(True, "has an agency identifier")
    if row.get("last_name") and (row.get("first_name") or row.get("dob_year")):
        return Usability(True, "has a name with a forename or date of birth")
    return Usability(False, "no identifier and too little of name and date of birth to compare safely")


def features(record: Mapping[str, Any]) -> dict[str, Any]:
    """The model's input row for one record given canonical fields (record_id or unique_id, names, dob...)."""
    first = clean_name(record.get("first_name"))
    last = clean_name(record.get("last_name"))
    first = first.split(" ")[0] if first else None  # middle names recorded in the forename field are noise
    groups = nickname_groups().get(first, (first,)) if first else ()
    dob, dob_ym, dob_year = parse_dob(record.get("dob"))
    swapped = None
    if dob is not None and dob.day <= 12 and dob.day != dob.month:
        swapped = dob.replace(month=dob.day, day=dob.month).isoformat()
    full, sector, district = postcode_parts(record.get("postcode"))
    sex = (record.get("sex") or "").strip().upper()[:1]
    row: dict[str, Any] = {
        "unique_id": str(record.get("unique_id", record.get("record_id"))),
        "source": record.get("source") or None,
        "first_name": first, "last_name": last,
        "fn_groups": list(groups), "fn_canon": groups[0] if groups else None, "fn_sdx": soundex(first),
        "ln_parts": last.split(" ") if last else [], "ln_sdx": soundex(last),
        "dob": dob.isoformat() if dob else None, "dob_swapped": swapped, "dob_ym": dob_ym, "dob_year": dob_year,
        "dob_md": dob.strftime("%m-%d") if dob else None, "dob_days": (dob - _EPOCH).days if dob else None,
        "sex": sex if sex in ("M", "F") else None,
        "postcode": full, "pc_sector": sector, "pc_district": district,
        "pc_area": _postcode_area(district),
        "area": council_of(record.get("source")),
    }
    for name in IDENTIFIER_COLUMNS:
        value = record.get(name)
        row[name] = re.sub(r"\s+", "", str(value)).upper() if value not in (None, "") else None
    return row


SCHEMA = pa.schema([
    ("unique_id", pa.string()), ("source", pa.string()), ("first_name", pa.string()), ("last_name", pa.string()),
    ("fn_groups", pa.list_(pa.string())), ("fn_canon", pa.string()), ("fn_sdx", pa.string()),
    ("ln_parts", pa.list_(pa.string())), ("ln_sdx", pa.string()), ("dob", pa.string()),
    ("dob_swapped", pa.string()), ("dob_ym", pa.string()), ("dob_year", pa.string()), ("dob_md", pa.string()),
    ("dob_days", pa.int64()), ("sex", pa.string()), ("postcode", pa.string()), ("pc_sector", pa.string()),
    ("pc_district", pa.string()), ("pc_area", pa.string()), ("area", pa.string()),
    *((name, pa.string()) for name in IDENTIFIER_COLUMNS),
])


def to_arrow(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Feature rows as an Arrow table (how records reach DuckDB or Spark without pandas)."""
    listed = list(rows)
    return pa.table({name: [row[name] for row in listed] for name in FEATURE_COLUMNS}, schema=SCHEMA)
