"""Children: who they are, where they live over time, and their vulnerabilities."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from reachable.simulate.areas import AREAS, Area, random_postcode
from reachable.simulate.names import FEMALE, MALE, SURNAMES
from reachable.simulate.parameters import Parameters
from reachable.simulate.rand import DAYS_PER_YEAR, zipf_choice

# DfE ethnicity codes by area mix; the name pool a code draws from.
ETHNIC_MIX: dict[str, dict[str, float]] = {
    "urban_diverse": {
        "WBRI": 0.40,
        "WOTH": 0.05,
        "APKN": 0.2,
        "ABAN": 0.04,
        "AIND": 0.04,
        "AOTH": 0.05,
        "BCRB": 0.03,
        "BAFR": 0.06,
        "BOTH": 0.01,
        "MWBC": 0.04,
        "MWBA": 0.01,
        "MWAS": 0.01,
        "MOTH": 0.02,
        "OOTH": 0.02,
        "CHNE": 0.01,
        "NOBT": 0.01,
    },
    "london": {
        "WBRI": 0.28,
        "WOTH": 0.15,
        "WIRI": 0.02,
        "BAFR": 0.14,
        "BCRB": 0.10,
        "BOTH": 0.03,
        "MWBC": 0.07,
        "MWBA": 0.03,
        "MOTH": 0.05,
        "AIND": 0.02,
        "ABAN": 0.03,
        "AOTH": 0.02,
        "OOTH": 0.04,
        "NOBT": 0.02,
    },
    "rural": {
        "WBRI": 0.88,
        "WOTH": 0.05,
        "MWBC": 0.01,
        "MOTH": 0.02,
        "AIND": 0.01,
        "AOTH": 0.01,
        "BAFR": 0.01,
        "OOTH": 0.005,
        "NOBT": 0.005,
    },
    "town": {
        "WBRI": 0.82,
        "WOTH": 0.06,
        "MWBC": 0.02,
        "MOTH": 0.03,
        "APKN": 0.02,
        "AIND": 0.02,
        "BAFR": 0.01,
        "BCRB": 0.01,
        "OOTH": 0.005,
        "NOBT": 0.005,
    },
}


def name_group(ethnicity: str, rng: random.Random) -> str:
    """Which name pool a child of this ethnicity draws from (mixed heritage draws from either)."""
    if ethnicity.startswith("A"):
        return "asian"
    if ethnicity.startswith("B"):
        return "black"
    if ethnicity in ("MWBC", "MWBA"):
        return "black" if rng.random() < 0.4 else "white"
    if ethnicity == "MWAS":
        return "asian" if rng.random() < 0.4 else "white"
    return "white"


@dataclass(slots=True)
class Address:
    """An address period: from a time, in an area, at a postcode."""

    start: float
    area: str
    postcode: str


@dataclass(slots=True)
class Child:
    """One simulated child; times are fractional ordinal days."""

    index: int
    child_id: str
    sex: str
    dob: float
    ethnicity: str
    forename: str
    middle: str
    surname: str
    second_surname: str
    surname_changed_at: float | None
    poverty: bool
    sen: str
    family_crime: bool
    latent: float
    uasc: bool
    addresses: list[Address] = field(default_factory=list)

    def age_at(self, t: float) -> float:
        """Age in (fractional) years at time t."""
        return (t - self.dob) / DAYS_PER_YEAR

    def address_at(self, t: float) -> Address:
        """The home address at time t (the first known one before the window)."""
        current = self.addresses[0]
        for a in self.addresses:
            if a.start <= t:
                current = a
            else:
                break
        return current

    def surname_at(self, t: float) -> str:
        """The legal surname in use at time t (after a change, the new family name)."""
        if self.surname_changed_at is not None and t >= self.surname_changed_at:
            return self.second_surname
        return self.surname


_AREA_WEIGHTS = {a.code: a.children_weight for a in AREAS}


def choose_home(rng: random.Random) -> Area:
    """A home council in proportion to its child population."""
    total = sum(_AREA_WEIGHTS.values())
    x = rng.random() * total
    for area in AREAS:
        x -= area.children_weight
        if x < 0:
            return area
    return AREAS[-1]


def make_child(rng: random.Random, index: int, start: float, end: float, params: Parameters) -> Child:
    """Draw one child alive and under 18 at some point in [start, end]."""
    pop = params.population
    area = choose_home(rng)
    sex = "M" if rng.random() < pop.male_share else "F"
    # Birth dates spread so every child is 0-17 for part of the window (children age in and out).
    dob = rng.uniform(start - 18 * DAYS_PER_YEAR + 1, end - 1)
    dob = float(int(dob))
    mix = ETHNIC_MIX[area.ethnic_mix]
    x, ethnicity = rng.random() * sum(mix.values()), "WBRI"
    for code, w in mix.items():
        x -= w
        if x < 0:
            ethnicity = code
            break
    group = name_group(ethnicity, rng)
    pool = MALE if sex == "M" else FEMALE
    forename = zipf_choice(rng, pool[group])
    middle = zipf_choice(rng, pool[name_group(ethnicity, rng)]) if rng.random() < pop.middle_name_share else ""
    surname = zipf_choice(rng, SURNAMES[group], 0.7)
    second = zipf_choice(rng, SURNAMES[name_group(ethnicity, rng)], 0.7)
    if rng.random() < pop.double_barrelled_share and second != surname:
        surname = f"{surname}-{second}"
    changed_at = None
    if rng.random() < pop.surname_change_per_year * (end - start) / DAYS_PER_YEAR:
        changed_at = rng.uniform(max(start, dob + 365), end)
    poverty = rng.random() < area.poverty_rate
    sen_p = pop.sen_share * (2 * (pop.sen_male_ratio if sex == "M" else 1.0) / (1 + pop.sen_male_ratio))
    sen = "N"
    if rng.random() < sen_p:
        sen = "E" if rng.random() < pop.ehcp_share_of_sen else "K"
    fam_p = pop.family_crime_share * (pop.family_crime_poverty_mult if poverty else 1.0)
    child = Child(
        index=index,
        child_id=f"C{index:08d}",
        sex=sex,
        dob=dob,
        ethnicity=ethnicity,
        forename=forename,
        middle=middle,
        surname=surname,
        second_surname=second,
        surname_changed_at=changed_at,
        poverty=poverty,
        sen=sen,
        family_crime=rng.random() < fam_p,
        latent=rng.gauss(0.0, 1.0),
        uasc=rng.random() < pop.uasc_share,
    )
    child.addresses.append(Address(min(dob, start), area.code, random_postcode(rng, area)))
    _moves(rng, child, start, end, params)
    return child


def _moves(rng: random.Random, child: Child, start: float, end: float, params: Parameters) -> None:
    """Address moves during the window; a few cross council boundaries (children move between areas)."""
    pop = params.population
    t = max(start, child.dob)
    while True:
        t += rng.expovariate(pop.move_home_per_year) * DAYS_PER_YEAR
        if t >= end or child.age_at(t) >= 18:
            return
        current = child.addresses[-1]
        area_code = current.area
        if rng.random() < pop.move_area_share:
            area_code = choose_home(rng).code
        area = next(a for a in AREAS if a.code == area_code)
        child.addresses.append(Address(float(int(t)), area.code, random_postcode(rng, area)))
