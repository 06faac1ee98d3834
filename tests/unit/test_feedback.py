""""Was this helpful?": the buttons' payloads, reading a vote back, recording it."""
from __future__ import annotations

import pytest

from bot.channels.inbound import BUTTON_PAYLOAD, clean_inbound
from bot.feedback import (
    FeedbackService,
    Vote,
    buttons,
    offered_vote,
    parse,
    vote_of_entities,
)
from bot.privacy import pseudonym
from tests.unit.fakes import FakeFeedbackRepository


def bot(*payloads: str) -> dict:
    return {"event": "bot", "text": "?", "data": {"buttons": [{"title": "t", "payload": p}
                                                            for p in payloads]}}


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def test_the_buttons_are_yes_and_no_and_name_the_answer_and_version() -> None:
    yes, no = buttons("duration", 3)
    assert (yes["title"], no["title"]) == ("Yes", "No")
    assert yes["payload"] == '/feedback{"helpful": "yes", "answer": "duration", "version": 3}'
    assert parse(no["payload"]) == Vote("duration", 3, helpful=False)


@pytest.mark.parametrize("vote", [Vote("what_is", 1, True), Vote("bone_density", 123, False)])
def test_a_payload_passes_the_channels_and_reads_back_as_its_vote(vote: Vote) -> None:
    payload = vote.payload()
    assert BUTTON_PAYLOAD.match(payload)
    assert clean_inbound(payload).text == payload  # not turned into plain words
    assert parse(payload) == vote


@pytest.mark.parametrize(
    "payload",
    ['/feedback{"helpful": "maybe", "answer": "duration", "version": 3}',
     '/feedback{"helpful": "yes", "answer": "Duration; DROP", "version": 3}',
     '/feedback{"helpful": "yes", "answer": "duration", "version": "3"}',
     '/feedback{"helpful": "yes", "answer": "duration", "version": 3} and more'],
)
def test_anything_else_is_not_a_vote_nor_a_button(payload: str) -> None:
    assert parse(payload) is None
    assert not BUTTON_PAYLOAD.match(payload)
    assert clean_inbound(payload).was_command  # plain words for the NLU


def test_other_buttons_are_not_votes() -> None:
    assert parse("/faq_duration") is None


def test_rasas_entities_of_the_payload_give_the_vote() -> None:
    entities = [{"entity": "helpful", "value": "no"}, {"entity": "answer", "value": "driving"},
                {"entity": "version", "value": 4}]
    assert vote_of_entities(entities) == Vote("driving", 4, helpful=False)
    assert vote_of_entities(entities[:2]) is None
    assert vote_of_entities([{"entity": "helpful", "value": "yes"}]) is None


def test_a_typed_yes_counts_for_the_question_just_before_it() -> None:
    question = bot(*(b["payload"] for b in buttons("duration", 3)))
    events = [user("how long"), {"event": "bot", "text": "answer"}, question, user("yes")]
    assert offered_vote(events, helpful=True) == Vote("duration", 3, helpful=True)
    assert offered_vote(events, helpful=False) == Vote("duration", 3, helpful=False)


def test_a_yes_after_another_message_is_not_a_vote() -> None:
    question = bot(*(b["payload"] for b in buttons("duration", 3)))
    events = [user("how long"), question, user("can I drive"), {"event": "bot"}, user("yes")]
    assert offered_vote(events, helpful=True) is None
    assert offered_vote([user("yes")], helpful=True) is None


def test_a_vote_is_stored_under_the_pseudonym_with_no_text() -> None:
    repo = FakeFeedbackRepository()
    service = FeedbackService(lambda: repo, hash_salt="salt", clock=lambda: 1000.0)
    service.record(Vote("duration", 3, helpful=True), sender_id="+15551234567", channel="sms")
    [entry] = repo.entries
    assert entry.conversation == pseudonym("+15551234567", "salt") != "+15551234567"
    assert (entry.answer, entry.version, entry.helpful, entry.channel, entry.occurred_at) == (
        "duration", 3, True, "sms", 1000.0)
