"""Checks on canonical events that need more than their own shape: payloads per kind, areas, ages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from reachable.common.dates import age_on
from reachable.common.errors import FieldError
from reachable.records.kinds import PAYLOADS, EventKind
from reachable.records.schemas import EventIn

LONDON = ZoneInfo("Europe/London")
MAX_AGE = 25  # care leavers are supported to 25; older "children" are data errors
# Children's services refer, assess and plan for unborn babies (CIN census pre-birth cases): allowed up to
# a pregnancy's length before the date of birth, for those kinds only.
PRE_BIRTH_DAYS = 280
PRE_BIRTH_KINDS = {EventKind.REFERRAL, EventKind.ASSESSMENT_COMPLETED, EventKind.CIN_PLAN_START,
                   EventKind.CIN_PLAN_END, EventKind.CP_PLAN_START, EventKind.CP_PLAN_END}


def as_utc(moment: datetime) -> datetime:
    """Aware UTC time; a naive time is read as UK local time, as agency systems record it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(UTC)


def pydantic_errors(error: ValidationError, *, prefix: str = "", line: int | None = None,
                    file: str | None = None) -> list[FieldError]:
    """Turn a Pydantic error into field errors naming each field and reason."""
    found = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        value = item.get("input")
        shown = None if isinstance(value, dict | list) or value is None else str(value)
        field = f"{prefix}{location}" if location else prefix.rstrip(".") or "(row)"
        found.append(FieldError(field, item["msg"], shown, file=file, line=line))
    return found


def check_event(event: EventIn, *, known_areas: set[str], today: datetime | None = None,
                line: int | None = None, file: str | None = None) -> list[FieldError]:
    """Every problem with one event beyond its shape; an empty list means it may be stored."""
    return prepare_event(event, known_areas=known_areas, now=today or datetime.now(UTC), line=line, file=file)[0]


def prepare_event(event: EventIn, *, known_areas: set[str], now: datetime, line: int | None = None,
                  file: str | None = None) -> tuple[list[FieldError], str]:
    """check_event's problems plus the payload as its kind's contract writes it (JSON), validated only once."""
    errors: list[FieldError] = []
    payload_json = ""
    try:
        payload_json = PAYLOADS[event.kind].model_validate(event.payload).model_dump_json(exclude_none=True)
    except ValidationError as error:
        errors.extend(pydantic_errors(error, prefix="payload.", line=line, file=file))
    for field, code in (("area_code", event.area_code), ("person.home_area_code", event.person.home_area_code)):
        if code and code not in known_areas:
            errors.append(FieldError(field, "unknown area code (expected an ONS code such as E08000025)",
                                     code, file=file, line=line))
    occurred = as_utc(event.occurred_at)
    if occurred > now:
        errors.append(FieldError("occurred_at", "is in the future", occurred.isoformat(), file=file, line=line))
    dob = event.person.dob
    if dob is not None:
        today = now.date()
        happened = occurred.date()
        if dob > today:
            errors.append(FieldError("person.dob", "date of birth is in the future", dob.isoformat(),
                                     file=file, line=line))
        elif happened < dob and not (event.kind in PRE_BIRTH_KINDS and (dob - happened).days <= PRE_BIRTH_DAYS):
            errors.append(FieldError("person.dob", "the event happened before this date of birth (age outside "
                                     f"0–{MAX_AGE})", dob.isoformat(), file=file, line=line))
        elif happened >= dob:
            age = age_on(dob, happened)
            if not 0 <= age <= MAX_AGE:
                errors.append(FieldError("person.dob", f"age at the event would be {age}, outside 0–{MAX_AGE}",
                                         dob.isoformat(), file=file, line=line))
    return errors, payload_json


def check_events(events: Iterable[EventIn], *, known_areas: set[str]) -> list[FieldError]:
    """Every problem with a batch of events, each located by its index in the batch."""
    errors: list[FieldError] = []
    for index, event in enumerate(events):
        errors.extend(check_event(event, known_areas=known_areas, line=index))
    return errors
