"""Early identification measured against a simulated world's ground truth, beside two baselines.

Methods compared in the same run (same children, same list-size rule):
- `system`: the early-identification score; a child is flagged when the rolling score first reaches the
  threshold that puts at most `list_size` children on the list over the period.
- `current_practice`: a child counts as identified at their first class A drugs arrest or NRM referral.
- `any_missing`: a child counts as identified at their first recorded missing episode.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import median

from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable.common.dates import age_on, utcnow
from reachable.risk import early

RECORD_TRUTH = text("""
SELECT a.code, r.agency_person_id, l.child_id FROM source_records r
JOIN agencies a ON a.id = r.agency_id
JOIN record_links l ON l.source_record_id = r.id AND l.ended_at IS NULL
""")
DRUGS_ARREST = ("pwits_class_a", "possession_class_a")
# DfE ethnicity codes start with their major group's letter (WBRI, MWBC, APKN, BAFR, CHNE, OOTH).
ETHNIC_GROUPS = {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black", "C": "Chinese", "O": "Other"}


@dataclass
class TrueChild:
    """What the simulator knows about one child."""

    child_id: str
    sex: str
    dob: date | None
    ethnicity: str
    exploited: bool
    onset: date | None


@dataclass
class Outcome:
    """What one method did for one true child."""

    flagged_at: datetime | None
    first_pwits: datetime | None
    first_nrm: datetime | None


def load_truth(folder: Path) -> tuple[dict[str, TrueChild], dict[tuple[str, str], str]]:
    """Children and the (agency, agency person id) → true child map from a simulator's truth folder."""
    children = {}
    with open(folder / "children.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            children[row["child_id"]] = TrueChild(
                child_id=row["child_id"], sex=row["sex"], dob=_date(row["dob"]), ethnicity=row["ethnicity"],
                exploited=row["exploited"] == "Y", onset=_date(row.get("onset_date", "")))
    people = {}
    with open(folder / "person_records.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            people[(row["agency"], row["agency_person_id"])] = row["child_id"]
    return children, people


def _date(text_value: str) -> date | None:
    """An ISO date, or None when blank."""
    return date.fromisoformat(text_value) if text_value else None


def world_end(truth_dir: Path) -> datetime | None:
    """The end of the simulated window (from the manifest beside the truth folder), so ages are as of then."""
    manifest = truth_dir.parent / "manifest.json"
    if not manifest.exists():
        return None
    import json

    end = json.loads(manifest.read_text()).get("window", {}).get("end")
    return datetime.combine(date.fromisoformat(end), datetime.max.time(), UTC) if end else None


def our_to_true(session: Session, people: dict[tuple[str, str], str]) -> dict[int, str]:
    """Each of our children → the true child most of its records belong to."""
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for agency, person_id, child_id in session.execute(RECORD_TRUTH):
        truth = people.get((agency, person_id))
        if truth:
            votes[child_id][truth] += 1
    return {child: counter.most_common(1)[0][0] for child, counter in votes.items()}


def evaluate(session: Session, *, truth_dir: Path, list_share: float = 0.01,
             as_of: datetime | None = None) -> dict[str, object]:
    """Recall, precision, shares flagged before first PWITS arrest / NRM referral and lead times, per method."""
    as_of = as_of or world_end(truth_dir) or utcnow()
    children, people = load_truth(truth_dir)
    mapping = our_to_true(session, people)
    histories: dict[str, list[early.Hit]] = defaultdict(list)
    for child_id, events in early.stream_children(session, as_of=as_of):
        if child_id in mapping:
            histories[mapping[child_id]].extend(events)
    for events in histories.values():
        events.sort(key=lambda e: (e.occurred_at, e.id))
    population = sum(1 for c in children.values() if c.dob and 10 <= age_on(c.dob, as_of.date()) <= 17)
    list_size = max(1, int(population * list_share))
    peaks = sorted((early.peak_score(events) for events in histories.values()), reverse=True)
    # The lowest threshold that keeps the list within its size (ties at the cut-off are left off, not let in).
    threshold = max(1, peaks[list_size - 1] if len(peaks) >= list_size else 1)
    while sum(1 for peak in peaks if peak >= threshold) > list_size:
        threshold += 1
    methods: dict[str, Callable[[list[early.Hit]], datetime | None]] = {
        "system": lambda events: early.first_reached(events, threshold=threshold),
        "current_practice": lambda events: _first(events, lambda e: (
            e.kind == "arrest" and e.payload.get("offence_category") in DRUGS_ARREST) or e.kind == "nrm_referral"),
        "any_missing": lambda events: _first(events, lambda e: e.kind == "missing_reported"),
    }
    report: dict[str, object] = {"as_of": as_of.isoformat(), "population_10_17": population,
                                 "list_share": list_share, "threshold_points": threshold, "methods": {}}
    for name, flag in methods.items():
        outcomes = {truth: Outcome(flag(events), _first(events, _is_pwits), _first(events, _is_nrm))
                    for truth, events in histories.items()}
        report["methods"][name] = summarise(outcomes, children)  # type: ignore[index]
        report["methods"][name]["fairness"] = fairness(outcomes, children)  # type: ignore[index]
    return report


def _is_pwits(event: early.Hit) -> bool:
    """A PWITS class A arrest."""
    return event.kind == "arrest" and event.payload.get("offence_category") == "pwits_class_a"


def _is_nrm(event: early.Hit) -> bool:
    """An NRM referral."""
    return event.kind == "nrm_referral"


def _first(events: Iterable[early.Hit], test: Callable[[early.Hit], bool]) -> datetime | None:
    """The time of the first event passing a test."""
    return next((e.occurred_at for e in events if test(e)), None)


def summarise(outcomes: dict[str, Outcome], children: dict[str, TrueChild]) -> dict[str, object]:
    """The comparable figures for one method."""
    exploited = [c for c in children.values() if c.exploited]
    flagged = [t for t, o in outcomes.items() if o.flagged_at]
    true_positive = [t for t in flagged if children.get(t) and children[t].exploited]
    mine = [outcomes[c.child_id] for c in exploited if c.child_id in outcomes]
    with_pwits = [o for o in mine if o.first_pwits]
    with_nrm = [o for o in mine if o.first_nrm]
    before_pwits = [o for o in with_pwits if o.flagged_at and o.first_pwits and o.flagged_at < o.first_pwits]
    before_nrm = [o for o in with_nrm if o.flagged_at and o.first_nrm and o.flagged_at < o.first_nrm]
    leads = [(o.first_pwits - o.flagged_at).days for o in before_pwits if o.first_pwits and o.flagged_at]
    return {
        "list_size": len(flagged),
        "precision": round(len(true_positive) / len(flagged), 4) if flagged else None,
        "recall": round(len(true_positive) / len(exploited), 4) if exploited else None,
        "share_flagged_before_first_pwits_arrest": _share(before_pwits, with_pwits),
        "share_flagged_before_first_nrm_referral": _share(before_nrm, with_nrm),
        "median_lead_time_days": median(leads) if leads else None,
        "exploited_children": len(exploited), "exploited_with_pwits_arrest": len(with_pwits),
    }


def _share(part: list[Outcome], whole: list[Outcome]) -> float | None:
    """A share rounded to four places, or None on an empty base."""
    return round(len(part) / len(whole), 4) if whole else None


def _band(child: TrueChild) -> str:
    """Age band at onset of exploitation (or now, for others): under 10, 10–13, 14–17."""
    if child.dob is None:
        return "unknown"
    on = child.onset or date.today()
    age = age_on(child.dob, on)
    return "under 10" if age < 10 else "10-13" if age <= 13 else "14-17"


def fairness(outcomes: dict[str, Outcome], children: dict[str, TrueChild]) -> dict[str, dict[str, object]]:
    """Identification rate, false-negative rate and lead time by sex, age band and ethnicity (exploited only)."""
    groups: dict[str, dict[str, list[TrueChild]]] = {"sex": defaultdict(list), "age_band": defaultdict(list),
                                                     "ethnicity": defaultdict(list)}
    for child in children.values():
        if child.exploited:
            groups["sex"][child.sex].append(child)
            groups["age_band"][_band(child)].append(child)
            groups["ethnicity"][ETHNIC_GROUPS.get(child.ethnicity[:1], "not known")].append(child)
    table: dict[str, dict[str, object]] = {}
    for dimension, members in groups.items():
        for value, group in sorted(members.items()):
            found = [c for c in group if c.child_id in outcomes and outcomes[c.child_id].flagged_at]
            leads = [(outcomes[c.child_id].first_pwits - outcomes[c.child_id].flagged_at).days  # type: ignore[operator]
                     for c in found if outcomes[c.child_id].first_pwits and
                     outcomes[c.child_id].flagged_at < outcomes[c.child_id].first_pwits]  # type: ignore[operator]
            recall = len(found) / len(group)
            table[f"{dimension}={value}"] = {"exploited": len(group), "identification_rate": round(recall, 4),
                                             "false_negative_rate": round(1 - recall, 4),
                                             "median_lead_time_days": median(leads) if leads else None}
    return table
