"""`python -m bot report` over a scripted set of conversations: every figure checked.

Conversations are written by Rasa's own ``SQLTrackerStore`` (Rasa's columns and JSON) with our
event broker recording the turns, as in the Rasa server; escalation records as ``ReplyService``
writes them; on SQLite and on a throwaway PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import insert, text, update

from bot import cli
from bot.analytics.broker import TurnEventBroker
from bot.config import get_settings, load_settings
from bot.content.files import read_items
from bot.content.importing import import_items
from bot.content.models import EscalationRecord, Revision
from bot.feedback import Vote
from bot.migrate import upgrade
from bot.reporting.figures import build_report
from bot.stores.rasa_stores import tracker_store_kwargs
from bot.wiring import Services
from tests.conftest import CONTENT_DIR

NOW = datetime.now(timezone.utc).replace(microsecond=0)
DAY = timedelta(days=1)

EXPECTED = {
    "messages": 9,
    "conversations": 3,
    "by_channel": {"rest": 5, "sms": 4},
    "topics": {"duration": 2, "driving": 1},
    "fallback": 2,
    "out_of_scope": 2,
    "escalations": {"crisis": 0, "emergency": 1, "urgent": 1},
    "feedback": {
        "duration": {"helpful": 0, "not_helpful": 0},
        "driving": {"helpful": 0, "not_helpful": 0},
    },
    "unanswered": [
        {"text": "What about my cat?", "count": 2},
        {"text": "asdf qwer", "count": 1},
        {"text": "call me on [phone] about pilates", "count": 1},
    ],
    "overdue_reviews": ["cost"],
}


def user(text: str, intent: str, channel: str, when: datetime, **metadata: Any) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9}, [], None, when.timestamp(),
                       input_channel=channel, metadata=metadata or None)


def bot(content_id: str, when: datetime, custom: dict[str, str] | None = None) -> BotUttered:
    meta = {"content_id": content_id, "content_version": 1}
    return BotUttered("a reviewed answer", {"custom": custom}, meta, when.timestamp())


def script() -> dict[str, list[Event]]:
    """Three conversations in the window, one before it (in stored order)."""
    t = NOW - 2 * DAY
    minute = timedelta(minutes=1)
    return {
        "web-old": [user("How long does it last?", "faq_duration", "rest", NOW - 40 * DAY),
                    bot("duration", NOW - 40 * DAY)],
        "web-a": [
            user("How long does TOH last?", "faq_duration", "rest", t), bot("duration", t),
            user("can I drive", "faq_driving", "rest", t + minute), bot("driving", t + minute),
            user("What about my cat?", "out_of_scope", "rest", t + 2 * minute),
            bot("out_of_scope", t + 2 * minute),
            user("I have crushing chest pain", "escalate_emergency", "rest", t + 3 * minute),
            bot("esc_cardiac", t + 3 * minute, {"kind": "escalation", "tier": "emergency"}),
        ],
        "5f2a9c0d1e3b4a67": [  # an SMS conversation is stored under the phone's pseudonym
            user("duration?", "faq_duration", "sms", t), bot("duration", t),
            user("asdf qwer", "nlu_fallback", "sms", t + minute),
            bot("suggest_topics", t + minute),
            user("what about my cat", "out_of_scope", "sms", t + 2 * minute),
            user("call me on 07700 900123 about pilates", "nlu_fallback", "sms", t + 3 * minute),
        ],
        "web-c": [user("x" * 300, "out_of_scope", "rest", t, channel_answered="too_long"),
                  bot("too_long", t)],
    }


@pytest.fixture
def services(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """A migrated store with content and the scripted conversations; the CLI uses it too."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    services = Services(replace(load_settings(env_file=None), database_url=database_url,
                                tracker_database_url=database_url))
    upgrade(services.engine)
    import_items(read_items(CONTENT_DIR), uow=services.uow())
    broker = TurnEventBroker(lambda: (services.turn_events(), services.settings.hash_salt))
    store = SQLTrackerStore(domain=Domain.empty(), event_broker=broker,
                            **tracker_store_kwargs(database_url))
    asyncio.run(save_script(store, broker))
    store.engine.dispose()
    _escalations(services)
    _review_dates(services, {"cost": NOW.date() - DAY, "driving": NOW.date()})
    yield services
    services.engine.dispose()
    get_settings.cache_clear()


async def save_script(store: SQLTrackerStore, broker: TurnEventBroker | None) -> None:
    """Each scripted conversation saved as the Rasa server saves a turn; the broker drained."""
    for sender, events in script().items():
        await store.save(DialogueStateTracker.from_events(sender, events))
    if broker is not None:
        await broker.close()


