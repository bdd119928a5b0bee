"""Streaming metrics of the simulated world, compared with published figures (targets and tolerances)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.care import CarePeriod, in_care
from reachable.simulate.csc import CinEpisode
from reachable.simulate.exploitation import Trajectory
from reachable.simulate.people import Child
from reachable.simulate.rand import ordinal
from reachable.simulate.signals import Occ

CCE_CATEGORIES = frozenset(
    {
        "older_associates",
        "unexplained_money",
        "new_phones",
        "unexplained_gifts",
        "travel",
        "drug_debt",
        "gang_association",
    }
)


@dataclass(frozen=True, slots=True)
class Target:
    """A published figure, the band the simulation must fall in, and where the figure comes from."""

    key: str
    label: str
    target: str
    low: float
    high: float
    source: str


TARGETS: tuple[Target, ...] = (
    Target(
        "missing_per_child_home",
        "Missing episodes per child missing from home (10-17, a year)",
        "3.1",
        2.5,
        3.7,
        "CL Table 9 (police, 2017/18)",
    ),
    Target(
        "missing_per_child_care",
        "Missing episodes per child missing from care (10-17, a year)",
        "5.6",
        4.4,
        6.8,
        "CL Table 9 (police, 2017/18)",
    ),
    Target(
        "found_outside_home",
        "Share of children missing from home found outside their force area",
        "4%",
        0.02,
        0.07,
        "CL ch.3 (4 forces: 137 children, 4%)",
    ),
    Target(
        "found_outside_care",
        "Share of children missing from care found outside their force area",
        "11%",
        0.07,
        0.16,
        "CL ch.3 (82 children, 11%)",
    ),
    Target(
        "pwits_to_possession",
        "Arrests of 10-17s: PWITS class A / possession class A",
        "1.6 (>1)",
        1.1,
        2.5,
        "CL Table 5 (770 vs 477 in 2017/18)",
    ),
    Target(
        "weapon_in_drug_searches",
        "Drugs searches of 10-17s finding a weapon or firearm",
        "1-2%",
        0.005,
        0.025,
        "CL Table 8",
    ),
    Target(
        "nrm_rg_positive",
        "NRM referrals with a positive reasonable grounds decision",
        "65%",
        0.55,
        0.75,
        "CL ch.3 (60 of 93)",
    ),
    Target(
        "nrm_cg_positive",
        "NRM referrals with a positive conclusive grounds decision",
        "15%",
        0.08,
        0.22,
        "CL ch.3 (11 of 75)",
    ),
    Target(
        "identified_male_share",
        "Male share of children identified as criminally exploited",
        "91%",
        0.84,
        0.96,
        "CL ch.2 (NCA: 91% of those associated with county lines)",
    ),
    Target(
        "true_male_share",
        "Male share of all exploited children (hidden truth)",
        "70-80%",
        0.62,
        0.84,
        "CL ch.2 practitioners ('70-30 or 80-20')",
    ),
    Target(
        "identified_age_15_17",
        "Share of identified children aged 15-17",
        "majority (peak 15-17)",
        0.5,
        0.8,
        "CL ch.2 (NCA: most known victims 15-17)",
    ),
    Target(
        "identified_under_10",
        "Share of identified children under 10",
        "some, rare",
        0.0005,
        0.03,
        "CL ch.2 (cases as young as 7-8, rarely recorded)",
    ),
    Target(
        "lac_share_10_17",
        "Looked-after share of 10-17s on 31 March",
        "0.6-1%",
        0.006,
        0.01,
        "DfE CLA (about 80 per 10,000 10-17s)",
    ),
    Target("sen_share", "Pupils with special educational needs", "~15%", 0.13, 0.17, "CL ch.2 (DfE SEN in England)"),
    Target(
        "permanent_exclusion_rate",
        "Permanent exclusions per pupil a year",
        "0.1%",
        0.0005,
        0.002,
        "DfE exclusions 2022-23 (9,376)",
    ),
    Target("suspension_rate", "Suspensions per 100 pupils a year", "9.3", 6.0, 12.5, "DfE exclusions 2022-23"),
    Target(
        "cce_24a_per_10k",
        "Children with CIN factor 24A per 10,000 children a year",
        "12",
        6.0,
        25.0,
        "DfE CIN 2023-24 (~14,500 children)",
    ),
    Target(
        "exploited_share_10_17",
        "Share of 10-17s exploited (groomed or beyond) during the window",
        "judgement",
        0.003,
        0.02,
        "Children's Commissioner 2019: 27,000 at high risk of gang exploitation",
    ),
)


def _strings(value: object) -> list[str]:
    """A list attribute as strings (occurrence attributes are loosely typed)."""
    return [str(v) for v in value] if isinstance(value, list) else []


def _fy(t: float) -> int:
    """Financial year (April-March) an ordinal time falls in, named by its starting calendar year."""
    d = date.fromordinal(int(t))
    return d.year if d.month >= 4 else d.year - 1


class Metrics:
    """Running tallies, updated one child at a time (bounded memory: counters only)."""

    def __init__(self, start: float, end: float) -> None:
        """Tally over the window [start, end]."""
        self.start, self.end = start, end
        self.c: Counter[str] = Counter()
        self.hist: defaultdict[str, Counter[tuple[int, bool]]] = defaultdict(Counter)
        first = date.fromordinal(int(start)).year + 1
        self.refs = [
            float(ordinal(date(y, 3, 31)))
            for y in range(first, date.fromordinal(int(end)).year + 1)
            if start <= ordinal(date(y, 3, 31)) <= end
        ]

    def add(
        self,
        child: Child,
        traj: Trajectory | None,
        occs: list[Occ],
        follow: list[Occ],
        care: list[CarePeriod],
        eps: list[CinEpisode],
        missing: list[Occ],
    ) -> None:
        """Fold one child into the tallies."""
        c = self.c
        in_window = [o for o in occs if o.recorded and self.start <= o.t <= self.end and child.age_at(o.t) < 18]
        self._missing(child, [m for m in missing if m.recorded and self.start <= m.t <= self.end])
        for o in in_window:
            if child.age_at(o.t) < 10:
                continue
            if o.kind == "arrest":
                c[f"arrest_{o.attrs['offence']}"] += 1
            elif o.kind == "stop_search" and o.attrs["grounds"] == "drugs":
                c["drug_searches"] += 1
                items = o.attrs["items"]
                c["drug_searches_weapon"] += isinstance(items, list) and "offensive_weapon" in items
        for o in in_window:
            if o.kind in ("suspension", "permanent_exclusion"):
                c[o.kind] += 1
        nrm_written = [f for f in follow if f.kind == "nrm" and "decisions" in f.attrs]
        for f in nrm_written:
            decisions = f.attrs["decisions"]
            assert isinstance(decisions, tuple)
            rg, cg = decisions
            c["nrm_referrals"] += 1
            c["nrm_rg_positive"] += bool(rg)
            c["nrm_cg_positive"] += bool(cg)
        self._population(child, care)
        ident_t = min(
            [e.assessment[1] for e in eps if e.assessment and "24A" in e.assessment[2] and e.assessment[1] <= self.end]
            + [f.t for f in nrm_written if f.cce],
            default=None,
        )
        for e in eps:
            if e.assessment and "24A" in e.assessment[2] and self.start <= e.assessment[1] <= self.end:
                c["cce_24a_assessments"] += 1
        exploited = traj is not None and any(
            i >= 1 and s <= self.end and e >= self.start for i, (_, s, e) in enumerate(traj.stages)
        )
        if exploited:
            c["exploited"] += 1
            c["exploited_male"] += child.sex == "M"
        if ident_t is not None and ident_t >= self.start:
            age = child.age_at(ident_t)
            c["identified"] += 1
            c["identified_male"] += child.sex == "M"
            c["identified_15_17"] += age >= 15
            c["identified_under_10"] += age < 10
        self._separability(in_window, follow, missing, exploited)

    def _missing(self, child: Child, missing: list[Occ]) -> None:
        """Per child-year: police-recorded episodes from home and from care, and found outside the force."""
        per: Counter[tuple[int, str]] = Counter()
        outside: set[tuple[int, str]] = set()
        for m in missing:
            if not m.attrs["to_police"] or not 10 <= child.age_at(m.t) < 18:
                continue
            key = (_fy(m.t), "care" if m.attrs["from_care"] else "home")
            per[key] += 1
            found = str(m.attrs["found_area"])
            if AREA_BY_CODE[found].force.code != AREA_BY_CODE[m.area].force.code:
                outside.add(key)
        for (_, where), n in per.items():
            self.c[f"missing_children_{where}"] += 1
            self.c[f"missing_episodes_{where}"] += n
        for _, where in outside:
            self.c[f"missing_outside_{where}"] += 1

    def _population(self, child: Child, care: list[CarePeriod]) -> None:
        """Denominators at each 31 March: 10-17s, those looked after, pupils and SEN."""
        for ref in self.refs:
            age = child.age_at(ref)
            if 10 <= age < 18:
                self.c["pop_10_17"] += 1
                self.c["lac_10_17"] += in_care(care, ref) is not None
            if 0 <= age < 18:
                self.c["pop_0_17"] += 1
            if 5 <= age < 16:
                self.c["pupils"] += 1
                self.c["pupils_sen"] += child.sen != "N"
        if child.age_at(self.end) >= 10 and child.age_at(self.start) < 18:
            self.c["pop_10_17_window"] += 1

    def _separability(self, occs: list[Occ], follow: list[Occ], missing: list[Occ], label: bool) -> None:
        """Histograms of simple signals by true label, for precision and recall of baselines."""
        kinds = {o.kind for o in occs}
        n_missing = sum(1 for m in missing if m.recorded and self.start <= m.t <= self.end)
        class_a = any(o.kind == "arrest" and str(o.attrs["offence"]).endswith("class_a") for o in occs)
        injury = any(o.kind == "health" and o.attrs["injury"] in ("stab_wound", "assault") for o in occs)
        concern = any(
            o.kind in ("school_concern", "vcs_concern") and bool(CCE_CATEGORIES & set(_strings(o.attrs["categories"])))
            for o in occs
        )
        referral = any(f.kind == "referral" for f in follow) or "referral" in kinds
        signals = [
            n_missing > 0,
            "arrest" in kinds,
            "stop_search" in kinds,
            bool(kinds & {"suspension", "permanent_exclusion"}),
            injury,
            "intelligence" in kinds,
            concern,
            referral,
        ]
        police_contact = n_missing > 0 or bool(kinds & {"arrest", "stop_search", "police_incident", "intelligence"})
        h = self.hist
        h["missing_count"][(min(n_missing, 10), label)] += 1
        h["any_arrest"][(int("arrest" in kinds), label)] += 1
        h["any_stop_search"][(int("stop_search" in kinds), label)] += 1
        h["any_exclusion"][(int(signals[3]), label)] += 1
        h["any_police_contact"][(int(police_contact), label)] += 1
        h["class_a_arrest"][(int(class_a), label)] += 1
        h["signal_types"][(sum(signals), label)] += 1

    def summary(self) -> dict[str, Any]:
        """Figures keyed as in TARGETS, the raw tallies and the separability table."""
        c = self.c

        def ratio(a: str, b: str) -> float:
            """c[a] / c[b], or 0 when there is no denominator."""
            return c[a] / c[b] if c[b] else 0.0

        years = max(1, len(self.refs))
        figures = {
            "missing_per_child_home": ratio("missing_episodes_home", "missing_children_home"),
            "missing_per_child_care": ratio("missing_episodes_care", "missing_children_care"),
            "found_outside_home": ratio("missing_outside_home", "missing_children_home"),
            "found_outside_care": ratio("missing_outside_care", "missing_children_care"),
            "pwits_to_possession": ratio("arrest_pwits_class_a", "arrest_possession_class_a"),
            "weapon_in_drug_searches": ratio("drug_searches_weapon", "drug_searches"),
            "nrm_rg_positive": ratio("nrm_rg_positive", "nrm_referrals"),
            "nrm_cg_positive": ratio("nrm_cg_positive", "nrm_referrals"),
            "identified_male_share": ratio("identified_male", "identified"),
            "true_male_share": ratio("exploited_male", "exploited"),
            "identified_age_15_17": ratio("identified_15_17", "identified"),
            "identified_under_10": ratio("identified_under_10", "identified"),
            "lac_share_10_17": ratio("lac_10_17", "pop_10_17"),
            "sen_share": ratio("pupils_sen", "pupils"),
            "permanent_exclusion_rate": ratio("permanent_exclusion", "pupils"),
            "suspension_rate": 100 * ratio("suspension", "pupils"),
            "cce_24a_per_10k": 10_000 * ratio("cce_24a_assessments", "pop_0_17"),
            "exploited_share_10_17": ratio("exploited", "pop_10_17_window"),
        }
        _ = years
        return {"figures": figures, "tallies": dict(sorted(c.items())), "separability": separability(self.hist)}


def separability(hist: dict[str, Counter[tuple[int, bool]]]) -> dict[str, dict[str, float]]:
    """For each baseline, the best precision at recall >= 0.5 (thresholding its value), and its recall."""
    out: dict[str, dict[str, float]] = {}
    for name, h in sorted(hist.items()):
        positives = sum(n for (_, lab), n in h.items() if lab)
        values = sorted({v for v, _ in h}, reverse=True)
        best = {
            "precision_at_recall_0_5": 0.0,
            "recall": 0.0,
            "threshold": 0.0,
            "precision_any": 0.0,
            "recall_any": 0.0,
        }
        for thr in values:
            if thr <= 0:
                continue
            tp = sum(n for (v, lab), n in h.items() if lab and v >= thr)
            fp = sum(n for (v, lab), n in h.items() if not lab and v >= thr)
            prec = tp / (tp + fp) if tp + fp else 0.0
            rec = tp / positives if positives else 0.0
            if thr == 1:
                best["precision_any"], best["recall_any"] = prec, rec
            if rec >= 0.5 and prec > best["precision_at_recall_0_5"]:
                best.update(precision_at_recall_0_5=prec, recall=rec, threshold=float(thr))
        out[name] = best
    return out
