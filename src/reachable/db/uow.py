"""The unit of work: one transaction, one commit, audit rows included (house rule 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

SessionFactory = Callable[[], Session]


_MEMO = "reachable.memo"


def memo(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the session's transaction: ORM rows a unit of work asks for again and again.

    The identity map holds objects weakly, so without this a row looked up in one stage is read again by the
    next. Hold ORM objects (changes made through the session apply to them as usual), never copies of values.
    """
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(_MEMO, {})
    return memos.setdefault(name, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_memos(session: Session, transaction: Any) -> None:
    """Empty the memos when the outermost transaction ends (a rollback may have undone what they hold)."""
    if transaction.parent is None:
        session.info.pop(_MEMO, None)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (expire_on_commit off)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: SessionFactory) -> Iterator[Session]:
    """Yield a session; commit once if the block succeeds, roll everything back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# A read-first unit of work (a GET on SQLite) reads in a deferred transaction, which does not hold the write lock,
# and queues its few writes (audit rows, the session's idle clock) for one short writing transaction at the end.
# A write it did not queue cannot run in the read transaction (SQLite would refuse to upgrade it once another
# writer has committed), so it raises NeedsWriteTransaction and the request is re-run as an ordinary one.
_DEFERRED = "reachable.deferred_writes"
DeferredWrite = Callable[[Session], None]


class NeedsWriteTransaction(RuntimeError):
    """A read-first unit of work tried to write directly; re-run it as a writing unit of work."""


def start_read_first(session: Session) -> None:
    """Make this session queue deferred writes and refuse direct ones."""
    session.info[_DEFERRED] = []
    event.listen(session, "before_flush", _refuse_flush)
    event.listen(session, "do_orm_execute", _refuse_dml)


def defer_write(session: Session, action: DeferredWrite) -> bool:
    """Queue `action` for the writing transaction of a read-first unit of work; False if the session writes now."""
    queue: list[DeferredWrite] | None = session.info.get(_DEFERRED)
    if queue is None:
        return False
    queue.append(action)
    return True


def take_deferred(session: Session) -> list[DeferredWrite]:
    """The writes a read-first unit of work queued (emptied); [] for an ordinary one."""
    queue: list[DeferredWrite] = session.info.pop(_DEFERRED, None) or []
    return queue


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse a flush that would write in a read-first transaction."""
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        raise NeedsWriteTransaction("a read-first unit of work tried to write")


def _refuse_dml(state: ORMExecuteState) -> None:
    """Refuse INSERT/UPDATE/DELETE statements in a read-first transaction."""
    if state.is_insert or state.is_update or state.is_delete:
        raise NeedsWriteTransaction("a read-first unit of work tried to write")
