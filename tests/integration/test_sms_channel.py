"""The SMS channel end to end: signed Twilio webhooks in, a fake Twilio REST API out.

The channel runs on a real Sanic server (mounted by Rasa's ``register``), its state and content on
a private SQLite store with ``content/`` imported; Rasa is replaced by ``BotDouble``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from twilio.request_validator import RequestValidator

from bot.channels import sms_text
from bot.channels.limits import LimitPolicy
from bot.channels.sms import SmsInput
from bot.channels.sms_state import SmsContact, SmsState
from bot.channels.twilio_api import PLACEHOLDER_SID, TwilioAccount, TwilioMessages
from bot.config import Settings
from bot.wiring import Services
from tests.integration.channel_harness import (
    BotDouble,
    build_content_db,
    copy_content_db,
    fresh_gate,
    serve,
)
from tests.integration.fake_twilio import FakeTwilio

PHONE = "+14155550123"
OTHER_PHONE = "+14155550188"
OUR_NUMBER = "+15550100199"
SID = "AC" + "1" * 32
TOKEN = "test-auth-token"
PUBLIC_URL = "https://toh.example.org/webhooks/sms/webhook"


@pytest.fixture(scope="module")
def content_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sms") / "template.sqlite3"
    build_content_db(path)
    return path


@pytest.fixture
def services(content_template: Path, tmp_path: Path) -> Services:
    return copy_content_db(content_template, tmp_path / "content.sqlite3")


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio().start()
    yield fake
    await fake.stop()


def sms_text_of(services: Services, item_id: str) -> str:
    """The line as a patient on SMS receives it (clinic details filled in)."""
    return services.replies().message(item_id, "sms").text


@dataclass
class Phone:
    """A patient's phone talking to one SMS channel, as Twilio would relay it."""

    base_url: str
    channel: SmsInput
    signing_url: str | None = None
    sent: int = field(default=0)

    @property
    def webhook(self) -> str:
        return f"{self.base_url}/webhooks/sms/webhook"

    async def text(
        self,
        body: str | None,
        *,
        phone: str = PHONE,
        signature: str | None = "sign",
        extra: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Post one SMS to the webhook, signed unless told otherwise; wait until handled."""
        self.sent += 1
        form = {
            "From": phone,
            "To": OUR_NUMBER,
            "MessageSid": f"SM{self.sent:032d}",
            "AccountSid": SID,
        }
        if body is not None:
            form["Body"] = body
        form.update(extra or {})
        headers = {}
        if signature == "sign":
            signature = RequestValidator(TOKEN).compute_signature(
                self.signing_url or self.webhook, form
            )
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        async with aiohttp.ClientSession() as http:
            async with http.post(self.webhook, data=form, headers=headers) as response:
                await response.read()
        await self.channel.drain(timeout=10)
        return response


def make_channel(
    services: Services, fake: FakeTwilio, *, webhook_url: str | None = None, **sender: float
) -> SmsInput:
    account = TwilioAccount(SID, TOKEN, OUR_NUMBER, api_base=fake.base_url)
    return SmsInput(
        account,
        webhook_url=webhook_url,
        services_factory=lambda: services,
        sender=TwilioMessages(account, base_delay=0.01, **sender),
        turn_timeout=5,
        gate=fresh_gate(),
    )


@asynccontextmanager
async def phone_for(
    services: Services, fake: FakeTwilio, *, webhook_url: str | None = None, **sender: float
) -> AsyncIterator[tuple[Phone, BotDouble]]:
    channel = make_channel(services, fake, webhook_url=webhook_url, **sender)
    bot = BotDouble(services)
    channel.conversations = lambda _: bot
    async with serve([channel], bot) as base_url:
        yield Phone(base_url, channel, signing_url=webhook_url), bot


# --- signatures ------------------------------------------------------------------------------


async def test_a_forged_signature_is_refused(services: Services, fake_twilio: FakeTwilio) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        forged = RequestValidator("not-the-token").compute_signature(phone.webhook, {"Body": "hi"})
        response = await phone.text("hello", signature=forged)
    assert response.status == 403
    assert bot.received == [] and fake_twilio.posts == []


async def test_a_missing_signature_is_refused(services: Services, fake_twilio: FakeTwilio) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        response = await phone.text("hello", signature=None)
        empty = await phone.text("hello", signature="")
    assert response.status == 403 and empty.status == 403
    assert bot.received == [] and fake_twilio.posts == []


async def test_a_signature_over_other_fields_is_refused(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        signed_for_other_body = RequestValidator(TOKEN).compute_signature(
            phone.webhook, {"From": PHONE, "Body": "something else"}
        )
        response = await phone.text("hello", signature=signed_for_other_body)
    assert response.status == 403 and bot.received == []


async def test_signatures_are_checked_against_the_public_webhook_url(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio, webhook_url=PUBLIC_URL) as (phone, bot):
        accepted = await phone.text("hello")  # signed over PUBLIC_URL, as Twilio would
        phone.signing_url = phone.webhook
        refused = await phone.text("hello")  # signed over the URL the request arrived on
    assert accepted.status == 200 and refused.status == 403
    assert bot.texts == ["hello"]


# --- answering -------------------------------------------------------------------------------


async def test_a_signed_message_is_answered_at_once_with_empty_twiml_then_by_sms(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        response = await phone.text("How long does it last?")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    [sent] = fake_twilio.accepted
    assert (sent.to, sent.from_, sent.account_sid, sent.auth) == (
        PHONE,
        OUR_NUMBER,
        SID,
        (SID, TOKEN),
    )
    assert sent.body == "You said: How long does it last?"
    [message] = bot.received
    assert message.input_channel == "sms" and message.output_channel.name() == "sms"
    assert message.sender_id == phone.channel.contact_of(PHONE) != PHONE  # no number in trackers
    assert message.message_id == "SM" + "1".zfill(32)


async def test_answers_use_the_sms_wording_of_the_content(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, _bot):
        await phone.text("buttons")
        await phone.text("1")  # the first button's payload, /faq_duration
    assert fake_twilio.accepted[-1].body == sms_text_of(services, "duration")


async def test_buttons_become_numbered_choices_and_a_number_picks_one(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("buttons")
        await phone.text(" 2 ")
        await phone.text("2")  # the list was used: now "2" is just text
    offer, answer, plain_two = (m.body for m in fake_twilio.accepted)
    assert offer == (
        "Did you mean one of these?\n"
        "Reply 1 for How long TOH lasts, 2 for Driving or 3 for None of these."
    )
    assert bot.texts == ["buttons", "/faq_driving", "2"]
    assert answer == sms_text_of(services, "driving")
    assert plain_two == "You said: 2"


async def test_choices_are_shared_by_replicas(services: Services, fake_twilio: FakeTwilio) -> None:
    async with (
        phone_for(services, fake_twilio) as (first, _),
        phone_for(services, fake_twilio) as (second, bot_two),
    ):
        await first.text("buttons")
        await second.text("3")
    assert bot_two.texts == ["/none_of_these"]
    assert fake_twilio.accepted[-1].body == sms_text_of(services, "not_understood")


async def test_choices_belong_to_one_phone(services: Services, fake_twilio: FakeTwilio) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("buttons")
        await phone.text("1", phone=OTHER_PHONE)
    assert bot.texts == ["buttons", "1"]


async def test_a_number_out_of_range_is_passed_on_as_text(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("buttons")
        await phone.text("7")
        await phone.text("1")
    assert bot.texts == ["buttons", "7", "1"]  # any other message forgets the list


# --- keywords --------------------------------------------------------------------------------


async def test_stop_is_honoured_until_start(services: Services, fake_twilio: FakeTwilio) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("Stop.")
        await phone.text("hello?")
        await phone.text("HELP")
        await phone.text("buttons")
        stopped = [m.body for m in fake_twilio.accepted]
        await phone.text("start")
        await phone.text("hello again")
    assert stopped == [sms_text_of(services, "sms_stop")]  # the one confirmation, then nothing
    assert bot.texts == ["hello again"]
    assert [m.body for m in fake_twilio.accepted][1:] == [
        sms_text_of(services, "sms_start"),
        "You said: hello again",
    ]


@pytest.mark.parametrize("word", ["STOP", "unsubscribe", "Cancel", "end", "QUIT", "stopall"])
async def test_every_stop_word_opts_out(
    services: Services, fake_twilio: FakeTwilio, word: str
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text(word)
        await phone.text("hello")
    assert [m.body for m in fake_twilio.accepted] == [sms_text_of(services, "sms_stop")]
    assert bot.received == []


async def test_stop_is_per_phone(services: Services, fake_twilio: FakeTwilio) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("STOP")
        await phone.text("hello", phone=OTHER_PHONE)
    assert bot.texts == ["hello"]
    assert fake_twilio.accepted[-1].to == OTHER_PHONE


async def test_stop_inside_a_sentence_is_not_an_opt_out(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("I can't stop the pain")
        await phone.text("hello")
    assert bot.texts == ["I can't stop the pain", "hello"]


@pytest.mark.parametrize("word", ["HELP", "info", "Help!"])
async def test_help_is_answered_without_rasa(
    services: Services, fake_twilio: FakeTwilio, word: str
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text(word)
    assert [m.body for m in fake_twilio.accepted] == [sms_text_of(services, "sms_help")]
    assert bot.received == []


# --- never silence, never a 500 ---------------------------------------------------------------


@pytest.mark.parametrize("body", [None, "", "   ", "\x00\x07"])
async def test_an_empty_body_gets_a_polite_reply(
    services: Services, fake_twilio: FakeTwilio, body: str | None
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        response = await phone.text(body, extra={"NumMedia": "1"} if body is None else None)
    assert response.status == 200
    assert [m.body for m in fake_twilio.accepted] == [sms_text_of(services, "empty_message")]
    assert bot.received == []


@pytest.mark.parametrize("body", ["silence", "crash"])
async def test_a_turn_without_reply_gets_the_unavailable_line(
    services: Services, fake_twilio: FakeTwilio, body: str
) -> None:
    async with phone_for(services, fake_twilio) as (phone, _bot):
        response = await phone.text(body)
    assert response.status == 200
    assert [m.body for m in fake_twilio.accepted] == [sms_text_of(services, "unavailable")]


async def test_a_missing_sender_is_a_bad_request(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        response = await phone.text("hello", phone="")
    assert response.status == 400 and bot.received == []


async def test_slash_commands_are_plain_text(services: Services, fake_twilio: FakeTwilio) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("/deny")
        await phone.text('/greet{"x":1}')
        await phone.text("/faq_driving")  # a payload comes as a number on SMS, never typed
        await phone.text("/escalate_emergency")
    assert bot.texts == ["deny", 'greet{"x":1}', "faq_driving", "escalate_emergency"]


async def test_a_long_sms_gets_too_long_and_is_stored(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    body = "I keep wondering what my scan means for the months ahead. " * 40
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text(body)
    assert [m.body for m in fake_twilio.accepted] == [sms_text_of(services, "too_long")]
    assert bot.received == [] and [reason for *_, reason in bot.recorded] == ["too_long"]
    assert PHONE not in repr(bot.recorded)  # stored under the pseudonym


async def test_a_spanish_sms_gets_the_other_language_line_unless_it_is_a_red_flag(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        await phone.text("¿Cuánto dura la osteoporosis transitoria de cadera?")
        await phone.text("Me caí y no puedo caminar")
    assert fake_twilio.accepted[0].body == sms_text_of(services, "other_language")
    assert bot.texts == ["Me caí y no puedo caminar"]


async def test_a_flood_from_one_number_is_rate_limited_but_a_red_flag_escalates(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        phone.channel.turns._gate = fresh_gate(LimitPolicy(per_sender_per_minute=2))
        for _ in range(3):
            await phone.text("hello")
        await phone.text("I have chest pain")
    bodies = [m.body for m in fake_twilio.accepted]
    assert bodies[2] == sms_text_of(services, "rate_limited")
    assert bot.texts == ["hello", "hello", "I have chest pain"]


async def test_a_webhook_body_of_megabytes_is_a_413(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    async with phone_for(services, fake_twilio) as (phone, bot):
        response = await phone.text("a" * 2_000_000)
    assert response.status == 413 and bot.received == [] and fake_twilio.accepted == []


# --- sending ---------------------------------------------------------------------------------


async def test_transient_twilio_errors_are_retried(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.statuses = [500, 429, 201]
    async with phone_for(services, fake_twilio) as (phone, _bot):
        await phone.text("hello")
    assert [post.status for post in fake_twilio.posts] == [500, 429, 201]
    assert [m.body for m in fake_twilio.accepted] == ["You said: hello"]


async def test_sending_gives_up_after_a_few_tries_and_logs_without_the_number(
    services: Services, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_twilio.statuses = [503] * 10
    async with phone_for(services, fake_twilio, attempts=3) as (phone, _bot):
        await phone.text("hello")
    assert [post.status for post in fake_twilio.posts] == [503, 503, 503]
    assert "gave up after 3 attempt(s)" in caplog.text
    assert "5550123" not in caplog.text


async def test_a_refused_message_is_not_retried(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.statuses = [400]
    async with phone_for(services, fake_twilio) as (phone, _bot):
        await phone.text("hello")
    assert [post.status for post in fake_twilio.posts] == [400]


async def test_an_unreachable_api_is_retried_then_given_up(
    services: Services, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await fake_twilio.stop()  # nothing listens on its port any more
    async with phone_for(services, fake_twilio, attempts=2) as (phone, _bot):
        response = await phone.text("hello")
    assert response.status == 200
    assert caplog.text.count("reaching Twilio") == 2
    assert "gave up" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        "why " * 390,  # GSM-7, cut to 306 septets
        "为什么我的髋部疼痛持续这么久" * 20,  # UCS-2, cut to 134 units
        "[brackets] {braces} " * 40,  # GSM-7 extension characters count twice
    ],
)
async def test_every_reply_fits_in_two_segments(
    services: Services, fake_twilio: FakeTwilio, body: str
) -> None:
    async with phone_for(services, fake_twilio) as (phone, _bot):
        await phone.text(body)
        await phone.text("buttons")
        await phone.text("STOP")
    assert len(fake_twilio.accepted) == 3
    for message in fake_twilio.accepted:
        assert sms_text.fits(message.body), message.body


async def test_no_phone_number_reaches_the_logs(
    services: Services, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_twilio.statuses = [500, 400]
    async with phone_for(services, fake_twilio) as (phone, _bot):
        for body in ("hello", "crash", "buttons", "1", "STOP", "hello", "START", ""):
            await phone.text(body)
        await phone.text("hello", signature="forged")
    assert caplog.records, "expected the channel to log something"
    for digits in ("4155550123", "5550123"):
        assert digits not in caplog.text


# --- configuration ---------------------------------------------------------------------------


def test_credentials_fall_back_to_settings_then_placeholders() -> None:
    settings = Settings(
        twilio_account_sid="AC" + "2" * 32,
        twilio_auth_token="from-settings",
        twilio_number="+15550100111",
        twilio_webhook_url="https://settings.example.org/webhooks/sms/webhook",
    )
    given = {"account_sid": "", "auth_token": "${TWILIO_AUTH_TOKEN}", "twilio_number": "+1555"}
    channel = SmsInput.from_settings(given, settings)
    assert channel.account.account_sid == "AC" + "2" * 32
    assert channel.account.auth_token == "from-settings"
    assert channel.account.number == "+1555"
    assert channel.webhook_url == settings.twilio_webhook_url
    bare = SmsInput.from_settings({}, Settings())
    assert bare.account.account_sid == PLACEHOLDER_SID and bare.account.dry_run
    assert bare.webhook_url is None


def test_credentials_yml_enables_the_patient_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.run import create_http_input_channels

    from bot.config import REPO_ROOT

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_NUMBER", OUR_NUMBER)
    monkeypatch.setenv("TWILIO_WEBHOOK_URL", "")
    channels = create_http_input_channels(None, str(REPO_ROOT / "credentials.yml"))
    names = sorted(channel.name() for channel in channels)
    assert names == ["rest", "sms"]  # no socket.io: nothing uses it
    [sms] = [channel for channel in channels if isinstance(channel, SmsInput)]
    assert (sms.account.account_sid, sms.account.auth_token, sms.account.number) == (
        SID,
        TOKEN,
        OUR_NUMBER,
    )
    assert sms.webhook_url is None


async def test_the_api_base_comes_from_settings(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    settings = Settings(twilio_api_base=fake_twilio.base_url)
    given = {"account_sid": SID, "auth_token": TOKEN, "twilio_number": OUR_NUMBER}
    channel = SmsInput.from_settings(
        given, settings, services_factory=lambda: services, gate=fresh_gate()
    )
    async with serve([channel], BotDouble(services)) as base_url:
        await Phone(base_url, channel).text("hello")
    assert [m.body for m in fake_twilio.accepted] == ["You said: hello"]


TOPICS = [sms_text.Choice("How long", "/faq_duration"), sms_text.Choice("Driving", "/faq_driving")]


def test_pending_choices_expire(services: Services) -> None:
    now = [1000.0]
    state = SmsState(services.session_factory, choices_ttl=60, clock=lambda: now[0])
    state.offer_choices("contact", TOPICS)
    now[0] += 61
    assert state.take_choice("contact", "1") is None
    state.offer_choices("contact", TOPICS)
    assert state.take_choice("contact", "2") == "/faq_driving"
    assert state.take_choice("contact", "2") is None  # a list is used once


def test_a_reply_that_picks_nothing_keeps_the_list(services: Services) -> None:
    state = SmsState(services.session_factory)
    state.offer_choices("contact", TOPICS)
    assert state.take_choice("contact", "does it hurt to drive?") is None
    assert state.take_choice("contact", "3") is None
    assert state.take_choice("contact", " driving! ") == "/faq_driving"  # by its title


def test_a_list_stored_before_titles_still_answers_to_numbers(services: Services) -> None:
    state = SmsState(services.session_factory, clock=lambda: 1000.0)
    with services.session_factory() as session:
        session.add(SmsContact(contact="contact", opted_out=False, updated_at=1000.0,
                               choices='["/faq_duration", "/faq_driving"]', choices_at=1000.0))
        session.commit()
    assert state.take_choice("contact", "D") is None
    assert state.take_choice("contact", "2") == "/faq_driving"


async def test_placeholder_credentials_log_instead_of_sending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    sender = TwilioMessages(TwilioAccount(PLACEHOLDER_SID, "token", OUR_NUMBER))
    assert await sender.send(PHONE, "hello", log_id="abc") is False
    assert "placeholder Twilio credentials" in caplog.text


# --- text rules ------------------------------------------------------------------------------


def test_segment_limits() -> None:
    assert sms_text.units("a" * 306) == (306, 306) and sms_text.fits("a" * 306)
    assert not sms_text.fits("a" * 307)
    assert sms_text.units("€" * 10) == (20, 306)
    assert sms_text.units("é" * 10) == (10, 306)  # in the GSM-7 basic set
    assert sms_text.units("ł" * 10) == (10, 134)  # not: UCS-2
    assert sms_text.units("🙂") == (2, 134)  # outside the BMP: a surrogate pair


def test_typography_does_not_force_ucs2() -> None:
    assert sms_text.plain("It’s “fine” — really…") == 'It\'s "fine" - really...'
    assert sms_text.is_gsm7(sms_text.plain("It’s “fine” — really…"))


def test_long_text_is_cut_at_a_sentence_or_a_word() -> None:
    sentences = "This is a sentence about the hip. " * 12
    cut = sms_text.cut(sentences)
    assert sms_text.fits(cut) and cut.endswith("hip.")
    words = "word " * 100
    cut = sms_text.cut(words)
    assert sms_text.fits(cut) and cut.endswith("word...")


def test_choices_that_do_not_fit_go_in_their_own_message() -> None:
    long_text = "Sentence about TOH. " * 14
    bodies = sms_text.with_choices(long_text, ["Duration", "Driving"])
    assert len(bodies) == 2 and bodies[1] == "Reply 1 for Duration or 2 for Driving."
    assert all(sms_text.fits(body) for body in bodies)


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", sms_text.Keyword.STOP),
        (" stop ", sms_text.Keyword.STOP),
        ("Unstop", sms_text.Keyword.START),
        ("info", sms_text.Keyword.HELP),
        ("stop it", None),
        ("help me please", None),
        ("", None),
        (None, None),
    ],
)
def test_keywords_are_whole_messages(body: str | None, keyword: sms_text.Keyword | None) -> None:
    assert sms_text.keyword_of(body) is keyword


@pytest.mark.parametrize(
    ("body", "number"), [("2", 2), (" 3. ", 3), ("1)", 1), ("2 please", None), ("", None)]
)
def test_choice_numbers(body: str, number: int | None) -> None:
    assert sms_text.choice_number(body) == number


@pytest.mark.parametrize(
    ("body", "picked"),
    [("Y", 1), ("n", 2), ("yes", 1), (" NO. ", 2), ("2", 2), ("3", None), ("yes please", None),
     ("", None), ("maybe", None)],
)
def test_a_yes_no_reply_picks_by_title_letter_or_number(body: str, picked: int | None) -> None:
    assert sms_text.chosen(body, ["Yes", "No"]) == picked


def test_a_first_letter_two_titles_share_picks_nothing() -> None:
    titles = ["Driving", "Duration", "None of these"]
    assert sms_text.chosen("d", titles) is None
    assert sms_text.chosen("n", titles) == 3
    assert sms_text.chosen("none of these", titles) == 3


def test_one_word_titles_with_distinct_letters_are_offered_by_letter() -> None:
    assert sms_text.choices_line(["Yes", "No"]) == "Reply Y for Yes or N for No."
    by_number = "Reply 1 for Driving or 2 for Duration."
    assert sms_text.choices_line(["Driving", "Duration"]) == by_number


def test_a_question_with_choices_joins_the_previous_sms_when_both_fit() -> None:
    assert sms_text.appended("A short answer.", "Helpful?") == "A short answer.\nHelpful?"
    assert sms_text.appended("x" * 300, "Helpful?") is None
