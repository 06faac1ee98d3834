"""Settings, read from the environment when first asked for.

The environment wins; a `.env` file at the repo root only fills what the environment leaves
unset (python-dotenv's default, ``override=False``). Nothing is read at import time.

``APP_ENV=production`` turns the development defaults into refusals: ``get_settings`` (what every
server reads at start) raises :class:`UnsafeSettings` with one line per missing or placeholder
secret, so no server starts with a public key.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

from bot.clinic_hours import ClinicHours

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'build' / 'toh.sqlite3'}"
DEV_SECRET_KEY = "dev-only-change-me"
DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key"
DEV_CONTACT_KEY = "dev-only-contact-key"
PLACEHOLDER_TWILIO_TOKEN = "placeholder-auth-token"  # what bot.launch exports when unset
# Public or shipped values: never acceptable in production.
PLACEHOLDERS = frozenset({
    "", DEV_SECRET_KEY, DEV_PSEUDONYM_KEY, DEV_CONTACT_KEY, PLACEHOLDER_TWILIO_TOKEN,
    "change-me-to-a-long-random-string", "change-me",
})
MIN_SECRET_LENGTH = 32
PRODUCTION = "production"


class UnsafeSettings(SystemExit):
    """A production process was asked to start with a missing or placeholder secret.

    A ``SystemExit``: whoever reads the settings at start (the launcher, Rasa's channels, the
    action server, the web app) stops with this message and exit code 1, never a traceback.
    """

    def __init__(self, problems: list[str]) -> None:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"refusing to start with APP_ENV=production:\n{lines}\n"
            "Set each one in the environment or .env (e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )
        self.problems = problems
DEMO_CLINIC_NAME = "Riverside Orthopedic Clinic"
DEMO_CLINIC_PHONE = "(555) 010-0199"
DEMO_OPEN_HOURS = "Mon-Fri 08:00-17:00"
DEMO_TIMEZONE = "America/New_York"


def default_after_hours(phone: str) -> str:
    """The after-hours line when none is configured: the on-call doctor, on the clinic's number."""
    return f"When the clinic is closed, call {phone} and ask for the doctor on call."


@dataclass(frozen=True)
class Clinic:
    """The clinic patients are sent to; content texts name it with placeholders.

    Each field fills the placeholder ``{clinic_<field>}`` (``{clinic_phone}``…), set by the
    variable ``CLINIC_<FIELD>`` (``CLINIC_PHONE``…). ``after_hours`` is a whole sentence; left
    empty, it sends patients to the doctor on call at ``phone``. ``open_hours`` and ``timezone``
    are the same hours for code (``CLINIC_OPEN_HOURS``, ``CLINIC_TIMEZONE``); ``hours`` left empty
    is their wording.
    """

    name: str = DEMO_CLINIC_NAME
    phone: str = DEMO_CLINIC_PHONE
    hours: str = ""
    after_hours: str = ""
    open_hours: str = DEMO_OPEN_HOURS
    timezone: str = DEMO_TIMEZONE

    def __post_init__(self) -> None:
        # Frozen: the defaults that depend on other fields are set once, here.
        if not self.after_hours:
            object.__setattr__(self, "after_hours", default_after_hours(self.phone))
        if not self.hours:
            object.__setattr__(self, "hours", self.schedule().describe())

    def schedule(self) -> ClinicHours:
        """When the clinic is open (``BadClinicHours`` if the settings cannot be read)."""
        return ClinicHours.parse(self.open_hours, self.timezone)

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
    lock_store: str = ""
    content_dir: Path = REPO_ROOT / "content"
    red_flags_path: Path = REPO_ROOT / "content" / "red_flags.yml"
    seeds_dir: Path = REPO_ROOT.parent / "shared" / "seeds"
    app_env: str = "development"
    secret_key: str = DEV_SECRET_KEY
    # PSEUDONYM_KEY: keys the hashes that stand for patients' ids (logs, escalation records,
    # the SMS opt-out table). Its own setting, so rotating SECRET_KEY forgets no STOP.
    hash_salt: str = DEV_PSEUDONYM_KEY
    # CONTACT_KEY: encrypts the phone numbers kept so the care team can answer a hand-off by SMS.
    contact_key: str = DEV_CONTACT_KEY
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_number: str = ""
    twilio_webhook_url: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    web_port: int = 8000
    conversation_retention_days: int = 90
    public_url: str = "http://localhost:8000"
    allowed_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")
    clinic: Clinic = field(default_factory=Clinic)
    rate_limit_per_sender: int = 20  # messages a minute, per patient channel
    rate_limit_per_ip: int = 120
    conversation_turns_per_day: int = 200
    extra: dict[str, str] = field(default_factory=dict)


