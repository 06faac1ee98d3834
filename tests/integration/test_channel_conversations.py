"""``RasaConversations`` on the trained model's tracker store: offered buttons, stored lines."""

from __future__ import annotations

import uuid
from typing import Any

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.channels.conversations import RasaConversations

BUTTONS = [
    {"title": "How long TOH lasts", "payload": "/faq_duration"},
    {"title": "None of these", "payload": "/none_of_these"},
]


async def save(agent: Any, sender: str, *events: Any) -> None:
    tracker = await agent.tracker_store.get_or_create_tracker(sender)
    for event in events:
        tracker.update(event)
    await agent.tracker_store.save(tracker)


async def test_offered_payloads_are_the_buttons_since_the_last_user_message(agent: Any) -> None:
    sender = uuid.uuid4().hex
    conversations = RasaConversations(lambda: agent)
    assert await conversations.offered_payloads(sender) == set()
    await save(
        agent,
        sender,
        ActionExecuted("action_listen"),
        UserUttered("what about my hip", {"name": "out_of_scope"}),
        BotUttered("Did you mean one of these?", {"buttons": BUTTONS}),
    )
    assert await conversations.offered_payloads(sender) == {"/faq_duration", "/none_of_these"}
    await save(agent, sender, UserUttered("something else", {"name": "out_of_scope"}))
    assert await conversations.offered_payloads(sender) == set()


async def test_a_recorded_line_keeps_its_content_id_and_the_session_starts(agent: Any) -> None:
    sender = uuid.uuid4().hex
    conversations = RasaConversations(lambda: agent)
    reply = {
        "text": "Please ask one short question.",
        "content_id": "too_long",
        "content_version": 3,
    }
    assert await conversations.record(sender, "long text", reply, reason="too_long", channel="rest")
    tracker = await agent.tracker_store.retrieve(sender)
    names = [getattr(e, "action_name", None) for e in tracker.events]
    assert "action_session_start" in names and names[-1] == "action_listen"
    [user] = [e for e in tracker.events if isinstance(e, UserUttered)]
    assert (user.text, user.input_channel) == ("long text", "rest")
    assert user.metadata["channel_answered"] == "too_long"
    [bot] = [e for e in tracker.events if isinstance(e, BotUttered)]
    assert bot.data == {"content_id": "too_long", "content_version": 3}
    assert bot.metadata["content_id"] == "too_long"


async def test_without_a_loaded_model_nothing_is_recorded(caplog: Any) -> None:
    conversations = RasaConversations(lambda: object())
    reply = {"text": "x"}
    assert not await conversations.record("s", "t", reply, reason="too_long", channel="rest")
    assert "no model loaded" in caplog.text
