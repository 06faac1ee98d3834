"""One turn per patient message, from Rasa's events as a broker receives them."""
from __future__ import annotations

from typing import Any

from bot.analytics.turns import Turn, turns_of


def user(text: str, intent: str, confidence: float = 0.9, *, channel: str = "rest",
         at: float = 100.0, entities: list[dict] | None = None, **metadata: Any) -> dict:
    return {"event": "user", "timestamp": at, "text": text, "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "entities": entities or []},
            "metadata": metadata}


def bot(content_id: str, version: int = 1, custom: dict | None = None, **metadata: Any) -> dict:
    return {"event": "bot", "text": "...", "data": {"custom": custom},
            "metadata": {"content_id": content_id, "content_version": version, **metadata}}


FLAG = {"entity": "red_flag", "value": "chest_pain", "tier": "emergency"}


def test_an_answer_and_its_question_make_one_turn_about_the_topic() -> None:
    [turn] = turns_of("c1", [user("how long does it last", "faq_duration", 0.87, channel="sms"),
                             bot("duration", 3), bot("ask_helpful", 1),
                             {"event": "action", "name": "action_listen"}])
    assert turn == Turn(conversation="c1", occurred_at=100.0, channel="sms",
                        intent="faq_duration", confidence=0.87, topic="duration",
                        replies=(("duration", 3), ("ask_helpful", 1)))


def test_text_is_kept_redacted_and_only_where_nothing_answered() -> None:
    fallback, off_topic, answered = turns_of("c1", [
        user("call me on 07700 900123 about pilates", "nlu_fallback"), bot("suggest_topics"),
        user("what about my cat", "out_of_scope"),
        user("my name is Maria, how long does it last", "faq_duration"), bot("duration"),
    ])
    assert (fallback.fallback, fallback.text) == (True, "call me on [phone] about pilates")
    assert (off_topic.out_of_scope, off_topic.text, off_topic.replies) == (
        True, "what about my cat", ())
    assert (answered.fallback, answered.out_of_scope, answered.text) == (False, False, None)


def test_a_line_the_channel_answered_is_a_turn_but_not_a_miss() -> None:
    [turn] = turns_of("c1", [user("x" * 3000, "out_of_scope", channel_answered="too_long"),
                             bot("too_long")])
    assert (turn.channel_line, turn.out_of_scope, turn.text) == ("too_long", False, None)


def test_an_escalation_keeps_its_tier_and_the_flags_it_named() -> None:
    marker = {"kind": "escalation", "tier": "emergency"}
    [direct, after_yes] = turns_of("c1", [
        user("crushing chest pain", "escalate_emergency", entities=[FLAG]),
        bot("esc_cardiac", 2, marker), bot("red_flag_reason"),
        user("yes", "affirm"), bot("esc_clot", 1, {"kind": "escalation", "tier": "urgent"},
                                   red_flags=["calf_clot"]),
    ])
    assert (direct.tier, direct.flags, direct.topic) == ("emergency", ("chest_pain",), None)
    assert (after_yes.tier, after_yes.flags) == ("urgent", ("calf_clot",))


def test_a_vote_is_read_from_the_thanks_line() -> None:
    vote = {"answer": "duration", "version": 3, "helpful": False}
    [turn] = turns_of("c1", [user("/feedback{...}", "feedback", 1.0), bot("feedback_thanks",
                                                                           feedback=vote)])
    assert (turn.helpful, turn.topic, turn.intent) == (False, None, "feedback")


def test_bot_events_before_any_user_message_and_other_events_are_skipped() -> None:
    events = [bot("greeting"), {"event": "slot", "name": "last_topic", "value": "x"},
              user("hi", "greet"), bot("greeting")]
    [turn] = turns_of("c1", events)
    assert (turn.intent, turn.replies) == ("greet", (("greeting", 1),))
