"""What a rule can know about an event: the event, its payload, the child's status, markers and history."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import age_on
from reachable.common.errors import NotFound
from reachable.identity import service as identity
from reachable.markers import service as markers
from reachable.records import service as records
from reachable.records.schemas import EventOut

SAME_INCIDENT_HOURS = 6.0  # reports of one incident by several agencies land within hours of each other
OPENERS = {"looked_after": ("looked_after_start", "looked_after_end"), "cp_plan": ("cp_plan_start", "cp_plan_end"),
           "cin_plan": ("cin_plan_start", "cin_plan_end")}


@dataclass(frozen=True)
class AreaInfo:
    """The reference facts about an area the rules use (cached: the area list is shipped reference data)."""

    code: str
    name: str
    kind: str
    country: str
    police_force_code: str | None
    parent_code: str | None


_AREAS: dict[str, AreaInfo | None] = {}


def area_info(session: Session, code: str | None) -> AreaInfo | None:
    """An area's reference facts, read once per process (None for an unknown code)."""
    if not code:
        return None
    if code not in _AREAS:
        try:
            area = areas.get_area(session, code=code)
        except NotFound:
            return None  # not cached: the area may be loaded later
        _AREAS[code] = AreaInfo(area.code, area.name, area.kind, area.country, area.police_force_code,
                                area.parent_code)
    return _AREAS[code]


def police_force(session: Session, code: str | None) -> str | None:
    """The police force covering an area (a force covers itself)."""
    info = area_info(session, code)
    if info is None:
        return None
    return info.code if info.kind == "police_force" else info.police_force_code


@dataclass
class ChildState:
    """One child as the rules see them during one ingest: summary, chronology and active markers."""

    child_id: int
    reference: str
    dob: date | None
    sex: str | None
    home_area_code: str | None
    record_ids: list[int]
    session: Session
    kinds: Sequence[str] | None = None
    _markers: set[str] | None = field(default=None, repr=False)
    _history: list[EventOut] | None = field(default=None, repr=False)
    firings: list[Any] | None = field(default=None, repr=False)
    # Read ahead for a whole chunk; `_markers` stays None until a rule consults them (firings record that).
    known_markers: set[str] | None = field(default=None, repr=False)
    locked: bool = field(default=False, repr=False)
    ahead: Any = field(default=None, repr=False)  # the chunk's reads and pending writes (chunk.Chunk), if any

    @property
    def history(self) -> list[EventOut]:
        """The child's chronology (only the kinds rules look back at), read on first use."""
        if self._history is None:
            self._history = records.list_events(self.session, source_record_ids=self.record_ids, kinds=self.kinds)
        return self._history

    def forget_markers(self) -> None:
        """A rule changed the child's markers: read them again when next needed."""
        self._markers = None
        self.known_markers = None

    @property
    def marker_codes(self) -> set[str]:
        """The child's active marker codes, read on first use (few rules need them)."""
        if self._markers is None:
            if self.ahead is not None:  # the chunk reads every child's at once and keeps them up to date
                self._markers = set(self.ahead.marker_codes(self.child_id))
                return self._markers
            known = self.known_markers
            self._markers = set(known) if known is not None else markers.active_codes(self.session,
                                                                                       child_id=self.child_id)
        return self._markers


def load_child(session: Session, *, child_id: int, kinds: Sequence[str] | None = None) -> ChildState:
    """Read a child's summary and chronology (only the kinds rules look back at) once per ingest."""
    child = identity.get_child(session, child_id=child_id)
    record_ids = identity.record_ids_for_child(session, child_id=child_id)
    return ChildState(child_id=child.id, reference=child.reference, dob=child.dob, sex=child.sex,
                      home_area_code=child.home_area_code, session=session, record_ids=record_ids, kinds=kinds)


def load_children(session: Session, *, child_ids: Sequence[int], kinds: Sequence[str] | None = None,
                  until: datetime | None = None) -> dict[int, ChildState]:
    """Many children's summaries and chronologies in a few queries (what load_child reads).

    With `until` (the chunk's latest event), later events are not read: rules look back from each event only.
    """
    children, record_ids, histories = identity.linked_histories(session, child_ids=child_ids, kinds=kinds,
                                                                 until=until)
    states: dict[int, ChildState] = {}
    for child_id in dict.fromkeys(child_ids):
        child, ids, history = children[child_id], record_ids[child_id], histories[child_id]
        states[child_id] = ChildState(child_id=child.id, reference=child.reference, dob=child.dob, sex=child.sex,
                                      home_area_code=child.home_area_code, session=session, record_ids=ids,
                                      kinds=kinds, _history=history)
    return states


