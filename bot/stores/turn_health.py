"""Whether the conversation store failed during the turn being handled.

Rasa wraps every tracker store in a ``FailSafeTrackerStore``: when the database is down it
starts a blank conversation in memory and answers as if nothing happened. The patient would get
a reply cut off from what they said before, and the turn would be stored nowhere. So the tracker
store reports each failure here, and the channel that started the turn reads it afterwards and
answers with the "temporarily unavailable" line instead (escalating any red flag itself).

The channel calls ``watch_turn`` before it starts Rasa's task; the task inherits the context
and so reports into the same ``TurnHealth``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class TurnHealth:
    """What went wrong in one turn (mutable: the turn's task writes, the channel reads)."""

    store_failed: bool = False


_current: ContextVar[TurnHealth | None] = ContextVar("toh_turn_health", default=None)


def watch_turn() -> TurnHealth:
    """A fresh record for the turn about to start in this context."""
    health = TurnHealth()
    _current.set(health)
    return health


def report_store_failure() -> None:
    """Mark the current turn (if a channel watches it) as cut off from its conversation."""
    health = _current.get()
    if health is not None:
        health.store_failed = True
