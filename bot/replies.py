"""Turns store content into replies: FAQ answers, conversation lines, suggestions, escalations.

Actions, the NLG and the channels call this; it knows nothing of Rasa. Every reply carries the
content id and version it used, so the conversation log says which answer a patient saw.
Escalations and requests for a person also open a hand-off case for the care team
(``bot.handoff``); their replies carry a marker (``custom``) so the SMS channel keeps the number.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import feedback
from bot.analytics.turns import FLAGS_KEY, VOTE_KEY
from bot.config import Clinic, get_settings
from bot.content import services
from bot.content.errors import AnswerNotFound
from bot.content.models import utcnow
from bot.content.repository import UnitOfWork
from bot.handoff import service as handoff
from bot.handoff.repository import HandoffUnitOfWork
from bot.privacy import pseudonym

logger = logging.getLogger(__name__)

FAQ_INTENT_PREFIX = "faq_"
ESCALATION_INTENT_PREFIX = "escalate_"
RED_FLAG_ENTITY = "red_flag"
CHECK_INTENT = "check_red_flag"
"""The learned screen is unsure: ask one yes/no question before escalating."""
CHECK_ENTITY = "red_flag_check"
"""The flags a ``check_red_flag`` question is about (same fields as ``red_flag`` entities)."""
CARE_TEAM_SOON_INTENT = "care_team_soon"
"""Pain not improving: a gentler "tell your care team soon" line, then the answer."""
SUGGESTION_COUNT = 2
# A runner-up topic the classifier gives at least this confidence is offered as a button under
# the answer ("I'm pregnant, can I have an MRI?" answers one topic and offers the other).
RELATED_MIN_CONFIDENCE = 0.2
# Only where a button is free: on SMS it would cost the patient another paid message.
RELATED_CHANNELS = frozenset({"rest"})
HANDOFF_KINDS = frozenset({"escalation", "handoff"})
"""``custom["kind"]`` of the replies that hand the conversation to the care team."""
HANDOFF_IN_HOURS = "human_handoff"
HANDOFF_CLOSED = "human_handoff_closed"
CONTENT_CACHE_SECONDS = 1.0
"""How long a server reuses a published item it read (issue 13: an edit live everywhere in 1 s)."""


@dataclass(frozen=True)
class Reply:
    """One bot message and the content it came from.

    ``metadata``: facts for the conversation log (the flags an escalation named, the vote a
    thanks line acknowledges); they land in the bot event's metadata, and the patient channels
    do not send them.
    """

    text: str
    content_id: str
    version: int
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def as_message(self) -> dict[str, Any]:
        """The message dict Rasa's dispatcher and NLG take; extra keys land in event metadata."""
        message: dict[str, Any] = {
            **self.metadata,
            "text": self.text,
            "content_id": self.content_id,
            "content_version": self.version,
        }
        if self.buttons:
            message["buttons"] = self.buttons
        if self.custom:
            message["custom"] = self.custom
        return message


def topic_of_intent(intent_name: str | None) -> str | None:
    """``faq_duration`` → ``duration``; anything else → None."""
    if intent_name and intent_name.startswith(FAQ_INTENT_PREFIX):
        return intent_name[len(FAQ_INTENT_PREFIX) :]
    return None


def closest_topics(ranking: Sequence[dict[str, Any]], count: int = SUGGESTION_COUNT) -> list[str]:
    """The ``count`` FAQ topics ranked highest (what an unsure assistant offers as buttons)."""
    topics = [topic_of_intent(entry.get("name")) for entry in ranking]
    return [topic for topic in topics if topic][:count]


def related_topic(ranking: Sequence[dict[str, Any]], answered: str) -> str | None:
    """The best-ranked other FAQ topic, if the classifier gave it ``RELATED_MIN_CONFIDENCE``."""
    for entry in ranking:
        topic = topic_of_intent(entry.get("name"))
        if topic and topic != answered:
            confidence = float(entry.get("confidence") or 0.0)
            return topic if confidence >= RELATED_MIN_CONFIDENCE else None
    return None


def escalation_targets(entities: Sequence[dict[str, Any]], tier: str) -> list[str]:
    """Escalation item ids named by the red-flag entities of ``tier``, most severe first."""
    ids: list[str] = []
    for entity in entities:
        if entity.get("entity") == RED_FLAG_ENTITY and entity.get("tier") == tier:
            escalation = str(entity.get("escalation"))
            if escalation not in ids:
                ids.append(escalation)
    return ids


