"""Consistency checks a store must pass after anything: a crash, a refused import, a fuzzed request.

Each check returns a list of problems (empty means fine), so one report can show every broken invariant.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from reachable.access import service as access
from reachable.db.uow import session_factory

# (description, SQL counting offending rows). Plain SQL that both SQLite and PostgreSQL run unchanged.
ORPHANS: tuple[tuple[str, str], ...] = (
    ("events without their source record",
     "SELECT count(*) FROM events e LEFT JOIN source_records s ON s.id = e.source_record_id WHERE s.id IS NULL"),
    ("events of an import batch that does not exist",
     "SELECT count(*) FROM events e LEFT JOIN import_batches b ON b.id = e.import_batch_id "
     "WHERE e.import_batch_id IS NOT NULL AND b.id IS NULL"),
    ("import batches never finished (half-written import)",
     "SELECT count(*) FROM import_batches WHERE source_kind = 'file' AND finished_at IS NULL"),
    ("source records with events but linked to no child",
     "SELECT count(*) FROM source_records s WHERE EXISTS (SELECT 1 FROM events e WHERE e.source_record_id = s.id) "
     "AND NOT EXISTS (SELECT 1 FROM record_links l WHERE l.source_record_id = s.id)"),
    ("duplicate event versions",
     "SELECT count(*) FROM (SELECT agency_id, agency_key, version FROM events "
     "GROUP BY agency_id, agency_key, version HAVING count(*) > 1) d"),
    ("duplicate open tasks (same child, rule, kind, title, deadline)",
     "SELECT count(*) FROM (SELECT child_id FROM tasks WHERE status = 'open' AND rule_id IS NOT NULL "
     "GROUP BY child_id, rule_id, kind, title, due_at HAVING count(*) > 1) d"),
    ("duplicate live markers (same child and code, proposed or active)",
     "SELECT count(*) FROM (SELECT child_id FROM markers WHERE status IN ('proposed', 'active') "
     "GROUP BY child_id, code HAVING count(*) > 1) d"),
)


def integrity(engine: Engine) -> list[str]:
    """The database's own check (SQLite integrity_check and foreign_key_check; PostgreSQL answers at all)."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            connection.execute(text("SELECT 1"))
            return []
        result = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check").all()]
        foreign = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    problems = [] if result == ["ok"] else [f"integrity_check: {result[:5]}"]
    return problems + [f"foreign key broken: {row}" for row in foreign[:5]]


def orphans(engine: Engine) -> list[str]:
    """Every half-written or duplicated thing the ORPHANS queries find."""
    problems = []
    with engine.connect() as connection:
        for description, sql in ORPHANS:
            count = int(connection.execute(text(sql)).scalar() or 0)
            if count:
                problems.append(f"{count} {description}")
    return problems


def audit_chain(engine: Engine) -> list[str]:
    """Breaks in the audit hash chain."""
    with session_factory(engine)() as session:
        return access.verify_chain(session)


def check_all(engine: Engine) -> list[str]:
    """Every check above."""
    return integrity(engine) + orphans(engine) + audit_chain(engine)


def counts(engine: Engine) -> dict[str, Any]:
    """Row counts of the tables a write touches: the 'final state' two runs are compared by.

    Import batches are left out: they are the provenance of every submission, so each API request resent after
    a kill rightly adds one that a clean run (the same events as one file) does not have.
    """
    tables = ("events", "source_records", "children", "record_links", "tasks", "markers", "rule_firings")
    with engine.connect() as connection:
        return {name: int(connection.execute(text(f"SELECT count(*) FROM {name}")).scalar() or 0)
                for name in tables}
