"""The one place where SQLite and PostgreSQL differ in SQL (house rule 3)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import FromClause, Select, Table, TextClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(session: Session, table: Table, index_elements: Sequence[str]) -> Insert:
    """An INSERT that skips rows clashing on the given unique columns (idempotent imports)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def insert_or_ignore(table: Table, index_elements: Sequence[str]) -> Insert:
    """A cacheable INSERT that skips rows clashing on the given unique columns (the same SQL on both databases).

    SQLAlchemy 2.0 cannot cache the dialects' own `insert().on_conflict_do_nothing()`, so each execution compiles
    again (about a millisecond); this plain INSERT carries the same clause, which SQLite (3.24+) and PostgreSQL
    both accept, also with RETURNING and with many rows at once.
    """
    from sqlalchemy import insert, text

    statement = insert(table)
    statement._post_values_clause = text(f"ON CONFLICT ({', '.join(index_elements)}) DO NOTHING")
    return statement


def dialect_name(session: Session) -> str:
    """The name of the database behind a session: 'sqlite' or 'postgresql'."""
    return session.get_bind().dialect.name



def _advisory_key(name: str) -> int:
    """The advisory lock key of a lock name: its first 8 bytes (callers hash longer names), as a positive bigint."""
    return int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "big") & 0x7FFFFFFFFFFFFFFF


def lock_for_append(session: Session, name: str) -> None:
    """Serialise appends to a chained table: an advisory lock on PostgreSQL; SQLite already holds the write lock."""
    if dialect_name(session) == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key(name)})


def lock_shared_for_append(session: Session, name: str) -> None:
    """`lock_for_append`'s lock in shared mode: shared holders run side by side, an exclusive holder waits for
    them all (PostgreSQL; nothing on SQLite)."""
    if dialect_name(session) == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": _advisory_key(name)})


def lock_many_for_append(session: Session, names: Sequence[str]) -> None:
    """`lock_for_append` for many names in one statement, taken in key order (PostgreSQL; nothing on SQLite)."""
    if dialect_name(session) == "postgresql" and names:
        keys = sorted({_advisory_key(name) for name in names})
        session.execute(_lock_many_statement(), {"keys": keys})


@cache
def _lock_many_statement() -> TextClause:
    """`lock_many_for_append`'s statement, built once (rules lock per ingest; building it cost a third of a run)."""
    from sqlalchemy import bindparam, text
    from sqlalchemy.dialects.postgresql import ARRAY, BIGINT

    return text("SELECT count(pg_advisory_xact_lock(key)) FROM (SELECT unnest(:keys) AS key ORDER BY 1) AS wanted"
                ).bindparams(bindparam("keys", type_=ARRAY(BIGINT)))


def try_lock_for_append(session: Session, name: str) -> bool:
    """Like `lock_for_append` but never waits: False if another transaction holds the lock (PostgreSQL)."""
    if dialect_name(session) == "postgresql":
        from sqlalchemy import text

        return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _advisory_key(name)}))
    return True


def writers_serialised(session: Session) -> bool:
    """Whether the store runs one writing transaction at a time (SQLite: every unit of work holds the write lock)."""
    return dialect_name(session) == "sqlite"


# Bulk loading (COPY, executemany, id blocks, one-parameter key lookups) lives beside this module.
from reachable.db.bulk import allocate_ids as allocate_ids  # noqa: E402
from reachable.db.bulk import copy_rows as copy_rows  # noqa: E402
from reachable.db.bulk import copy_rows_at_once as copy_rows_at_once  # noqa: E402
from reachable.db.bulk import select_by_keys as select_by_keys  # noqa: E402
from reachable.db.bulk import timestamp_converter as timestamp_converter  # noqa: E402
from reachable.db.bulk import writes_overlap as writes_overlap  # noqa: E402


