"""Settings, read from the environment when first asked for.

The environment wins; a `.env` file at the repo root only fills what the environment leaves
unset (python-dotenv's default, ``override=False``). Nothing is read at import time.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'build' / 'toh.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Everything the assistant needs to know about where it runs."""

    database_url: str = DEFAULT_DATABASE_URL
    tracker_database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    lock_store: str = ""
    content_dir: Path = REPO_ROOT / "content"
    red_flags_path: Path = REPO_ROOT / "content" / "red_flags.yml"
    secret_key: str = "dev-only-change-me"
    hash_salt: str = "dev-only-change-me"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_number: str = ""
    twilio_webhook_url: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    web_port: int = 8000
    extra: dict[str, str] = field(default_factory=dict)


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    return value if value else default


def load_settings(env_file: Path | None = REPO_ROOT / ".env") -> Settings:
    """Read settings: environment first, then ``env_file`` for what is unset."""
    if env_file is not None and env_file.exists():
        load_dotenv(env_file, override=False)
    database_url = _env("DATABASE_URL", DEFAULT_DATABASE_URL)
    return Settings(
        database_url=database_url,
        tracker_database_url=_env("TRACKER_DATABASE_URL", database_url),
        redis_url=_env("REDIS_URL") or None,
        lock_store=_env("LOCK_STORE"),
        content_dir=Path(_env("CONTENT_DIR", str(REPO_ROOT / "content"))),
        red_flags_path=Path(_env("RED_FLAGS_PATH", str(REPO_ROOT / "content" / "red_flags.yml"))),
        secret_key=_env("SECRET_KEY", "dev-only-change-me"),
        hash_salt=_env("LOG_HASH_SALT", _env("SECRET_KEY", "dev-only-change-me")),
        twilio_account_sid=_env("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_env("TWILIO_AUTH_TOKEN"),
        twilio_number=_env("TWILIO_NUMBER"),
        twilio_webhook_url=_env("TWILIO_WEBHOOK_URL"),
        twilio_api_base=_env("TWILIO_API_BASE", "https://api.twilio.com"),
        web_port=int(_env("WEB_PORT", "8000")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use."""
    return load_settings()
