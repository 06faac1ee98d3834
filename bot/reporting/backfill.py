"""Record, once, the turns of conversations Rasa stored before the event broker recorded any.

The report counts recorded turns (``bot.analytics``); conversations held from before the upgrade
would be missing from it. Their user and bot events, still in Rasa's ``events`` table, are read
with the same rules the broker uses (``bot.analytics.turns``) and stored as turns. Only events
older than the oldest recorded turn are read, so a second run finds nothing left to do.
"""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from bot.analytics.repository import TurnEventRepository
from bot.analytics.turns import turns_of
from bot.privacy import pseudonym
from bot.reporting.source import ReportSource


def backfill_turns(
    *, source: ReportSource, repo: TurnEventRepository, salt: str, now: float | None = None
) -> int:
    """Store the turns Rasa holds from before the first recorded one; how many were stored."""
    until = repo.first_recorded() or (time.time() if now is None else now)
    by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in source.events(since=0.0, until=until):
        by_sender[event.sender].append(event.data)
    turns = [turn for sender, events in by_sender.items()
             for turn in turns_of(pseudonym(sender, salt), events)]
    repo.add(turns)
    return len(turns)
