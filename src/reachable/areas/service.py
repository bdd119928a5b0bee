"""Reference areas and agencies: loading the shipped ONS list, lookups, and agency codes."""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from reachable.areas.models import Agency, Area
from reachable.common.errors import FieldError, InputRejected, NotFound
from reachable.common.types import AgencyKind
from reachable.db.dialect import insert_ignoring_conflicts
from reachable.db.uow import memo

_AGENCIES = "areas.agencies"  # the transaction's memo of agencies by id and by code (agency rows never change)

# Agency codes name their kind and area: POL-E23000014 is West Midlands Police.
AGENCY_PREFIXES: dict[str, AgencyKind] = {
    "POL": AgencyKind.POLICE,
    "CSC": AgencyKind.CHILDRENS_SOCIAL_CARE,
    "EDU": AgencyKind.EDUCATION,
    "HLT": AgencyKind.HEALTH,
    "YJS": AgencyKind.YOUTH_JUSTICE,
    "VCS": AgencyKind.VOLUNTARY_SECTOR,
    "NRM": AgencyKind.NRM_COMPETENT_AUTHORITY,
}
KIND_NAMES: dict[AgencyKind, str] = {
    AgencyKind.POLICE: "Police",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's social care",
    AgencyKind.EDUCATION: "Education",
    AgencyKind.HEALTH: "Health",
    AgencyKind.YOUTH_JUSTICE: "Youth justice service",
    AgencyKind.VOLUNTARY_SECTOR: "Voluntary sector",
    AgencyKind.NRM_COMPETENT_AUTHORITY: "NRM competent authority",
}


def reference_rows() -> list[dict[str, str | None]]:
    """The shipped area list (ONS codes, names, kinds, country, covering police force)."""
    text = resources.files("reachable.areas").joinpath("data/areas.csv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({key: (value or None) for key, value in row.items()})
    return rows


def load_reference_areas(session: Session) -> int:
    """Insert or refresh the shipped areas; returns how many rows the reference holds."""
    rows = reference_rows()
    existing = {area.code: area for area in session.scalars(select(Area))}
    # Police forces first so councils' foreign keys to them resolve.
    ordered = sorted(rows, key=lambda row: (row["kind"] != "police_force", row["kind"] == "district"))
    for row in ordered:
        area = existing.get(str(row["code"]))
        if area is None:
            area = Area(code=str(row["code"]))
            session.add(area)
        area.name = str(row["name"])
        area.kind = str(row["kind"])
        area.country = str(row["country"])
        area.police_force_code = row.get("police_force_code")
        area.parent_code = row.get("parent_code")
        session.flush()
    return len(rows)


def get_area(session: Session, *, code: str) -> Area:
    """The area with this ONS code, or NotFound."""
    area = session.get(Area, code)
    if area is None:
        raise NotFound(f"unknown area code {code!r}")
    return area


def list_areas(session: Session, *, kind: str | None = None) -> list[Area]:
    """All areas, optionally of one kind, ordered by name."""
    query = select(Area).order_by(Area.name)
    if kind:
        query = query.where(Area.kind == kind)
    return list(session.scalars(query))


def area_codes(session: Session) -> set[str]:
    """Every known area code (for validating many rows at once)."""
    return set(session.scalars(select(Area.code)))


_KNOWN: set[str] = set()  # codes seen in a store: areas are shipped reference data, loaded and never deleted


def known_area_codes(session: Session, codes: set[str]) -> set[str]:
    """Those of `codes` that are known areas (a few events need not read the whole area list).

    A code once found is remembered for the process (every API submission checks its codes); a code not found
    is asked again next time, since the reference areas may be loaded later.
    """
    wanted = sorted(code for code in codes if code and code not in _KNOWN)
    if wanted:
        _KNOWN.update(session.scalars(select(Area.code).where(Area.code.in_(wanted))))
    return {code for code in codes if code in _KNOWN}


def count_areas(session: Session) -> int:
    """How many areas the store holds."""
    return int(session.scalar(select(func.count()).select_from(Area)) or 0)


def police_force_for(session: Session, *, area_code: str) -> str | None:
    """The police force covering a council (or the force itself if given one)."""
    area = get_area(session, code=area_code)
    if area.kind == "police_force":
        return area.code
    return area.police_force_code


def parse_agency_code(code: str) -> tuple[AgencyKind, str | None]:
    """Split an agency code such as CSC-E08000025 into its kind and area code; raise on nonsense."""
    prefix, _, rest = code.partition("-")
    kind = AGENCY_PREFIXES.get(prefix)
    if kind is None or not rest:
        raise InputRejected(
            [FieldError("agency", "unknown agency code: expected e.g. POL-E23000014 or CSC-E08000025", code)]
        )
    area = None if kind in (AgencyKind.VOLUNTARY_SECTOR, AgencyKind.NRM_COMPETENT_AUTHORITY) else rest
    return kind, area


def get_agency(session: Session, *, code: str) -> Agency:
    """The agency with this code, or NotFound."""
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"unknown agency {code!r}")
    return agency


