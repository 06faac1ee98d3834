"""Integration fixtures: the trained Rasa model, loaded once."""
from __future__ import annotations

import pytest

from bot.config import REPO_ROOT

MODEL = REPO_ROOT / "models" / "toh.tar.gz"


@pytest.fixture(scope="session")
def agent():
    """The trained model (``make test`` trains it first; a missing model is a failure)."""
    from rasa.core.agent import Agent

    assert MODEL.exists(), f"no trained model at {MODEL}: run `make train`"
    return Agent.load(str(MODEL))
