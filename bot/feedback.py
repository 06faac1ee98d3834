""""Was this helpful?" under an FAQ answer: the buttons, the vote they carry, and recording it.

Each button's payload names the answer and the version the patient saw, so a vote counts for
that version even if an editor publishes a new one a second later::

    /feedback{"helpful": "yes", "answer": "duration", "version": 3}

Rasa reads the JSON as the entities ``helpful``, ``answer`` and ``version`` of the ``feedback``
intent. The channels let such a payload through only when the bot offered it (``bot.channels``);
a typed "yes" or "no" right after the question is read as the offered Yes or No button.
Nothing is stored but the vote: which answer and version, helpful or not, the channel, when, and
the conversation's pseudonym (``bot.privacy``); never what the patient wrote.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.analytics.repository import FeedbackEntry, FeedbackRepository
from bot.privacy import pseudonym

INTENT = "feedback"
YES, NO = "Yes", "No"  # the button titles (an SMS reply of Y or N picks them: bot.channels)
PAYLOAD_PATTERN = (
    r'feedback\{"helpful": "(?P<helpful>yes|no)", "answer": "(?P<answer>[a-z0-9_]{1,64})", '
    r'"version": (?P<version>\d{1,9})\}'
)
_PAYLOAD = re.compile(f"^/{PAYLOAD_PATTERN}$")


@dataclass(frozen=True)
class Vote:
    """One patient's answer to "Was this helpful?" about one version of one answer."""

    answer: str
    version: int
    helpful: bool

    def payload(self) -> str:
        """The button payload that carries this vote."""
        entities = {"helpful": "yes" if self.helpful else "no", "answer": self.answer,
                    "version": self.version}
        return f"/{INTENT}{json.dumps(entities)}"


def buttons(answer: str, version: int) -> list[dict[str, str]]:
    """The Yes and No buttons under ``answer`` (version ``version``)."""
    return [
        {"title": title, "payload": Vote(answer, version, helpful).payload()}
        for title, helpful in ((YES, True), (NO, False))
    ]


def parse(payload: str) -> Vote | None:
    """The vote a button payload carries; None if it is not one of ours."""
    match = _PAYLOAD.match(payload)
    if match is None:
        return None
    return Vote(match["answer"], int(match["version"]), match["helpful"] == "yes")


def vote_of_entities(entities: Sequence[Mapping[str, Any]]) -> Vote | None:
    """The vote in a ``feedback`` message's entities (what Rasa made of the payload)."""
    values = {str(e.get("entity")): e.get("value") for e in entities}
    answer, version, helpful = values.get("answer"), values.get("version"), values.get("helpful")
    if not isinstance(answer, str) or helpful not in ("yes", "no"):
        return None
    try:
        return Vote(answer, int(str(version)), helpful == "yes")
    except ValueError:
        return None


def offered_vote(events: Sequence[Mapping[str, Any]], *, helpful: bool) -> Vote | None:
    """The vote of the Yes (or No) button offered just before the latest user message.

    A typed "yes" counts only as an answer to the question right before it: the bot messages
    between the last two user messages are searched, nothing older.
    """
    users_seen = 0
    for event in reversed(events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return None
        elif event.get("event") == "bot" and users_seen == 1:
            for button in (event.get("data") or {}).get("buttons") or []:
                vote = parse(str(button.get("payload") or ""))
                if vote is not None and vote.helpful == helpful:
                    return vote
    return None


class FeedbackService:
    """Records votes under the conversation's pseudonym."""

    def __init__(
        self,
        repo_factory: Callable[[], FeedbackRepository],
        *,
        hash_salt: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``repo_factory`` gives a repository per call; ``hash_salt`` keys the pseudonyms."""
        self._repo = repo_factory
        self._salt = hash_salt
        self._clock = clock

    def record(self, vote: Vote, *, sender_id: str, channel: str) -> None:
        """Store ``vote`` from conversation ``sender_id`` on ``channel``."""
        entry = FeedbackEntry(
            occurred_at=self._clock(),
            conversation=pseudonym(sender_id, self._salt),
            channel=channel,
            answer=vote.answer,
            version=vote.version,
            helpful=vote.helpful,
        )
        self._repo().add(entry)
