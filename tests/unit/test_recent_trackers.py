"""RecentTrackers keeps a bounded number of conversations, each for a bounded time."""
from __future__ import annotations

from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.recent_trackers import RecentTrackers


def tracker(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker(sender, [])


def test_the_oldest_conversation_makes_room_and_old_entries_expire() -> None:
    now = [0.0]
    recent = RecentTrackers(capacity=2, max_age=60.0, clock=lambda: now[0])
    a, b, c = tracker("a"), tracker("b"), tracker("c")
    for number, kept in enumerate((a, b), start=1):
        recent.saved(kept, number)
    assert recent.get("a", 1) is a  # a used last: b is now the oldest
    recent.saved(c, 3)
    assert recent.get("b", 2) is None and recent.get("a", 1) is a and recent.get("c", 3) is c
    now[0] = 61.0
    assert recent.get("a", 1) is None


def test_a_changed_database_or_tracker_is_not_reused_and_the_entry_is_dropped() -> None:
    recent = RecentTrackers()
    kept = tracker("a")
    recent.saved(kept, 7)
    assert recent.get("a", 8) is None and recent.get("a", 7) is None  # dropped on a mismatch
    recent.saved(kept, 7)
    kept.update(UserUttered("not saved"))
    assert recent.get("a", 7) is None
    recent.saved(tracker("b"), 0)  # nothing stored: never reused
    assert recent.get("b", 0) is None
    recent.saved(kept, 9)
    recent.forget("a")
    assert recent.get("a", 9) is None