def _escalations(services: Services) -> None:
    rows = [("emergency", NOW - 2 * DAY), ("urgent", NOW - DAY), ("crisis", NOW - 31 * DAY)]
    with services.engine.begin() as connection:
        for tier, when in rows:
            connection.execute(insert(EscalationRecord.__table__).values(
                occurred_at=when, flag_ids=[], tier=tier, channel="rest", conversation="p",
                escalation_id=f"esc_{tier}", escalation_version=1))


def _review_dates(services: Services, dates: dict[str, date]) -> None:
    """Every published item due far ahead, except ``dates``."""
    published = Revision.__table__.c.status == "published"
    with services.engine.begin() as connection:
        connection.execute(update(Revision.__table__).where(published)
                           .values(review_by=date(2999, 1, 1)))
        for item_id, due in dates.items():
            connection.execute(update(Revision.__table__).where(
                published, Revision.__table__.c.item_id == item_id).values(review_by=due))


def test_every_figure_of_the_last_30_days(services: Services) -> None:
    report = build_report(source=services.report_source(), since=30 * DAY, now=NOW).as_json()
    assert {key: report[key] for key in EXPECTED} == EXPECTED
    assert report["until"] == NOW.isoformat()


def test_a_shorter_window_leaves_earlier_messages_out(services: Services) -> None:
    before = NOW - 2 * DAY - timedelta(hours=1)  # just before the scripted conversations
    report = build_report(source=services.report_source(), since=DAY, now=before)
    assert (report.messages, report.topics) == (0, {})
    assert report.escalations == {"crisis": 0, "emergency": 0, "urgent": 0}
    assert report.overdue_reviews == []  # two days ago "cost" was not due yet


def test_cli_json_text_and_png(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", "--since", "30d", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {key: printed[key] for key in EXPECTED} == EXPECTED
    png = tmp_path / "report.png"
    assert cli.main(["report", "--format", "text", "--png", str(png)]) == 0
    text = capsys.readouterr().out
    assert "messages: 9 in 3 conversations" in text
    assert "topics answered: duration 2, driving 1" in text
    assert "escalations: crisis 0, emergency 1, urgent 1" in text
    assert "   2  What about my cat?" in text
    assert "overdue reviews: cost" in text
    assert "900123" not in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_empty_database_reports_zeros(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    services = Services(replace(load_settings(env_file=None), database_url=url,
                                tracker_database_url=url))
    upgrade(services.engine)  # our tables, and no Rasa events table yet
    report = build_report(source=services.report_source(), since=30 * DAY, now=NOW)
    assert (report.messages, report.conversations, report.by_channel) == (0, 0, {})
    assert (report.unanswered, report.overdue_reviews, report.feedback) == ([], [], {})


def test_votes_count_per_topic_and_version(services: Services) -> None:
    votes = services.feedback()
    for answer, version, helpful in [("duration", 3, True), ("duration", 3, False),
                                     ("duration", 4, True), ("walking_aids", 1, False)]:
        votes.record(Vote(answer, version, helpful), sender_id="+15551234567", channel="sms")
    report = build_report(source=services.report_source(), since=30 * DAY).as_json()
    assert report["feedback"] == {"duration": {"helpful": 2, "not_helpful": 1},
                                  "driving": {"helpful": 0, "not_helpful": 0},
                                  "walking_aids": {"helpful": 0, "not_helpful": 1}}
    assert report["feedback_by_version"] == {
        "duration": {"3": {"helpful": 1, "not_helpful": 1}, "4": {"helpful": 1, "not_helpful": 0}},
        "walking_aids": {"1": {"helpful": 0, "not_helpful": 1}},
    }
    with services.engine.connect() as connection:
        stored = connection.execute(text("SELECT conversation FROM feedback_votes")).scalars().all()
    assert "+15551234567" not in stored and len(set(stored)) == 1


def test_conversations_from_before_the_broker_are_backfilled_once(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    with services.engine.begin() as connection:
        connection.execute(text("DELETE FROM turn_events"))  # as if recorded by nobody
    assert cli.main(["conversations", "backfill-turns"]) == 0
    assert capsys.readouterr().out == "recorded 10 turns of earlier conversations\n"
    report = build_report(source=services.report_source(), since=30 * DAY, now=NOW).as_json()
    assert {key: report[key] for key in EXPECTED} == EXPECTED
    assert cli.main(["conversations", "backfill-turns"]) == 0
    assert capsys.readouterr().out == "recorded 0 turns of earlier conversations\n"
