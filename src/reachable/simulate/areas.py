"""The simulated world's places: real ONS council and police force codes, real postcode districts."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Inward-code letters never used by Royal Mail (C, I, K, M, O, V), so every postcode we emit is well formed.
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Force:
    """A territorial police force: ONS force-area code, name and the prefix of its local person ids."""

    code: str
    name: str
    id_prefix: str


@dataclass(frozen=True, slots=True)
class Area:
    """A council area in the world, with everything the simulator needs to place a child there."""

    code: str
    name: str
    country: str
    force: Force
    dfe_la: str
    role: str
    children_weight: float
    poverty_rate: float
    ethnic_mix: str
    districts: tuple[str, ...]

    @property
    def welsh(self) -> bool:
        """Whether the council is Welsh (no DfE CIN census or English SSDA903 return)."""
        return self.country == "Wales"


MET = Force("E23000001", "Metropolitan Police Service", "MP")
WMP = Force("E23000014", "West Midlands Police", "WM")
WMERCIA = Force("E23000016", "West Mercia Police", "WR")
NORFOLK = Force("E23000024", "Norfolk Constabulary", "NF")
DEVON = Force("E23000035", "Devon and Cornwall Police", "DC")
NWALES = Force("W15000001", "North Wales Police", "NW")
DPP = Force("W15000004", "Dyfed-Powys Police", "DP")

# Child populations (0-17, thousands, ONS mid-year estimates rounded) weight where children live;
# poverty is the share eligible for free school meals (DfE schools census, rounded).
# Districts are real postcode districts inside (or mostly inside) each council.
AREAS: tuple[Area, ...] = (
    Area(
        "E08000025",
        "Birmingham",
        "England",
        WMP,
        "330",
        "exporting",
        290.0,
        0.38,
        "urban_diverse",
        tuple(f"B{n}" for n in (*range(1, 22), 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 38, 42, 44, 45)),
    ),
    Area(
        "E09000022",
        "Lambeth",
        "England",
        MET,
        "208",
        "exporting",
        55.0,
        0.35,
        "london",
        ("SE1", "SE5", "SE11", "SE21", "SE24", "SE27", "SW2", "SW4", "SW8", "SW9", "SW12", "SW16"),
    ),
    Area(
        "E06000051",
        "Shropshire",
        "England",
        WMERCIA,
        "893",
        "importing",
        60.0,
        0.17,
        "rural",
        ("SY1", "SY2", "SY3", "SY4", "SY5", "SY6", "SY7", "SY8", "SY11", "SY12", "SY13", "TF9", "WV16"),
    ),
    Area(
        "E06000020",
        "Telford and Wrekin",
        "England",
        WMERCIA,
        "894",
        "importing",
        40.0,
        0.27,
        "town",
        ("TF1", "TF2", "TF3", "TF4", "TF5", "TF6", "TF7", "TF10"),
    ),
    Area(
        "E10000020",
        "Norfolk",
        "England",
        NORFOLK,
        "926",
        "importing",
        175.0,
        0.22,
        "rural",
        (
            *tuple(
                f"NR{n}"
                for n in (*range(1, 32),)
            ),
            "PE30",
            "PE31",
            "PE32",
            "PE33",
            "PE34",
            "PE37",
            "PE38",
            "IP24",
            "IP25",
        ),
    ),
    Area(
        "E10000008",
        "Devon",
        "England",
        DEVON,
        "878",
        "importing",
        150.0,
        0.18,
        "rural",
        (
            *tuple(
                f"EX{n}"
                for n in (*range(1, 25), *range(31, 40),)
            ),
            "TQ7",
            "TQ9",
            "TQ10",
            "TQ11",
            "TQ12",
            "TQ13",
            "PL19",
            "PL20",
            "PL21",
        ),
    ),
    Area(
        "W06000023",
        "Powys",
        "Wales",
        DPP,
        "666",
        "importing",
        23.0,
        0.17,
        "rural",
        (
            "LD1",
            "LD2",
            "LD3",
            "LD4",
            "LD5",
            "LD6",
            "LD7",
            "LD8",
            "SY15",
            "SY16",
            "SY17",
            "SY18",
            "SY19",
            "SY20",
            "SY21",
            "SY22",
            "NP8",
        ),
    ),
    Area(
        "W06000006",
        "Wrexham",
        "Wales",
        NWALES,
        "665",
        "importing",
        28.0,
        0.22,
        "town",
        ("LL11", "LL12", "LL13", "LL14"),
    ),
)

AREA_BY_CODE: dict[str, Area] = {a.code: a for a in AREAS}
FORCES: tuple[Force, ...] = tuple(dict.fromkeys(a.force for a in AREAS))
HUBS: tuple[Area, ...] = tuple(a for a in AREAS if a.role == "exporting")
IMPORTERS: tuple[Area, ...] = tuple(a for a in AREAS if a.role == "importing")

# Which council a postcode district belongs to, so a postcode reveals its area.
DISTRICT_AREA: dict[str, str] = {d: a.code for a in AREAS for d in a.districts}

# Rough straight-line distances (miles) between council centres, for placement distance fields.
_CENTRES: dict[str, tuple[float, float]] = {
    "E08000025": (406.0, 286.0),
    "E09000022": (530.0, 176.0),
    "E06000051": (349.0, 306.0),
    "E06000020": (369.0, 310.0),
    "E10000020": (618.0, 310.0),
    "E10000008": (286.0, 95.0),
    "W06000023": (305.0, 265.0),
    "W06000006": (333.0, 350.0),
}


def distance_miles(a: str, b: str) -> float:
    """Approximate straight-line distance between two council centres in miles (OS grid, km / 1.6093)."""
    (ea, na), (eb, nb) = _CENTRES[a], _CENTRES[b]
    return round(float(((ea - eb) ** 2 + (na - nb) ** 2) ** 0.5) / 1.6093, 1)


def random_postcode(rng: random.Random, area: Area) -> str:
    """A well-formed synthetic postcode in a real district of the area (unit letters are invented)."""
    district = rng.choice(area.districts)
    letters = _INWARD_LETTERS
    return f"{district} {rng.randrange(10)}{letters[rng.randrange(20)]}{letters[rng.randrange(20)]}"


def area_of_postcode(postcode: str) -> str | None:
    """The council code a postcode's district belongs to in this world, if any."""
    return DISTRICT_AREA.get(postcode.split(" ")[0].upper())
