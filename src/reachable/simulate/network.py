"""The exploiting network: groups, deal lines that move between areas, adults, trap houses and places."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from reachable.simulate.areas import AREA_BY_CODE, AREAS, HUBS, IMPORTERS, Area, random_postcode
from reachable.simulate.names import MALE, SURNAMES
from reachable.simulate.parameters import Parameters
from reachable.simulate.rand import DAYS_PER_YEAR, child_rng, zipf_choice

BRANDS = (
    "Jay",
    "Tiny",
    "Mitch",
    "Bando",
    "Kenny",
    "Dee",
    "Ace",
    "Smokey",
    "Rico",
    "Benz",
    "Milly",
    "Zee",
    "Blade",
    "Snoop",
    "Vic",
    "Tee",
    "Gucci",
    "Chubbs",
    "Nando",
    "Scrappy",
    "Deano",
    "Flex",
    "Lucky",
    "Bossman",
    "Rambo",
    "Sonic",
    "Ghost",
    "Ice",
    "Jokes",
    "Dotty",
)
PLACE_KINDS = ("park", "takeaway", "station", "hotel", "estate_stairwell", "car_park")
_PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"


@dataclass(slots=True)
class Adult:
    """An adult in a group: elder, recruiter or runner; young adults are often former exploited children."""

    adult_id: str
    index: int
    group_id: str
    role: str
    forename: str
    surname: str
    dob: float
    area: str
    vehicle: str


@dataclass(slots=True)
class Place:
    """A place the group uses: a cuckooed trap house in the market, or a hang-out where children are met."""

    place_id: str
    kind: str
    area: str
    postcode: str
    group_id: str


@dataclass(slots=True)
class Line:
    """A deal line: brand and phone number, run by a group, moving between importing areas over time."""

    line_id: str
    group_id: str
    brand: str
    phone: str
    base_area: str
    schedule: list[tuple[float, str]] = field(default_factory=list)

    def market_at(self, t: float) -> str:
        """The importing area the line supplies at time t."""
        current = self.schedule[0][1]
        for start, area in self.schedule:
            if start <= t:
                current = area
        return current


@dataclass(slots=True)
class Group:
    """An exploiting group: county-lines (based in an exporting city) or local (dealing where it lives)."""

    group_id: str
    kind: str
    base_area: str
    lines: list[Line] = field(default_factory=list)
    adults: list[Adult] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)


@dataclass(slots=True)
class Network:
    """All groups, and indexes to find the ones that can reach a child's area."""

    groups: list[Group]
    by_base: dict[str, list[Group]]
    lines: list[Line]

    def lines_into(self, area: str, t: float) -> list[Line]:
        """County lines supplying an area at time t."""
        return [ln for ln in self.lines if ln.market_at(t) == area]


def _children_in(area: Area, children: int) -> float:
    """Expected number of simulated children living in an area."""
    total = sum(a.children_weight for a in AREAS)
    return children * area.children_weight / total


def build_network(seed: int, children: int, start: float, end: float, params: Parameters) -> Network:
    """Build the network deterministically from the seed and world size."""
    ex = params.exploitation
    rng = child_rng(seed, 0, "network")
    groups: list[Group] = []
    lines: list[Line] = []
    n_adults = 0
    for area in AREAS:
        if area.role == "exporting":
            count = max(1, round(_children_in(area, children) / 100_000 * ex.groups_per_100k_hub_children))
            kind = "county_lines"
        else:
            count = max(1, round(_children_in(area, children) / 100_000 * ex.local_groups_per_100k_importing_children))
            kind = "local"
        for _ in range(count):
            group = Group(f"G{len(groups) + 1:04d}", kind, area.code)
            if kind == "county_lines":
                for _ in range(rng.randint(*ex.lines_per_group)):
                    lines.append(_make_line(rng, group, len(lines), start, end, params))
                    group.lines.append(lines[-1])
            for _ in range(rng.randint(3, 8)):
                group.adults.append(_make_adult(rng, group, n_adults, start))
                n_adults += 1
            _add_places(rng, group)
            groups.append(group)
    by_base: dict[str, list[Group]] = {}
    for g in groups:
        by_base.setdefault(g.base_area, []).append(g)
    return Network(groups, by_base, lines)


def _make_line(rng: random.Random, group: Group, n: int, start: float, end: float, params: Parameters) -> Line:
    """A line with an Ofcom drama-range number (07700 900xxx), moving market every few years."""
    brand = f"{BRANDS[n % len(BRANDS)]}{'' if n < len(BRANDS) else n // len(BRANDS) + 1}"
    line = Line(f"L{n + 1:04d}", group.group_id, brand, f"07700 900{(n * 379) % 1000:03d}", group.base_area)
    t = start - 3 * DAYS_PER_YEAR
    line.schedule.append((t, rng.choice(IMPORTERS).code))
    while True:
        t += rng.expovariate(params.exploitation.line_move_per_year) * DAYS_PER_YEAR
        if t >= end:
            return line
        options = [a.code for a in IMPORTERS if a.code != line.schedule[-1][1]]
        line.schedule.append((float(int(t)), rng.choice(options)))


def _make_adult(rng: random.Random, group: Group, n: int, start: float) -> Adult:
    """An adult member; most are young men, their age set by role."""
    role = rng.choice(("elder", "recruiter", "runner", "runner"))
    age = {"elder": rng.uniform(24, 40), "recruiter": rng.uniform(18, 26), "runner": rng.uniform(18, 23)}[role]
    plate = "".join(rng.choice(_PLATE_LETTERS) for _ in range(2))
    plate += f"{rng.randrange(10, 75)} " + "".join(rng.choice(_PLATE_LETTERS) for _ in range(3))
    return Adult(
        f"A{n + 1:05d}",
        n,
        group.group_id,
        role,
        zipf_choice(rng, MALE["white" if rng.random() < 0.5 else "black"]),
        zipf_choice(rng, SURNAMES["white"], 0.7),
        float(int(start - age * DAYS_PER_YEAR)),
        group.base_area,
        plate,
    )


def _add_places(rng: random.Random, group: Group) -> None:
    """Trap houses in each market the group's lines reach, and hang-outs near its base."""
    markets = {m for ln in group.lines for _, m in ln.schedule} or {group.base_area}
    for m in sorted(markets):
        for _ in range(rng.randint(1, 2)):
            group.places.append(
                Place(
                    f"{group.group_id}-P{len(group.places) + 1}",
                    "trap_house",
                    m,
                    random_postcode(rng, AREA_BY_CODE[m]),
                    group.group_id,
                )
            )
    base = AREA_BY_CODE[group.base_area]
    for _ in range(rng.randint(1, 3)):
        group.places.append(
            Place(
                f"{group.group_id}-P{len(group.places) + 1}",
                rng.choice(PLACE_KINDS),
                base.code,
                random_postcode(rng, base),
                group.group_id,
            )
        )


def hub_for(area: str) -> list[Area]:
    """Exporting areas whose groups recruit children living in `area` (their own city, or any hub)."""
    own = [h for h in HUBS if h.code == area]
    return own or list(HUBS)
