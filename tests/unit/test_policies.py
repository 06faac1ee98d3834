"""The rule policy's window: the states the rules compare are those of the whole conversation."""
from __future__ import annotations

import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import REPO_ROOT
from bot.policies import WINDOW_TURNS, recent_window, state_before, window_start

DOMAIN = Domain.load(str(REPO_ROOT / "domain.yml"))
LISTEN = "action_listen"


def turn(intent: str, action: str, topic: str | None = None) -> list:
    events = [ActionExecuted(LISTEN), UserUttered(intent, {"name": intent, "confidence": 1.0}),
              ActionExecuted(action), BotUttered("an answer")]
    return events + ([SlotSet("last_topic", topic)] if topic else [])


def conversation(turns: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted()]
    intents = ["faq_duration", "faq_surgery", "greet", "faq_driving", "thank", "check_red_flag"]
    actions = ["action_answer_faq", "action_answer_faq", "utter_greeting", "action_answer_faq",
               "utter_thanks", "utter_check_red_flag"]
    for index in range(turns):
        k = index % len(intents)
        events += turn(intents[k], actions[k], topic=f"topic{index}" if k in (0, 1) else None)
    events += [ActionExecuted(LISTEN), UserUttered("no", {"name": "deny", "confidence": 1.0})]
    return DialogueStateTracker.from_events("someone", events, slots=DOMAIN.slots)


def states_of_last_turns(tracker: DialogueStateTracker, turns: int) -> list:
    states = tracker.past_states(DOMAIN)
    user_states = [i for i, s in enumerate(states) if "user" in s]
    return states[user_states[-turns]:]


def test_a_long_conversation_is_cut_to_its_last_turns_with_the_same_states() -> None:
    tracker = conversation(40)
    window = recent_window(tracker, DOMAIN, WINDOW_TURNS)
    assert len(window.events) < len(tracker.events) / 5
    assert states_of_last_turns(window, WINDOW_TURNS - 1) == states_of_last_turns(
        tracker, WINDOW_TURNS - 1)
    assert window.current_slot_values() == tracker.current_slot_values()
    assert window.latest_message.intent["name"] == "deny"
    assert window.latest_action_name == LISTEN


def test_a_short_conversation_is_left_whole() -> None:
    tracker = conversation(2)
    assert recent_window(tracker, DOMAIN, WINDOW_TURNS) is tracker


def test_the_window_starts_at_the_listen_before_a_user_message() -> None:
    events = list(conversation(10).events)
    start = window_start(events, 3)
    assert isinstance(events[start], ActionExecuted) and events[start].action_name == LISTEN
    assert isinstance(events[start + 1], UserUttered)
    assert sum(isinstance(e, UserUttered) for e in events[start:]) == 3


def test_values_set_before_the_window_carry_over_and_a_restart_clears_them() -> None:
    assert state_before([SlotSet("last_topic", "cost"), SlotSet("last_topic", "work")]) == [
        SlotSet("last_topic", "work")]
    assert state_before([SlotSet("last_topic", "cost"), Restarted()]) == []


def test_the_window_holds_at_least_two_of_the_longest_rule() -> None:
    longest = 0
    for path in (REPO_ROOT / "data/rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            assert not rule.get("conversation_start"), rule["rule"]
            longest = max(longest, sum("intent" in step for step in rule["steps"]))
    assert WINDOW_TURNS >= 2 * longest
