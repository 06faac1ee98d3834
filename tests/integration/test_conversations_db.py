"""`python -m bot conversations export|forget|purge` on Rasa's real tracker table.

Conversations are written by Rasa's own ``SQLTrackerStore`` (so the ``events`` table has Rasa's
columns and Rasa's JSON), escalation records by ``ReplyService``, SMS state by ``SmsState``; the
commands run as an operator runs them, on SQLite and on a throwaway PostgreSQL database.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot import cli
from bot.analytics.repository import SqlFeedbackRepository
from bot.analytics.turns import Turn
from bot.channels.sms_state import SmsState
from bot.channels.sms_text import Choice
from bot.config import get_settings, load_settings
from bot.content.files import read_items
from bot.content.importing import import_items
from bot.feedback import FeedbackService, Vote
from bot.migrate import upgrade
from bot.privacy import pseudonym
from bot.replies import ReplyService
from bot.stores.rasa_stores import tracker_store_kwargs
from bot.wiring import Services
from tests.conftest import CONTENT_DIR

SALT = "conversations-test-salt"
PHONE = "+15551234567"
DAY = 24 * 3600.0
NOW = time.time()
FEVER = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection"}


@pytest.fixture
def services(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """A migrated store with content; ``python -m bot`` in this process uses it too."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("LOG_HASH_SALT", SALT)
    monkeypatch.setenv("PSEUDONYM_KEY", SALT)  # .env may hold a random one (make writes it)
    get_settings.cache_clear()
    services = Services(replace(load_settings(env_file=None), database_url=database_url,
                                tracker_database_url=database_url, hash_salt=SALT))
    upgrade(services.engine)
    import_items(read_items(CONTENT_DIR), uow=services.uow())
    yield services
    services.engine.dispose()
    get_settings.cache_clear()


def turns(days_ago: float, *pairs: tuple[str, str]) -> list:
    """A session of (user text, bot text) turns, ``days_ago`` days ago."""
    at = NOW - days_ago * DAY
    events: list = [ActionExecuted("action_session_start", timestamp=at),
                    SessionStarted(timestamp=at), ActionExecuted("action_listen", timestamp=at)]
    for i, (said, answered) in enumerate(pairs):
        events += [UserUttered(said, {"name": "faq_duration"}, timestamp=at + 2 * i),
                   BotUttered(answered, timestamp=at + 2 * i + 1),
                   ActionExecuted("action_listen", timestamp=at + 2 * i + 1)]
    return events


async def save_conversations(database_url: str) -> None:
    store = SQLTrackerStore(domain=Domain.empty(), **tracker_store_kwargs(database_url))
    sms = pseudonym(PHONE, SALT)  # what the SMS channel gives Rasa as the sender
    conversations = {
        "web-ann": turns(100, ("how long does it last", "Usually 6 to 12 months."))
        + turns(1, ("can I drive", "Not while it hurts.")),
        sms: turns(3, ("hi", "Hello!"), ("I have a fever", "Call us today.")),
    }
    for sender, events in conversations.items():
        await store.save(DialogueStateTracker.from_events(sender, events))
    store.engine.dispose()


def record_person_rows(services: Services) -> None:
    replies = ReplyService(services.uow, hash_salt=SALT)
    sms = pseudonym(PHONE, SALT)
    replies.escalation([FEVER], "urgent", channel="sms", sender_id=sms)
    replies.escalation([FEVER], "urgent", channel="rest", sender_id="web-ann")
    state = SmsState(services.session_factory)
    state.set_opted_out(sms, True)
    state.offer_choices(pseudonym("+15550000000", SALT), [Choice("How long", "/faq_duration")])
    services.turn_events().add([Turn(pseudonym(sms, SALT), NOW - 3 * DAY, "sms"),
                                Turn(pseudonym("web-ann", SALT), NOW - 100 * DAY, "rest")])
    votes = FeedbackService(lambda: SqlFeedbackRepository(services.engine), hash_salt=SALT,
                            clock=lambda: NOW - 3 * DAY)
    votes.record(Vote("duration", 1, helpful=True), sender_id=sms, channel="sms")