def upper_tier(session: Session, code: str | None) -> str | None:
    """The council with children's services for an area: a district's county, else the area itself."""
    area = area_info(session, code)
    if area is None:
        return None
    return area.parent_code if area.kind == "district" and area.parent_code else area.code


def agency_area(code: str) -> str | None:
    """The area in an agency code such as CSC-E08000025 (None for national agencies)."""
    prefix, _, rest = code.partition("-")
    return rest if prefix in ("POL", "CSC", "EDU", "HLT", "YJS") and rest else None


class EventFacts:
    """The facts about one event that conditions, templates, owners and reasons use (computed lazily)."""

    def __init__(self, session: Session, *, event: Any, agency: Any, state: ChildState,
                 record_areas: Mapping[int, str | None] | None = None) -> None:
        """Wrap a stored event (ORM row), the agency that recorded it and the child's state.

        `record_areas` (source record id -> the home area it gives, read ahead for a chunk) spares a query per
        event when the home area comes from the event's record.
        """
        self.session, self.event, self.agency, self.state = session, event, agency, state
        self.record_areas = record_areas
        self.payload: dict[str, Any] = dict(event.payload or {})
        # Plain attributes: conditions, windows and dedupe read these thousands of times per chunk.
        self.at: datetime = event.occurred_at
        self._before: list[EventOut] | None = None

    def before(self) -> list[EventOut]:
        """The child's chronology up to and including this event's time (worked out once per event)."""
        if self._before is None:
            at = self.at
            self._before = [item for item in self.state.history if item.occurred_at <= at]
        return self._before

    def is_open(self, status: str) -> bool:
        """Whether a plan or looked-after period is open at the event (its latest boundary is a start)."""
        start, end = OPENERS[status]
        boundaries = [item for item in self.before() if item.kind in (start, end)]
        return bool(boundaries) and boundaries[-1].kind == start

    @cached_property
    def home_area(self) -> str | None:
        """The responsible council: the placing council of a looked-after child, else the child's home council."""
        if self.is_open("looked_after"):
            starts = [item for item in self.before() if item.kind == "looked_after_start"]
            placing = agency_area(starts[-1].agency_code) if starts[-1].agency_code.startswith("CSC-") else None
            if placing:
                return upper_tier(self.session, placing)
        if self.state.home_area_code:
            return upper_tier(self.session, self.state.home_area_code)
        known, record_id = self.record_areas, self.event.source_record_id
        if known is not None and record_id in known:
            return upper_tier(self.session, known[record_id])
        record = records.get_source_record(self.session, record_id=record_id)
        return upper_tier(self.session, record.home_area_code if record else None)

    @cached_property
    def home_police(self) -> str | None:
        """The police force covering the home council."""
        return police_force(self.session, self.home_area)

    @cached_property
    def event_area(self) -> str | None:
        """Where it happened: the event's area, or the area a missing child was found in."""
        area: str | None = self.event.area_code or self.payload.get("found_area_code")
        return area

    @cached_property
    def event_police(self) -> str | None:
        """The police force for where it happened (the recording force when the place is unknown)."""
        force = police_force(self.session, self.event_area)
        if force:
            return force
        return agency_area(self.agency.code) if self.agency.kind == "police" else None

    @cached_property
    def country(self) -> str:
        """England or Wales: the home council's country (else where it happened; England if neither is known)."""
        for code in (self.home_area, self.event_area):
            info = area_info(self.session, code)
            if info is not None:
                return info.country
        return "England"

    @cached_property
    def outside_home_area(self) -> bool | None:
        """Whether it happened outside the home council (or, for a police force area, outside the home force)."""
        if self.payload.get("found_outside_home_area") is True:
            return True
        if not self.event_area or not self.home_area:
            return None
        where = area_info(self.session, self.event_area)
        if where is None:
            return None
        if where.kind == "police_force":
            return where.code != self.home_police
        return upper_tier(self.session, where.code) != self.home_area

    @cached_property
    def age(self) -> int | None:
        """The child's age in whole years on the day of the event."""
        return age_on(self.state.dob, self.at.date()) if self.state.dob else None

    def value(self, fact: str) -> Any:
        """The value of a named fact (None when unknown)."""
        if fact.startswith("payload."):
            return self.payload.get(fact[8:])
        if fact in SIMPLE_FACTS:
            return SIMPLE_FACTS[fact](self)
        if fact == "child.markers":  # only now: the markers are a query (for the whole chunk)
            return sorted(self.state.marker_codes)
        if fact == "event.outside_home_area":
            return self.outside_home_area
        if fact == "child.age":
            return self.age
        if fact == "child.nrm_referred":
            return any(item.kind == "nrm_referral" for item in self.before())
        return self.is_open(fact.split(".", 1)[1])

    def nrm_status(self) -> str:
        """The child's NRM status as the chronology shows it, in words."""
        steps = {"nrm_referral": "referred", "nrm_rg_decision": "reasonable grounds", "nrm_cg_decision":
                 "conclusive grounds"}
        found = [item for item in self.before() if item.kind in steps]
        if not found:
            return "no NRM referral on record"
        last = found[-1]
        outcome = f" {last.payload.get('outcome')}" if last.payload.get("outcome") else ""
        return f"{steps[last.kind]}{outcome} ({last.occurred_at:%d/%m/%Y}, ref {last.payload.get('referral_ref', '?')})"

    def window(self, kinds: list[str], days: int) -> list[EventOut]:
        """The child's events of these kinds in the `days` before this one (inclusive)."""
        start = self.at - timedelta(days=days)
        return [item for item in self.before() if item.kind in kinds and item.occurred_at > start]

    def names(self, area_code: str | None) -> str:
        """An area's name with its code, for task texts."""
        if not area_code:
            return "unknown area"
        info = area_info(self.session, area_code)
        return f"{info.name} ({area_code})" if info else area_code

    def template(self, count: int | None = None) -> dict[str, str]:
        """The values task titles and details may use, each worked out only when a text uses it."""
        return LazyValues({
            "child": lambda: self.state.reference, "event_kind": lambda: self.event.kind.replace("_", " "),
            "event_time": lambda: f"{self.at:%d/%m/%Y %H:%M} UTC", "event_agency": lambda: self.agency.name,
            "event_agency_code": lambda: self.agency.code, "event_area": lambda: self.names(self.event_area),
            "place": lambda: self.event.place or self.payload.get("found_location") or "place not recorded",
            "home_area": lambda: self.names(self.home_area), "home_police": lambda: self.names(self.home_police),
            "nrm_status": self.nrm_status,
            "offence": lambda: str(self.payload.get("offence_category", "")).replace("_", " "),
            "episode": lambda: str(self.payload.get("episode_ref") or "not given"), "count": lambda: str(count or ""),
            # Markers are read only for a text that names them (reading them is a query for a chunk's children).
            "markers": lambda: ", ".join(sorted(self.state.marker_codes)) or "none",
            "age": lambda: str(self.age) if self.age is not None else "unknown",
        })

    def snapshot(self) -> dict[str, Any]:
        """The facts a firing stores beside its reason, so the decision can be explained later."""
        return {"home_area": self.home_area, "home_police": self.home_police, "country": self.country,
                "event_area": self.event_area, "outside_home_area": self.outside_home_area, "age": self.age,
                "looked_after": self.is_open("looked_after"),
                "markers": sorted(self.state._markers) if self.state._markers is not None else "not consulted",
                "event_agency": self.agency.code, "role": self.event.person_role}


