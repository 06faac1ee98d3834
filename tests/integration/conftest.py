"""Integration fixtures: the trained Rasa model, loaded once; a store on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from tests.conftest import temporary_postgres_database

MODEL = REPO_ROOT / "models" / "toh.tar.gz"


@pytest.fixture(scope="session")
def agent():
    """The trained model (``make test`` trains it first; a missing model is a failure)."""
    from rasa.core.agent import Agent

    assert MODEL.exists(), f"no trained model at {MODEL}: run `make train`"
    return Agent.load(str(MODEL))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, then a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'toh.sqlite3'}"
        return
    with temporary_postgres_database(prefix="toh_it") as url:
        yield url
