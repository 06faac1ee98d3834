"""The operators' conversation service on a fake repository."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.conversations.repository import Erased, StoredMessage
from bot.conversations.service import (
    BadAge,
    export,
    forget,
    parse_age,
    person,
    purge,
    redact_stored,
)
from bot.privacy import pseudonym
from tests.unit.fakes import FakeConversationRepository

SALT = "test-salt"
DAY = 24 * 3600.0
NOW = 1_800_000_000.0
PHONE = "+15551234567"


def message(sender: str, kind: str, text: str, days_ago: float) -> StoredMessage:
    return StoredMessage(sender, kind, text, NOW - days_ago * DAY)


def stored() -> list[StoredMessage]:
    sms = pseudonym(PHONE, SALT)
    return [
        message("web-1", "user", "how long does it last", 40),
        message(sms, "user", "hi", 35),
        message("web-1", "bot", "Usually 6 to 12 months.", 40),
        message(sms, "bot", "Hello!", 35),
        message("web-1", "user", "thanks", 2),
    ]


@pytest.mark.parametrize(
    ("text", "age"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), (" 2w ", timedelta(weeks=2)),
     ("0d", timedelta(0))],
)
def test_ages_read_like_the_contract(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["", "30", "d30", "-5d", "1.5d", "30 days", "3m"])
def test_other_ages_are_refused(text: str) -> None:
    with pytest.raises(BadAge):
        parse_age(text)


def test_export_gives_one_conversation_per_sender_in_stored_order() -> None:
    exported = [c.as_export() for c in export(repo=FakeConversationRepository(stored()), now=NOW)]
    assert [c["sender"] for c in exported] == ["web-1", pseudonym(PHONE, SALT)]
    assert exported[0]["events"] == [
        {"type": "user", "text": "how long does it last", "timestamp": NOW - 40 * DAY},
        {"type": "bot", "text": "Usually 6 to 12 months.", "timestamp": NOW - 40 * DAY},
        {"type": "user", "text": "thanks", "timestamp": NOW - 2 * DAY},
    ]


def test_export_since_keeps_only_recent_messages() -> None:
    repo = FakeConversationRepository(stored())
    exported = [c.as_export() for c in export(repo=repo, since=timedelta(days=30), now=NOW)]
    assert exported == [{"sender": "web-1", "events": [
        {"type": "user", "text": "thanks", "timestamp": NOW - 2 * DAY}]}]


def test_a_phone_number_is_found_under_its_pseudonyms_only() -> None:
    keys = person(PHONE, salt=SALT)
    sms = pseudonym(PHONE, SALT)
    assert sms in keys.sender_ids and sms in keys.sms_contacts
    assert pseudonym(sms, SALT) in keys.escalation_keys  # records hash Rasa's id again
    assert all("1234567" not in key for key in keys.escalation_keys)


def test_forget_a_phone_number_erases_its_sms_conversation_state_and_escalations() -> None:
    sms = pseudonym(PHONE, SALT)
    repo = FakeConversationRepository(
        stored(), escalation_keys={pseudonym(sms, SALT), pseudonym("web-1", SALT)},
        sms_contacts={sms: NOW, "other": NOW},
    )
    assert forget(PHONE, repo=repo, salt=SALT) == Erased(2, 1, 1)
    assert {m.sender for m in repo.stored} == {"web-1"}
    assert repo.escalation_keys == {pseudonym("web-1", SALT)}
    assert set(repo.sms_contacts) == {"other"}


def test_forget_a_web_conversation_by_its_id() -> None:
    repo = FakeConversationRepository(stored(), escalation_keys={pseudonym("web-1", SALT)})
    assert forget("web-1", repo=repo, salt=SALT) == Erased(3, 1, 0)
    assert {m.sender for m in repo.stored} == {pseudonym(PHONE, SALT)}


def test_forget_needs_a_sender() -> None:
    with pytest.raises(ValueError):
        forget("  ", repo=FakeConversationRepository(stored()), salt=SALT)


def test_purge_erases_what_is_older_than_the_age() -> None:
    repo = FakeConversationRepository(stored())
    assert purge(repo=repo, older_than=timedelta(days=36), now=NOW) == Erased(events=2)
    assert repo.erased_before == NOW - 36 * DAY
    assert [m.text for m in repo.stored] == ["hi", "Hello!", "thanks"]


def test_purge_of_everything_is_refused() -> None:
    with pytest.raises(BadAge):
        purge(repo=FakeConversationRepository(stored()), older_than=timedelta(0), now=NOW)


def test_redact_stored_redacts_user_messages_only() -> None:
    repo = FakeConversationRepository([
        StoredMessage("web-1", "user", "my name is Maria, DOB 3/12/1980", NOW),
        StoredMessage("web-1", "bot", "Call us on (555) 010-0100.", NOW),
        StoredMessage("web-1", "user", "fever 38.5", NOW),
    ])
    assert redact_stored(repo=repo) == 1
    assert [m.text for m in repo.stored] == [
        "my name is [name], DOB [date]", "Call us on (555) 010-0100.", "fever 38.5"]
