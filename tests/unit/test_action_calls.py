"""What the action server receives: the last turns, with the same slots and latest message."""
from __future__ import annotations

import inspect

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.action_calls import ACTION_TURNS, install
from tests.unit.test_policies import DOMAIN, conversation


def payload(tracker: DialogueStateTracker) -> dict:
    action = RemoteAction("action_answer_original", EndpointConfig("http://localhost:1/webhook"))
    return action._action_call_format(tracker, DOMAIN)


def test_a_long_conversation_reaches_the_actions_cut_to_its_last_turns(monkeypatch) -> None:
    # Rasa's own format: any tracker store built earlier in this process has installed ours
    rasas = inspect.unwrap(RemoteAction._action_call_format)
    monkeypatch.setattr(RemoteAction, "_action_call_format", rasas)
    tracker = conversation(40)
    whole = payload(tracker)
    install()
    install()  # installing twice wraps once
    recent = payload(tracker)["tracker"]
    assert recent["slots"] == whole["tracker"]["slots"] and recent["slots"]["last_topic"]
    for key in ("latest_message", "latest_input_channel", "latest_action_name", "sender_id"):
        assert recent[key] == whole["tracker"][key]
    users = [e for e in recent["events"] if e["event"] == "user"]
    assert len(users) == ACTION_TURNS
    first_action = next(i for i, e in enumerate(recent["events"]) if e["event"] == "action")
    tail = recent["events"][first_action:]
    assert tail == whole["tracker"]["events"][-len(tail):]
    assert len(recent["events"]) < len(whole["tracker"]["events"]) / 5
