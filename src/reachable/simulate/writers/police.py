"""Police extracts (format police-csv): missing reports, stop and search, arrests, custody, incidents."""

from __future__ import annotations

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.rand import uk_datetime
from reachable.simulate.signals import Occ
from reachable.simulate.writers.base import Ctx, yn

PERSON = ["person_id", "surname", "forenames", "dob", "sex", "home_postcode"]
MISSING = [
    "report_ref",
    *PERSON,
    "missing_from",
    "reported_at",
    "risk_level",
    "found_at",
    "found_postcode",
    "found_area_code",
    "found_outside_force",
]
SEARCH = [
    "search_ref",
    *PERSON,
    "searched_at",
    "search_postcode",
    "search_area_code",
    "object_of_search",
    "items_found",
    "outcome",
]
ARREST = [
    "arrest_ref",
    *PERSON,
    "arrested_at",
    "arrest_postcode",
    "arrest_area_code",
    "offence_category",
    "offence_description",
    "outcome",
    "drugs_concealed_internally",
    "role",
]
CUSTODY = [
    "custody_ref",
    "arrest_ref",
    *PERSON[:5],
    "custody_suite",
    "booked_in_at",
    "released_at",
    "appropriate_adult",
]
INCIDENT = ["incident_ref", *PERSON, "occurred_at", "incident_area_code", "incident_type", "role"]

OFFENCE_TEXT = {
    "pwits_class_a": (
        "Possession with intent to supply a controlled drug - Class A (crack cocaine)",
        "Possession with intent to supply a controlled drug - Class A (heroin)",
    ),
    "possession_class_a": (
        "Possession of a controlled drug - Class A (cocaine)",
        "Possession of a controlled drug - Class A (crack cocaine)",
    ),
    "other_drugs": (
        "Possession of a controlled drug - Class B (cannabis)",
        "Possession with intent to supply a controlled drug - Class B (cannabis)",
    ),
    "offensive_weapon": (
        "Possession of a bladed article in a public place",
        "Possession of an offensive weapon in a public place",
    ),
    "other": (
        "Theft from a shop",
        "Common assault",
        "Criminal damage",
        "Assault occasioning ABH",
        "Robbery of personal property",
        "Public order offence",
        "Burglary - dwelling",
        "Vehicle taking without consent",
    ),
}


def force_agency(area: str) -> str:
    """The agency code of the force covering a council area."""
    return f"POL-{AREA_BY_CODE[area].force.code}"


def _path(agency: str, table: str) -> str:
    """Where a police table is written."""
    return f"extracts/{agency}/{table}.csv"


def write_missing(ctx: Ctx, occ: Occ) -> str | None:
    """A missing person report by the force where the child went missing from; returns its ref."""
    a = occ.attrs
    if not a["to_police"]:
        return None
    agency = force_agency(occ.area)
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "MIS")
    found_area = str(a["found_area"])
    end = float(a["end"])  # type: ignore[arg-type]
    found = end <= ctx.end
    outside = AREA_BY_CODE[found_area].force.code != AREA_BY_CODE[occ.area].force.code
    ctx.sink.row(
        _path(agency, "missing_reports"),
        "police-csv",
        agency,
        "missing_reports",
        MISSING,
        [
            ref,
            reg.person_id,
            *cols,
            "care" if a["from_care"] else "home",
            uk_datetime(occ.t),
            str(a["risk"]),
            uk_datetime(end) if found else "",
            str(a["found_postcode"]) if found else "",
            found_area if found else "",
            yn(outside) if found else "",
        ],
        (uk_sort(occ.t), ref),
        ("missing_reported", "missing_found") if found else ("missing_reported",),
    )
    return ref


def uk_sort(t: float) -> str:
    """A sortable time key."""
    return f"{t:014.5f}"


def write_stop_search(ctx: Ctx, occ: Occ) -> None:
    """A stop and search record (subject only: the searched child)."""
    a = occ.attrs
    agency = force_agency(occ.area)
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "SS")
    items = a["items"]
    assert isinstance(items, list)
    ctx.sink.row(
        _path(agency, "stop_searches"),
        "police-csv",
        agency,
        "stop_searches",
        SEARCH,
        [
            ref,
            reg.person_id,
            *cols,
            uk_datetime(occ.t),
            str(a["postcode"]),
            occ.area,
            str(a["grounds"]),
            ";".join(items),
            str(a["outcome"]),
        ],
        (uk_sort(occ.t), ref),
        ("stop_search",),
    )


def write_arrest(ctx: Ctx, occ: Occ) -> str:
    """An arrest record (role suspect) by the force where it happened; returns the arrest ref."""
    a = occ.attrs
    agency = force_agency(occ.area)
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "ARR")
    occ.attrs["ref"] = ref
    occ.attrs["agency"] = agency
    occ.attrs["person_id"] = reg.person_id
    offence = str(a["offence"])
    ctx.sink.row(
        _path(agency, "arrests"),
        "police-csv",
        agency,
        "arrests",
        ARREST,
        [
            ref,
            reg.person_id,
            *cols,
            uk_datetime(occ.t),
            str(a["postcode"]),
            occ.area,
            offence,
            ctx.rng.choice(OFFENCE_TEXT[offence]),
            str(a["outcome"]),
            yn(bool(a["concealed"])),
            "suspect",
        ],
        (uk_sort(occ.t), ref),
        ("arrest",),
    )
    return ref


def write_custody(ctx: Ctx, occ: Occ) -> None:
    """A custody record linked to its arrest (same force, same person record)."""
    arrest = occ.attrs["arrest"]
    assert isinstance(arrest, Occ)
    if "ref" not in arrest.attrs:
        return
    agency = str(arrest.attrs["agency"])
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "CUS")
    hours = float(occ.attrs["hours"])  # type: ignore[arg-type]
    suite = f"{AREA_BY_CODE[occ.area].name} custody suite"
    ctx.sink.row(
        _path(agency, "custody"),
        "police-csv",
        agency,
        "custody",
        CUSTODY,
        [
            ref,
            str(arrest.attrs["ref"]),
            reg.person_id,
            *cols[:4],
            suite,
            uk_datetime(occ.t),
            uk_datetime(occ.t + hours / 24),
            yn(ctx.rng.random() < 0.9),
        ],
        (uk_sort(occ.t), ref),
        ("custody",),
    )


def write_incident(ctx: Ctx, occ: Occ) -> None:
    """An occurrence naming the child as victim, witness or other."""
    agency = force_agency(occ.area)
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "INC")
    ctx.sink.row(
        _path(agency, "incidents"),
        "police-csv",
        agency,
        "incidents",
        INCIDENT,
        [ref, reg.person_id, *cols, uk_datetime(occ.t), occ.area, str(occ.attrs["incident"]), str(occ.attrs["role"])],
        (uk_sort(occ.t), ref),
        ("concern_raised",),
    )
