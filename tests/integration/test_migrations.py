"""Alembic migrations make exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from bot import cli
from bot.config import get_settings
from bot.migrate import alembic_config, current_revision, schema_diff, upgrade
from bot.schema import owned_metadata
from bot.wiring import make_engine
from tests.conftest import temporary_postgres_database

BASELINE = {"content_items", "content_revisions", "escalation_records", "editor_users",
            "sms_contacts"}
OWNED = BASELINE | {"handoff_cases", "turn_events", "feedback_votes"}
HEAD = "0003_turn_events_feedback"


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on each backend (PostgreSQL: created here, dropped after)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    with temporary_postgres_database(prefix="toh_wtdb") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_the_models_declare_every_owned_table_on_one_base() -> None:
    assert set(owned_metadata().tables) == OWNED


def test_upgrade_makes_a_schema_equal_to_the_models(engine: Engine) -> None:
    assert schema_diff(engine) != []  # an empty database differs: the comparison can fail
    upgrade(engine)
    assert tables(engine) == OWNED | {"alembic_version"}
    assert current_revision(engine) == HEAD
    assert schema_diff(engine) == []


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == HEAD
    assert schema_diff(engine) == []


def test_a_column_the_models_lack_is_reported(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE sms_contacts ADD COLUMN phone VARCHAR(20)"))
    [difference] = schema_diff(engine)
    assert difference[0] == "remove_column" and difference[3].name == "phone"


def test_rasas_tracker_table_is_left_alone(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)"))
    upgrade(engine)
    assert "events" in tables(engine)
    assert schema_diff(engine) == []


def test_a_database_made_before_migrations_is_adopted(engine: Engine) -> None:
    # What `create_all` used to make on first use; the SMS table came later, on first SMS, and
    # the hand-off cases only with migrations.
    metadata = owned_metadata()
    metadata.create_all(engine, tables=[t for name, t in metadata.tables.items()
                                        if name in BASELINE - {"sms_contacts"}])
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO editor_users (username, password_hash, role, active,"
                                " created_at) VALUES ('ada', 'x', 'admin', true, '2026-01-01')"))
    upgrade(engine)
    assert current_revision(engine) == HEAD
    assert schema_diff(engine) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT username FROM editor_users")).scalar() == "ada"


def test_downgrade_to_nothing_drops_only_owned_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)"))
    upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert tables(engine) == {"events", "alembic_version"}


def test_db_upgrade_command_migrates_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'store.sqlite3'}"  # its folder does not exist yet
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert cli.main(["db", "upgrade"]) == 0
        assert f"migrated from nothing to {HEAD}" in capsys.readouterr().out
        assert cli.main(["db", "upgrade"]) == 0
        assert "up to date" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    engine = make_engine(url)
    assert schema_diff(engine) == [] and current_revision(engine) == HEAD
    engine.dispose()
