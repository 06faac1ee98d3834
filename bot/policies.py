"""Rasa's ``RulePolicy``, predicting from the last few turns instead of the whole conversation.

``RulePolicy`` turns the whole conversation into dialogue states on each of its predictions
(two a turn, each featurised twice), so its cost grows with every turn: 0.8 ms a call at turn
10, 3.8 ms at turn 100 (docs/performance.md). A rule only ever looks at the end of the
conversation: our longest rule is two user turns (a question, the answer to it), and no rule is
tied to the start of a conversation (`data/rules/`). So the policy predicts from a copy of the
tracker holding the last ``window_turns`` user turns, preceded by the slot and loop values the
conversation had when that window began: the states the rules compare are the same, and the
cost stops growing. Training is Rasa's, unchanged.

Rasa's config validator looks for ``RulePolicy`` by its exact class, so training warns that
"'RulePolicy' is not included": a false alarm, this class inherits the handling of the default
intents (restart, back) with the rest of ``RulePolicy``.
"""
from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

WINDOW_TURNS = 4  # user turns; twice our longest rule (data/rules/, test_policies.py checks)


def window_start(events: list[Event], turns: int) -> int:
    """Index of the first event of the last ``turns`` user turns (0: the whole conversation).

    A turn starts at the ``action_listen`` before its user message, so that message's state
    keeps the action it followed.
    """
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == turns:
                start = index
                while start > 0 and not isinstance(events[start - 1], ActionExecuted):
                    start -= 1
                return max(start - 1, 0)
    return 0


def state_before(events: list[Event]) -> list[Event]:
    """The slot and loop values ``events`` leave behind, as events (nothing after a restart)."""
    slots: dict[str, Any] = {}
    loop: ActiveLoop | None = None
    for event in events:
        if isinstance(event, Restarted):
            slots, loop = {}, None
        elif isinstance(event, SlotSet):
            slots[event.key] = event.value
        elif isinstance(event, ActiveLoop):
            loop = event
    prefix: list[Event] = [SlotSet(key, value) for key, value in slots.items()]
    return prefix + ([loop] if loop is not None and loop.name else [])


def recent_window(
    tracker: DialogueStateTracker, domain: Domain, turns: int
) -> DialogueStateTracker:
    """``tracker`` cut to its last ``turns`` user turns, with the values set before them."""
    events = list(tracker.events)
    start = window_start(events, turns)
    if start == 0:
        return tracker
    return DialogueStateTracker.from_events(
        tracker.sender_id,
        state_before(events[:start]) + events[start:],
        slots=domain.slots,
        sender_source=tracker.sender_source,
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RecentTurnsRulePolicy(RulePolicy):
    """``RulePolicy`` over the last ``window_turns`` user turns (see the module doc)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults plus the window."""
        return {**RulePolicy.get_default_config(), "window_turns": WINDOW_TURNS}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Rasa's prediction, from the recent window of the conversation."""
        window = recent_window(tracker, domain, int(self.config["window_turns"]))
        return super().predict_action_probabilities(window, domain, rule_only_data, **kwargs)
