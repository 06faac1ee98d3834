"""Whether the conversation store failed during the turn being handled.

Rasa wraps every tracker store in a ``FailSafeTrackerStore``: when the database is down it
starts a blank conversation in memory and answers as if nothing happened. The patient would get
a reply cut off from what they said before, and the turn would be stored nowhere. So the tracker
store reports each failure here and ends the turn with ``TurnCutOff``; the channel that started
the turn reads the record afterwards and answers with the "temporarily unavailable" line instead
(escalating any red flag itself).

The channel calls ``watch_turn`` before it starts Rasa's task; the task inherits the context
and so reports into the same ``TurnHealth``.
"""

from __future__ import annotations

import asyncio
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


class TurnCutOff(asyncio.CancelledError):
    """Ends a watched turn whose conversation store failed.

    A ``CancelledError`` on purpose: Rasa's fail-safe store catches every ``Exception`` (and
    would go on with a blank conversation); a cancellation passes through it, the lock is
    released on the way out, and the channel's ``run_turn`` sees a cancelled turn.
    """


def report_store_failure() -> bool:
    """Mark the current turn as cut off from its conversation; True if a channel watches it."""
    health = _current.get()
    if health is None:
        return False
    health.store_failed = True
    return True
