"""The action server is sent the conversation's recent turns, not all of it (``install``).

Before each custom action Rasa posts the whole conversation to the action server (every event
of the tracker as JSON): at turn 100 that is ~14 ms of the turn, growing with every message
(docs/performance.md). Our actions read the slots, the latest message and at most the last two
user messages (``actions/``: the question a "no" answers, the buttons a "yes" votes on), so the
request carries the tracker cut to its last ``ACTION_TURNS`` user turns, with the slot values
set before them (``bot.policies.recent_window``): slots, latest message, channel and loop are
the same as Rasa's; only older events are left out.

Installed in the Rasa server by its tracker store, beside ``bot.action_responses``
(``bot.stores.rasa_stores.EnvSQLTrackerStore``).
"""
from __future__ import annotations

import functools
from typing import Any

ACTION_TURNS = 4  # user turns; actions look back two (tests/unit/test_action_calls.py)
_INSTALLED = "_toh_recent_turns"


def install(turns: int = ACTION_TURNS) -> None:
    """Make Rasa's ``RemoteAction`` post the tracker's last ``turns`` user turns (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    from bot.policies import recent_window

    original = RemoteAction._action_call_format
    if getattr(original, _INSTALLED, False):
        return

    @functools.wraps(original)
    def call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        return original(self, recent_window(tracker, domain, turns), domain)

    setattr(call_format, _INSTALLED, True)
    RemoteAction._action_call_format = call_format  # type: ignore[method-assign]
