"""Noisy person records with known truth, for linkage tests and benchmarks (never real data, no download)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

FORENAMES = {
    "M": ("oliver", "jack", "harry", "george", "charlie", "jacob", "thomas", "william", "james", "joshua", "alfie",
          "joseph", "samuel", "daniel", "jayden", "kai", "callum", "connor", "ryan", "lewis", "kieran", "nathan",
          "mohammed", "ibrahim", "yusuf", "omar", "hamza", "tyrese", "kwame", "elijah", "emmanuel", "michael",
          "matthew", "christopher", "benjamin", "alexander", "tyler", "reece", "bradley", "dylan", "mason", "leo"),
    "F": ("olivia", "amelia", "isla", "ava", "mia", "lily", "isabella", "sophia", "grace", "freya", "emily",
          "chloe", "jessica", "ruby", "megan", "lauren", "jade", "courtney", "leah", "paige", "aisha", "fatima",
          "maryam", "zara", "amara", "precious", "blessing", "abigail", "shanice", "tiana", "bethany", "rebecca",
          "charlotte", "elizabeth", "victoria", "katie", "shannon", "niamh", "amber", "zoe"),
}
SURNAMES = ("smith", "jones", "williams", "taylor", "brown", "davies", "evans", "wilson", "thomas", "johnson",
            "roberts", "robinson", "thompson", "wright", "walker", "white", "edwards", "hughes", "green", "hall",
            "lewis", "harris", "clarke", "patel", "jackson", "wood", "turner", "martin", "cooper", "hill", "ward",
            "morris", "moore", "clark", "lee", "king", "baker", "khan", "ali", "hussain", "ahmed", "begum",
            "mensah", "okafor", "adeyemi", "boateng", "osei", "campbell", "francis", "grant", "kowalski", "nowak",
            "obrien", "mcdonald", "singh", "kaur", "murphy", "kelly", "mitchell", "carter", "bennett", "price")
SHORT = {"thomas": "tom", "william": "will", "james": "jamie", "joshua": "josh", "joseph": "joe", "samuel": "sam",
         "daniel": "danny", "jayden": "jay", "callum": "cal", "matthew": "matt", "christopher": "chris",
         "benjamin": "ben", "alexander": "alex", "mohammed": "mo", "michael": "mikey", "oliver": "ollie",
         "jessica": "jess", "rebecca": "becky", "elizabeth": "lizzie", "victoria": "vicky", "isabella": "bella",
         "charlotte": "lottie", "bradley": "brad", "nathan": "nate", "emmanuel": "manny", "jacob": "jake"}
ETHNICITIES = ("WBRI", "WBRI", "WBRI", "WOTH", "AOTH", "APKN", "BAFR", "BCRB", "MWBC", "OOTH")
SOURCES = ("POL-E23000014", "CSC-E08000025", "EDU-E08000025", "HLT-E08000025", "YJS-E08000025")
_UNIT = "ABDEFGHJLNPQRSTUWXYZ"
DISTRICTS = tuple(f"B{n}" for n in range(1, 40)) + tuple(f"WV{n}" for n in range(1, 15)) + ("DY1", "WS2")


@dataclass
class World:
    """Records in the link-file canonical columns, and the true child of each record."""

    records: list[dict[str, Any]]
    truth: dict[str, str]
    children: dict[str, dict[str, Any]]


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip inside a word."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return rng.choice((text[:i] + text[i + 1:], text[:i] + text[i] + text[i:],
                       text[:i - 1] + text[i] + text[i - 1] + text[i + 1:],
                       text[:i] + rng.choice("aeioulnrst") + text[i + 1:]))


def _zipf(rng: random.Random, pool: tuple[str, ...], invented: float) -> str:
    """Common names collide, as in real data (weight 1/rank); the rest are rarer names built from syllables."""
    if rng.random() < invented:
        return "".join(rng.choice(_SYLLABLES[part]) for part in range(3)).strip()
    return rng.choices(pool, cum_weights=_cumulative(len(pool)))[0]


_SYLLABLES = (("ash", "bar", "cal", "dar", "el", "fen", "gar", "hal", "ken", "lor", "mar", "nor", "os", "pen", "ros",
               "sel", "tam", "war", "yar", "zan", "bro", "che", "dun", "fal", "hol", "mor", "rad", "sto", "wil"),
              ("a", "e", "i", "o", "", "an", "en", "in", "ar", "el"),
              ("by", "ton", "ley", "worth", "well", "ford", "field", "wood", "more", "son", "ridge", "dale", "kin",
               "ick", "ett", "ham", "stead", "ow", "i", "a", "ah", "el", " "))


def _cumulative(size: int) -> list[float]:
    """Cumulative Zipf weights for a pool of `size` names."""
    total, out = 0.0, []
    for rank in range(1, size + 1):
        total += 1 / rank
        out.append(total)
    return out


def _child(rng: random.Random, number: int) -> dict[str, Any]:
    """One true child."""
    sex = rng.choice("MF")
    last = _zipf(rng, SURNAMES, 0.6)
    if rng.random() < 0.05:
        last = f"{last}-{_zipf(rng, SURNAMES, 0.6)}"
    district = rng.choice(DISTRICTS)
    born = date(2006, 1, 1) + timedelta(days=rng.randrange(0, 365 * 12))
    return {"child_id": f"C{number}", "sex": sex, "first": _zipf(rng, FORENAMES[sex], 0.3), "last": last, "dob": born,
            "ethnicity": rng.choice(ETHNICITIES),
            "postcode": f"{district} {rng.randrange(1, 10)}{rng.choice(_UNIT)}{rng.choice(_UNIT)}",
            "upn": f"A{number:012d}", "nhs": f"9{number:09d}"}


def _record(rng: random.Random, child: dict[str, Any], record_id: str, noise: float) -> dict[str, Any]:
    """How one agency wrote the child down, with realistic mistakes at rate `noise`."""
    first, last, born = child["first"], child["last"], child["dob"]
    if rng.random() < noise and first in SHORT:
        first = SHORT[first]
    if rng.random() < noise / 2:
        first = _typo(rng, first) if rng.random() < 0.5 else first
        last = _typo(rng, last) if rng.random() < 0.5 else last
    if "-" in last and rng.random() < 0.4:
        last = rng.choice(last.split("-"))
    if rng.random() < noise / 5:
        first, last = last, first
    dob: str | None = born.isoformat()
    roll = rng.random()
    if roll < noise / 4 and born.day <= 12 and born.day != born.month:
        dob = born.replace(day=born.month, month=born.day).isoformat()
    elif roll < noise / 2:
        dob = (born + timedelta(days=rng.choice((-1, 1, 10, -365, 365)))).isoformat()
    elif roll < noise / 2 + noise / 5:
        dob = None
    source = rng.choice(SOURCES)
    kind = source[:3]
    return {
        "record_id": record_id, "source": source, "first_name": first.title(), "last_name": last.upper(),
        "dob": dob, "sex": child["sex"] if rng.random() > noise / 5 else "",
        "postcode": child["postcode"] if rng.random() > noise else rng.choice(("", f"{rng.choice(DISTRICTS)} 1AA")),
        "upn": child["upn"] if kind == "EDU" and rng.random() < 0.9 else None,
        "nhs_number": child["nhs"] if kind == "HLT" and rng.random() < 0.9 else None,
        "police_person_id": f"WM{child['child_id']}" if kind == "POL" and rng.random() < 0.5 else None,
        "ethnicity": child["ethnicity"],
    }


def world(*, children: int, records_per_child: float = 3.0, noise: float = 0.15, seed: int = 1) -> World:
    """A reproducible noisy world: `children` true children with on average `records_per_child` records."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    people: dict[str, dict[str, Any]] = {}
    for number in range(children):
        child = _child(rng, number)
        people[child["child_id"]] = {"sex": child["sex"], "dob": child["dob"], "ethnicity": child["ethnicity"]}
        for _ in range(1 + min(int(rng.expovariate(1 / max(records_per_child - 1, 0.01))), 12)):
            record_id = f"R{len(records)}"
            records.append(_record(rng, child, record_id, noise))
            truth[record_id] = child["child_id"]
    return World(records=records, truth=truth, children=people)
