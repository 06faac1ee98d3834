"""Hand-off cases with fakes: opened, kept up to date, answered by SMS, closed, read by the
inbox."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.conversations.repository import StoredMessage
from bot.handoff import inbox
from bot.handoff.contacts import ContactCipher
from bot.handoff.service import (
    ASKED_FOR_A_PERSON,
    CaseNotFound,
    ReplyNotSent,
    escalation_reason,
    keep_contact,
    mark_handled,
    open_case,
    reply,
)
from tests.unit.fakes import FakeConversationRepository, FakeHandoffUnitOfWork, FakePatientSms

PHONE = "+14155550123"
SMS_ID = "3f2a9c0d1e4b5a6f"  # what the SMS channel gives Rasa: the number's pseudonym
T0 = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
CIPHER = ContactCipher("a-contact-key-for-the-unit-tests-" + "k" * 16)


def sms_case(uow: FakeHandoffUnitOfWork, *, keep: bool = True) -> int:
    case_id = open_case(uow=uow, conversation=SMS_ID, channel="sms",
                        reason="urgent: fever", now=T0)
    if keep:
        assert keep_contact(uow=uow, conversation=SMS_ID, phone=PHONE, cipher=CIPHER)
    return case_id


def test_an_escalation_reason_names_the_tier_and_each_flag_once() -> None:
    assert escalation_reason("urgent", ["fever", "leg_swelling", "fever"]) == (
        "urgent: fever, leg swelling")
    assert escalation_reason("emergency", []) == "emergency"


def test_a_conversation_has_one_open_case_that_gathers_its_reasons() -> None:
    uow = FakeHandoffUnitOfWork()
    first = open_case(uow=uow, conversation="web-1", channel="rest", reason="urgent: fever",
                      now=T0)
    later = T0 + timedelta(minutes=5)
    again = open_case(uow=uow, conversation="web-1", channel="rest", reason=ASKED_FOR_A_PERSON,
                      now=later)
    open_case(uow=uow, conversation="web-1", channel="rest", reason="urgent: fever", now=later)
    assert first == again
    case = uow.cases.get(first)
    assert case is not None
    assert case.reasons == ["urgent: fever", ASKED_FOR_A_PERSON]
    assert (case.opened_at, case.updated_at, case.status) == (T0, later, "open")


def test_a_handled_case_stays_closed_and_a_new_request_opens_another() -> None:
    uow = FakeHandoffUnitOfWork()
    first = open_case(uow=uow, conversation="web-1", channel="rest", reason=ASKED_FOR_A_PERSON)
    mark_handled(first, uow=uow, by="nina", note="Called back.")
    second = open_case(uow=uow, conversation="web-1", channel="rest", reason=ASKED_FOR_A_PERSON)
    assert second != first
    assert [c.id for c in inbox.open_cases(uow=uow)] == [second]


def test_the_inbox_lists_open_cases_most_recent_first() -> None:
    uow = FakeHandoffUnitOfWork()
    old = open_case(uow=uow, conversation="a", channel="rest", reason="x", now=T0)
    new = open_case(uow=uow, conversation="b", channel="sms", reason="y",
                    now=T0 + timedelta(hours=1))
    assert [c.id for c in inbox.open_cases(uow=uow)] == [new, old]
    open_case(uow=uow, conversation="a", channel="rest", reason="z", now=T0 + timedelta(hours=2))
    assert [(c.id, c.reason) for c in inbox.open_cases(uow=uow)] == [(old, "x; z"), (new, "y")]


def test_the_number_is_kept_encrypted_on_the_open_case_only() -> None:
    uow = FakeHandoffUnitOfWork()
    assert not keep_contact(uow=uow, conversation=SMS_ID, phone=PHONE, cipher=CIPHER)
    case_id = sms_case(uow)
    stored = uow.cases.get(case_id).contact  # type: ignore[union-attr]
    assert PHONE not in stored and "5550123" not in stored
    assert CIPHER.reveal(stored) == PHONE
    assert ContactCipher("another-key-" + "x" * 30).reveal(stored) is None


def test_handled_records_who_when_and_the_note_redacted() -> None:
    uow = FakeHandoffUnitOfWork()
    case_id = sms_case(uow)
    mark_handled(case_id, uow=uow, by="nina", note="Called her at 415-555-0123. Seen Tue.",
                 now=T0 + timedelta(hours=1))
    view = inbox.case_page(case_id, uow=uow, conversations=FakeConversationRepository([])).case
    assert (view.status, view.handled_by, view.handled_at) == ("handled", "nina",
                                                               T0 + timedelta(hours=1))
    assert view.note == "Called her at [phone]. Seen Tue."
    assert not view.is_open


def test_handling_an_unknown_case_is_refused() -> None:
    with pytest.raises(CaseNotFound):
        mark_handled(7, uow=FakeHandoffUnitOfWork(), by="nina", note="x")


def test_a_reply_goes_to_the_patients_number_and_is_recorded_redacted() -> None:
    uow, phone = FakeHandoffUnitOfWork(), FakePatientSms()
    case_id = sms_case(uow)
    text = "Hello from the care team. Please call us at (555) 010-0199 today. Nina, nurse"
    reply(case_id, text, uow=uow, by="nina", cipher=CIPHER, sms=phone, now=T0)
    assert phone.sent == [(PHONE, text)]
    [sent] = uow.cases.get(case_id).replies  # type: ignore[union-attr]
    assert sent == {"at": T0.isoformat(), "by": "nina", "text": text.replace("(555) 010-0199",
                                                                             "[phone]")}


@pytest.mark.parametrize(
    ("channel", "keep", "phone", "cipher", "why"),
    [
        ("rest", False, FakePatientSms(), CIPHER, "Only SMS conversations"),
        ("sms", False, FakePatientSms(), CIPHER, "Only SMS conversations"),
        ("sms", True, FakePatientSms(opted_out=True), CIPHER, "sent STOP"),
        ("sms", True, FakePatientSms(accepts=False), CIPHER, "did not take the message"),
        ("sms", True, FakePatientSms(), ContactCipher("rotated-" + "r" * 40), "CONTACT_KEY"),
    ],
)
def test_a_reply_that_cannot_go_out_says_why_and_records_nothing(
    channel: str, keep: bool, phone: FakePatientSms, cipher: ContactCipher, why: str
) -> None:
    uow = FakeHandoffUnitOfWork()
    case_id = open_case(uow=uow, conversation=SMS_ID, channel=channel, reason="x")
    if keep:
        keep_contact(uow=uow, conversation=SMS_ID, phone=PHONE, cipher=CIPHER)
    with pytest.raises(ReplyNotSent, match=why):
        reply(case_id, "Hello", uow=uow, by="nina", cipher=cipher, sms=phone)
    assert phone.sent == []
    assert uow.cases.get(case_id).replies == []  # type: ignore[union-attr]


def test_a_case_page_has_the_conversations_messages_and_no_number() -> None:
    uow = FakeHandoffUnitOfWork()
    case_id = sms_case(uow)
    conversations = FakeConversationRepository([
        StoredMessage(SMS_ID, "user", "I have a fever, call me on [phone]", 1.0),
        StoredMessage("someone-else", "user", "hello", 2.0),
        StoredMessage(SMS_ID, "bot", "Call your care team today.", 3.0),
    ])
    page = inbox.case_page(case_id, uow=uow, conversations=conversations)
    assert [(m.type, m.text) for m in page.transcript] == [
        ("user", "I have a fever, call me on [phone]"), ("bot", "Call your care team today.")]
    assert page.case.can_reply and page.case.reason == "urgent: fever"
    assert PHONE not in repr(page)
    with pytest.raises(CaseNotFound):
        inbox.case_page(99, uow=uow, conversations=conversations)
