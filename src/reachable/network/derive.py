"""Rules turning events into network entities and links (pure functions; the builder stores the result).

Rule set `network-build-v1`. Every derived link names the rule that made it in its reason. Victim first:
a child's role on a link is never "suspect", whatever role the recording agency gave; adults keep theirs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from reachable.common.dates import age_on

RULESET = "network-build-v1"
POLICE = "police"
SHARED = "shared"

# The place types analysts work with; agency vocabularies are mapped onto these.
PLACE_TYPES = ("home", "trap_house", "school", "pupil_referral_unit", "childrens_home", "foster_home",
               "supported_accommodation", "park", "transport_hub", "business", "public_space", "other")
PLACE_SYNONYMS = {
    "cuckooed": "trap_house", "cuckooed_address": "trap_house", "address_of_concern": "trap_house",
    "station": "transport_hub", "railway_station": "transport_hub", "bus_station": "transport_hub",
    "takeaway": "business", "hotel": "business", "shop": "business", "pru": "pupil_referral_unit",
    "estate_stairwell": "public_space", "car_park": "public_space", "childrens_home": "childrens_home",
}
# The event kinds whose rules below read the payload (the builder decodes no other payload).
PAYLOAD_KINDS = frozenset({"intelligence_report", "missing_found", "placement_change", "school_exclusion",
                           "part_time_timetable"})
INCIDENT_KINDS = {"arrest": "arrested_together", "custody": "arrested_together", "missing_found": "found_together",
                  "missing_reported": "missing_together", "stop_search": "stopped_together"}
PLACE_KINDS = {"missing_found": "found_at", "arrest": "arrested_at", "stop_search": "stopped_at"}
INTEL_KINDS = {"adult": ("adult", "associates_with"), "deal_line": ("line", "linked_to_line"),
               "place": ("place", "seen_at"), "vehicle": ("vehicle", "seen_in_vehicle"),
               "group": ("group", "associated_with_group"), "child": ("child", "associates_with")}
SUBJECT_ROLES = {"adult": "adult_of_concern", "line": "deal_line", "place": "place", "vehicle": "vehicle",
                 "group": "group", "child": "child_at_risk"}
_SOURCE_3X5X2 = {"1": 0.9, "2": 0.6, "3": 0.3}
_INTEL_3X5X2 = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.1}
_SOURCE_5X5X5 = {"A": 0.95, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2}
_INTEL_5X5X5 = {"1": 1.0, "2": 0.8, "3": 0.6, "4": 0.4, "5": 0.2}
UNGRADED = 0.5


class Fact(NamedTuple):
    """One current event as the network sees it: who (resolved), what, when, where and which agency.

    Named tuples, not dataclasses: a rebuild makes one per event and several Derived per event, millions in
    all, and a tuple is built several times faster.
    """

    event_id: int
    kind: str
    occurred_at: datetime
    agency: str
    role: str
    area_code: str | None
    postcode: str | None
    place: str | None
    incident_ref: str | None
    payload: dict[str, Any]
    child_id: int | None
    child_ref: str | None
    dob: date | None
    police_person_id: str | None
    agency_person_id: str
    home_area_code: str | None


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """A node to find or create, identified by its key."""

    key: str
    kind: str
    label: str
    compartment: str = SHARED
    child_id: int | None = None
    place_type: str | None = None
    area_code: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Derived(NamedTuple):
    """One piece of evidence for one link: source entity, target entity, the link's kind and basis."""

    source: EntitySpec
    target: EntitySpec
    kind: str
    source_role: str
    target_role: str
    basis: str
    grading: str | None
    confidence: float
    compartment: str
    event_id: int
    occurred_at: datetime
    area_code: str | None
    reason: str
    link_key: str  # the natural key: one derived link per kind, endpoints and compartment (see `link_key`)


def link_key(kind: str, source: str, target: str, compartment: str) -> str:
    """A unique key for a link, hashed when long place names would overflow the column."""
    text = f"{kind}|{source}|{target}|{compartment}"
    return text if len(text) <= 255 else f"{kind}|h:{hashlib.sha256(text.encode()).hexdigest()}"


@lru_cache(maxsize=4096)
def grading_confidence(grading: str | None) -> float:
    """Confidence from an intelligence grading: 3x5x2 (e.g. 2/B/P) or the older 5x5x5 (e.g. B2)."""
    if not grading:
        return UNGRADED
    text = grading.strip().upper()
    new = re.match(r"^([123])\s*[/ -]?\s*([A-E])\b", text)
    if new:
        return round(_SOURCE_3X5X2[new.group(1)] * _INTEL_3X5X2[new.group(2)], 3)
    old = re.match(r"^([A-E])\s*[/ -]?\s*([1-5])\b", text)
    if old:
        return round(_SOURCE_5X5X5[old.group(1)] * _INTEL_5X5X5[old.group(2)], 3)
    return UNGRADED


