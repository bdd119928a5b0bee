"""`link-file`: deduplicate any person-record CSV in the canonical columns, outside the operational store."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from reachable.common.errors import FieldError, InputRejected
from reachable.identity.features import IDENTIFIER_COLUMNS, features, parse_dob, to_arrow, usability
from reachable.identity.predict import link_table
from reachable.identity.training import Trained, without_term_frequencies

COLUMNS = ("record_id", "source", "first_name", "last_name", "dob", "sex", "postcode", *IDENTIFIER_COLUMNS)
ALIASES = {"forename": "first_name", "given_name": "first_name", "surname": "last_name", "family_name": "last_name",
           "date_of_birth": "dob", "birth_date": "dob", "gender": "sex", "nhs": "nhs_number",
           "police_id": "police_person_id", "id": "record_id", "unique_id": "record_id"}
SEXES = {"": "", "m": "M", "male": "M", "f": "F", "female": "F", "u": "", "unknown": "", "x": "", "9": "", "0": "",
         "1": "M", "2": "F"}
MIN_RECORDS_TO_TRAIN = 2000  # below this, unsupervised EM is unreliable: use the shipped model instead
MIN_RECORDS_FOR_RATE = 500  # below this, even the match rate cannot be estimated from the file itself
SHIPPED_RECORDS = 43_154  # records the shipped model was trained on (its match rate belongs to that size)


@dataclass
class LinkFileResult:
    """What link-file did."""

    records: int
    clusters: int
    held_unlinked: dict[str, str] = field(default_factory=dict)
    model: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def read_canonical_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a canonical person CSV; every problem is reported (file, line, field, reason) and nothing is used."""
    name = str(path)
    errors: list[FieldError] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputRejected([FieldError("file", f"not UTF-8 text ({error.reason})", file=name)]) from error
    except OSError as error:
        raise InputRejected([FieldError("file", f"cannot be read ({error.strerror})", file=name)]) from error
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise InputRejected([FieldError("header", "the file is empty; expected a header row", file=name, line=1)])
    columns = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    if "record_id" not in columns:
        errors.append(FieldError("record_id", "required column missing from the header", file=name, line=1))
    for column in {c for c in columns if columns.count(c) > 1}:
        errors.append(FieldError(column, "column appears more than once in the header", file=name, line=1))
    if errors:
        raise InputRejected(errors)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            errors.append(FieldError("row", f"has {len(values)} fields; the header has {len(columns)}",
                                     file=name, line=line))
            continue
        row = {c: v.strip() for c, v in zip(columns, values, strict=True) if c in COLUMNS}
        errors.extend(_check(row, name, line, seen))
        rows.append(row)
    if errors:
        raise InputRejected(errors)
    return rows


def _check(row: dict[str, Any], name: str, line: int, seen: dict[str, int]) -> list[FieldError]:
    """Problems with one row's fields; normalises sex and dob in place."""
    problems: list[FieldError] = []
    record_id = row.get("record_id", "")
    if not record_id:
        problems.append(FieldError("record_id", "is empty", file=name, line=line))
    elif record_id in seen:
        problems.append(FieldError("record_id", f"repeats the record on line {seen[record_id]}", record_id,
                                   file=name, line=line))
    else:
        seen[record_id] = line
    try:
        parse_dob(row.get("dob"))
    except ValueError as error:
        problems.append(FieldError("dob", str(error), row.get("dob"), file=name, line=line))
    sex = row.get("sex", "").lower()
    if sex not in SEXES:
        problems.append(FieldError("sex", "not one of M, F, U (or male/female/unknown, 1/2/9)", row.get("sex"),
                                   file=name, line=line))
    else:
        row["sex"] = SEXES[sex]
    return problems


def shipped_model() -> dict[str, Any]:
    """The model shipped with Reachable (trained on synthetic records), for inputs too small to train on."""
    text = resources.files("reachable.identity").joinpath("data/default_model.json").read_text(encoding="utf-8")
    model: dict[str, Any] = json.loads(text)
    return model


def link_file(path: Path, output: Path, *, engine: str = "duckdb", model_path: Path | None = None,
              threshold: float = 0.99) -> LinkFileResult:
    """Cluster the records of a canonical CSV and write record_id,cluster_id."""
    rows = read_canonical_csv(path)
    featured = [features(row) for row in rows]
    usable = [row for row in featured if usability(row).usable]
    held = {row["unique_id"]: usability(row).reason for row in featured if not usability(row).usable}
    trained: Trained | None = None
    if model_path is not None:
        trained = Trained(model=json.loads(model_path.read_text(encoding="utf-8")), term_frequencies={})
    elif len(usable) < MIN_RECORDS_TO_TRAIN:
        trained = Trained(model=shipped_model(), term_frequencies={})
    if trained is not None and len(usable) < MIN_RECORDS_TO_TRAIN:
        trained = Trained(model=without_term_frequencies(trained.model), term_frequencies={})
    clusters: dict[str, str] = {}
    timings: dict[str, float] = {}
    prior = None
    if trained is not None and len(usable) < MIN_RECORDS_FOR_RATE:
        # Each record has about as many true duplicates whatever the file's size, so the rate scales as 1/n.
        shipped = float(trained.model["probability_two_random_records_match"])
        prior = min(0.05, shipped * (SHIPPED_RECORDS - 1) / max(len(usable) - 1, 1))
    if len(usable) >= 2:
        clusters, trained, timings = link_table(to_arrow(usable), engine=engine, trained=trained,
                                                threshold=threshold, prior=prior)
    for row in featured:
        clusters.setdefault(row["unique_id"], row["unique_id"])
    ids = [row["unique_id"] for row in featured]
    pacsv.write_csv(pa.table({"record_id": ids, "cluster_id": [str(clusters[i]) for i in ids]}), str(output))
    return LinkFileResult(records=len(rows), clusters=len(set(clusters.values())), held_unlinked=held,
                          model=trained.version if trained else "none", timings=timings)
