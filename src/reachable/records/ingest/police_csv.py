"""Police extracts (format police-csv, docs/formats/police-csv.md): missing reports, stop and search, arrests,
custody and incidents, one CSV per table, times dd/mm/yyyy hh:mm (UK local)."""

from __future__ import annotations

from reachable.records.ingest.base import Cells
from reachable.records.ingest.tabular import Mapped, Table, event, identity, reader

PERSON = ("person_id", "surname", "forenames", "dob", "sex", "home_postcode")
RISK = {"no_apparent_risk", "low", "medium", "high"}
GROUNDS = {"drugs", "offensive_weapon", "firearm", "stolen_property", "other"}
ITEMS = {"drugs", "offensive_weapon", "firearm", "cash", "phone", "other"}
OFFENCES = {"pwits_class_a", "possession_class_a", "other_drugs", "offensive_weapon", "other"}
ROLES = {"child_at_risk", "victim", "suspect", "witness", "other"}


def _person(c: Cells) -> dict[str, object]:
    """A police person record: the force's person id doubles as the police identifier."""
    return identity(c, person_id="person_id", postcode="home_postcode", police_person_id="person_id")


def missing(c: Cells, agency: str) -> Mapped:
    """A missing person report, and the finding if the child has been found."""
    ref = c.need("report_ref")
    from_care = c.choice("missing_from", {"home": False, "care": True}, required=True)
    reported = c.moment("reported_at", required=True)
    found = c.moment("found_at")
    common = {"episode_ref": ref, "from_care": bool(from_care)}
    events = [event("missing_reported", f"{ref}/reported", reported,
                    {**common, "missing_type": "M", "risk_level": c.choice("risk_level", RISK)})]
    if found is not None:
        events.append(event("missing_found", f"{ref}/found", found, {
            **common, "found_location": c.text("found_postcode"), "found_area_code": c.text("found_area_code"),
            "found_outside_home_area": c.flag("found_outside_force"),
            "missing_started_on": reported.date() if reported else None},
            postcode=c.text("found_postcode")))
    return Mapped(_person(c), events)


def stop_search(c: Cells, agency: str) -> Mapped:
    """A stop and search of the child."""
    ref = c.need("search_ref")
    return Mapped(_person(c), [event("stop_search", ref, c.moment("searched_at", required=True), {
        "grounds": c.choice("object_of_search", GROUNDS, required=True), "items_found": c.listed("items_found", ITEMS),
        "outcome": c.text("outcome")}, postcode=c.text("search_postcode"), area_code=c.text("search_area_code"))])


def arrest(c: Cells, agency: str) -> Mapped:
    """An arrest; the role is what the force recorded."""
    ref = c.need("arrest_ref")
    return Mapped(_person(c), [event("arrest", ref, c.moment("arrested_at", required=True), {
        "offence_category": c.choice("offence_category", OFFENCES, required=True),
        "offence_text": c.text("offence_description"), "outcome": c.text("outcome"),
        "drugs_concealed_internally": bool(c.flag("drugs_concealed_internally"))},
        postcode=c.text("arrest_postcode"), area_code=c.text("arrest_area_code"), incident_ref=ref,
        role=c.choice("role", ROLES) or "suspect")])


def custody(c: Cells, agency: str) -> Mapped:
    """A custody record, tied to its arrest by the arrest reference."""
    released = c.moment("released_at")
    return Mapped(identity(c, person_id="person_id", police_person_id="person_id"), [
        event("custody", c.need("custody_ref"), c.moment("booked_in_at", required=True), {
            "custody_suite": c.text("custody_suite"), "released_at": released.isoformat() if released else None,
            "appropriate_adult": c.flag("appropriate_adult")}, incident_ref=c.text("arrest_ref"))])


def incident(c: Cells, agency: str) -> Mapped:
    """An occurrence naming the child as victim, witness or other party: a concern on the chronology."""
    ref = c.need("incident_ref")
    return Mapped(_person(c), [event("concern_raised", ref, c.moment("occurred_at", required=True), {
        "categories": ["other"], "detail": c.text("incident_type")}, area_code=c.text("incident_area_code"),
        incident_ref=ref, role=c.choice("role", ROLES) or "other")])


TABLES = (
    Table("missing_reports", ("report_ref", *PERSON, "missing_from", "reported_at", "risk_level", "found_at",
                              "found_postcode", "found_area_code", "found_outside_force"), missing),
    Table("stop_searches", ("search_ref", *PERSON, "searched_at", "search_postcode", "search_area_code",
                            "object_of_search", "items_found", "outcome"), stop_search),
    Table("arrests", ("arrest_ref", *PERSON, "arrested_at", "arrest_postcode", "arrest_area_code", "offence_category",
                      "offence_description", "outcome", "drugs_concealed_internally", "role"), arrest),
    Table("custody", ("custody_ref", "arrest_ref", *PERSON[:5], "custody_suite", "booked_in_at", "released_at",
                      "appropriate_adult"), custody),
    Table("incidents", ("incident_ref", *PERSON, "occurred_at", "incident_area_code", "incident_type", "role"),
          incident),
)
read = reader(TABLES)
