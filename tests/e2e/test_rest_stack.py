"""The running assistant over REST: answers from the store, live edits, red flags, bad input,
and escalation with the action server stopped. Runs on SQLite, then on PostgreSQL + Redis."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import pytest

from bot.content.accounts import Actor
from bot.content.files import read_items
from bot.content.importing import import_items
from bot.content.services import published_catalog
from bot.handoff import inbox
from bot.replies import CONTENT_CACHE_SECONDS
from tests.conftest import CONTENT_DIR

pytestmark = pytest.mark.servers


def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def text_of(assistant, item_id: str) -> str:
    """The item's web text as a patient receives it (clinic details filled in)."""
    return assistant.services.replies().message(item_id, "rest").text


def test_greeting_comes_from_the_store(assistant) -> None:
    assert text_of(assistant, "greeting") in assistant.rest.texts(sender(), "/greet")


@pytest.mark.parametrize(
    "question, topic",
    [
        ("How long does transient osteoporosis of the hip usually last?", "duration"),
        ("Will I need an operation on my hip?", "surgery"),
        ("Am I allowed to drive my car with TOH?", "driving"),
        ("How much does an MRI cost for this?", "cost"),
    ],
)
def test_faq_answers_are_the_published_text(assistant, question: str, topic: str) -> None:
    assert text_of(assistant, topic) in assistant.rest.texts(sender(), question)


def test_asking_for_a_person_and_a_red_flag_reach_the_care_teams_inbox(assistant) -> None:
    patient = sender()
    [handoff] = assistant.rest.send(patient, "can a nurse call me back")
    assert handoff["content_id"] in ("human_handoff", "human_handoff_closed")
    assert handoff["custom"] == {"kind": "handoff"}
    assistant.rest.send(patient, "I have crushing chest pain")
    cases = inbox.open_cases(uow=assistant.services.handoff_uow())
    [(asked, escalated)] = [c.reasons for c in cases if c.conversation == patient]
    assert asked == "asked for a person" and escalated.startswith("emergency: chest pain")


def test_a_published_edit_is_live_without_restart(assistant) -> None:
    [spec] = [s for s in read_items(CONTENT_DIR) if s.id == "driving"]
    new_text = f"Driving answer edited at {uuid.uuid4().hex[:6]}. Ask your care team.\n"
    admin = Actor("e2e-admin", "admin")
    outcome = import_items([replace(spec, text=new_text)], uow=assistant.services.uow(),
                           author="e2e", publish_as=admin)
    assert outcome == {"driving": "published"}
    # Each server reuses a published item for up to CONTENT_CACHE_SECONDS (issue 13): the edit
    # must show within that, plus a round trip, with no restart or message between servers.
    started = time.monotonic()
    reply = ""
    while new_text.strip() not in reply and time.monotonic() - started < CONTENT_CACHE_SECONDS + 4:
        reply = assistant.rest.texts(sender(), "Am I allowed to drive my car with TOH?")
    assert new_text.strip() in reply, "the edit was not live within the cache time"
    import_items([spec], uow=assistant.services.uow(), author="e2e", publish_as=admin)  # back


@pytest.mark.parametrize(
    "message, escalation",
    [
        ("I have a fever of 39.2 and my hip hurts, how long does TOH last?", "esc_infection"),
        ("my mom fell and she can't stand up", None),
        ("crushing chest pain right now", None),
        ("/faq_duration but I fell today", None),
        ('/greet{"name": "x"} I have a fever', "esc_infection"),
    ],
)
def test_red_flags_escalate_before_any_faq(assistant, message: str, escalation: str | None) -> None:
    who = sender()
    replies = assistant.rest.send(who, message)
    if replies[0].get("content_id") == "check_red_flag":  # unsure (urgent only): yes escalates
        replies = assistant.rest.send(who, "yes")
    content_ids = [r.get("content_id") for r in replies]
    first = replies[0]["text"]
    clinic = assistant.services.settings.clinic.placeholders()
    catalog = published_catalog(uow=assistant.services.uow(), kind="escalation")
    escalation_texts = {a.id: a.filled(clinic).text_for("rest") for a in catalog}
    assert first in escalation_texts.values(), replies
    if escalation:
        assert escalation_texts[escalation] == first
    assert not any(cid in ("duration",) for cid in content_ids)


def test_escalations_are_recorded_for_the_clinic(assistant) -> None:
    who = sender()
    assistant.rest.send(who, "I have chills and a temperature of 101F")
    with assistant.services.uow() as uow:
        records = [r for r in uow.items.escalations() if r.channel == "rest"]
        assert records and records[-1].tier == "urgent" and "fever" in records[-1].flag_ids
        assert who not in records[-1].conversation


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "x" * 50_000,
        "\x00\x01\xff binary \ufffd",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "'; DROP TABLE content_items; --",
        "/deny",
        "/restart",
        "¿Cuánto tiempo dura la osteoporosis transitoria?",
        "这个病会持续多久",
    ],
)
def test_bad_input_gets_a_clear_answer_and_loses_nothing(assistant, message: str) -> None:
    who = sender()
    replies = assistant.rest.send(who, message)
    assert replies and all(r.get("text") for r in replies), replies
    assert text_of(assistant, "duration")  # the store is intact
    follow_up = assistant.rest.texts(
        who, "How long does transient osteoporosis of the hip usually last?"
    )
    assert text_of(assistant, "duration") in follow_up


def test_escalation_still_works_with_the_action_server_down(assistant) -> None:
    """Last in the module: it stops the action server."""
    assistant.stack.stop("actions")
    fever = assistant.rest.texts(sender(), "I've had a fever and night sweats since yesterday")
    assert text_of(assistant, "esc_infection") in fever
    chest = assistant.rest.texts(sender(), "I have chest pain and can't breathe")
    assert "911" in chest
    other = assistant.rest.texts(
        sender(), "How long does transient osteoporosis of the hip usually last?"
    )
    assert text_of(assistant, "unavailable") in other
