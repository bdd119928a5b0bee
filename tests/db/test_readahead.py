"""Read-ahead returns exactly what the session itself would read, in order, and never hides its own writes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from reachable.areas.models import Area
from reachable.db.readahead import raw_rows, read_ahead


def _queries() -> list[Select[Any]]:
    """Area codes in three ranges, in order."""
    return [select(Area.code).where(Area.code >= low, Area.code < high).order_by(Area.code)
            for low, high in (("E06", "E08"), ("E08", "E10"), ("E10", "W99"))]


def test_read_ahead_gives_the_same_rows_in_the_same_order(session: Session) -> None:
    expected = [raw_rows(session.connection(), query) for query in _queries()]
    assert sum(len(rows) for rows in expected) > 100
    reader = read_ahead(session, _queries())
    got = [next(reader)]
    # On PostgreSQL the rows come from a second connection in the same snapshot; SQLite reads in the session.
    ahead = any(thread.name == "read-ahead" for thread in threading.enumerate())
    assert ahead == (session.get_bind().dialect.name == "postgresql")
    assert got + list(reader) == expected


def test_this_transactions_uncommitted_rows_are_seen(session: Session) -> None:
    # A second connection could not see this row: read-ahead must read in the session itself.
    session.add(Area(code="E08999999", name="Uncommitted", kind="council", country="England"))
    session.flush()
    found = [row[0] for rows in read_ahead(session, _queries()) for row in rows]
    assert "E08999999" in found


def test_stopping_early_ends_the_reader(session: Session) -> None:
    before = threading.active_count()
    reader = read_ahead(session, _queries() * 20)
    next(reader)
    reader.close()
    assert threading.active_count() == before


def test_an_error_in_a_query_reaches_the_caller(session: Session) -> None:
    broken = [select(Area.code), select(text("no_such_column")).select_from(Area)]
    with pytest.raises(Exception, match="no_such_column"):
        list(read_ahead(session, broken))
