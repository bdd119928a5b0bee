"""Early identification measured against a simulated world's ground truth, beside two baselines.

Every method is a score over time for each child; a child is flagged the moment their score first reaches the
method's threshold. Methods compared in the same run, on the same children:
- `system`: the early-identification points score (data/early_id.yaml);
- `current_practice`: drugs arrests (class A) and NRM referrals in the last year: identified at the first;
- `any_missing`: missing episodes in the last year: identified at the first.
At the panel's list size (`list_share` of the 10–17 population, counted over the whole period) each method
keeps the children with the highest peak scores; ties at the cut-off are let in by who reached the threshold
first until the list is full, so every method is compared at the same list size and ranked by its own natural
ordering (the baselines by the number of qualifying events, then the earliest). The baselines without any
list-size limit are reported too, as `current_practice_uncapped` and `any_missing_uncapped`.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
LIST_SHARES = (0.0025, 0.005, 0.01, 0.02, 0.05)
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


Series = dict[str, list[tuple[datetime, int]]]


def evaluate(session: Session, *, truth_dir: Path, list_share: float = 0.01,
             as_of: datetime | None = None) -> dict[str, object]:
    """Recall, precision, shares flagged before first PWITS arrest / NRM referral and lead times, per method."""
    as_of = as_of or world_end(truth_dir) or utcnow()
    children, people = load_truth(truth_dir)
    mapping = our_to_true(session, people)
    histories: dict[str, list[early.Hit]] = defaultdict(list)
    born: dict[str, date] = {}
    for child_id, dob, events in early.stream_children(session, as_of=as_of):
        if child_id in mapping:
            histories[mapping[child_id]].extend(events)
            if dob is not None:
                born.setdefault(mapping[child_id], dob)
    for events in histories.values():
        events.sort(key=lambda e: (e.occurred_at, e.id))
    population = sum(1 for c in children.values() if c.dob and 10 <= age_on(c.dob, as_of.date()) <= 17)
    list_size = max(1, int(population * list_share))
    system = {truth: early.rolling(events, dob=born.get(truth)) for truth, events in histories.items()}
    practice = {truth: counts(events, _is_practice) for truth, events in histories.items()}
    missing = {truth: counts(events, _is_missing) for truth, events in histories.items()}
    threshold, system_flags = select(system, list_size)
    flags = {"system": system_flags, "current_practice": select(practice, list_size)[1],
             "any_missing": select(missing, list_size)[1],
             "current_practice_uncapped": select(practice, None)[1], "any_missing_uncapped": select(missing, None)[1]}
    report: dict[str, object] = {"as_of": as_of.isoformat(), "population_10_17": population,
                                 "list_share": list_share, "list_size_limit": list_size,
                                 "threshold_points": threshold, "score_version": early.model().version,
                                 "methods": {}}
    firsts = {truth: (_first(events, _is_pwits), _first(events, _is_nrm)) for truth, events in histories.items()}
    for name, flagged in flags.items():
        outcomes = {truth: Outcome(flagged.get(truth), *firsts[truth]) for truth in histories}
        report["methods"][name] = summarise(outcomes, children)  # type: ignore[index]
        report["methods"][name]["fairness"] = fairness(outcomes, children)  # type: ignore[index]
    # The system at other list sizes, so the panel can see what a longer or shorter list would buy.
    sizes: dict[str, object] = {}
    for share in LIST_SHARES:
        flagged = select(system, max(1, int(population * share)))[1]
        sizes[f"{share * 100:g}%"] = summarise(
            {truth: Outcome(flagged.get(truth), *firsts[truth]) for truth in histories}, children)
    report["system_at_list_sizes"] = sizes
    return report


def counts(events: list[early.Hit], test: Callable[[early.Hit], bool]) -> list[tuple[datetime, int]]:
    """A baseline's score after each qualifying event: how many qualifying events in the score's window."""
    window = timedelta(days=early.model().window_days)
    times = [e.occurred_at for e in events if test(e)]
    return [(t, sum(1 for u in times[: i + 1] if u >= t - window)) for i, t in enumerate(times)]


def select(series: Series, list_size: int | None) -> tuple[int, dict[str, datetime]]:
    """The threshold and who is flagged when: highest peaks first, ties let in by who reached it first."""
    peaks = {truth: max((score for _, score in s), default=0) for truth, s in series.items()}
    ranked = sorted((p for p in peaks.values() if p > 0), reverse=True)
    if not ranked:
        return 0, {}
    threshold = ranked[-1] if list_size is None or len(ranked) <= list_size else ranked[list_size - 1]
    reached = {truth: next(t for t, score in series[truth] if score >= threshold)
               for truth, peak in peaks.items() if peak >= threshold}
    above = [truth for truth in reached if peaks[truth] > threshold]
    tied = sorted((truth for truth in reached if peaks[truth] == threshold), key=lambda truth: (reached[truth], truth))
    room = len(reached) if list_size is None else max(0, list_size - len(above))
    return threshold, {truth: reached[truth] for truth in above + tied[:room]}


def _is_practice(event: early.Hit) -> bool:
    """What current practice acts on: a class A drugs arrest or an NRM referral."""
    return (event.kind == "arrest" and event.payload.get("offence_category") in DRUGS_ARREST) or _is_nrm(event)


def _is_missing(event: early.Hit) -> bool:
    """A reported missing episode."""
    return event.kind == "missing_reported"


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
