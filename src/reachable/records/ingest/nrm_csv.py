"""NRM extracts from the Single Competent Authority (format nrm-csv, docs/formats/nrm-csv.md): referrals and
reasonable / conclusive grounds decisions."""

from __future__ import annotations

from reachable.records.ingest.base import Cells
from reachable.records.ingest.tabular import Mapped, Table, event, identity, reader

TYPES = {"criminal", "sexual", "labour", "domestic_servitude", "unknown"}


def referral(c: Cells, agency: str) -> Mapped:
    """A referral by a first responder organisation."""
    ref = c.need("referral_ref")
    person = identity(c, person_id="nrm_person_id")
    person["nationality"] = c.text("nationality")
    return Mapped(person, [event("nrm_referral", ref, c.moment("referral_date", required=True), {
        "referral_ref": ref, "first_responder": c.text("first_responder"),
        "exploitation_types": c.listed("exploitation_types", TYPES) or ["unknown"],
        "county_lines": bool(c.flag("county_lines"))}, area_code=c.text("area_code"))])


def decision(c: Cells, agency: str) -> Mapped:
    """A reasonable grounds (RG) or conclusive grounds (CG) decision."""
    kind = c.choice("decision_type", {"RG": "nrm_rg_decision", "CG": "nrm_cg_decision"}, required=True)
    at = c.moment("decision_date", required=True)
    return Mapped({"agency_person_id": c.need("nrm_person_id")}, [event(kind or "nrm_rg_decision",
                                                                        c.need("decision_ref"), at, {
        "referral_ref": c.need("referral_ref"), "outcome": c.choice("outcome", {"positive", "negative"},
                                                                    required=True),
        "decided_on": at.date() if at else None})])


TABLES = (
    Table("referrals", ("referral_ref", "nrm_person_id", "surname", "forenames", "dob", "sex", "nationality",
                        "first_responder", "first_responder_type", "first_responder_ref", "referral_date",
                        "exploitation_types", "county_lines", "exploited_as_child", "location_of_exploitation",
                        "area_code"), referral),
    Table("decisions", ("decision_ref", "referral_ref", "nrm_person_id", "decision_type", "outcome", "decision_date"),
          decision),
)
read = reader(TABLES)
