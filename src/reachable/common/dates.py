"""Date helpers: UK formats and working days (England and Wales bank holidays are out of scope here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def parse_uk_date(text: str) -> date:
    """Parse dd/mm/yyyy (SSDA903, police extracts) or ISO yyyy-mm-dd; raise ValueError otherwise."""
    text = text.strip()
    if "/" in text:
        day, month, year = text.split("/")
        if len(year) != 4:
            raise ValueError(f"expected dd/mm/yyyy, got {text!r}")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)


def age_on(dob: date, on: date) -> int:
    """Age in whole years on a given date."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def add_working_days(start: datetime, days: int) -> datetime:
    """Add working days (Monday to Friday), as statutory timescales count them."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
