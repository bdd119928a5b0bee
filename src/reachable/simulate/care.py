"""Looked-after periods and placements (SSDA903 episodes): who comes into care, where they are placed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from reachable.simulate.areas import AREA_BY_CODE, AREAS, random_postcode
from reachable.simulate.parameters import Parameters
from reachable.simulate.people import Child
from reachable.simulate.rand import DAYS_PER_YEAR, pick


@dataclass(slots=True)
class Placement:
    """One placement within a care period (an SSDA903 episode when combined with a legal status)."""

    start: float
    place: str
    provider: str
    area: str
    postcode: str
    urn: str
    change_reason: str = ""


@dataclass(slots=True)
class CarePeriod:
    """A continuous period looked after; `end` may lie after the window (still looked after)."""

    start: float
    end: float
    legal_status: str
    reason_ceased: str
    cce_entry: bool = False
    placements: list[Placement] = field(default_factory=list)

    def placement_at(self, t: float) -> Placement:
        """The placement in force at time t."""
        current = self.placements[0]
        for p in self.placements:
            if p.start <= t:
                current = p
        return current


def in_care(periods: list[CarePeriod], t: float) -> CarePeriod | None:
    """The care period covering time t, if any."""
    for p in periods:
        if p.start <= t < p.end:
            return p
    return None


def care_periods(rng: random.Random, child: Child, start: float, end: float, params: Parameters) -> list[CarePeriod]:
    """Care periods overlapping the window: some children already in care, others entering during it."""
    care = params.care
    mult = 1.0
    for key, m in care.risk_mult.items():
        if (key == "poverty" and child.poverty) or (key == "family_crime" and child.family_crime):
            mult *= m
    mult /= 1.0 + 0.3 * (care.risk_mult.get("poverty", 1) - 1)  # keep the population average on target
    if child.uasc:
        mult *= 40.0
    adult_at = child.dob + 18 * DAYS_PER_YEAR
    periods: list[CarePeriod] = []
    age0 = child.age_at(start)
    t = start
    if 0 <= age0 < 18 and rng.random() < care.in_care_at_start[int(age0)] * mult:
        began = max(child.dob, start - rng.uniform(0.0, 4.0) * DAYS_PER_YEAR)
        periods.append(_period(rng, child, began, start, adult_at, params, False))
        t = periods[-1].end
    while t < min(end, adult_at):
        seg_end = min(t + DAYS_PER_YEAR, end, adult_at)
        age = max(0.0, child.age_at(t))
        p = care.start_per_year[min(int(age), 17)] * mult * (seg_end - t) / DAYS_PER_YEAR
        if child.age_at(t) >= 0 and rng.random() < p:
            began = rng.uniform(max(t, child.dob), seg_end)
            periods.append(_period(rng, child, began, began, adult_at, params, False))
            t = periods[-1].end + 30
        else:
            t = seg_end
    return periods


def add_cce_period(rng: random.Random, child: Child, periods: list[CarePeriod], t: float, params: Parameters) -> None:
    """Accommodate an exploited child at time t unless already looked after then or later."""
    if any(p.end > t - 30 for p in periods):
        return
    adult_at = child.dob + 18 * DAYS_PER_YEAR
    if t >= adult_at:
        return
    periods.append(_period(rng, child, t, t, adult_at, params, True))


def _period(
    rng: random.Random, child: Child, began: float, not_before: float, adult_at: float, params: Parameters, cce: bool
) -> CarePeriod:
    """One care period with its legal status, placements and reason ceased."""
    care = params.care
    age = child.age_at(began)
    end = max(not_before + 1, began + rng.expovariate(care.leave_per_year) * DAYS_PER_YEAR)
    if cce:
        ls = pick(rng, {"V2": 0.5, "J1": 0.2, "C1": 0.25, "L1": 0.05})
    elif age < 1:
        ls = pick(rng, {"C1": 0.5, "V2": 0.3, "E1": 0.1, "L2": 0.1})
    elif age >= 13:
        ls = pick(rng, {"V2": 0.45, "C2": 0.3, "C1": 0.15, "J1": 0.04, "L1": 0.06})
    else:
        ls = pick(rng, {"C2": 0.5, "C1": 0.25, "V2": 0.2, "L1": 0.05})
    if end >= adult_at:
        end, rec = adult_at, pick(rng, {"E17": 0.3, "E5": 0.35, "E6": 0.15, "E8": 0.2})
    elif age < 5:
        rec = pick(rng, {"E11": 0.35, "E45": 0.25, "E4A": 0.3, "E41": 0.1})
    else:
        rec = pick(
            rng, {"E4A": 0.45, "E4B": 0.15, "E13": 0.1, "E45": 0.1, "E8": 0.08, "E9": 0.04, "E14": 0.04, "E3": 0.04}
        )
    period = CarePeriod(began, end, ls, rec, cce)
    t = began
    while t < end:
        period.placements.append(_placement(rng, child, t, params))
        t += rng.expovariate(care.placement_moves_per_year * (1.8 if age >= 12 else 1.0)) * DAYS_PER_YEAR
        if t < end:
            period.placements[-1].change_reason = pick(
                rng,
                {
                    "CARPL": 0.35,
                    "CREQB": 0.15,
                    "CREQO": 0.1,
                    "CHILD": 0.1,
                    "LAREQ": 0.1,
                    "CLOSE": 0.05,
                    "ALLEG": 0.03,
                    "STAND": 0.02,
                    "CUSTOD": 0.03,
                    "OTHER": 0.07,
                },
            )
    return period


def _placement(rng: random.Random, child: Child, t: float, params: Parameters) -> Placement:
    """A placement: foster care for most, children's homes and supported accommodation for teenagers."""
    age = child.age_at(t)
    home = child.address_at(t).area
    if age < 12:
        place = pick(rng, {"U4": 0.1, "U6": 0.55, "U3": 0.2, "U1": 0.05, "P1": 0.05, "K2": 0.05})
    elif age < 16:
        place = pick(rng, {"U6": 0.5, "U3": 0.12, "K2": 0.25, "P1": 0.05, "R1": 0.03, "K1": 0.02, "S1": 0.03})
    else:
        place = pick(
            rng, {"U6": 0.35, "U3": 0.08, "K2": 0.2, "K3": 0.25, "P1": 0.04, "R5": 0.03, "K1": 0.02, "S1": 0.03}
        )
    if place in ("K2", "K3", "R1"):
        provider = pick(rng, {"PR4": 0.8, "PR1": 0.15, "PR5": 0.05})
    elif place == "P1":
        provider = "PR0"
    else:
        provider = pick(rng, {"PR1": 0.55, "PR4": 0.4, "PR5": 0.05})
    out_share = params.care.out_of_area_share * (1.5 if place in ("K2", "K3", "K1", "S1", "R5") else 0.8)
    area = home
    if rng.random() < out_share:
        area = rng.choice([a.code for a in AREAS if a.code != home])
    urn = f"SC{rng.randrange(10**6):06d}" if provider in ("PR4", "PR5") or place.startswith("K") else "XXXXXXX"
    return Placement(t, place, provider, area, random_postcode(rng, AREA_BY_CODE[area]), urn)
