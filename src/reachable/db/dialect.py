"""The one place where SQLite and PostgreSQL differ in SQL (house rule 3)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(session: Session, table: Table, index_elements: Sequence[str]) -> Insert:
    """An INSERT that skips rows clashing on the given unique columns (idempotent imports)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def dialect_name(session: Session) -> str:
    """The name of the database behind a session: 'sqlite' or 'postgresql'."""
    return session.get_bind().dialect.name



def lock_for_append(session: Session, name: str) -> None:
    """Serialise appends to a chained table: an advisory lock on PostgreSQL; SQLite already holds the write lock."""
    if dialect_name(session) == "postgresql":
        from sqlalchemy import text

        key = int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "big") & 0x7FFFFFFFFFFFFFFF
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
