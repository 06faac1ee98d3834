"""The red-flag flow around the screens: the one question, the reason line, the original answer."""
from __future__ import annotations

import yaml

from bot.config import REPO_ROOT
from bot.replies import flag_entities, original_topic, reason_of


def user(
    intent: str, entities: list[dict] | None = None, ranking: list[dict] | None = None
) -> dict:
    return {"event": "user", "parse_data": {"intent": {"name": intent}, "entities": entities or [],
                                            "intent_ranking": ranking or [{"name": intent}]}}


FLAG = {"entity": "red_flag", "value": "fainting", "label": "fainting or passing out",
        "tier": "emergency", "escalation": "esc_emergency"}
CHECK = {"entity": "red_flag_check", "value": "calf_clot", "label": "a swollen or painful calf",
         "tier": "urgent", "escalation": "esc_clot"}


def test_the_reason_names_each_flag_once_in_plain_words() -> None:
    assert reason_of([FLAG]) == "fainting or passing out"
    second = {**FLAG, "value": "chest_pain", "label": "chest pain"}
    assert reason_of([FLAG, FLAG, second]) == "fainting or passing out and chest pain"
    assert reason_of([]) == "a warning sign"


def test_after_a_yes_the_flags_come_from_the_message_that_raised_the_question() -> None:
    events = [user("check_red_flag", [CHECK]), user("affirm")]
    [entity] = flag_entities(events)
    assert entity["entity"] == "red_flag" and entity["escalation"] == "esc_clot"
    assert flag_entities([user("faq_cost"), user("escalate_emergency", [FLAG])]) == [FLAG]


def test_after_a_no_the_original_question_is_answered_if_it_was_likely_enough() -> None:
    ranking = [{"name": "check_red_flag", "confidence": 1.0},
               {"name": "faq_duration", "confidence": 0.7}]
    assert original_topic([user("check_red_flag", [CHECK], ranking), user("deny")]) == "duration"
    unsure = [{"name": "check_red_flag", "confidence": 1.0},
              {"name": "faq_duration", "confidence": 0.1}]
    assert original_topic([user("check_red_flag", [CHECK], unsure), user("deny")]) is None


def test_every_intent_but_yes_no_and_escalations_has_an_unclear_answer_rule() -> None:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((REPO_ROOT / "data/rules/escalation.yml").read_text(encoding="utf-8"))
    after_check = {
        r["steps"][1]["intent"]: r["steps"][2]["action"] for r in rules["rules"]
        if r["steps"][0] == {"action": "utter_check_red_flag"}
    }
    expected = {i for i in domain["intents"] if not i.startswith("escalate_")} | {"nlu_fallback"}
    assert set(after_check) == expected
    assert after_check.pop("deny") == "action_answer_original"
    assert set(after_check.values()) == {"utter_escalate_urgent"}
