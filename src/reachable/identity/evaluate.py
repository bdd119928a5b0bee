"""Accuracy of a linkage against known truth: pairwise and B-cubed, overall and by sex, age band and ethnicity."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reachable.identity.features import clean_name, parse_dob

GROUPS = ("sex", "age_band", "ethnicity")


@dataclass(frozen=True)
class Scores:
    """Pairwise and B-cubed precision, recall and F1 over a set of records."""

    records: int
    true_pairs: int
    predicted_pairs: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


def _f1(p: float, r: float) -> float:
    """Harmonic mean of precision and recall."""
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _c2(n: int) -> int:
    """Pairs among n items."""
    return n * (n - 1) // 2


def scores(predicted: Mapping[str, str], truth: Mapping[str, str], records: Iterable[str] | None = None) -> Scores:
    """Compare a clustering with the truth over the given records (default: every record with truth)."""
    ids = [r for r in (records if records is not None else truth) if r in truth and r in predicted]
    cells = Counter((predicted[r], truth[r]) for r in ids)
    sizes_p = Counter(predicted[r] for r in ids)
    sizes_t = Counter(truth[r] for r in ids)
    tp = sum(_c2(n) for n in cells.values())
    pp = sum(_c2(n) for n in sizes_p.values())
    tt = sum(_c2(n) for n in sizes_t.values())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    b_p = sum(n * n / sizes_p[p] for (p, _), n in cells.items()) / len(ids) if ids else 1.0
    b_r = sum(n * n / sizes_t[t] for (_, t), n in cells.items()) / len(ids) if ids else 1.0
    return Scores(len(ids), tt, pp, precision, recall, _f1(precision, recall), b_p, b_r, _f1(b_p, b_r))


def age_band(dob: date | None, on: date) -> str:
    """Age band on a date, in the bands Counting Lives reports (under-10s are the often missed group)."""
    if dob is None:
        return "unknown"
    age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    for upper, label in ((10, "under 10"), (14, "10-13"), (16, "14-15"), (18, "16-17")):
        if age < upper:
            return label
    return "18+"


def report(predicted: Mapping[str, str], truth: Mapping[str, str], attributes: Mapping[str, Mapping[str, str]],
           ) -> dict[str, Any]:
    """Overall scores and scores per subgroup of the true child, with the largest recall gap per grouping."""
    out: dict[str, Any] = {"overall": scores(predicted, truth).__dict__, "groups": {}}
    for group in GROUPS:
        members: dict[str, list[str]] = defaultdict(list)
        for record, child in truth.items():
            members[attributes.get(child, {}).get(group) or "unknown"].append(record)
        table = {value: scores(predicted, truth, ids).__dict__ for value, ids in sorted(members.items())}
        recalls = [row["pair_recall"] for value, row in table.items() if row["true_pairs"] >= 20]
        out["groups"][group] = {"values": table, "recall_gap": (max(recalls) - min(recalls)) if recalls else 0.0}
    return out


def exact_baseline(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The deterministic baseline: records with identical first name, last name and date of birth are one child."""
    out: dict[str, str] = {}
    for row in rows:
        first, last = clean_name(row.get("first_name")), clean_name(row.get("last_name"))
        try:
            dob = parse_dob(row.get("dob"))[0]
        except ValueError:
            dob = None
        key = f"{first}|{last}|{dob}" if first and last and dob else f"alone:{row['record_id']}"
        out[str(row["record_id"])] = key
    return out


def read_truth(directory: Path) -> tuple[dict[tuple[str, str], str], dict[str, dict[str, str]]]:
    """Ground truth from a simulator directory: (agency, agency_person_id) -> child, and child attributes if given."""
    base = directory / "truth" if (directory / "truth").is_dir() else directory
    path = base / "person_records.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no ground truth (expected columns agency, agency_person_id, child_id)")
    with path.open(newline="", encoding="utf-8") as handle:
        truth = {(row["agency"], row["agency_person_id"]): row["child_id"] for row in csv.DictReader(handle)}
    attributes: dict[str, dict[str, str]] = {}
    children = base / "children.csv"
    if children.exists():
        with children.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                attributes[row["child_id"]] = {k: v for k, v in row.items() if k != "child_id" and v is not None}
    return truth, attributes


def reference_date(directory: Path) -> date | None:
    """The date the records describe: the end of the simulated window in the output's manifest.json, if any.

    Age bands are ages when the agencies knew the child; measured at today's date a three-year-old world's
    16-17-year-olds would count as adults and its under-tens would be the youngest few birth years only."""
    for folder in (directory, directory.parent):
        path = folder / "manifest.json"
        if path.is_file():
            try:
                end = json.loads(path.read_text(encoding="utf-8")).get("window", {}).get("end")
                return date.fromisoformat(str(end)[:10]) if end else None
            except (ValueError, AttributeError):
                return None
    return None


def format_report(name: str, result: Mapping[str, Any]) -> list[str]:
    """Lines of text for a report."""
    o = result["overall"]
    lines = [f"{name}: records {o['records']}, true pairs {o['true_pairs']}, predicted pairs {o['predicted_pairs']}",
             f"  pairwise precision {o['pair_precision']:.4f} recall {o['pair_recall']:.4f} F1 {o['pair_f1']:.4f}",
             f"  B-cubed  precision {o['bcubed_precision']:.4f} recall {o['bcubed_recall']:.4f} "
             f"F1 {o['bcubed_f1']:.4f}"]
    for group, table in result["groups"].items():
        lines.append(f"  by {group} (largest recall gap {table['recall_gap'] * 100:.2f} points):")
        for value, row in table["values"].items():
            lines.append(f"    {value:<12} records {row['records']:>8}  pairwise P {row['pair_precision']:.4f} "
                         f"R {row['pair_recall']:.4f}  B-cubed F1 {row['bcubed_f1']:.4f}")
    return lines
