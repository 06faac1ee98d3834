"""Escalations and requests for a person open a hand-off case; the patient is told when a nurse
will read it (in clinic hours or not); ``action_hand_off`` is the thin action over it."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandOff
from bot.config import Clinic
from bot.content.repository import FakeUnitOfWork
from bot.handoff.repository import HandoffUnitOfWork
from bot.replies import ReplyService
from tests.unit.fakes import FakeHandoffUnitOfWork, fake_store, spec, standard_store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trackers"
CLINIC = Clinic(open_hours="Mon-Fri 08:00-17:00", timezone="America/New_York")
MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo("America/New_York"))
FRIDAY_EVENING = datetime(2026, 12, 11, 19, 0, tzinfo=ZoneInfo("America/New_York"))
FEVER = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection"}


def content() -> FakeUnitOfWork:
    return fake_store(
        *(spec(m, kind="message") for m in ("unavailable", "not_understood")),
        spec("human_handoff", kind="message", text="A nurse reads it today.\n",
             sms_text="A nurse reads it today and may text you."),
        spec("human_handoff_closed", kind="message", text="A nurse reads it {next_open}.\n",
             sms_text="Closed. A nurse reads it {next_open}."),
        spec("esc_infection", kind="escalation", tier="urgent"),
    )


def replies_with(cases: HandoffUnitOfWork) -> ReplyService:
    store = content()
    return ReplyService(lambda: store, hash_salt="s", clinic=CLINIC, handoffs=lambda: cases)


class BrokenCases(FakeHandoffUnitOfWork):
    """A hand-off store that cannot be written (a database down, a missing table)."""

    def commit(self) -> None:
        raise ConnectionError("database down")


def test_in_clinic_hours_the_patient_hears_a_nurse_reads_it_today() -> None:
    cases = FakeHandoffUnitOfWork()
    reply = replies_with(cases).hand_off("web-1", "rest", now=MONDAY_NOON)
    assert (reply.text, reply.content_id, reply.custom) == (
        "A nurse reads it today.", "human_handoff", {"kind": "handoff"})
    [case] = cases.cases.list_open()
    assert (case.conversation, case.channel, case.reasons) == (
        "web-1", "rest", ["asked for a person"])


def test_outside_clinic_hours_the_patient_hears_when_it_opens() -> None:
    cases = FakeHandoffUnitOfWork()
    reply = replies_with(cases).hand_off("sms-7", "sms", now=FRIDAY_EVENING)
    assert reply.text == "Closed. A nurse reads it on Monday at 8 am."
    assert reply.content_id == "human_handoff_closed"
    assert [c.conversation for c in cases.cases.list_open()] == ["sms-7"]


def test_an_escalation_opens_a_case_with_its_tier_and_flags() -> None:
    cases = FakeHandoffUnitOfWork()
    reply = replies_with(cases).escalation([FEVER], "urgent", channel="sms", sender_id="sms-7")
    assert reply.custom == {"kind": "escalation", "tier": "urgent"}
    [case] = cases.cases.list_open()
    assert (case.conversation, case.channel, case.reasons) == ("sms-7", "sms", ["urgent: fever"])


def test_an_escalation_is_given_even_when_no_case_can_be_opened(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reply = replies_with(BrokenCases()).escalation([FEVER], "urgent", channel="sms",
                                                   sender_id="sms-7")
    assert reply.content_id == "esc_infection"
    assert "no hand-off case opened (ConnectionError)" in caplog.text


def tracker(name: str) -> Tracker:
    return Tracker.from_dict(json.loads((FIXTURES / f"{name}.json").read_text()))


async def test_the_action_opens_the_case_and_sends_the_line_for_the_channel() -> None:
    cases = FakeHandoffUnitOfWork()
    dispatcher = CollectingDispatcher()
    sms = tracker("faq_driving_sms")
    assert await ActionHandOff(replies_with(cases)).run(dispatcher, sms, {}) == []
    [message] = dispatcher.messages
    assert message["content_id"] in ("human_handoff", "human_handoff_closed")
    assert message["custom"] == {"kind": "handoff"}
    assert [c.conversation for c in cases.cases.list_open()] == [sms.sender_id]


async def test_the_action_promises_no_nurse_when_the_case_is_not_stored() -> None:
    dispatcher = CollectingDispatcher()
    await ActionHandOff(replies_with(BrokenCases())).run(dispatcher, tracker("faq_driving_sms"),
                                                         {})
    assert [m["content_id"] for m in dispatcher.messages] == ["unavailable"]


def test_without_a_case_store_the_lines_alone_still_work() -> None:
    store = standard_store()
    replies = ReplyService(lambda: store, hash_salt="s", clinic=CLINIC)
    assert replies.escalation([FEVER], "urgent", channel="rest", sender_id="a").content_id == (
        "esc_infection")
