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
DEMO_CLINIC_NAME = "Riverside Orthopedic Clinic"
DEMO_CLINIC_PHONE = "(555) 010-0199"
DEMO_CLINIC_HOURS = "Monday to Friday, 8 am to 5 pm"


def default_after_hours(phone: str) -> str:
    """The after-hours line when none is configured: the on-call doctor, on the clinic's number."""
    return f"When the clinic is closed, call {phone} and ask for the doctor on call."


@dataclass(frozen=True)
class Clinic:
    """The clinic patients are sent to; content texts name it with placeholders.

    Each field fills the placeholder ``{clinic_<field>}`` (``{clinic_phone}``…), set by the
    variable ``CLINIC_<FIELD>`` (``CLINIC_PHONE``…). ``after_hours`` is a whole sentence; left
    empty, it sends patients to the doctor on call at ``phone``.
    """

    name: str = DEMO_CLINIC_NAME
    phone: str = DEMO_CLINIC_PHONE
    hours: str = DEMO_CLINIC_HOURS
    after_hours: str = ""

    def __post_init__(self) -> None:
        if not self.after_hours:  # frozen: set once, here
            object.__setattr__(self, "after_hours", default_after_hours(self.phone))

    def placeholders(self) -> dict[str, str]:
        """``{"clinic_name": ..., "clinic_phone": ..., ...}``: what each placeholder becomes."""
        return {
            "clinic_name": self.name,
            "clinic_phone": self.phone,
            "clinic_hours": self.hours,
            "clinic_after_hours": self.after_hours,
        }


@dataclass(frozen=True)
class Settings:
    """Everything the assistant needs to know about where it runs."""

    database_url: str = DEFAULT_DATABASE_URL
    tracker_database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
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
    clinic: Clinic = field(default_factory=Clinic)
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
        clinic=_clinic(),
    )


def _clinic() -> Clinic:
    return Clinic(
        name=_env("CLINIC_NAME", DEMO_CLINIC_NAME),
        phone=_env("CLINIC_PHONE", DEMO_CLINIC_PHONE),
        hours=_env("CLINIC_HOURS", DEMO_CLINIC_HOURS),
        after_hours=_env("CLINIC_AFTER_HOURS"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use."""
    return load_settings()
