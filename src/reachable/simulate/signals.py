"""What happens to a child that an agency could see: background contacts plus those exploitation causes."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.care import CarePeriod, in_care
from reachable.simulate.exploitation import Trajectory
from reachable.simulate.parameters import Parameters, SignalSpec
from reachable.simulate.people import Child
from reachable.simulate.rand import DAYS_PER_MONTH, DAYS_PER_YEAR, negbin, poisson

POLICE_KINDS = frozenset({"stop_search", "arrest", "police_incident", "intelligence"})
SCHOOL_KINDS = frozenset({"suspension", "permanent_exclusion", "part_time", "school_concern"})


@dataclass(slots=True)
class Occ:
    """One occurrence in the child's life: kind, time, whether exploitation caused it, where, details."""

    kind: str
    t: float
    cce: bool
    area: str
    attrs: dict[str, object] = field(default_factory=dict)
    recorded: bool = True


def _care_intervals(periods: list[CarePeriod], a: float, b: float) -> list[tuple[float, float]]:
    """Parts of [a, b) spent looked after."""
    out = []
    for p in periods:
        lo, hi = max(a, p.start), min(b, p.end)
        if hi > lo:
            out.append((lo, hi))
    return out


def _complement(intervals: list[tuple[float, float]], a: float, b: float) -> list[tuple[float, float]]:
    """Parts of [a, b) not covered by the (sorted, disjoint) intervals."""
    out, cur = [], a
    for lo, hi in intervals:
        if lo > cur:
            out.append((cur, lo))
        cur = max(cur, hi)
    if cur < b:
        out.append((cur, b))
    return out


def _uniform_in(rng: random.Random, intervals: list[tuple[float, float]]) -> float:
    """A uniform time within a union of intervals."""
    total = sum(hi - lo for lo, hi in intervals)
    x = rng.random() * total
    for lo, hi in intervals:
        if x < hi - lo:
            return lo + x
        x -= hi - lo
    return intervals[-1][1] - 1e-6


def _factor(spec: SignalSpec, child: Child, t: float, care_now: bool) -> float:
    """Multiplier of a background rate for this child at time t."""
    m = spec.male if child.sex == "M" else 1.0
    f = spec.factors
    if child.poverty and "poverty" in f:
        m *= f["poverty"]
    if child.sen != "N" and "sen" in f:
        m *= f["sen"]
    if child.family_crime and "family_crime" in f:
        m *= f["family_crime"]
    if care_now and "care" in f:
        m *= f["care"]
    if "hub" in f and AREA_BY_CODE[child.address_at(t).area].role == "exporting":
        m *= f["hub"]
    if "latent" in f:
        m *= math.exp(f["latent"] * child.latent - f["latent"] ** 2 / 2)
    return m


def background(
    rng: random.Random, child: Child, start: float, end: float, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Background contacts for every child: the overlap that makes exploited children hard to see."""
    occs: list[Occ] = []
    adult_at = child.dob + 18 * DAYS_PER_YEAR
    y0 = start
    while y0 < end:
        y1 = min(y0 + DAYS_PER_YEAR, end)
        a, b = max(y0, child.dob), min(y1, adult_at)
        if b > a:
            _year(rng, child, a, b, care, params, occs)
        y0 = y1
    return occs


def _year(
    rng: random.Random, child: Child, a: float, b: float, care: list[CarePeriod], params: Parameters, occs: list[Occ]
) -> None:
    """One child-year of background contacts (hurdle: any at all, then how many more)."""
    frac = (b - a) / DAYS_PER_YEAR
    mid = (a + b) / 2
    age = min(17, int(child.age_at(mid)))
    in_care_iv = _care_intervals(care, a, b)
    care_frac = sum(hi - lo for lo, hi in in_care_iv) / (b - a)
    for kind, spec in params.signals.items():
        curve = spec.age_curve[age]
        if curve <= 0.0:
            continue
        if kind == "missing_care":
            if care_frac <= 0.0:
                continue
            share, intervals = care_frac, in_care_iv
        elif kind == "missing_home":
            share, intervals = 1.0 - care_frac, _complement(in_care_iv, a, b)
            if share <= 0.0:
                continue
        else:
            share, intervals = 1.0, [(a, b)]
        p = min(0.9, spec.p_any * curve * _factor(spec, child, mid, care_frac > 0.5)) * frac * share
        if rng.random() >= p:
            continue
        n = 1 + negbin(rng, spec.extra_mean * frac * share, spec.extra_k)
        for _ in range(n):
            t = _uniform_in(rng, intervals)
            occs.append(Occ("missing" if kind.startswith("missing") else kind, t, False, child.address_at(t).area))


def exploitation(
    rng: random.Random,
    child: Child,
    traj: Trajectory,
    start: float,
    end: float,
    care: list[CarePeriod],
    params: Parameters,
) -> list[Occ]:
    """Contacts caused by exploitation, stage by stage; many are never recorded (hidden harm)."""
    ex = params.exploitation
    occs: list[Occ] = []
    for si, (_, s, e) in enumerate(traj.stages):
        lo, hi = max(s, start), min(e, end)
        if hi <= lo:
            continue
        months = (hi - lo) / DAYS_PER_MONTH
        for kind, spec in params.signals.items():
            rate = spec.stage_rate[si]
            if rate <= 0.0 or kind == "referral":
                continue
            if kind == "missing_care":
                continue  # one missing process: its rate and recording depend on care status at the time
            mult = 1.0
            if child.sex == "F":
                mult *= ex.girl_police_mult if kind in POLICE_KINDS else 1.0
            for _ in range(poisson(rng, rate * months * mult)):
                t = rng.uniform(lo, hi)
                age = child.age_at(t)
                if spec.age_curve[min(17, int(age))] <= 0.0 and kind not in ("missing_home", "health"):
                    continue
                name = "missing" if kind == "missing_home" else kind
                record = spec.record_cce
                if name == "missing" and in_care(care, t) is not None:
                    record = params.signals["missing_care"].record_cce
                    if rng.random() < 0.5:  # care episodes run at the care rate, about double
                        occs.append(_occ(rng, name, t, child, traj, record, age, params))
                occs.append(_occ(rng, name, t, child, traj, record, age, params))
    return occs


def _occ(
    rng: random.Random,
    kind: str,
    t: float,
    child: Child,
    traj: Trajectory,
    record: float,
    age: float,
    params: Parameters,
) -> Occ:
    """An exploitation-caused occurrence, placed where the child was working and maybe unrecorded."""
    if age < 10:
        record *= params.exploitation.under10_record_mult
    home = child.address_at(t).area
    where = (
        traj.where(t, home)
        if kind not in ("suspension", "permanent_exclusion", "part_time", "school_concern")
        else home
    )
    if where != home and rng.random() < 0.35:
        where = home
    return Occ(kind, t, True, where, recorded=rng.random() < record)
