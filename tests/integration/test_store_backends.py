"""The content store, the tracker store and the lock store on the real backends."""

from __future__ import annotations

import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.content.files import read_items
from bot.content.importing import import_items
from bot.content.services import published_answer, published_catalog
from bot.replies import ReplyService
from bot.stores.lock_store import RedisTicketLockStore
from bot.stores.rasa_stores import EnvLockStore, EnvSQLTrackerStore
from bot.topics import FAQ_TOPICS
from bot.wiring import Services
from tests.conftest import CONTENT_DIR


def test_every_topic_is_published(any_services: Services) -> None:
    faq = {a.id for a in published_catalog(uow=any_services.uow(), kind="faq")}
    assert faq == set(FAQ_TOPICS)
    tiers = {a.tier for a in published_catalog(uow=any_services.uow(), kind="escalation")}
    assert tiers == {"emergency", "urgent", "crisis"}


def test_import_twice_changes_nothing(any_services: Services) -> None:
    outcome = import_items(read_items(CONTENT_DIR), uow=any_services.uow())
    assert set(outcome.values()) == {"unchanged"}
    assert published_answer("duration", uow=any_services.uow()).version == 1


def test_escalations_are_recorded_with_a_pseudonym(any_services: Services) -> None:
    replies = ReplyService(any_services.uow, hash_salt="salt")
    flag = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection"}
    replies.escalation([flag], "urgent", channel="sms", sender_id="+15551234567")
    with any_services.uow() as uow:
        [record] = uow.items.escalations()
        assert (record.flag_ids, record.tier, record.channel) == (["fever"], "urgent", "sms")
        assert "1234567" not in record.conversation


@pytest.mark.parametrize("backend", ["sqlite_url", "postgres_url"])
def test_tracker_store_keeps_the_conversation_and_reply_metadata(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", request.getfixturevalue(backend))
    from bot.config import get_settings

    get_settings.cache_clear()
    try:
        store = EnvSQLTrackerStore(domain=Domain.empty())
        tracker = DialogueStateTracker(f"web-{uuid.uuid4().hex}", [])
        tracker.update(UserUttered("how long does it last", {"name": "faq_duration"}))
        tracker.update(
            BotUttered("answer", metadata={"content_id": "duration", "content_version": 3})
        )
        import asyncio

        asyncio.run(store.save(tracker))
        loaded = asyncio.run(store.retrieve(tracker.sender_id))
        bot_event = [e for e in loaded.events if isinstance(e, BotUttered)][0]
        assert bot_event.metadata["content_id"] == "duration"
        assert bot_event.metadata["content_version"] == 3
    finally:
        get_settings.cache_clear()


def test_env_lock_store_follows_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/6")
    monkeypatch.delenv("LOCK_STORE", raising=False)
    get_settings.cache_clear()
    try:
        assert isinstance(EnvLockStore().inner, RedisTicketLockStore)
        monkeypatch.setenv("LOCK_STORE", "rasa-redis")  # only to measure the stock store
        get_settings.cache_clear()
        assert isinstance(EnvLockStore().inner, RedisLockStore)
    finally:
        get_settings.cache_clear()


def test_lock_store_is_in_memory_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import get_settings

    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert isinstance(EnvLockStore().inner, InMemoryLockStore)
    finally:
        get_settings.cache_clear()
