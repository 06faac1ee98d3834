"""Hand-off cases on real databases: the SQL adapter, ``conversations forget`` and ``purge``, and
an SMS number kept only encrypted (scanned for in the database file's bytes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import cli
from bot.config import get_settings, load_settings
from bot.handoff import inbox
from bot.handoff.service import ASKED_FOR_A_PERSON, keep_contact, mark_handled, open_case, reply
from bot.migrate import upgrade
from bot.privacy import pseudonym
from bot.stores.rasa_stores import tracker_store_kwargs
from bot.wiring import Services
from tests.integration.fake_twilio import FakeTwilio
from tests.integration.handoff_harness import handoff_services, sms_phone
from tests.unit.fakes import FakePatientSms

SALT = "handoff-db-test-salt"
PHONE = "+14155550123"
PHONE_FORMS = ("+14155550123", "14155550123", "4155550123", "415-555-0123", "(415) 555-0123",
               "415 555 0123", "555-0123", "5550123")
SMS_ID = pseudonym(PHONE, SALT)  # the SMS channel's conversation id for PHONE


@pytest.fixture
def services(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """A migrated store; ``python -m bot`` in this process uses it too."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("PSEUDONYM_KEY", SALT)  # .env may hold a random one (make writes it)
    get_settings.cache_clear()
    settings = replace(load_settings(env_file=None), database_url=database_url,
                       tracker_database_url=database_url, hash_salt=SALT)
    services = Services(settings)
    upgrade(services.engine)
    yield services
    services.engine.dispose()
    get_settings.cache_clear()


async def save_conversation(services: Services, sender: str, said: str) -> None:
    store = SQLTrackerStore(domain=Domain.empty(),
                            **tracker_store_kwargs(services.settings.tracker_database_url))
    events = [UserUttered(said, {"name": "request_human"}, timestamp=time.time()),
              BotUttered("A nurse will read this chat.", timestamp=time.time())]
    await store.save(DialogueStateTracker.from_events(sender, events))
    store.engine.dispose()


def test_cases_are_kept_answered_and_closed(services: Services) -> None:
    uow, cipher = services.handoff_uow, services.contact_cipher()
    web = open_case(uow=uow(), conversation="web-ann", channel="rest", reason="urgent: fever")
    sms = open_case(uow=uow(), conversation=SMS_ID, channel="sms", reason=ASKED_FOR_A_PERSON)
    assert open_case(uow=uow(), conversation="web-ann", channel="rest",
                     reason=ASKED_FOR_A_PERSON) == web
    assert keep_contact(uow=uow(), conversation=SMS_ID, phone=PHONE, cipher=cipher)
    assert [(c.id, c.reason) for c in inbox.open_cases(uow=uow())] == [
        (web, "urgent: fever; asked for a person"), (sms, ASKED_FOR_A_PERSON)]

    phone = FakePatientSms()
    reply(sms, "Please call us today. Nina, nurse", uow=uow(), by="nina", cipher=cipher, sms=phone)
    mark_handled(sms, uow=uow(), by="nina", note="Texted back.")
    assert phone.sent == [(PHONE, "Please call us today. Nina, nurse")]
    assert [c.id for c in inbox.open_cases(uow=uow())] == [web]
    case = inbox.case_page(sms, uow=uow(), conversations=services.conversations()).case
    assert (case.status, case.handled_by, case.note, case.can_reply) == (
        "handled", "nina", "Texted back.", True)
    assert [(r["by"], r["text"]) for r in case.replies] == [
        ("nina", "Please call us today. Nina, nurse")]


async def test_a_case_page_reads_the_conversation_from_rasas_events(services: Services) -> None:
    await save_conversation(services, SMS_ID, "can I talk to a nurse")
    await save_conversation(services, "web-ann", "something else")
    case_id = open_case(uow=services.handoff_uow(), conversation=SMS_ID, channel="sms",
                        reason=ASKED_FOR_A_PERSON)
    page = inbox.case_page(case_id, uow=services.handoff_uow(),
                           conversations=services.conversations())
    assert [(m.type, m.text) for m in page.transcript] == [
        ("user", "can I talk to a nurse"), ("bot", "A nurse will read this chat.")]


async def test_forget_erases_that_persons_cases_only(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    await save_conversation(services, SMS_ID, "nurse please")
    for conversation, channel in ((SMS_ID, "sms"), ("web-ann", "rest")):
        open_case(uow=services.handoff_uow(), conversation=conversation, channel=channel,
                  reason=ASKED_FOR_A_PERSON)
    keep_contact(uow=services.handoff_uow(), conversation=SMS_ID, phone=PHONE,
                 cipher=services.contact_cipher())
    assert cli.main(["conversations", "forget", PHONE]) == 0
    assert capsys.readouterr().out.strip() == (
        "erased 2 conversation events, 0 escalation records, 0 SMS contacts, 1 hand-off cases, "
        "0 turn events, 0 feedback votes")
    assert [c.conversation for c in inbox.open_cases(uow=services.handoff_uow())] == ["web-ann"]
    assert cli.main(["conversations", "forget", "web-ann"]) == 0
    assert capsys.readouterr().out.strip().endswith(
        ", 1 hand-off cases, 0 turn events, 0 feedback votes")
    assert inbox.open_cases(uow=services.handoff_uow()) == []


def test_purge_erases_cases_idle_longer_than_the_retention(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    old = datetime.now(timezone.utc) - timedelta(days=100)
    open_case(uow=services.handoff_uow(), conversation="web-old", channel="rest", reason="x",
              now=old)
    open_case(uow=services.handoff_uow(), conversation="web-new", channel="rest", reason="x")
    assert cli.main(["conversations", "purge", "--older-than", "90d"]) == 0
    assert capsys.readouterr().out.strip().endswith(
        ", 1 hand-off cases, 0 turn events, 0 feedback votes")
    assert [c.conversation for c in inbox.open_cases(uow=services.handoff_uow())] == ["web-new"]


async def test_an_escalated_sms_keeps_the_number_encrypted_only(tmp_path: Path) -> None:
    twilio = await FakeTwilio().start()
    services = handoff_services(tmp_path / "toh.sqlite3", twilio)
    try:
        async with sms_phone(services, PHONE) as phone:
            await phone.text("I have a fever since yesterday, call me on 415-555-0123")
            await phone.text("can a nurse call me")
        [case] = inbox.open_cases(uow=services.handoff_uow())
        assert (case.channel, case.reason, case.can_reply) == (
            "sms", f"urgent: fever; {ASKED_FOR_A_PERSON}", True)
        assert [sent.to for sent in twilio.accepted] == [PHONE, PHONE]  # both answers went out
        # As the web app sends it: blocking, from a worker thread with no event loop.
        await asyncio.to_thread(reply, case.id, "Nurse here: please call us.",
                                uow=services.handoff_uow(), by="nina",
                                cipher=services.contact_cipher(), sms=services.patient_sms())
        assert (twilio.accepted[-1].to, twilio.accepted[-1].body) == (
            PHONE, "Nurse here: please call us.")
    finally:
        services.engine.dispose()
        await twilio.stop()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("toh.sqlite3*"))
    assert b"handoff_cases" in stored and b"urgent: fever" in stored  # the scan reads the data
    assert [form for form in PHONE_FORMS if form.encode() in stored] == []
