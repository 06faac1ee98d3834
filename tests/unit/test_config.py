from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, load_settings
from bot.privacy import mask_phone, pseudonym


def test_environment_wins_over_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite:///from-file.db\nTWILIO_NUMBER=+15550001111\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql://exported/db")
    monkeypatch.delenv("TWILIO_NUMBER", raising=False)
    settings = load_settings(env_file)
    assert settings.database_url == "postgresql://exported/db"
    assert settings.twilio_number == "+15550001111"


def test_defaults_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "TRACKER_DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.tracker_database_url == DEFAULT_DATABASE_URL
    assert settings.redis_url is None


def test_pseudonym_is_stable_keyed_and_hides_the_number() -> None:
    assert pseudonym("+15551234567", "a") == pseudonym("+15551234567", "a")
    assert pseudonym("+15551234567", "a") != pseudonym("+15551234567", "b")
    assert "555" not in pseudonym("+15551234567", "a")


def test_mask_phone_keeps_only_the_last_two_digits() -> None:
    assert mask_phone("from +1 (555) 123-4567 today") == "from ***67 today"
