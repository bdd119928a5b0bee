"""What every CLI command needs: settings, the engine and a unit of work, made on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from reachable.config import Settings, get_settings
from reachable.db.engine import make_engine
from reachable.db.uow import session_factory, unit_of_work


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """A unit of work on the configured store, for one CLI command."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql)
    try:
        with unit_of_work(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
