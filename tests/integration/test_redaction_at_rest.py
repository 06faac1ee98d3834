"""A scripted conversation through the REST channel and the trained model leaves no personal
detail in clear: not in the database files (tracker and content store), not in the logs.

The Rasa agent runs on the project's tracker store (``EnvSQLTrackerStore``) on a SQLite file,
with the turn-event broker writing to the content store, as ``endpoints.yml`` sets them up; every
log record of the process is captured at DEBUG.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from rasa.core.agent import Agent
from rasa.shared.core.events import UserUttered
from rasa.utils.log_utils import configure_structlog

from bot.analytics.broker import TurnEventBroker
from bot.channels.conversations import RasaConversations
from bot.channels.rest import PatientRestInput
from bot.config import get_settings
from bot.stores.rasa_stores import EnvSQLTrackerStore
from bot.wiring import Services
from tests.integration.channel_harness import build_content_db, content_services_at, fresh_gate
from tests.integration.conftest import MODEL

SCRIPT = [
    "Hi, my name is Maria Lopez",
    "you can reach me on +1 555 010 0199 or (555) 010-0199",
    "my UK mobile is 07700 900123, my email is maria.lopez@example.com",
    "DOB 03/12/1980, I was born on March 3rd 1980",
    "I live at 12 Oak Street",
    "How long does TOH last? I have had hip pain for 6 weeks",
    "this is Johnathan Quill, her husband",
    "I have a fever of 38.5 and I'm 45",
]
PLANTED = [
    "Maria", "Lopez", "555 010 0199", "010-0199", "0100199", "07700", "900123",
    "maria.lopez", "example.com", "03/12/1980", "March 3rd", "Oak Street", "Johnathan", "Quill",
]
KEPT = ["38.5", "6 weeks", "I'm 45"]  # clinical words must survive redaction


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Every record of the process at DEBUG, written to a file; logging restored afterwards."""
    path = tmp_path / "server.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root, rasa = logging.getLogger(), logging.getLogger("rasa")
    levels = (root.level, rasa.level)
    factory = logging.getLogRecordFactory()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    rasa.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(levels[0])
        rasa.setLevel(levels[1])
        logging.setLogRecordFactory(factory)


@pytest.fixture
def server_structlog() -> Iterator[None]:
    """Rasa's structlog set-up as ``rasa run`` makes it (its lines go through ``logging``)."""
    before = structlog.get_config()
    configure_structlog(logging.DEBUG)
    structlog.configure(cache_logger_on_first_use=False)  # so that the reset below holds
    try:
        yield
    finally:
        structlog.configure(**before)


@pytest.fixture
def tracker_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def rest_channel(services: Services, agent: Any) -> PatientRestInput:
    return PatientRestInput(
        turn_timeout=30,
        services_factory=lambda: services,
        gate=fresh_gate(),
        conversations=lambda _: RasaConversations(lambda: agent),
    )


async def test_no_planted_detail_reaches_a_database_file_or_a_log(
    tmp_path: Path,
    tracker_url: str,
    log_file: Path,
    server_structlog: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    build_content_db(tmp_path / "content.sqlite3")
    services = content_services_at(tmp_path / "content.sqlite3")
    broker = TurnEventBroker(lambda: (services.turn_events(), services.settings.hash_salt))
    store = EnvSQLTrackerStore(domain=None, event_broker=broker)  # installs the log redaction
    agent = Agent.load(str(MODEL), tracker_store=store)
    store.domain = agent.domain
    channel = rest_channel(services, agent)
    sender = f"web-{uuid.uuid4().hex}"
    replies = []
    for text in SCRIPT:
        replies += await channel.answer(agent.handle_message, sender, text)
    assert replies, "the assistant answered nothing"

    tracker = await store.retrieve_full_tracker(sender)
    stored = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert len(stored) == len(SCRIPT)
    assert stored[0] == "Hi, my name is [name]"
    assert stored[3] == "DOB [date], I was born on [date]"
    await broker.close()
    turns = services.turn_events().between(0, 2e9)
    assert len(turns) == len(SCRIPT) and any(turn.text for turn in turns)  # unanswered kept
    services.engine.dispose()
    store.engine.dispose()

    database_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("*.sqlite3*"))
    logged = log_file.read_text(encoding="utf-8") + caplog.text
    assert "processor.message.parse" in logged  # Rasa's line quoting the patient's text
    assert "my name is [name]" in logged
    assert sender in logged  # an id is not a phone number
    for detail in PLANTED:
        assert detail.encode() not in database_bytes, f"{detail!r} stored in clear"
        assert detail not in logged, f"{detail!r} logged in clear"
    for word in KEPT:
        assert word.encode() in database_bytes, f"{word!r} was redacted but is clinical"
