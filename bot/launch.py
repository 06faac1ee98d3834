"""Start the whole assistant: action server, Rasa server, web page/editor; Ctrl-C stops all.

``make run`` calls ``python -m bot.launch``; the end-to-end tests call ``start_stack`` with
other ports and a throwaway database. This is the one place that knows how the servers start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import REPO_ROOT, UnsafeSettings, get_settings, load_settings
from bot.model_check import ModelUnusable, usable_model

BIN = Path(sys.executable).parent
PLACEHOLDER_TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "placeholder-auth-token",
    "TWILIO_NUMBER": "+15550100199",
    "TWILIO_WEBHOOK_URL": "",
}


@dataclass(frozen=True)
class StackPorts:
    """Where each server listens (the defaults are the contract's ports)."""

    rasa: int = 5005
    actions: int = 5055
    web: int = 8000


DEFAULT_PORTS = StackPorts()


@dataclass
class Stack:
    """The running servers."""

    ports: StackPorts
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://localhost:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        """Base URL of the demo page and editor."""
        return f"http://localhost:{self.ports.web}"

    def stop(self, name: str | None = None) -> None:
        """Stop one server (by name) or all of them."""
        names = [name] if name else list(self.processes)
        for key in names:
            process = self.processes.pop(key, None)
            if process and process.poll() is None:
                process.terminate()  # SIGTERM: servers stop cleanly; SIGINT may be ignored
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def stack_environment(ports: StackPorts, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every server gets: the caller's, then ports and safe defaults."""
    env = dict(os.environ)
    env.update(extra or {})
    for key, value in PLACEHOLDER_TWILIO.items():
        env.setdefault(key, value)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("RASA_PUBLIC_URL", f"http://localhost:{ports.rasa}")
    env.setdefault("WEB_PUBLIC_URL", f"http://localhost:{ports.web}")
    env["ACTION_ENDPOINT_URL"] = f"http://localhost:{ports.actions}/webhook"
    env["WEB_PORT"] = str(ports.web)
    return env


class UnsafeApi(ValueError):
    """``RASA_ENABLE_API`` asks for Rasa's HTTP API without a JWT secret to guard it."""


def rasa_api_args(env: Mapping[str, str]) -> list[str]:
    """Rasa's HTTP API stays off; ``RASA_ENABLE_API=true`` turns it on, JWT-only.

    Rasa's API (``/model/parse``, ``/conversations``, ``/model``…) can replace the model and
    read every conversation (CVE-2024-49375 was remote code execution through it), so it is
    never on with a token or without authentication: ``RASA_JWT_SECRET`` is required.
    """
    if env.get("RASA_ENABLE_API", "").strip().lower() not in ("1", "true", "yes"):
        return []
    secret = env.get("RASA_JWT_SECRET", "")
    if len(secret) < 32:
        raise UnsafeApi("RASA_ENABLE_API is on: set RASA_JWT_SECRET (32+ characters); "
                        "the API is JWT-only (no --auth-token)")
    method = env.get("RASA_JWT_METHOD", "HS256")
    return ["--enable-api", "--jwt-secret", secret, "--jwt-method", method]


def commands(
    ports: StackPorts, model: Path, env: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """The command line of each server (``env``: the servers' environment, for the options)."""
    env = env if env is not None else stack_environment(ports)
    rasa = str(BIN / "rasa")
    origins = list(load_settings(env_file=None, environ=env).allowed_origins)
    web_host = env.get("WEB_HOST") or "127.0.0.1"
    return {
        "actions": [rasa, "run", "actions", "--actions", "actions", "--port", str(ports.actions)],
        "rasa": [
            rasa,
            "run",
            "--model",
            str(model),
            "--port",
            str(ports.rasa),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--cors",
            *origins,
            *rasa_api_args(env),
        ],
        "web": [sys.executable, "-m", "bot", "web", "--host", web_host, "--port", str(ports.web)],
    }


HEALTH = {
    "actions": "http://localhost:{actions}/health",
    "rasa": "http://localhost:{rasa}/webhooks/rest/",
    "web": "http://localhost:{web}/",
}


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_stack(
    ports: StackPorts = DEFAULT_PORTS,
    *,
    env: Mapping[str, str] | None = None,
    model: Path = REPO_ROOT / "models",
    only: tuple[str, ...] = ("actions", "rasa", "web"),
    timeout: float = 180,
    log_dir: Path | None = None,
) -> Stack:
    """Start the servers named in ``only`` and wait until each answers its health check."""
    stack = Stack(ports)
    environment = stack_environment(ports, env)
    lines = commands(ports, model, environment)
    if "rasa" in only:
        usable_model(model)  # a clear refusal instead of a server that only says "unavailable"
    try:
        for name in only:
            output = open(log_dir / f"{name}.log", "wb") if log_dir else None  # noqa: SIM115
            stack.processes[name] = subprocess.Popen(
                lines[name],
                cwd=REPO_ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
        for name in only:
            url = HEALTH[name].format(**ports.__dict__)
            wait_until_up(url, stack.processes[name], timeout)
    except BaseException:
        stack.stop()
        raise
    return stack


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Start everything, print where to go, and wait for Ctrl-C (or SIGTERM)."""
    # Explicit handlers: a shell that starts us in the background leaves SIGINT ignored,
    # and a service manager stops us with SIGTERM; both must stop every server.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    ports = StackPorts(
        rasa=int(os.environ.get("RASA_PORT", 5005)),
        actions=int(os.environ.get("ACTIONS_PORT", 5055)),
        web=int(os.environ.get("WEB_PORT", 8000)),
    )
    try:
        get_settings()  # APP_ENV=production: refuse placeholder secrets before starting anything
        stack = start_stack(ports)
    except (UnsafeSettings, UnsafeApi) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ModelUnusable as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return 1
    print(
        "\nThe TOH assistant is running:\n"
        f"  Chat (demo clinic page):  {stack.web_url}/\n"
        f"  Content editor:           {stack.web_url}/editor/\n"
        f"  Clinic dashboard:         {stack.web_url}/dashboard/\n"
        f"  REST webhook:             {stack.rasa_url}/webhooks/rest/webhook\n"
        f"  SMS webhook (Twilio):     {stack.rasa_url}/webhooks/sms/webhook\n"
        f"  Action server health:     http://localhost:{ports.actions}/health\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("a server stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
