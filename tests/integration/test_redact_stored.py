"""`python -m bot conversations redact`: conversations stored before redaction are cleaned.

They are written by Rasa's own ``SQLTrackerStore`` (which stores text in clear), then the
command runs as an operator runs it, on SQLite and on a throwaway PostgreSQL database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot import cli
from bot.config import get_settings, load_settings
from bot.conversations import repository
from bot.migrate import upgrade
from bot.stores.rasa_stores import tracker_store_kwargs
from bot.wiring import Services

CLINIC_LINE = "Call the clinic on (555) 010-0100."


@pytest.fixture
def services(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setattr(repository, "REWRITE_BATCH", 2)  # several batches from a few rows
    get_settings.cache_clear()
    services = Services(replace(load_settings(env_file=None), database_url=database_url,
                                tracker_database_url=database_url))
    upgrade(services.engine)
    yield services
    services.engine.dispose()
    get_settings.cache_clear()


async def save_clear_conversation(database_url: str) -> None:
    store = SQLTrackerStore(domain=Domain.empty(), **tracker_store_kwargs(database_url))
    tracker = DialogueStateTracker("web-maria", [])
    for message in ("my name is Maria Lopez", "fever 38.5 for 6 weeks",
                    "call me on 07700 900123", "maria@example.com"):
        tracker.update(UserUttered(message, {"name": "out_of_scope"}))
        tracker.update(BotUttered(CLINIC_LINE))
    tracker.update(SlotSet("last_topic", "duration"))
    await store.save(tracker)
    store.engine.dispose()


def stored_data(services: Services) -> str:
    with services.engine.connect() as connection:
        return " ".join(row[0] for row in connection.execute(text("SELECT data FROM events")))


async def test_redact_rewrites_old_user_events_and_keeps_the_rest(
    services: Services, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await save_clear_conversation(database_url)
    assert "Maria Lopez" in stored_data(services)
    assert cli.main(["conversations", "redact"]) == 0
    assert capsys.readouterr().out.strip() == "redacted 3 stored events"
    stored = stored_data(services)
    for detail in ("Maria", "Lopez", "07700", "900123", "maria@example.com"):
        assert detail not in stored
    assert cli.main(["conversations", "export"]) == 0
    [exported] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["text"] for e in exported["events"]] == [
        "my name is [name]", CLINIC_LINE, "fever 38.5 for 6 weeks", CLINIC_LINE,
        "call me on [phone]", CLINIC_LINE, "[email]", CLINIC_LINE,
    ]
    assert stored.count('"text": "call me on [phone]"') == 2  # the event's and parse_data's
    assert cli.main(["conversations", "redact"]) == 0
    assert capsys.readouterr().out.strip() == "redacted 0 stored events"


def test_redact_before_any_conversation_changes_nothing(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["conversations", "redact"]) == 0
    assert capsys.readouterr().out.strip() == "redacted 0 stored events"