def tune_for_analytics(session: Session) -> None:
    """Settings for one large read-mostly report on this session's connection (e.g. a national return).

    SQLite: memory-map the file, so the many index lookups of a big join read pages without a system call each;
    a larger page cache for the temporary tables. PostgreSQL: room for hash joins and sorts in memory, no JIT
    compilation (it costs more than it saves on queries of a few hundred milliseconds), and join reordering
    over all of a report's relations. SET LOCAL ends with the transaction; the SQLite pragmas stay on the
    pooled connection, which is harmless.
    """
    from sqlalchemy import text

    if dialect_name(session) == "sqlite":
        session.execute(text("PRAGMA mmap_size=4294967296"))
        session.execute(text("PRAGMA temp.cache_size=-262144"))
    else:
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        session.execute(text("SET LOCAL jit = off"))
        # A report joins up to a dozen relations (event, record, link, child, areas, agency, an area's ids);
        # above 8 the planner keeps the written join order and may scan every child before the area's few.
        session.execute(text("SET LOCAL join_collapse_limit = 16"))
        session.execute(text("SET LOCAL from_collapse_limit = 16"))
        # A report analyses each temporary table it joins (their row counts matter most): sampling 3,000 rows
        # rather than 30,000 cut the analyses of a 500,000-event national return from about 1 s to 0.2 s.
        session.execute(text("SET LOCAL default_statistics_target = 10"))


def bulk_load_cache(session: Session, *, mebibytes: int = 1024) -> None:
    """A large page cache for one big set-based load (SQLite; PostgreSQL's cache is the server's).

    SQLite's default 2 MB cache makes most index insertions of a multi-gigabyte rebuild re-read pages:
    with 1 GB a 1.6 M-link network rebuild took 89 s instead of 101 s. The pragma stays on the pooled
    connection (memory is only used as pages are read), like `tune_for_analytics`' pragmas.
    """
    from sqlalchemy import text

    if dialect_name(session) == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{int(mebibytes) * 1024}"))


@contextmanager
def secondary_indexes_deferred(session: Session, table: str) -> Iterator[None]:
    """Within the block, `table` has no secondary indexes, unique or foreign-key constraints (PostgreSQL).

    For a load that rewrites most of a table: building each index once afterwards, and checking each foreign
    key with one join, costs a fraction of maintaining them row by row. PostgreSQL's DDL is transactional,
    so a failure (or a duplicate the unique constraint refuses when re-added) rolls everything back. The
    block holds an exclusive lock on the table (and blocks writers of the tables it references) until the
    transaction ends. The primary key stays. SQLite: the indexes created with CREATE INDEX are dropped and
    built again at the end (SQLite's DDL is transactional too); constraints declared in the table stay.
    """
    from sqlalchemy import text

    if dialect_name(session) == "sqlite":
        # A 5 M-link first rebuild inserted into every index page by page (325 s); one sorted build each is cheaper.
        created = session.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
            {"t": table}).all()
        for name, _definition in created:
            session.execute(text(f'DROP INDEX "{name}"'))
        yield
        for _name, definition in created:
            session.execute(text(definition))
        return
    constraints = session.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f') ORDER BY contype DESC, conname"),
        {"t": table}).all()
    indexes = session.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"), {"t": table}).all()
    for name, _definition in constraints:
        session.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        session.execute(text(f"DROP INDEX {name}"))
    yield
    session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for _name, definition in indexes:
        session.execute(text(definition))
    # Unique constraints first (ORDER BY contype DESC): 'u' > 'f'.
    for name, definition in constraints:
        session.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))


def empty_table(session: Session, table: Table) -> None:
    """Remove every row of a (temporary) table: TRUNCATE on PostgreSQL (no dead rows left to scan), DELETE on SQLite."""
    from sqlalchemy import text

    if dialect_name(session) == "postgresql":
        session.execute(text(f'TRUNCATE "{table.name}"'))
    else:
        session.execute(table.delete())


def sqlite_index(query: Select[Any], table: FromClause, index: str) -> Select[Any]:
    """`query` reading `table` (a table or alias in its FROM) through `index` on SQLite (INDEXED BY); as is elsewhere.

    For when SQLite's planner picks a narrower index and then reads every matching table row (a partial index
    whose WHERE columns it does not count as covered). SQLite must be able to use the index, or the query fails.
    """
    _sqlite_from_hints()
    return query.with_hint(table, f"INDEXED BY {index}", dialect_name="sqlite")


@cache
def _sqlite_from_hints() -> None:
    """Let SQLAlchemy's SQLite compiler write FROM hints (it drops them by default); they follow the table's alias."""
    from sqlalchemy.dialects.sqlite.base import SQLiteCompiler

    def get_from_hint_text(self: SQLiteCompiler, table: FromClause, text: str | None) -> str | None:
        """The hint text as given (INDEXED BY ...)."""
        return text

    SQLiteCompiler.get_from_hint_text = get_from_hint_text  # type: ignore[method-assign,assignment]
