"""Alembic's entry point: run the migrations on the connection ``bot.migrate`` hands over.

Without one (e.g. the ``alembic`` command itself), it connects to ``DATABASE_URL`` the way the
rest of the project does (``bot.wiring``). Only the project's own tables are looked at.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.schema import is_owned, owned_metadata


def run_on(connection: Connection) -> None:
    """Run the pending migrations on ``connection``."""
    context.configure(
        connection=connection,
        target_metadata=owned_metadata(),
        include_name=is_owned,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying a table
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Use the given connection, or connect to ``DATABASE_URL``."""
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported: run `bot db upgrade`")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    from bot.wiring import Services

    with Services().engine.begin() as connection:
        run_on(connection)


run()