SIMPLE_FACTS: dict[str, Callable[[EventFacts], Any]] = {
    "event.kind": lambda facts: facts.event.kind, "event.role": lambda facts: facts.event.person_role,
    "event.agency_kind": lambda facts: facts.agency.kind, "event.area_code": lambda facts: facts.event_area,
    "child.sex": lambda facts: facts.state.sex, "child.home_country": lambda facts: facts.country,
}


class LazyValues(dict[str, str]):
    """Template values computed on first use (str.format_map asks only for the fields a text names)."""

    def __init__(self, makers: dict[str, Callable[[], str]]) -> None:
        """Values from their makers."""
        super().__init__()
        self.makers = makers

    def __missing__(self, key: str) -> str:
        """Work a value out once; an unknown field is a KeyError as with a plain dict."""
        value = self.makers[key]()
        self[key] = value
        return value


def distinct_incidents(events: list[EventOut]) -> list[list[EventOut]]:
    """Group events into incidents: reports within SAME_INCIDENT_HOURS of the first report are one incident."""
    groups: list[list[EventOut]] = []
    for item in sorted(events, key=lambda e: (e.occurred_at, e.id)):
        if groups and item.occurred_at - groups[-1][0].occurred_at <= timedelta(hours=SAME_INCIDENT_HOURS):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups
