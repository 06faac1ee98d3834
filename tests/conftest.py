"""Fixtures shared by every tier of tests."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from spacy.language import Language

from bot.config import REPO_ROOT, Settings, load_settings
from bot.content.files import read_items
from bot.content.importing import import_items
from bot.migrate import upgrade
from bot.nlp import make_pipeline
from bot.wiring import Services

CONTENT_DIR = REPO_ROOT / "content"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The project's spaCy pipeline (blank English + lookup lemmas), built once."""
    return make_pipeline()


def loaded_services(database_url: str) -> Services:
    """Services on ``database_url``, migrated, with content/ imported."""
    settings = replace(
        load_settings(env_file=None), database_url=database_url, tracker_database_url=database_url
    )
    services = Services(settings)
    upgrade(services.engine)
    outcome = import_items(read_items(CONTENT_DIR), uow=services.uow())  # the seed publishes
    assert set(outcome.values()) == {"published"}, outcome
    return services


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A throwaway SQLite database file."""
    return f"sqlite:///{tmp_path / 'toh.sqlite3'}"


@pytest.fixture
def sqlite_services(sqlite_url: str) -> Services:
    """A content store on SQLite with the shipped content."""
    return loaded_services(sqlite_url)


@contextmanager
def temporary_postgres_database(prefix: str = "toh_test") -> Iterator[str]:
    """Create a throwaway PostgreSQL database on 127.0.0.1:5432; drop it afterwards."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for one test."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def postgres_services(postgres_url: str) -> Services:
    """A content store on PostgreSQL with the shipped content."""
    return loaded_services(postgres_url)


@pytest.fixture(params=["sqlite", "postgres"])
def any_services(request: pytest.FixtureRequest) -> Services:
    """The content store on each real backend in turn."""
    return request.getfixturevalue(f"{request.param}_services")


@pytest.fixture
def settings() -> Settings:
    """Settings read from the environment only (no .env)."""
    return load_settings(env_file=None)


@pytest.fixture(autouse=True)
def _log_record_factory() -> Iterator[None]:
    """Undo ``bot.log_redaction.install`` (the tracker store makes it) after each test, so a
    test that checks what our own code leaves out of a log line is not helped by it."""
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
