"""Indexes deferred for a big load are gone inside the block and come back as they were after it."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from reachable.db import dialect


def _indexes(session: Session, table: str) -> list[tuple[str, bool]]:
    """The table's secondary indexes (name, unique), as the database reports them."""
    return sorted((index["name"] or "", bool(index["unique"]))
                  for index in inspect(session.connection()).get_indexes(table))


def test_indexes_are_rebuilt_after_the_block(session: Session) -> None:
    before = _indexes(session, "network_evidence")
    assert before  # there is something to defer
    with dialect.secondary_indexes_deferred(session, "network_evidence"):
        assert _indexes(session, "network_evidence") == []
    assert _indexes(session, "network_evidence") == before
