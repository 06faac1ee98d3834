"""``clean_inbound``: what any patient channel makes of a message before Rasa sees it."""

from __future__ import annotations

import pytest

from bot.channels.inbound import MAX_CHARS, SCREEN_CHARS, clean_inbound, unavailable_text


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "\n\t ",
        None,
        42,
        3.5,
        {"text": "hi"},
        ["hi"],
        b"",
        "\x00\x01\x1b",
        "\u200d \u200c",
    ],
)
def test_nothing_to_read_is_empty(raw: object) -> None:
    inbound = clean_inbound(raw)
    assert inbound.empty and inbound.text == ""


def test_plain_text_passes_unchanged() -> None:
    inbound = clean_inbound("  How long does TOH last?  ")
    assert inbound.text == "How long does TOH last?"
    assert not (inbound.empty or inbound.truncated or inbound.was_command)


def test_huge_text_keeps_its_head() -> None:
    raw = "My hip hurts. " + "x" * 5_000_000
    inbound = clean_inbound(raw)
    assert inbound.truncated and len(inbound.text) == MAX_CHARS
    assert inbound.text.startswith("My hip hurts.")


def test_text_of_exactly_the_limit_is_not_truncated() -> None:
    inbound = clean_inbound("a" * MAX_CHARS)
    assert not inbound.truncated and len(inbound.text) == MAX_CHARS


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"hip \xff\xfe pain", "hip \ufffd\ufffd pain"),  # invalid UTF-8 is replaced, not fatal
        ("hip\x00 pain\x07", "hip pain"),  # NUL and bell dropped
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),  # escape characters dropped
        ("abc\u202edcba", "abcdcba"),  # bidi override dropped
        ("line one\nline two\tend", "line one\nline two\tend"),  # newlines and tabs stay
        (bytearray(b"hello"), "hello"),
    ],
)
def test_binary_and_control_characters(raw: object, text: str) -> None:
    assert clean_inbound(raw).text == text


def test_huge_binary_is_cut_before_decoding() -> None:
    inbound = clean_inbound(b"\x00" * 10 + b"a" * 10_000_000)
    assert inbound.truncated and inbound.text == "a" * MAX_CHARS


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert('x')</script> is TOH serious?",
        "<b>bold</b> &amp; <img src=x onerror=alert(1)>",
        "'; DROP TABLE content_items; --",
        "1' OR '1'='1",
        "{{7*7}} ${jndi:ldap://x}",
    ],
)
def test_markup_and_injections_are_just_text(raw: str) -> None:
    # Nothing here renders or runs text; it reaches Rasa as words, never as an intent.
    inbound = clean_inbound(raw)
    assert inbound.text == raw and not inbound.was_command


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("/deny", "deny"),
        ('/greet{"x":1}', 'greet{"x":1}'),
        ('/faq_duration{"x": 1}', 'faq_duration{"x": 1}'),
        ("//restart", "restart"),
        ("\\affirm", "affirm"),
        ("  /stop", "stop"),
        ("/FAQ_DURATION", "FAQ_DURATION"),
        ("/", "help"),
        ("/ what is TOH", "what is TOH"),
    ],
)
def test_slash_commands_become_plain_text(raw: str, text: str) -> None:
    inbound = clean_inbound(raw)
    assert inbound.text == text and inbound.was_command
    assert not inbound.text.startswith("/")


@pytest.mark.parametrize(
    "payload",
    [
        "/faq_duration",
        "/faq_weight_bearing",
        "/faq_vs_osteonecrosis",
        "/none_of_these",
        "/greet",
        "/help",
        "/request_human",
        " /faq_driving \n",
    ],
)
def test_our_button_payloads_pass_as_intents(payload: str) -> None:
    inbound = clean_inbound(payload)
    assert inbound.text == payload.strip() and not inbound.was_command


@pytest.mark.parametrize(
    "raw",
    [
        "¿Cuánto dura la osteoporosis transitoria de cadera?",
        "Combien de temps dure l'ostéoporose transitoire ?",
        "髋关节一过性骨质疏松症会持续多久？",
        "كم تستمر هشاشة العظام العابرة في الورك؟",
        "Сколько длится транзиторный остеопороз?",
        "कितने समय तक रहता है?",
        "my hip hurts 😣🦴",
        "درد لگنم کی خوب می\u200cشود؟",  # the zero-width non-joiner is part of Persian spelling
        "👩\u200d⚕️ said rest",  # a joined emoji sequence
    ],
)
def test_other_languages_and_emoji_are_kept(raw: str) -> None:
    inbound = clean_inbound(raw)
    assert inbound.text == raw and not inbound.empty


def test_unavailable_text_prefers_the_store() -> None:
    assert unavailable_text(lambda: "from the store") == "from the store"


def test_unavailable_text_falls_back_when_the_store_fails() -> None:
    def broken() -> str:
        raise ConnectionError("store down")

    assert "911" in unavailable_text(broken)
    assert unavailable_text() == unavailable_text(broken)


def test_long_text_keeps_all_of_it_for_the_red_flag_screen() -> None:
    raw = "calm words. " * 1000 + "I have chest pain."
    inbound = clean_inbound(raw)
    assert inbound.truncated and len(inbound.text) == MAX_CHARS
    assert inbound.screen_text == raw.strip() and inbound.screen_text.endswith("chest pain.")


def test_short_text_is_its_own_screen_text() -> None:
    inbound = clean_inbound("  my hip\x00 hurts ")
    assert inbound.whole == "" and inbound.screen_text == inbound.text == "my hip hurts"


def test_the_screen_reads_at_most_screen_chars() -> None:
    inbound = clean_inbound("a" * (SCREEN_CHARS * 3))
    assert len(inbound.screen_text) == SCREEN_CHARS and inbound.truncated
