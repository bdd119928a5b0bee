"""The two set-based primitives the bulk writer needs: allocating ids and copying rows in.

These are the only dialect-specific statements of ingest (house rule 3 keeps such differences in one place;
this module is that place for bulk loading): PostgreSQL gets COPY and sequence ranges, SQLite executemany
under the write lock it already holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable.db.dialect import dialect_name

Timestamp = Callable[[datetime], Any]


def _sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage form of an aware time: naive UTC text with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_time(moment: datetime) -> datetime:
    """PostgreSQL takes aware datetimes as they are."""
    return moment


def timestamp_converter(session: Session) -> Timestamp:
    """How an aware datetime is passed to raw statements on this session's database."""
    return _pg_time if dialect_name(session) == "postgresql" else _sqlite_time


def allocate_ids(session: Session, *, table: str, count: int) -> list[int]:
    """Reserve `count` primary keys of a table so rows can be copied in with known ids."""
    if count == 0:
        return []
    if dialect_name(session) == "postgresql":
        rows = session.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                               {"t": table, "n": count})
        return [int(row[0]) for row in rows]
    # SQLite: this transaction began IMMEDIATE and holds the only write lock, so max(id) cannot move under us.
    top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
    return list(range(int(top) + 1, int(top) + 1 + count))


def copy_rows(session: Session, *, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, executemany on SQLite; inside the session's transaction."""
    if not rows:
        return
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        names = ", ".join(columns)
        if dialect_name(session) == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()
