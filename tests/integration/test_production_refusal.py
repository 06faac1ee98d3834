"""APP_ENV=production: every server refuses to start on a missing or placeholder secret.

Each server is started as ``make run`` starts it (the launcher, the web app, the action server,
the Rasa server with ``credentials.yml``), with one secret missing or left at its public value;
it must exit at once with a message naming the secret, never serve.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from tests.integration.channel_harness import free_port

BIN = Path(sys.executable).parent
GOOD = {
    "APP_ENV": "production",
    "SECRET_KEY": "s3cr3t-" + "k" * 40,
    "PSEUDONYM_KEY": "pseud0nym-" + "p" * 40,
    "CONTACT_KEY": "c0ntact-" + "c" * 40,
    "TWILIO_AUTH_TOKEN": "a-real-looking-twilio-token",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_NUMBER": "+15550100100",
    "TWILIO_WEBHOOK_URL": "",
    "RASA_TELEMETRY_ENABLED": "false",
}
# (variable, bad value): missing (empty wins over .env) or a value that ships with the project.
BAD = [
    ("SECRET_KEY", ""),
    ("SECRET_KEY", "change-me-to-a-long-random-string"),
    ("SECRET_KEY", "dev-only-change-me"),
    ("PSEUDONYM_KEY", ""),
    ("PSEUDONYM_KEY", "dev-only-pseudonym-key"),
    ("CONTACT_KEY", ""),
    ("CONTACT_KEY", "dev-only-contact-key"),
    ("TWILIO_AUTH_TOKEN", ""),
    ("TWILIO_AUTH_TOKEN", "placeholder-auth-token"),
]


def _environment(name: str, value: str, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, **GOOD, name: value}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'refused.sqlite3'}"
    env["ACTION_ENDPOINT_URL"] = "http://127.0.0.1:9/webhook"
    env.pop("LOG_HASH_SALT", None)
    return env


def _run(
    command: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _assert_refused(result: subprocess.CompletedProcess[str], name: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "refusing to start with APP_ENV=production" in output, output
    assert name in output
    assert "Traceback" not in output, output


@pytest.mark.parametrize(("name", "value"), BAD)
def test_the_launcher_refuses(name: str, value: str, tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "bot.launch"], _environment(name, value, tmp_path), 60)
    _assert_refused(result, name)


@pytest.mark.parametrize(("name", "value"), BAD)
def test_the_web_app_refuses(name: str, value: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bot", "web", "--port", str(free_port())]
    _assert_refused(_run(command, _environment(name, value, tmp_path), 60), name)


@pytest.mark.parametrize("name", ["SECRET_KEY", "PSEUDONYM_KEY", "CONTACT_KEY",
                                  "TWILIO_AUTH_TOKEN"])
def test_the_action_server_refuses(name: str, tmp_path: Path) -> None:
    command = [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
               "--port", str(free_port())]
    _assert_refused(_run(command, _environment(name, "", tmp_path)), name)


def test_the_rasa_server_refuses(tmp_path: Path) -> None:
    (tmp_path / "toh.tar.gz").write_bytes(b"")  # never loaded: the channels refuse first
    command = [str(BIN / "rasa"), "run", "--port", str(free_port()), "--credentials",
               "credentials.yml", "--endpoints", "endpoints.yml", "--model",
               str(tmp_path / "toh.tar.gz")]
    _assert_refused(_run(command, _environment("PSEUDONYM_KEY", "", tmp_path), 180),
                    "PSEUDONYM_KEY")


def test_every_secret_set_is_accepted(tmp_path: Path) -> None:
    env = _environment("SECRET_KEY", GOOD["SECRET_KEY"], tmp_path)
    result = _run([sys.executable, "-c", "import actions; import bot.config as c; "
                   "print(c.get_settings().app_env)"], env, 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "production"
