"""``rasa run`` as we run it: Rasa's own command line, the action server sent recent turns only.

Before each custom action Rasa posts the whole conversation to the action server (every event
of the tracker as JSON): at turn 100 that is ~14 ms of the turn, growing with every message
(docs/performance.md). Our actions read the slots, the latest message and at most the last two
user messages (``actions/``: the question a "no" answers, the buttons a "yes" votes on), so the
request carries the tracker cut to its last ``ACTION_TURNS`` user turns, with the slot values
set before them (``bot.policies.recent_window``): slots, latest message, channel and loop are
the same as Rasa's; only older events are left out.

``python -m bot.rasa_server run ...`` takes exactly ``rasa``'s arguments (``bot/launch.py``, the
Docker image). Plain ``rasa run`` still works: the action server then gets everything.
"""
from __future__ import annotations

import functools
import sys
from typing import Any

ACTION_TURNS = 4  # user turns; actions look back two (tests/unit/test_rasa_server.py)


def send_recent_turns_to_actions(turns: int = ACTION_TURNS) -> None:
    """Make Rasa's ``RemoteAction`` post the tracker's last ``turns`` user turns."""
    from rasa.core.actions.action import RemoteAction

    from bot.policies import recent_window

    original = RemoteAction._action_call_format
    if getattr(original, "recent_turns", None) is not None:
        return

    @functools.wraps(original)
    def call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        return original(self, recent_window(tracker, domain, turns), domain)

    call_format.recent_turns = turns  # type: ignore[attr-defined]
    RemoteAction._action_call_format = call_format  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    """Run Rasa's command line with ``argv`` (default: this process's arguments)."""
    send_recent_turns_to_actions()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(argv if argv is not None else sys.argv[1:])]
    rasa_main()


if __name__ == "__main__":
    main()
