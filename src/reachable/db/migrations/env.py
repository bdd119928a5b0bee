"""Alembic environment: runs migrations on the connection or URL handed over by reachable.db.migrate."""

from __future__ import annotations

from alembic import context

from reachable.db.engine import make_engine
from reachable.db.registry import metadata

config = context.config
target_metadata = metadata()


def run_migrations() -> None:
    """Run migrations online, on a given connection if there is one, else on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