def run_json_lines(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert cli.main(["conversations", *argv]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def count(services: Services, sql: str, **params: str) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar() or 0)


async def test_export_prints_each_conversation_in_stored_order(
    services: Services, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await save_conversations(database_url)
    web, sms = run_json_lines(capsys, "export", "--format", "jsonl")
    assert web["sender"] == "web-ann" and sms["sender"] == pseudonym(PHONE, SALT)
    assert [(e["type"], e["text"]) for e in web["events"]] == [
        ("user", "how long does it last"), ("bot", "Usually 6 to 12 months."),
        ("user", "can I drive"), ("bot", "Not while it hurts."),
    ]
    assert [e["text"] for e in sms["events"]] == ["hi", "Hello!", "I have a fever",
                                                  "Call us today."]
    assert web["events"][0]["timestamp"] == pytest.approx(NOW - 100 * DAY)
    assert PHONE not in json.dumps([web, sms])


async def test_export_since_keeps_recent_messages_only(
    services: Services, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await save_conversations(database_url)
    [web] = run_json_lines(capsys, "export", "--since", "2d")
    assert [e["text"] for e in web["events"]] == ["can I drive", "Not while it hurts."]


def test_export_before_any_conversation_prints_nothing(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_json_lines(capsys, "export") == []


async def test_forget_a_phone_number_erases_conversation_escalations_and_sms_state(
    services: Services, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await save_conversations(database_url)
    record_person_rows(services)
    assert cli.main(["conversations", "forget", PHONE]) == 0
    out = capsys.readouterr().out
    assert out == ("erased 9 conversation events, 1 escalation records, 1 SMS contacts, "
                   "0 hand-off cases, 1 turn events, 1 feedback votes\n")
    assert PHONE not in out
    assert [c["sender"] for c in run_json_lines(capsys, "export")] == ["web-ann"]
    sms = pseudonym(PHONE, SALT)
    assert count(services, "SELECT COUNT(*) FROM events WHERE sender_id = :s", s=sms) == 0
    assert count(services, "SELECT COUNT(*) FROM escalation_records") == 1  # web-ann's
    assert count(services, "SELECT COUNT(*) FROM sms_contacts") == 1  # the other number's


async def test_forget_a_web_conversation_by_its_id(
    services: Services, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await save_conversations(database_url)
    record_person_rows(services)
    assert cli.main(["conversations", "forget", "web-ann"]) == 0
    assert ("1 escalation records, 0 SMS contacts, 0 hand-off cases, 1 turn events, "
            "0 feedback votes") in capsys.readouterr().out
    assert [c["sender"] for c in run_json_lines(capsys, "export")] == [pseudonym(PHONE, SALT)]
    assert count(services, "SELECT COUNT(*) FROM escalation_records") == 1  # the SMS one


async def test_purge_erases_what_is_older_than_the_retention(
    services: Services, database_url: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await save_conversations(database_url)
    record_person_rows(services)
    with services.engine.begin() as connection:  # an old escalation and old SMS rows
        connection.execute(text("UPDATE escalation_records SET occurred_at = :at WHERE channel = "
                                "'rest'"), {"at": "2020-01-01 00:00:00+00:00"})
        connection.execute(text("UPDATE sms_contacts SET updated_at = 0"))
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    assert cli.main(["conversations", "purge"]) == 0
    assert capsys.readouterr().out == (
        "erased 6 conversation events, 1 escalation records, 1 SMS contacts, "
        "0 hand-off cases, 1 turn events, 0 feedback votes\n")
    web, _sms = run_json_lines(capsys, "export")
    assert [e["text"] for e in web["events"]] == ["can I drive", "Not while it hurts."]
    assert count(services, "SELECT COUNT(*) FROM sms_contacts WHERE opted_out") == 1  # STOP kept
    assert cli.main(["conversations", "purge", "--older-than", "2d"]) == 0
    assert capsys.readouterr().out.startswith("erased 9 conversation events, 0 escalation")
    assert count(services, "SELECT COUNT(*) FROM turn_events") == 0
    assert count(services, "SELECT COUNT(*) FROM feedback_votes") == 0
    assert [c["sender"] for c in run_json_lines(capsys, "export")] == ["web-ann"]


async def test_conversations_on_their_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store_url, tracker_url = (f"sqlite:///{tmp_path / name}" for name in ("s.db", "t.db"))
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("TRACKER_DATABASE_URL", tracker_url)
    monkeypatch.setenv("LOG_HASH_SALT", SALT)
    monkeypatch.setenv("PSEUDONYM_KEY", SALT)  # .env may hold a random one (make writes it)
    get_settings.cache_clear()
    try:
        assert cli.main(["db", "upgrade"]) == 0
        await save_conversations(tracker_url)
        capsys.readouterr()
        assert len(run_json_lines(capsys, "export")) == 2
        monkeypatch.setattr(sys, "stdin", io.StringIO(PHONE + "\n"))  # kept out of argv
        assert cli.main(["conversations", "forget", "-"]) == 0
        assert capsys.readouterr().out.startswith("erased 9 conversation events")
        assert [c["sender"] for c in run_json_lines(capsys, "export")] == ["web-ann"]
    finally:
        get_settings.cache_clear()


def test_purging_everything_is_refused(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["conversations", "purge", "--older-than", "0d"]) == 1
    assert capsys.readouterr().err == "error: the age to purge must be more than zero\n"


@pytest.mark.parametrize("argv", [["purge", "--older-than", "soon"], ["export", "--since", "1y"]])
def test_a_bad_age_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["conversations", *argv])
    assert exit_.value.code == 2 and "is not an age like 30d" in capsys.readouterr().err
