"""Intelligence and partner information (format intel-csv, docs/formats/intel-csv.md): police intelligence
logs, voluntary-sector concerns and return home interviews."""

from __future__ import annotations

from reachable.records.ingest.base import Cells
from reachable.records.ingest.tabular import Mapped, Table, event, identity, reader

ASSOCIATIONS = {"adult", "deal_line", "place", "vehicle", "group", "child"}
CATEGORIES = {"unexplained_money", "new_phones", "older_associates", "unexplained_gifts", "travel", "injuries",
              "drug_debt", "missing_school", "change_in_behaviour", "substance_misuse", "gang_association", "other"}
PERSON = ("person_id", "surname", "forenames", "dob", "sex")


def intelligence(c: Cells, agency: str) -> Mapped:
    """An intelligence log associating the child with an adult, line, place, vehicle, group or child."""
    ref = c.need("intel_ref")
    return Mapped(identity(c, person_id="person_id", police_person_id="person_id"), [
        event("intelligence_report", ref, c.moment("recorded_at", required=True), {
            "association": c.choice("association", ASSOCIATIONS, required=True), "subject_key": c.need("subject_ref"),
            "subject_label": c.text("subject_label"), "grading": c.text("grading"),
            "place_type": c.text("place_type")}, area_code=c.text("area_code"))])


def concern(c: Cells, agency: str) -> Mapped:
    """A concern shared by a voluntary-sector worker."""
    return Mapped(identity(c, person_id="person_id", postcode="home_postcode"), [
        event("concern_raised", c.need("concern_ref"), c.moment("recorded_at", required=True),
              {"categories": c.listed("categories", CATEGORIES)}, area_code=c.text("area_code"))])


def return_interview(c: Cells, agency: str) -> Mapped:
    """A return home interview offered, and whether the child accepted it."""
    ref = c.need("interview_ref")
    episode = c.text("police_report_ref") or ref
    offered = c.moment("offered_on", required=True)
    accepted = c.flag("accepted", required=True)
    done = c.moment("completed_on")
    return Mapped(identity(c, person_id="person_id", postcode="home_postcode"), [
        event("return_interview_offered", f"{ref}/offered", offered, {"episode_ref": episode, "provider": agency},
              area_code=c.text("area_code")),
        event("return_interview_accepted", f"{ref}/answer", done or offered,
              {"episode_ref": episode, "accepted": bool(accepted)}, area_code=c.text("area_code")),
    ])


TABLES = (
    Table("intelligence", ("intel_ref", *PERSON, "recorded_at", "area_code", "association", "subject_ref",
                           "subject_label", "place_type", "grading"), intelligence),
    Table("concerns", ("concern_ref", *PERSON, "home_postcode", "recorded_at", "area_code", "categories"), concern),
    Table("return_interviews", ("interview_ref", *PERSON, "home_postcode", "area_code", "missing_started_at",
                                "police_report_ref", "offered_on", "accepted", "completed_on"), return_interview),
)
read = reader(TABLES)
