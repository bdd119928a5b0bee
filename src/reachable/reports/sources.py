"""Read-only views of the tables the statistics count, as lightweight SQL constructs.

The architecture lets a domain import only other domains' `service`/`schemas` modules, so the
reports domain never imports their ORM models. It names the few columns it reads with
`sqlalchemy.table()/column()` instead; these mirror (and must follow) the owning domains' models:
events, source_records (records); children, record_links (identity); areas, agencies (areas);
markers (markers); tasks (tasks); risk_assessments (risk).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float, Integer, String, Text, and_, case, cast, column, extract, func, literal, table
from sqlalchemy.sql.elements import ColumnElement

from reachable.db.base import JsonType, UtcDateTime

events = table(
    "events", column("id", Integer), column("kind", String), column("occurred_at", UtcDateTime()),
    column("superseded_at", UtcDateTime()), column("source_record_id", Integer), column("agency_id", Integer),
    column("agency_key", String), column("area_code", String), column("incident_ref", String),
    column("payload", JsonType),
)
source_records = table(
    "source_records", column("id", Integer), column("agency_id", Integer), column("agency_person_id", String),
    column("dob", Date), column("sex", String), column("nationality", String), column("home_area_code", String),
    column("upn", String), column("council_child_id", String),
)
children = table(
    "children", column("id", Integer), column("reference", String), column("dob", Date), column("sex", String),
    column("home_area_code", String), column("status", String), column("merged_into_id", Integer),
)
record_links = table(
    "record_links", column("source_record_id", Integer), column("child_id", Integer),
    column("ended_at", UtcDateTime()),
)
areas = table("areas", column("code", String), column("kind", String), column("police_force_code", String))
agencies = table("agencies", column("id", Integer), column("code", String), column("kind", String),
                 column("area_code", String))
markers = table(
    "markers", column("id", Integer), column("child_id", Integer), column("code", String),
    column("status", String), column("set_at", UtcDateTime()), column("ended_at", UtcDateTime()),
    column("set_by_agency_id", Integer),
)
tasks = table(
    "tasks", column("id", Integer), column("child_id", Integer), column("rule_id", String),
    column("created_at", UtcDateTime()), column("due_at", UtcDateTime()), column("closed_at", UtcDateTime()),
    column("status", String), column("owner_area_code", String), column("owner_agency_id", Integer),
)
risk_assessments = table(
    "risk_assessments", column("id", Integer), column("child_id", Integer), column("assessed_at", UtcDateTime()),
    column("level", String), column("status", String), column("score", Float),
)

# Marker codes (lower-cased) counting as each vulnerability flag; the first of each follows the national
# marker list (markers/data/codes.yaml), the rest accept older local spellings.
MARKER_CODES: dict[str, tuple[str, ...]] = {
    "cce": ("cce_risk", "cce_victim", "county_lines", "cce", "child_criminal_exploitation"),
    "cse": ("cse_risk", "cse", "child_sexual_exploitation"),
    "missing": ("missing_risk", "missing", "frequently_missing"),
    "trafficking": ("trafficking_nrm", "trafficking", "modern_slavery"),
}
BRITISH = ("british", "uk", "gb", "gbr", "united kingdom", "english", "welsh", "scottish", "northern irish")


def payload_text(event: Any, key: str) -> ColumnElement[str]:
    """A payload field as text (JSON extraction compiled per database by SQLAlchemy)."""
    result: ColumnElement[str] = event.c.payload[key].as_string()
    return result


def payload_flag(event: Any, key: str) -> ColumnElement[bool]:
    """A boolean payload field; missing counts as false."""
    return func.coalesce(event.c.payload[key].as_boolean(), False)


def payload_has(event: Any, quoted_value: str) -> ColumnElement[bool]:
    """Whether the payload's JSON text holds a quoted string value (list membership, portable).

    JSON array containment differs per database; the payload's canonical JSON text does not, and the
    quoted value ("24A", "firearm") cannot be a substring of another code.
    """
    return cast(event.c.payload, Text).like(f'%"{quoted_value}"%')


def ymd(value: Any) -> ColumnElement[int]:
    """A date or timestamp as the integer yyyymmdd (portable age arithmetic)."""
    parts = [cast(extract(part, value), Integer) for part in ("year", "month", "day")]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def age_at(dob: Any, at: Any) -> ColumnElement[int]:
    """Age in whole years at a date: (yyyymmdd(at) - yyyymmdd(dob)) / 10000, integer division."""
    return (ymd(at) - ymd(dob)) // 10000


def days_between(start: Any, end: Any) -> ColumnElement[Any]:
    """Whole days from one date to another, portable (Julian-day style via yyyymmdd is wrong across months)."""
    return cast(func.floor(_epoch_days(end) - _epoch_days(start)), Float)


def hours_between(start: Any, end: Any) -> ColumnElement[Any]:
    """Hours from one timestamp to another (may be negative), portable."""
    return (cast(extract("epoch", end), Float) - cast(extract("epoch", start), Float)) / 3600.0


def _epoch_days(value: Any) -> ColumnElement[Any]:
    """Days since 1970-01-01 of a date or timestamp: extract('epoch') compiled per database."""
    return cast(extract("epoch", value), Float) / 86400.0


def nationality_group(value: Any) -> ColumnElement[str]:
    """British / non-British / unknown from a free-text nationality."""
    lowered = func.lower(func.trim(value))
    return case((value.is_(None), literal("unknown")), (lowered == "", literal("unknown")),
                (lowered.in_(BRITISH), literal("british")), else_=literal("non_british"))


def sex_group(value: Any) -> ColumnElement[str]:
    """M / F / unknown."""
    return case((value.in_(("M", "F")), value), else_=literal("U"))


def yes_no(condition: ColumnElement[bool]) -> ColumnElement[str]:
    """'yes' / 'no' from a condition (dimension values are text)."""
    return case((condition, literal("yes")), else_=literal("no"))


def both(*clauses: ColumnElement[bool]) -> ColumnElement[bool]:
    """AND of clauses (readability helper)."""
    return and_(*clauses)
