"""Set-based bulk loading, the dialect-specific half (house rule 3): id blocks, COPY or executemany, key lookups.

PostgreSQL gets COPY, sequence ranges and one array parameter per lookup; SQLite gets executemany and a JSON
array parameter, under the write lock its IMMEDIATE transaction already holds. `reachable.db.dialect`
re-exports these, so domain code asks for "copy these rows" and never branches on the dialect itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy import ColumnElement, Select, String, bindparam, func, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

Timestamp = Callable[[datetime], Any]


def _postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (the only alternative is SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def _sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage form of an aware time: naive UTC text with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_time(moment: datetime) -> datetime:
    """PostgreSQL takes aware datetimes as they are."""
    return moment


def writes_overlap(session: Session, *, few_statements: bool = False) -> bool:
    """Whether writing from a second thread overlaps with Python work.

    PostgreSQL works in its own process. SQLite works inside ours, without the GIL only while a statement
    runs: a chunk written in a few statements (`copy_rows_at_once`) overlaps, many short queries do not.
    """
    return _postgres(session) or few_statements


def timestamp_converter(session: Session) -> Timestamp:
    """How an aware datetime is passed to raw statements on this session's database."""
    return _pg_time if _postgres(session) else _sqlite_time


def allocate_ids(session: Session, *, table: str, count: int) -> list[int]:
    """Reserve a block of `count` primary keys of a table, in one round trip, so rows can be copied in with ids."""
    if count == 0:
        return []
    if _postgres(session):
        # The sequence is looked up once (a sub-select): per row, the lookup cost ten times the nextval itself.
        # One row holding an array: fetching thousands of one-number rows cost more than drawing the numbers.
        drawn = session.execute(text("SELECT array_agg(nextval((SELECT CAST(pg_get_serial_sequence(:t, 'id') "
                                     "AS regclass)))) FROM generate_series(1, :n)"), {"t": table, "n": count})
        return [int(value) for value in drawn.scalar_one()]
    # SQLite: this transaction began IMMEDIATE and holds the only write lock, so max(id) cannot move under us.
    top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
    return list(range(int(top) + 1, int(top) + 1 + count))


class _JsonbText(Dumper):
    """Binary jsonb from JSON text: the format's version byte, then the text (callers pass JSON as text)."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        """The value in jsonb's binary form."""
        return b"\x01" + (obj if isinstance(obj, str) else json.dumps(obj)).encode()


_TYPES: dict[tuple[str, str], dict[str, int]] = {}


def _column_types(cursor: Any, table: str, columns: Sequence[str]) -> list[int]:
    """The type oids of a table's columns, for binary COPY (read once per database and table, again after a
    migration added a column)."""
    key = (cursor.connection.info.dbname, table)
    known = _TYPES.get(key)
    if known is None or not known.keys() >= set(columns):
        cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST(%s AS regclass) "
                       "AND attnum > 0 AND NOT attisdropped", (table,))
        known = _TYPES[key] = {name: int(oid) for name, oid in cursor.fetchall()}
    return [known[name] for name in columns]


def copy_rows(session: Session, *, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, one prepared executemany on SQLite; in the open transaction.

    Values are given as their columns' Python types (int, float, bool, str, date, aware datetime, or the
    database's own time form from `timestamp_converter`) and JSON as text: PostgreSQL's binary COPY refuses
    a date written as text with a TypeError, which rolls the load back.
    """
    if not rows:
        return
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    names = ", ".join(columns)
    cursor = raw.cursor()
    try:
        if _postgres(session):
            # Binary COPY: dumping each value by its column's type cost a sixth of the CPU of text COPY's
            # formatting (timestamps most of all); JSON columns take the JSON text the callers already hold.
            types = _column_types(cursor, table, columns)
            cursor.adapters.register_dumper(None, _JsonbText)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()


def copy_rows_at_once(session: Session, *, table: str, columns: Sequence[str],
                      rows: Sequence[Sequence[Any]]) -> None:
    """copy_rows as one statement: on SQLite the rows go as one JSON array read by json_each.

    Python's sqlite3 holds the GIL between the rows of an executemany; one INSERT ... SELECT runs the whole
    chunk inside SQLite without it, so a writer thread stores a chunk while the reader parses the next. The
    values are exactly what executemany would bind: JSON text, numbers and null come back as SQLite text,
    integers, reals and NULL; dates and times go as sqlite3's own adapters write them (ISO text).
    """
    if not rows or _postgres(session):
        copy_rows(session, table=table, columns=columns, rows=rows)
        return
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    picks = ", ".join(f"json_extract(value, '$[{index}]')" for index in range(len(columns)))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picks} FROM json_each(?)"  # noqa: S608
    cursor = raw.cursor()
    try:
        cursor.execute(statement, (json.dumps(rows, default=_sqlite_value, allow_nan=False),))
    finally:
        cursor.close()


def _sqlite_value(value: Any) -> str:
    """A date or time as sqlite3's default adapters bind it; anything else JSON cannot carry is an error."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} through a JSON row")


def select_by_keys(session: Session, columns: Sequence[InstrumentedAttribute[Any]], key: InstrumentedAttribute[str],
                   values: Sequence[str], *conditions: ColumnElement[bool]) -> Select[Any]:
    """The rows whose `key` is one of `values` (and meet `conditions`), found by one index probe per value.

    The values go as one parameter, not thousands of placeholders to render, send and parse. PostgreSQL gets
    them as a LATERAL join, so it probes the index once per value even on a table that has just grown and has
    no statistics yet (otherwise it may filter a whole agency's rows by the list, once per row); SQLite plans
    `IN (SELECT value FROM json_each(...))` as one probe per value by itself.
    """
    if _postgres(session):
        listed = func.unnest(bindparam(None, list(values), type_=ARRAY(String))).table_valued("value").render_derived()
        # OFFSET 0 keeps the subquery from being flattened into a join the planner may reorder (see above).
        found = select(*columns).where(key == listed.c.value, *conditions).offset(0).lateral()
        return select(found).select_from(listed).join(found, true())
    listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued("value")
    return select(*columns).where(key.in_(select(listed.c.value)), *conditions)