def reason_of(entities: Sequence[dict[str, Any]]) -> str:
    """The red flags' plain-words labels, joined ("chest pain and a fall")."""
    labels: list[str] = []
    for entity in entities:
        label = str(entity.get("label") or str(entity.get("value", "")).replace("_", " "))
        if entity.get("entity") in (RED_FLAG_ENTITY, CHECK_ENTITY) and label not in labels:
            labels.append(label)
    if not labels:
        return "a warning sign"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def flag_entities(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The red-flag entities the escalation is about, from the latest user messages.

    The latest message's own ``red_flag`` entities; after a yes to the one question, the
    ``red_flag_check`` entities of the message that raised it (as ``red_flag`` entities).
    """
    users = [e for e in events if e.get("event") == "user"][-3:]
    for event in reversed(users):
        entities = (event.get("parse_data") or {}).get("entities") or []
        flags = [e for e in entities if e.get("entity") == RED_FLAG_ENTITY]
        if flags:
            return flags
        checks = [e for e in entities if e.get("entity") == CHECK_ENTITY]
        if checks:
            return [{**e, "entity": RED_FLAG_ENTITY} for e in checks]
    return []


ORIGINAL_MIN_CONFIDENCE = 0.25
"""A question's topic counts under the screen's own intent only when it was this likely."""


def original_topic(user_events: Sequence[dict[str, Any]]) -> str | None:
    """The FAQ topic of the latest message the red-flag screen asked about or added a line to."""
    for event in reversed(user_events):
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") in (CHECK_INTENT, CARE_TEAM_SOON_INTENT):
            for entry in parse.get("intent_ranking") or []:
                topic = topic_of_intent(entry.get("name"))
                if topic and float(entry.get("confidence") or 0) >= ORIGINAL_MIN_CONFIDENCE:
                    return topic
            return None
    return None


class ReplyService:
    """Builds replies from the content store, read at answer time (or ``cache_seconds`` before)."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        hash_salt: str,
        clinic: Clinic | None = None,
        handoffs: Callable[[], HandoffUnitOfWork] | None = None,
        cache_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Replies from ``uow_factory``'s store, pseudonyms keyed by ``hash_salt``.

        ``clinic`` fills the texts' placeholders and says when it is open (default: the
        settings' clinic); ``handoffs`` is where cases for the care team are opened (None: no
        case is opened, for tests of the lines alone). ``cache_seconds``: how long a published
        item read from the store is reused in this process (0: read it for every reply). A
        publish reaches every process within that time, with no message between them; an item
        not found is never cached.
        """
        clinic = clinic or get_settings().clinic
        self._uow = uow_factory
        self._salt = hash_salt
        self._clinic = clinic.placeholders()
        self._hours = clinic.schedule()
        self._handoffs = handoffs
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, services.Answer]] = {}

    def _answer(self, item_id: str, values: Mapping[str, str] | None = None) -> services.Answer:
        """The published item as a patient receives it (every text and title goes through here)."""
        return self._published(item_id).filled({**(values or {}), **self._clinic})

    def _published(self, item_id: str) -> services.Answer:
        """The published item, from this process's cache while it is fresh enough."""
        now = self._clock()
        cached = self._cache.get(item_id)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        answer = services.published_answer(item_id, uow=self._uow())
        if self._cache_seconds > 0:
            self._cache[item_id] = (now, answer)
        return answer

    def _reply(
        self,
        item_id: str,
        channel: str | None,
        values: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> Reply:
        answer = self._answer(item_id, values)
        return Reply(answer.text_for(channel), answer.id, answer.version, **extra)

    def topic(self, topic: str, channel: str | None, *, related: str | None = None) -> Reply:
        """The published FAQ answer for ``topic``; ``related``: a topic to offer as a button."""
        buttons = self._topic_buttons([related]) if related and related != topic else []
        return self._reply(topic, channel, buttons=buttons)

    def message(
        self, message_id: str, channel: str | None, *, values: Mapping[str, str] | None = None
    ) -> Reply:
        """A conversation line (``greeting``, ``not_understood``…).

        ``values`` fill the line's own placeholders, e.g. ``{"reason": "chest pain"}`` for
        ``red_flag_reason``; the clinic's placeholders are always filled from configuration.
        """
        return self._reply(message_id, channel, values)

    def check_question(self, channel: str | None) -> Reply:
        """The one yes/no question asked when the red-flag screens are unsure."""
        buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
        return self._reply("check_red_flag", channel, buttons=buttons)

    def helpful_question(self, answered: Reply, channel: str | None) -> Reply:
        """"Was this helpful?" with Yes and No buttons naming the answer and its version."""
        buttons = feedback.buttons(answered.content_id, answered.version)
        return self._reply("ask_helpful", channel, buttons=buttons)

    def feedback_thanks(self, vote: feedback.Vote, channel: str | None) -> Reply:
        """The one-line thanks for a vote (the vote goes into the conversation log)."""
        noted = {"answer": vote.answer, "version": vote.version, "helpful": vote.helpful}
        return self._reply("feedback_thanks", channel, metadata={VOTE_KEY: noted})

    def red_flag_reason(self, entities: Sequence[dict[str, Any]], channel: str | None) -> Reply:
        """One line naming what in the message led to the escalation."""
        return self.message("red_flag_reason", channel, values={"reason": reason_of(entities)})

    def suggestions(self, ranking: Sequence[dict[str, Any]], channel: str | None) -> Reply:
        """Offer the closest FAQ topics from an intent ranking as buttons, plus "none of these"."""
        buttons = self._topic_buttons(closest_topics(ranking))
        none_title = self._answer("none_of_these").title
        buttons.append({"title": none_title, "payload": "/none_of_these"})
        return self._reply("suggest_topics", channel, buttons=buttons)

    def _topic_buttons(self, topics: Sequence[str]) -> list[dict[str, str]]:
        """One button per published topic, titled as the answer is; unpublished ones skipped."""
        buttons = []
        for topic in topics:
            try:
                title = self._answer(topic).title
            except AnswerNotFound:
                continue
            buttons.append({"title": title, "payload": f"/{FAQ_INTENT_PREFIX}{topic}"})
        return buttons

    def escalation(
        self,
        entities: Sequence[dict[str, Any]],
        tier: str,
        *,
        channel: str,
        sender_id: str,
    ) -> Reply:
        """The guidance for the most severe flag of ``tier``; the escalation is recorded."""
        targets = escalation_targets(entities, tier) or [self._first_of_tier(tier)]
        answer = self._answer(targets[0])
        flags = [str(e.get("value")) for e in entities if e.get("entity") == RED_FLAG_ENTITY]
        services.record_escalation(
            uow=self._uow(),
            flag_ids=flags,
            tier=tier,
            channel=channel,
            conversation=pseudonym(sender_id, self._salt),
            answer=answer,
        )
        try:
            self._open_case(sender_id, channel, handoff.escalation_reason(tier, flags))
        except Exception as error:  # noqa: BLE001 - the patient's guidance must still go out
            logger.error("escalation: no hand-off case opened (%s)", type(error).__name__)
        marker = {"kind": "escalation", "tier": tier}
        return Reply(answer.text_for(channel), answer.id, answer.version, custom=marker,
                     metadata={FLAGS_KEY: flags} if flags else {})

    def hand_off(self, sender_id: str, channel: str, *, now: datetime | None = None) -> Reply:
        """Open a case for a patient who asked for a person; the line says when one will read it.

        In clinic hours ``human_handoff``; else ``human_handoff_closed``, its ``{next_open}``
        filled with when the clinic opens ("tomorrow at 8 am").
        """
        self._open_case(sender_id, channel, handoff.ASKED_FOR_A_PERSON)
        moment = now or utcnow()
        marker = {"kind": "handoff"}
        if self._hours.is_open(moment):
            return self._reply(HANDOFF_IN_HOURS, channel, custom=marker)
        values = {"next_open": self._hours.next_opening_words(moment)}
        return self._reply(HANDOFF_CLOSED, channel, values, custom=marker)

    def _open_case(self, sender_id: str, channel: str, reason: str) -> None:
        if self._handoffs is not None:
            handoff.open_case(
                uow=self._handoffs(), conversation=sender_id, channel=channel, reason=reason
            )

    def _first_of_tier(self, tier: str) -> str:
        """Any published escalation of ``tier`` (used when no flag named one)."""
        catalog = services.published_catalog(uow=self._uow(), kind="escalation")
        return next((a.id for a in catalog if a.tier == tier), f"esc_{tier}")
