"""Alembic, driven from code: upgrade, where a database is, and how it differs from the models.

To change a table: edit its model, then ``python -m bot db revision -m "what changed"`` writes a
migration from the difference (read and tidy it before committing it).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from bot.schema import is_owned, owned_metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_UPGRADE_LOCK = 7_318_402  # any constant: one PostgreSQL advisory lock for every `db upgrade`


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code (no ``alembic.ini``); ``connection`` is used if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate every owned table on ``engine`` up to ``revision``, in one transaction.

    On PostgreSQL an advisory lock makes replicas that start together migrate one at a time.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the database and the models (empty: they match)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": is_owned, "compare_type": True}
        )
        return list(compare_metadata(context, owned_metadata()))


def new_revision(message: str) -> None:
    """Write a migration for what the models have and the migrations do not make yet.

    The difference is taken on a migrated in-memory SQLite database: no real one is touched.
    """
    with create_engine("sqlite://", future=True).begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.revision(alembic_config(connection), message=message, autogenerate=True)
