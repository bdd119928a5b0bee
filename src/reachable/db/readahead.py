"""Reading a long series of queries while the caller works on the rows already read.

A full scan in ranges spends half its time waiting for the server. On PostgreSQL a second connection that
imports this transaction's snapshot runs the next queries meanwhile, so the database and the caller's Python
use the machine's two cores at once, and both see exactly the same rows. SQLite, and a transaction that has
already written (an exported snapshot does not show its own uncommitted rows), read in the session itself.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, text
from sqlalchemy.orm import Session

_DONE = object()


def raw_rows(connection: Connection, query: Executable) -> Sequence[Any]:
    """A query's rows as the driver's own tuples: a result row object per row costs more than most callers' work."""
    result = connection.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _can_share_snapshot(session: Session) -> bool:
    """PostgreSQL, and this transaction has written nothing a second connection could not see."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return session.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar() is None


def read_ahead(session: Session, queries: Sequence[Executable], *,
               depth: int = 2) -> Generator[Sequence[Any], None, None]:
    """Each query's rows in order, up to `depth` queries read ahead on a second connection where possible."""
    if not _can_share_snapshot(session):
        for query in queries:
            yield raw_rows(session.connection(), query)
        return
    snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    results: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        """Run the queries in the shared snapshot and hand over their rows (or the error)."""
        try:
            engine = session.get_bind().engine
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
                connection.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                for query in queries:
                    if stop.is_set():
                        return
                    results.put(raw_rows(connection, query))
            results.put(_DONE)
        except BaseException as error:
            results.put(error)

    worker = threading.Thread(target=work, name="read-ahead", daemon=True)
    worker.start()
    try:
        while (item := results.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # a worker blocked on a full queue would never see the stop
            with contextlib.suppress(queue.Empty):
                results.get(timeout=0.05)
        worker.join()
