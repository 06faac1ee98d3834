"""Rotating SECRET_KEY forgets no STOP and splits no patient's records (PSEUDONYM_KEY keys them).

Settings come from the environment as in production (``load_settings``); the store is one SQLite
file kept across the rotation, as a clinic's database is.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.replies import ReplyService
from bot.wiring import Services
from tests.integration.channel_harness import build_content_db
from tests.integration.fake_twilio import FakeTwilio
from tests.integration.test_sms_channel import PHONE, phone_for

PSEUDONYM_KEY = "a-pseudonym-key-that-outlives-" + "x" * 20
FLAG = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection"}


def _services(database: Path, secret_key: str) -> Services:
    environ = {"APP_ENV": "production", "SECRET_KEY": secret_key,
               "PSEUDONYM_KEY": PSEUDONYM_KEY, "TWILIO_AUTH_TOKEN": "a-real-token"}
    settings = load_settings(env_file=None, environ=environ)
    return Services(replace(settings, database_url=f"sqlite:///{database}"))


@pytest.fixture
async def fake_twilio() -> FakeTwilio:
    fake = await FakeTwilio().start()
    yield fake  # type: ignore[misc]
    await fake.stop()


async def test_an_opt_out_survives_a_secret_key_change(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    database = tmp_path / "clinic.sqlite3"
    build_content_db(database)
    before = _services(database, "the-first-secret-key-" + "a" * 20)
    async with phone_for(before, fake_twilio) as (phone, _):
        await phone.text("STOP")
    after = _services(database, "the-rotated-secret-key-" + "b" * 20)
    assert after.settings.secret_key != before.settings.secret_key
    async with phone_for(after, fake_twilio) as (phone, bot):
        await phone.text("hello, anyone?")
        await phone.text("START")
        await phone.text("hello again")
    assert bot.texts == ["hello again"]  # still opted out after the rotation, until START


def test_escalation_records_of_a_patient_stay_linked_after_a_secret_key_change(
    tmp_path: Path,
) -> None:
    database = tmp_path / "records.sqlite3"
    build_content_db(database)
    for secret in ("the-first-secret-key-" + "a" * 20, "the-rotated-secret-key-" + "b" * 20):
        services = _services(database, secret)
        replies = ReplyService(services.uow, hash_salt=services.settings.hash_salt)
        replies.escalation([FLAG], "urgent", channel="sms", sender_id=PHONE)
    with services.uow() as uow:
        conversations = [record.conversation for record in uow.items.escalations()]
    assert len(conversations) == 2
    assert conversations[0] == conversations[1]
    assert PHONE[-7:] not in conversations[0]