def combine_confidence(values: list[float]) -> float:
    """Independent reports corroborate each other (noisy-or); a single fact is certain."""
    remaining = 1.0
    for value in values:
        remaining *= 1.0 - min(value, 1.0)
    return round(1.0 - remaining, 3)


def normalise_place_type(value: str | None) -> str | None:
    """An agency's place type mapped onto the network's vocabulary (unknown types become 'other')."""
    if not value:
        return None
    text = re.sub(r"[^a-z]+", "_", value.lower()).strip("_")
    if text in PLACE_TYPES:
        return text
    return PLACE_SYNONYMS.get(text, "other")


@lru_cache(maxsize=200_000)
def _postcode(value: str | None) -> str | None:
    """A full postcode upper-cased with one space; None for partial ones (an outward code is too coarse)."""
    if not value:
        return None
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}", compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


@lru_cache(maxsize=200_000)
def place_entity(*, postcode: str | None, text: str | None, area_code: str | None,
                 place_type: str | None = None, compartment: str = SHARED) -> EntitySpec | None:
    """A place keyed by full postcode, or by its normalised description when no postcode is known."""
    code = _postcode(postcode)
    if code:
        return EntitySpec(key=f"place:{code}", kind="place", label=text or code, compartment=compartment,
                          place_type=place_type, area_code=area_code)
    if text and text.strip():
        slug = re.sub(r"\s+", " ", text.strip().lower())[:180]
        return EntitySpec(key=f"place:txt:{slug}", kind="place", label=text.strip()[:200], compartment=compartment,
                          place_type=place_type, area_code=area_code)
    return None


def is_adult(fact: Fact) -> bool:
    """An adult if the record's date of birth says 18 or over at the event; unknown age means child."""
    if fact.dob is None or fact.occurred_at.year - fact.dob.year < 18:
        return False  # the common case (a child) without computing an exact age
    return age_on(fact.dob, fact.occurred_at.date()) >= 18


def person_entity(fact: Fact) -> tuple[EntitySpec, str] | None:
    """The person an event is about, and their role on links (never 'suspect' for a child)."""
    if is_adult(fact):
        ident = fact.police_person_id or f"{fact.agency}/{fact.agency_person_id}"
        return (_adult(ident, fact.home_area_code), fact.role if fact.role != "child_at_risk" else "other")
    if fact.child_id is None:
        return None
    role = fact.role if fact.role in ("victim", "witness") else "child_at_risk"
    return _child(fact.child_id, fact.child_ref, fact.home_area_code), role


@lru_cache(maxsize=100_000)
def _adult(ident: str, area_code: str | None) -> EntitySpec:
    """An adult's entity (shared between the events about them: a rebuild sees each person many times)."""
    return EntitySpec(key=f"adult:{ident}", kind="adult", label=f"adult {ident}", area_code=area_code)


@lru_cache(maxsize=100_000)
def _child(child_id: int, reference: str | None, area_code: str | None) -> EntitySpec:
    """A resolved child's entity, labelled by reference (never by name)."""
    return EntitySpec(key=f"child:{child_id}", kind="child", label=reference or f"child {child_id}",
                      child_id=child_id, area_code=area_code)


def _derived(fact: Fact, person: tuple[EntitySpec, str], target: EntitySpec, kind: str, target_role: str,
             reason: str, *, basis: str = "fact", grading: str | None = None, compartment: str = SHARED) -> Derived:
    """One derived link from the event's person to a target."""
    confidence = grading_confidence(grading) if basis == "intelligence" else 1.0
    return Derived(person[0], target, kind, person[1], target_role, basis, grading, confidence, compartment,
                   fact.event_id, fact.occurred_at, fact.area_code, f"{RULESET}: {reason}",
                   link_key(kind, person[0].key, target.key, compartment))


def _intelligence(fact: Fact, person: tuple[EntitySpec, str]) -> Derived | None:
    """An intelligence report: a graded association, kept in the police compartment if police recorded it."""
    payload = fact.payload
    association = str(payload.get("association", ""))
    if association not in INTEL_KINDS or not payload.get("subject_key"):
        return None
    entity_kind, link_kind = INTEL_KINDS[association]
    compartment = POLICE if fact.agency.startswith("POL-") else SHARED
    subject = str(payload["subject_key"]).strip()
    label = str(payload.get("subject_label") or subject)
    place_type = payload.get("place_type")
    target = _subject(entity_kind, subject, label, compartment, fact.area_code,
                      None if place_type is None else str(place_type))
    if target is None:
        return None
    return _derived(fact, person, target, link_kind, SUBJECT_ROLES[entity_kind],
                    f"intelligence report ({association}) by {fact.agency}", basis="intelligence",
                    grading=payload.get("grading"), compartment=compartment)


