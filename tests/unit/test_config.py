from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_DATABASE_URL,
    UnsafeSettings,
    load_settings,
    production_problems,
    require_safe,
)
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


GOOD_SECRETS = {
    "SECRET_KEY": "s" * 40,
    "PSEUDONYM_KEY": "p" * 40,
    "CONTACT_KEY": "c" * 40,
    "TWILIO_AUTH_TOKEN": "a-real-token",
}


def _production(**overrides: str) -> dict[str, str]:
    return {"APP_ENV": "production", **GOOD_SECRETS, **overrides}


def test_production_accepts_real_secrets() -> None:
    settings = load_settings(env_file=None, environ=_production())
    assert settings.app_env == "production"
    assert production_problems(settings) == []
    assert require_safe(settings) is settings


@pytest.mark.parametrize("name", sorted(GOOD_SECRETS))
@pytest.mark.parametrize("value", ["", "dev-only-change-me", "change-me-to-a-long-random-string",
                                   "dev-only-pseudonym-key", "dev-only-contact-key",
                                   "placeholder-auth-token"])
def test_production_refuses_a_missing_or_placeholder_secret(name: str, value: str) -> None:
    settings = load_settings(env_file=None, environ=_production(**{name: value}))
    with pytest.raises(UnsafeSettings) as refused:
        require_safe(settings)
    assert any(problem.startswith(name) for problem in refused.value.problems)
    assert name in str(refused.value.code)


def test_production_refuses_short_or_shared_keys_and_any_origin() -> None:
    short = load_settings(env_file=None, environ=_production(SECRET_KEY="short-but-not-public"))
    assert production_problems(short) == ["SECRET_KEY is shorter than 32 characters"]
    shared = load_settings(env_file=None, environ=_production(PSEUDONYM_KEY="s" * 40))
    assert production_problems(shared) == [
        "PSEUDONYM_KEY equals SECRET_KEY: use two different keys"
    ]
    reused = load_settings(env_file=None, environ=_production(CONTACT_KEY="p" * 40))
    assert production_problems(reused) == ["CONTACT_KEY equals another key: give it its own value"]
    anyone = load_settings(env_file=None, environ=_production(ALLOWED_ORIGINS="*"))
    assert production_problems(anyone) == ["ALLOWED_ORIGINS is '*': name the clinic's web origins"]


def test_development_runs_on_the_dev_values() -> None:
    settings = load_settings(env_file=None, environ={})
    assert settings.app_env == "development"
    assert production_problems(settings) == []
    assert settings.hash_salt != settings.secret_key


def test_the_pseudonym_key_is_its_own_setting() -> None:
    one = load_settings(env_file=None, environ=_production())
    rotated = load_settings(env_file=None, environ=_production(SECRET_KEY="r" * 40))
    assert one.hash_salt == rotated.hash_salt == "p" * 40
    legacy = load_settings(env_file=None, environ={"LOG_HASH_SALT": "old-salt"})
    assert legacy.hash_salt == "old-salt"


def test_an_upgraded_deployment_keeps_its_pseudonyms_until_production_asks_for_the_key() -> None:
    old_key = "the-secret-key-that-keyed-the-records-so-far"
    upgraded = load_settings(env_file=None, environ={"SECRET_KEY": old_key})
    assert upgraded.hash_salt == old_key  # as before: no STOP is forgotten by the upgrade
    production = load_settings(env_file=None, environ=_production(PSEUDONYM_KEY="",
                                                                  SECRET_KEY=old_key))
    [problem] = production_problems(production)
    assert problem.startswith("PSEUDONYM_KEY is missing") and "upgrading" in problem


def test_allowed_origins_default_to_the_web_apps_own() -> None:
    default = load_settings(env_file=None, environ={"WEB_PORT": "8123"})
    assert default.allowed_origins == ("http://localhost:8123", "http://127.0.0.1:8123")
    public = load_settings(env_file=None, environ={"WEB_PUBLIC_URL": "https://clinic.example/"})
    assert public.allowed_origins == ("https://clinic.example",)
    listed = load_settings(env_file=None, environ={"ALLOWED_ORIGINS": "https://a.example, https://b.example"})
    assert listed.allowed_origins == ("https://a.example", "https://b.example")


def test_first_run_env_gets_fresh_secrets_and_keeps_an_existing_file(tmp_path: Path) -> None:
    from bot.config import REPO_ROOT
    from bot.envfile import write_env

    first, second = tmp_path / "one.env", tmp_path / "two.env"
    assert write_env(REPO_ROOT / ".env.example", first)
    assert write_env(REPO_ROOT / ".env.example", second)
    one = load_settings(env_file=None, environ=_values(first))
    two = load_settings(env_file=None, environ=_values(second))
    assert min(len(one.secret_key), len(one.hash_salt), len(one.contact_key)) >= 32
    assert one.secret_key not in (two.secret_key, one.hash_salt)  # random per machine and key
    assert one.contact_key not in (two.contact_key, one.secret_key, one.hash_salt)
    first.write_text("SECRET_KEY=mine\n")
    assert not write_env(REPO_ROOT / ".env.example", first)
    assert first.read_text() == "SECRET_KEY=mine\n"


def _values(env_file: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    return {key: value or "" for key, value in dotenv_values(env_file).items()}