def ensure_agency(session: Session, *, code: str, name: str | None = None) -> Agency:
    """The agency with this code, registering it from the code's kind and area on first sight."""
    held = memo(session, _AGENCIES)
    if code in held:
        return held[code]  # type: ignore[no-any-return]
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is not None:
        return _hold(held, agency)
    kind, area_code = parse_agency_code(code)
    if area_code is not None:
        area = session.get(Area, area_code)
        if area is None:
            raise InputRejected([FieldError("agency", f"agency code names an unknown area {area_code!r}", code)])
        default_name = f"{area.name} {KIND_NAMES[kind].lower()}" if kind != AgencyKind.POLICE else area.name
    else:
        default_name = f"{KIND_NAMES[kind]} {code.partition('-')[2]}"
    # Two transactions may register the same new agency at once (two imports, two API requests): INSERT ... ON
    # CONFLICT DO NOTHING lets the second take the first's row instead of failing on the unique code.
    values = {"code": code, "name": name or default_name, "kind": kind.value, "area_code": area_code}
    table = Agency.metadata.tables["agencies"]
    session.execute(insert_ignoring_conflicts(session, table, ["code"]).values(**values))
    agency = session.scalar(select(Agency).where(Agency.code == code))
    assert agency is not None  # just inserted, or committed by the transaction that won
    return _hold(held, agency)


def _hold(held: dict[object, Agency], agency: Agency) -> Agency:
    """Keep an agency in the transaction's memo by id and by code."""
    held[agency.id] = held[agency.code] = agency
    return agency


def with_agency(query: Select[Any], agency_id: ColumnElement[Any] | QueryableAttribute[Any]) -> Select[Any]:
    """`query` with the agency `agency_id` names as one more, outer-joined entity: another domain's hot read (the
    caller of every request) gets its agency in the same statement, then keeps it with `hold_agency`."""
    return query.add_columns(Agency).outerjoin(Agency, Agency.id == agency_id)


def hold_agency(session: Session, agency: Agency | None) -> None:
    """Keep an agency another domain's statement read in this transaction's memo (see `agencies_by_id`)."""
    if agency is not None:
        _hold(memo(session, _AGENCIES), agency)


def agencies_by_id(session: Session, *, ids: set[int]) -> dict[int, Agency]:
    """Agencies keyed by id, for labelling rows that carry only an agency id."""
    if not ids:
        return {}
    # Agencies this transaction has already read cost no query: per-event paths call this from every stage.
    held = memo(session, _AGENCIES)
    found = {agency_id: held[agency_id] for agency_id in ids if agency_id in held}
    missing = set(ids) - found.keys()
    if missing:
        for agency in session.scalars(select(Agency).where(Agency.id.in_(missing))):
            found[agency.id] = _hold(held, agency)
    return found


def agencies_by_code(session: Session, *, codes: set[str]) -> dict[str, Agency]:
    """The registered agencies among these codes, in one query (unknown codes are left out)."""
    if not codes:
        return {}
    held = memo(session, _AGENCIES)
    found = {code: held[code] for code in codes if code in held}
    missing = codes - found.keys()
    if missing:
        for agency in session.scalars(select(Agency).where(Agency.code.in_(missing))):
            found[agency.code] = _hold(held, agency)
    return found
