"""The trackers this process saved last, reused while the database says nothing has changed.

Rasa's SQL tracker store rebuilds a conversation's tracker from the database on every turn:
reading every event of the session, parsing its JSON and replaying it, ~22 ms of CPU at turn
100, so a long conversation's turns get slower and slower. A tracker this process has just
saved is what that rebuild would produce, so ``RecentTrackers`` keeps it, with

* how many events the database held for the conversation once it was saved: any event stored
  since (another replica's turn) or removed (``conversations forget``, ``purge``) changes it;
* how many events the tracker held: a turn that added events and failed before saving them
  changes that.

Either change, an entry older than ``max_age`` seconds, or one pushed out by ``capacity`` newer
conversations, and the store rebuilds the tracker from the database as Rasa does. Only the
in-memory tracker is reused (it holds what the patient wrote as Rasa received it, as it does
during the turn); nothing here is stored.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from rasa.shared.core.trackers import DialogueStateTracker

CAPACITY = 256
MAX_AGE_SECONDS = 600.0


@dataclass(frozen=True)
class _Entry:
    tracker: DialogueStateTracker
    stored_events: int
    events: int
    saved_at: float


class RecentTrackers:
    """The last saved tracker of up to ``capacity`` conversations, for ``max_age`` seconds."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._capacity, self._max_age, self._clock = capacity, max_age, clock

    def saved(self, tracker: DialogueStateTracker, stored_events: int) -> None:
        """Remember ``tracker`` as just saved, the database holding ``stored_events`` of it."""
        sender = tracker.sender_id
        self._entries[sender] = _Entry(tracker, stored_events, len(tracker.events), self._clock())
        self._entries.move_to_end(sender)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def get(self, sender_id: str, stored_events: int) -> DialogueStateTracker | None:
        """The saved tracker if the database and the tracker are as they were; else None."""
        entry = self._entries.pop(sender_id, None)
        if entry is None or not self._unchanged(entry, stored_events):
            return None
        self._entries[sender_id] = entry
        return entry.tracker

    def forget(self, sender_id: str) -> None:
        """Drop what is kept for ``sender_id`` (a save failed, say)."""
        self._entries.pop(sender_id, None)

    def _unchanged(self, entry: _Entry, stored_events: int) -> bool:
        return (
            entry.stored_events > 0
            and entry.stored_events == stored_events
            and entry.events == len(entry.tracker.events)
            and self._clock() - entry.saved_at < self._max_age
        )