def load_settings(
    env_file: Path | None = REPO_ROOT / ".env", environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings: environment first, then ``env_file`` for what is unset.

    Args:
        env_file: A ``.env`` file whose values fill what the environment leaves unset.
        environ: Read these variables instead of the process's environment.

    """
    if env_file is not None and env_file.exists():
        load_dotenv(env_file, override=False)
    source = os.environ if environ is None else environ

    def _env(name: str, default: str = "") -> str:
        value = source.get(name)
        return value if value else default

    database_url = _env("DATABASE_URL", DEFAULT_DATABASE_URL)
    app_env = _env("APP_ENV", "development").strip().lower()
    secret_key = _env("SECRET_KEY", DEV_SECRET_KEY)
    web_port = int(_env("WEB_PORT", "8000"))
    public_url = _env("WEB_PUBLIC_URL", f"http://localhost:{web_port}").rstrip("/")
    return Settings(
        database_url=database_url,
        tracker_database_url=_env("TRACKER_DATABASE_URL", database_url),
        redis_url=_env("REDIS_URL") or None,
        lock_store=_env("LOCK_STORE"),
        content_dir=Path(_env("CONTENT_DIR", str(REPO_ROOT / "content"))),
        red_flags_path=Path(_env("RED_FLAGS_PATH", str(REPO_ROOT / "content" / "red_flags.yml"))),
        seeds_dir=Path(_env("SEEDS_DIR", str(REPO_ROOT.parent / "shared" / "seeds"))),
        app_env=app_env,
        secret_key=secret_key,
        hash_salt=_env("PSEUDONYM_KEY", _env("LOG_HASH_SALT", _legacy_key(app_env, secret_key))),
        contact_key=_env("CONTACT_KEY", DEV_CONTACT_KEY),
        twilio_account_sid=_env("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_env("TWILIO_AUTH_TOKEN"),
        twilio_number=_env("TWILIO_NUMBER"),
        twilio_webhook_url=_env("TWILIO_WEBHOOK_URL"),
        twilio_api_base=_env("TWILIO_API_BASE", "https://api.twilio.com"),
        conversation_retention_days=int(_env("CONVERSATION_RETENTION_DAYS", "90")),
        web_port=web_port,
        public_url=public_url,
        allowed_origins=_origins(_env("ALLOWED_ORIGINS"), public_url),
        clinic=Clinic(
            name=_env("CLINIC_NAME", DEMO_CLINIC_NAME),
            phone=_env("CLINIC_PHONE", DEMO_CLINIC_PHONE),
            hours=_env("CLINIC_HOURS"),
            after_hours=_env("CLINIC_AFTER_HOURS"),
            open_hours=_env("CLINIC_OPEN_HOURS", DEMO_OPEN_HOURS),
            timezone=_env("CLINIC_TIMEZONE", DEMO_TIMEZONE),
        ),
        rate_limit_per_sender=int(_env("RATE_LIMIT_PER_SENDER", "20")),
        rate_limit_per_ip=int(_env("RATE_LIMIT_PER_IP", "120")),
        conversation_turns_per_day=int(_env("CONVERSATION_TURNS_PER_DAY", "200")),
    )


def _legacy_key(app_env: str, secret_key: str) -> str:
    """The pseudonym key when none is set: outside production, a real SECRET_KEY.

    Earlier releases keyed the pseudonyms with SECRET_KEY; a deployment upgraded without setting
    PSEUDONYM_KEY keeps its opt-outs that way. Production requires PSEUDONYM_KEY itself.
    """
    if app_env != PRODUCTION and secret_key not in PLACEHOLDERS:
        return secret_key
    return DEV_PSEUDONYM_KEY


def _origins(configured: str, public_url: str) -> tuple[str, ...]:
    """``ALLOWED_ORIGINS`` (comma or space separated), else the web app's own origin."""
    if configured:
        return tuple(o.rstrip("/") for o in configured.replace(",", " ").split())
    if "://localhost:" in public_url:
        return (public_url, public_url.replace("://localhost:", "://127.0.0.1:"))
    return (public_url,)


def production_problems(settings: Settings) -> list[str]:
    """What keeps ``settings`` from running in production (empty outside production)."""
    if settings.app_env != PRODUCTION:
        return []
    checks = (
        ("SECRET_KEY", settings.secret_key, "signs editor sessions"),
        ("PSEUDONYM_KEY", settings.hash_salt, "keys the hashes of patients' phone numbers; "
         "upgrading: set it to the SECRET_KEY that keyed your records"),
        ("CONTACT_KEY", settings.contact_key, "encrypts the numbers the care team answers"),
        ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token, "checks Twilio's webhook signatures"),
    )
    problems = [
        f"{name} is missing or a placeholder ({why})"
        for name, value, why in checks
        if value.strip() in PLACEHOLDERS
    ]
    problems += [
        f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
        for name, value, _ in checks[:3]
        if value.strip() not in PLACEHOLDERS and len(value) < MIN_SECRET_LENGTH
    ]
    if settings.hash_salt == settings.secret_key and settings.secret_key not in PLACEHOLDERS:
        problems.append("PSEUDONYM_KEY equals SECRET_KEY: use two different keys")
    others = (settings.secret_key, settings.hash_salt)
    if settings.contact_key in others and settings.contact_key not in PLACEHOLDERS:
        problems.append("CONTACT_KEY equals another key: give it its own value")
    if "*" in settings.allowed_origins:
        problems.append("ALLOWED_ORIGINS is '*': name the clinic's web origins")
    return problems


def require_safe(settings: Settings) -> Settings:
    """``settings`` if they may run; raise :class:`UnsafeSettings` in production otherwise."""
    problems = production_problems(settings)
    if problems:
        raise UnsafeSettings(problems)
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use; refused if unsafe for production."""
    return require_safe(load_settings())