@lru_cache(maxsize=100_000)
def _subject(entity_kind: str, subject: str, label: str, compartment: str, area_code: str | None,
             place_type: str | None) -> EntitySpec | None:
    """The entity an intelligence report is about (shared between the many reports naming the same subject)."""
    if entity_kind == "place":
        return place_entity(postcode=subject, text=subject if not _postcode(subject) else label,
                            area_code=area_code, compartment=compartment, place_type=normalise_place_type(place_type))
    if entity_kind == "line":
        number = re.sub(r"[^0-9+]", "", subject) or subject
        return EntitySpec(key=f"line:{number}", kind="line", label=label, compartment=compartment,
                          attributes={"number": number, "brand": label})
    if entity_kind == "vehicle":
        plate = re.sub(r"\s+", "", subject.upper())
        return EntitySpec(key=f"vehicle:{plate}", kind="vehicle", label=plate, compartment=compartment)
    if entity_kind == "child":
        return EntitySpec(key=f"child:intel:{subject}", kind="child", label=label, compartment=compartment)
    return EntitySpec(key=f"{entity_kind}:{subject}", kind=entity_kind, label=label, compartment=compartment)


def _placement(fact: Fact) -> EntitySpec | None:
    """A care placement, when it is identified precisely enough (a named home or full postcode)."""
    code = str(fact.payload.get("placement_type") or "").upper()
    kind = ("childrens_home" if code[:1] in ("K", "R") else "foster_home" if code[:1] == "U"
            else "supported_accommodation" if code[:1] == "H" else "other")
    area = fact.payload.get("placement_area_code") or fact.area_code
    return place_entity(postcode=fact.postcode, text=fact.place, area_code=area, place_type=kind)


def derive_single(fact: Fact) -> list[Derived]:
    """Links one event makes on its own: places, placements, schools and intelligence associations."""
    person = person_entity(fact)
    if person is None:
        return []
    out: list[Derived] = []
    if fact.kind == "intelligence_report":
        found = _intelligence(fact, person)
        return [found] if found else []
    if fact.kind in PLACE_KINDS:
        text = fact.place or (fact.payload.get("found_location") if fact.kind == "missing_found" else None)
        place = place_entity(postcode=fact.postcode, text=text, area_code=fact.area_code)
        if place is not None:
            out.append(_derived(fact, person, place, PLACE_KINDS[fact.kind], "place",
                                f"{fact.kind.replace('_', ' ')} at this place"))
    elif fact.kind == "placement_change":
        home = _placement(fact)
        if home is not None:
            out.append(_derived(fact, person, home, "placed_at", "place", "placed here (placement change)"))
    elif fact.kind in ("school_exclusion", "part_time_timetable") and fact.payload.get("school_urn"):
        urn = str(fact.payload["school_urn"])
        school = EntitySpec(key=f"school:{urn}", kind="place", label=f"school URN {urn}", place_type="school",
                            area_code=fact.area_code, attributes={"urn": urn})
        out.append(_derived(fact, person, school, "at_school", "place", f"{fact.kind.replace('_', ' ')} at school"))
    return out


def derive_incident(facts: list[Fact]) -> list[Derived]:
    """Links between everyone recorded in one incident (same agency and incident reference)."""
    people: dict[str, tuple[tuple[EntitySpec, str], Fact]] = {}
    for fact in sorted(facts, key=lambda f: f.event_id):
        person = person_entity(fact)
        if person is not None:
            people.setdefault(person[0].key, (person, fact))
    out: list[Derived] = []
    keys = sorted(people)
    for index, first in enumerate(keys):
        for second in keys[index + 1:]:
            (a, fact_a), (b, fact_b) = people[first], people[second]
            # Children come first as the source so role and hotspot queries read one way round.
            if a[0].kind != "child" and b[0].kind == "child":
                (a, fact_a), (b, fact_b) = (b, fact_b), (a, fact_a)
            kind = INCIDENT_KINDS.get(fact_a.kind, "same_incident")
            key = link_key(kind, a[0].key, b[0].key, SHARED)
            for fact in (fact_a, fact_b):
                out.append(Derived(a[0], b[0], kind, a[1], b[1], "fact", None, 1.0, SHARED, fact.event_id,
                                   fact.occurred_at, fact.area_code,
                                   f"{RULESET}: recorded together in incident {fact.incident_ref} by {fact.agency}",
                                   key))
    return out
