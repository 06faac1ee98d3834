"""``InboundGate``: which messages reach Rasa, and which get one of the channel's own lines."""

from __future__ import annotations

import pytest
from spacy.language import Language

from bot.channels.gate import EMPTY, OTHER_LANGUAGE, TOO_LONG, Decision, InboundGate
from bot.channels.inbound import MAX_CHARS
from bot.channels.language import looks_foreign
from bot.channels.limits import (
    CONVERSATION_CAP,
    RATE_LIMITED,
    AbuseLimits,
    LimitPolicy,
    MemoryCounter,
)
from bot.channels.screen import RedFlagGate, flagged_sentences
from bot.config import REPO_ROOT
from bot.feedback import Vote
from bot.safety.catalog import load_catalog
from bot.safety.detector import RedFlagDetector


@pytest.fixture(scope="module")
def detector(nlp: Language) -> RedFlagDetector:
    return RedFlagDetector(load_catalog(REPO_ROOT / "content" / "red_flags.yml"), nlp)


class Offers:
    """The buttons the bot offered, per conversation."""

    def __init__(self, **offered: set[str]) -> None:
        self.offered = offered

    async def record(self, *args: object, **kwargs: object) -> bool:
        return True

    async def offered_payloads(self, sender: str) -> set[str]:
        return self.offered.get(sender, set())


def gate(detector: RedFlagDetector, **policy: int) -> InboundGate:
    limits = AbuseLimits(MemoryCounter(), LimitPolicy(**policy))
    return InboundGate(limits=limits, red_flags=RedFlagGate(lambda: detector))


async def decide(gate: InboundGate, raw: object, **kwargs: object) -> Decision:
    return await gate.decide(raw, channel="rest", sender="s1", **kwargs)  # type: ignore[arg-type]


async def test_plain_text_goes_to_rasa(detector: RedFlagDetector) -> None:
    assert await decide(gate(detector), " How long does TOH last? ") == Decision(
        text="How long does TOH last?"
    )


async def test_nothing_readable_gets_the_empty_line(detector: RedFlagDetector) -> None:
    assert (await decide(gate(detector), "\u200b \x00")).line == EMPTY


async def test_long_text_without_a_flag_gets_too_long_and_is_stored(
    detector: RedFlagDetector,
) -> None:
    decision = await decide(gate(detector), "What about my hip? " * 200)
    assert decision.line == TOO_LONG and decision.store and len(decision.text) <= MAX_CHARS


async def test_a_flag_far_into_long_text_goes_to_rasa(detector: RedFlagDetector) -> None:
    text = "What about my hip? " * 500 + "I fell down the stairs and cannot stand up. Thanks."
    decision = await decide(gate(detector), text)
    assert decision == Decision(text="I fell down the stairs and cannot stand up.", red_flag=True)


async def test_a_negated_flag_in_long_text_does_not_escalate(detector: RedFlagDetector) -> None:
    decision = await decide(gate(detector), "What about my hip? " * 500 + "I have no fever.")
    assert decision.line == TOO_LONG


async def test_another_language_gets_the_line_unless_it_holds_a_flag(
    detector: RedFlagDetector,
) -> None:
    g = gate(detector)
    assert (await decide(g, "¿Cuánto dura la osteoporosis transitoria?")).line == OTHER_LANGUAGE
    spanish_flag = await decide(g, "Tengo fiebre y me duele mucho la cadera")
    assert spanish_flag.line is None and spanish_flag.red_flag


async def test_over_the_limits_red_flags_still_reach_rasa(detector: RedFlagDetector) -> None:
    g = gate(detector, per_sender_per_minute=1, turns_per_day=1000)
    await decide(g, "hello")
    assert (await decide(g, "hello")).line == RATE_LIMITED
    assert (await decide(g, "I have chest pain")).text == "I have chest pain"


async def test_the_daily_cap_gives_the_cap_line(detector: RedFlagDetector) -> None:
    g = gate(detector, per_sender_per_minute=1000, turns_per_day=1)
    await decide(g, "hello")
    assert (await decide(g, "hello")).line == CONVERSATION_CAP


@pytest.mark.parametrize(
    ("offered", "text"),
    [
        ({"s1": {"/faq_duration"}}, "/faq_duration"),
        ({}, "faq_duration"),
        ({"s2": {"/faq_duration"}}, "faq_duration"),  # offered to someone else
        ({"s1": {"/faq_driving"}}, "faq_duration"),
    ],
)
async def test_a_payload_is_an_intent_only_when_offered(
    detector: RedFlagDetector, offered: dict[str, set[str]], text: str
) -> None:
    g = gate(detector)
    decision = await decide(g, "/faq_duration", offered=Offers(**offered), conversation="s1")
    assert decision.text == text


YES = Vote("duration", 3, helpful=True).payload()


@pytest.mark.parametrize(
    ("offered", "sent", "text"),
    [
        ({YES}, YES, YES),
        (set(), YES, YES[1:]),  # not offered: plain words for the NLU
        ({YES}, Vote("duration", 2, helpful=True).payload(), YES[1:].replace("3", "2")),
        ({YES}, YES.replace('"yes"', '"maybe"'), YES[1:].replace('"yes"', '"maybe"')),
    ],
)
async def test_a_was_this_helpful_button_is_an_intent_only_when_offered(
    detector: RedFlagDetector, offered: set[str], sent: str, text: str
) -> None:
    g = gate(detector)
    decision = await decide(g, sent, offered=Offers(s1=offered), conversation="s1")
    assert decision.text == text


async def test_greet_and_help_payloads_need_no_offer(detector: RedFlagDetector) -> None:
    assert (await decide(gate(detector), "/greet")).text == "/greet"
    assert (await decide(gate(detector), "/help")).text == "/help"


async def test_a_broken_screen_lets_rasa_read_the_message(detector: RedFlagDetector) -> None:
    def broken() -> RedFlagDetector:
        raise FileNotFoundError("red_flags.yml")

    g = InboundGate(limits=AbuseLimits(MemoryCounter()), red_flags=RedFlagGate(broken))
    decision = await decide(g, "x" * 5000)
    assert decision == Decision(text="x" * MAX_CHARS)


def test_flagged_sentences_are_cut_around_each_flag(detector: RedFlagDetector) -> None:
    text = "Hello there. I fell yesterday! My calf is swollen and red.\nBye."
    live = detector.live(text)
    assert flagged_sentences(text, live) == "I fell yesterday! My calf is swollen and red."


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("How long does TOH last?", False),
        ("my hip hurts 😣🦴", False),
        ("😣😣", False),
        ("ok", False),
        ("I have dolor in my hip", False),  # mixed: English wins
        ("¿Cuánto dura la osteoporosis transitoria de cadera?", True),
        ("Me caí y tengo fiebre", True),
        ("Wie lange dauert das mit der Hüfte?", True),
        ("כמה זמן זה נמשך?", True),
        ("髋关节一过性骨质疏松症会持续多久？", True),
    ],
)
def test_looks_foreign(text: str, foreign: bool) -> None:
    assert looks_foreign(text) is foreign
