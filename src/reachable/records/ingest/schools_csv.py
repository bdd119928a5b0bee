"""Schools extracts (format schools-csv, docs/formats/schools-csv.md): the roll, exclusions, part-time
timetables and safeguarding leads' concerns, keyed by UPN."""

from __future__ import annotations

from reachable.records.ingest.base import Cells
from reachable.records.ingest.intel_csv import CATEGORIES
from reachable.records.ingest.tabular import Mapped, Table, event, identity, reader

PUPIL = ("upn", "surname", "forename", "dob", "sex")


def _pupil(c: Cells) -> dict[str, object]:
    """A pupil as the school knows them: the UPN is the key."""
    return identity(c, person_id="upn", forenames="forename", upn="upn")


def pupil(c: Cells, agency: str) -> Mapped:
    """A spell on a school's roll: who the child is, no event."""
    person = _pupil(c)
    person["middle_names"] = c.text("middle_names") or person.get("middle_names")
    person["postcode"] = c.text("postcode")
    c.date("on_roll_from")
    c.date("on_roll_to")
    return Mapped(person)


def exclusion(c: Cells, agency: str) -> Mapped:
    """A suspension or permanent exclusion (sessions are half days)."""
    sessions = c.number("sessions")
    return Mapped(_pupil(c), [event("school_exclusion", c.need("exclusion_ref"),
                                    c.moment("start_date", required=True), {
        "exclusion_type": c.choice("category", {"PERM": "permanent", "SUSP": "suspension"}, required=True),
        "days": sessions / 2 if sessions is not None else None, "reason": c.text("reason"),
        "school_urn": c.text("school_urn")})])


def part_time(c: Cells, agency: str) -> Mapped:
    """A reduced timetable."""
    c.date("end_date")
    return Mapped(_pupil(c), [event("part_time_timetable", c.need("timetable_ref"),
                                    c.moment("start_date", required=True),
                                    {"hours_per_week": c.number("hours_per_week"),
                                     "school_urn": c.text("school_urn")})])


def concern(c: Cells, agency: str) -> Mapped:
    """A designated safeguarding lead's concern."""
    return Mapped(_pupil(c), [event("concern_raised", c.need("concern_ref"), c.moment("recorded_at", required=True),
                                    {"categories": c.listed("categories", CATEGORIES),
                                     "detail": f"school {c.text('school_urn') or 'unknown'}"})])


TABLES = (
    Table("pupils", ("upn", "surname", "forename", "middle_names", "dob", "sex", "postcode", "school_urn",
                     "sen_provision", "fsm_eligible", "on_roll_from", "on_roll_to"), pupil),
    Table("exclusions", ("exclusion_ref", *PUPIL, "school_urn", "category", "start_date", "sessions", "reason"),
          exclusion),
    Table("part_time_timetables", ("timetable_ref", *PUPIL, "school_urn", "start_date", "end_date",
                                   "hours_per_week"), part_time),
    Table("concerns", ("concern_ref", *PUPIL, "school_urn", "recorded_at", "categories"), concern),
)
read = reader(TABLES)
