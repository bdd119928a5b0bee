"""SSDA903 looked-after children return, as per-table CSVs (Header, Episodes, Missing; dates dd/mm/yyyy).

Episodes become looked_after_start (RNE S), placement_change (RNE P/T/B/U, with in/out of area and distance when
the derived columns PL_LA / PL_LOCATION / PL_DISTANCE are present) and looked_after_end (a DEC with a REC other
than X1). Missing rows become missing_reported and, once MIS_END is known, missing_found (M or A).
"""

from __future__ import annotations

from datetime import datetime

from reachable.records.ingest.base import Cells, agency_area
from reachable.records.ingest.tabular import Mapped, Table, event, reader

RNE = {"S", "L", "P", "T", "B", "U"}
LEGAL = {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"}
PLACE = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1", "T0", "T1",
         "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12", "Z13", "Z14"}
PROVIDER = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}
REC = {"X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48", "E5", "E6", "E7",
       "E9", "E14", "E15", "E16", "E17", "E8"}
CHANGE = {"CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE", "CUSTOD", "OTHER"}
NEED = {f"N{n}" for n in range(1, 9)}
SEX = {"1": "M", "2": "F"}
ETHNIC = {"WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
          "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"}
DERIVED = ("PL_LA", "PL_LOCATION", "PL_DISTANCE")


def _child(c: Cells, agency: str) -> dict[str, object]:
    """The child as the council's 903 return identifies them: CHILD is the council's own id."""
    child = c.need("CHILD")
    return {"agency_person_id": child, "council_child_id": child, "home_area_code": agency_area(agency)}


def _day(c: Cells, name: str, *, required: bool = False) -> datetime | None:
    """A dd/mm/yyyy date as a (UK local) midnight."""
    value = c.date(name, required=required)
    return datetime(value.year, value.month, value.day) if value else None


def header(c: Cells, agency: str) -> Mapped:
    """Who the child is: sex, date of birth, ethnicity, UPN (UN1–UN10 mean unknown). No event."""
    upn = c.text("UPN")
    person = {**_child(c, agency), "sex": c.choice("SEX", SEX), "dob": c.date("DOB", required=True),
              "ethnicity": c.choice("ETHNIC", ETHNIC),
              "upn": None if upn is None or upn.upper().startswith("UN") else upn.upper()}
    c.date("MC_DOB")
    return Mapped(person)


def episode(c: Cells, agency: str) -> Mapped:
    """One episode of care: its start, placement change or end."""
    child = c.need("CHILD")
    started = _day(c, "DECOM", required=True)
    ended = _day(c, "DEC")
    rne = c.choice("RNE", RNE, required=True)
    legal = c.choice("LS", LEGAL, required=True)
    c.choice("CIN", NEED)
    place = c.choice("PLACE", PLACE, required=True)
    provider = c.choice("PLACE_PROVIDER", PROVIDER)
    reason = c.choice("REC", REC)
    c.choice("REASON_PLACE_CHANGE", CHANGE)
    if started and ended and ended < started:
        c.fail("DEC", "the episode ends before it starts", c.text("DEC"))
    if ended is not None and reason is None:
        c.fail("REC", "is required when DEC is given", None)
    person = {**_child(c, agency), "postcode": c.text("HOME_POST")}
    key = f"{child}/episode/{started.date().isoformat() if started else ''}"
    events = []
    if rne == "S":
        events.append(event("looked_after_start", f"{key}/start", started, {"legal_status": legal}))
    elif rne in ("P", "T", "B", "U"):
        events.append(event("placement_change", f"{key}/placement", started, _placement(c, agency, place, provider)))
    if ended is not None and reason not in (None, "X1"):
        events.append(event("looked_after_end", f"{key}/end", ended, {"legal_status": legal, "reason": reason}))
    return Mapped(person, events)


def _placement(c: Cells, agency: str, place: str | None, provider: str | None) -> dict[str, object]:
    """Placement payload; in/out of area from PL_LA or PL_LOCATION, distance from PL_DISTANCE (999.9 = unknown)."""
    placed_in = c.text("PL_LA")
    location = c.choice("PL_LOCATION", {"IN": True, "OUT": False, "NA": None})
    distance = c.number("PL_DISTANCE")
    home = agency_area(agency)
    in_area = location if location is not None else (placed_in == home if placed_in else None)
    return {"placement_type": place, "provider": provider, "placement_area_code": placed_in, "in_area": in_area,
            "distance_miles": None if distance is None or distance >= 999 else distance}


def missing(c: Cells, agency: str) -> Mapped:
    """A missing (M) or away-without-authorisation (A) episode of a looked-after child."""
    child = c.need("CHILD")
    kind = c.choice("MISSING", {"M", "A"}, required=True)
    started = _day(c, "MIS_START", required=True)
    ended = _day(c, "MIS_END")
    if started and ended and ended < started:
        c.fail("MIS_END", "the episode ends before it starts", c.text("MIS_END"))
    person = {**_child(c, agency), "dob": c.date("DOB")}
    ref = f"{child}/missing/{started.date().isoformat() if started else ''}"
    events = [event("missing_reported", f"{ref}/reported", started,
                    {"missing_type": kind, "from_care": True, "episode_ref": ref})]
    if ended is not None:
        events.append(event("missing_found", f"{ref}/found", ended, {
            "episode_ref": ref, "from_care": True, "missing_started_on": started.date() if started else None}))
    return Mapped(person, events)


TABLES = (
    Table("header", ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"), header),
    Table("episodes", ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                       "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"), episode, optional=DERIVED),
    Table("missing", ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"), missing),
)
read = reader(TABLES)
