"""End-to-end fixtures: the real servers (bot.launch) on spare ports over a throwaway store."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.limits import NO_ABUSE_LIMITS
from bot.launch import Stack, StackPorts, start_stack
from bot.wiring import Services
from tests.conftest import loaded_services, temporary_postgres_database
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (no browser is downloaded), one per test module.

    A missing browser fails the tests, it does not skip them: `make test` installs it first
    (`make browser-deps`).
    """
    assert os.path.exists(CHROMIUM), f"no {CHROMIUM}: run `make browser-deps`"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class RestClient:
    """Talks to the REST webhook like a clinic's page would."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"

    def send(self, sender: str, message: object, timeout: float = 30) -> list[dict]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            assert response.status == 200
            return json.loads(response.read())

    def texts(self, sender: str, message: object) -> str:
        return "\n".join(m.get("text") or "" for m in self.send(sender, message))


class RunningAssistant:
    """A running stack, its store, and a REST client."""

    def __init__(self, stack: Stack, services: Services, database_url: str) -> None:
        self.stack, self.services, self.database_url = stack, services, database_url
        self.rest = RestClient(stack.rasa_url)


def _start(
    database_url: str, redis_url: str, ports: StackPorts, logs: Path
) -> Iterator[RunningAssistant]:
    services = loaded_services(database_url)
    env = {
        "DATABASE_URL": database_url,
        "TRACKER_DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        **NO_ABUSE_LIMITS,  # every test talks from 127.0.0.1, as fast as it can
    }
    stack = start_stack(ports, env=env, only=("actions", "rasa"), log_dir=logs)
    try:
        yield RunningAssistant(stack, services, database_url)
    finally:
        stack.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def assistant(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningAssistant]:
    """Rasa + action server on SQLite (in-memory locks), then on PostgreSQL + Redis locks."""
    logs = tmp_path_factory.mktemp("logs")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'toh.sqlite3'}"
        yield from _start(url, "", StackPorts(rasa=15005, actions=15055, web=18000), logs)
        return
    with temporary_postgres_database() as url:
        ports = StackPorts(rasa=15006, actions=15056, web=18001)
        yield from _start(url, "redis://127.0.0.1:6379/2", ports, logs)
