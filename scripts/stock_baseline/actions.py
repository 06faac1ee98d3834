"""The stock baseline's one custom action: a plain rasa-sdk action answering FAQ intents.

Copied into ``build/stock/stock_actions.py`` by ``scripts/stock_baseline/project.py`` and served
by ``rasa run actions --actions stock_actions``. It reads the published answer text from our
content store (``STOCK_CONTENT_DB``, a SQLAlchemy URL) with a plain SQL query, one per turn.
"""

from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

PUBLISHED_TEXT = text(
    "SELECT r.text FROM content_items i JOIN content_revisions r "
    "ON r.item_id = i.id AND r.number = i.published_number WHERE i.id = :id"
)
_engine: Engine | None = None


def engine() -> Engine:
    """The content store's engine, made on first use."""
    global _engine
    if _engine is None:
        _engine = create_engine(os.environ["STOCK_CONTENT_DB"])
    return _engine


class ActionAnswerFaq(Action):
    """Answer ``faq_<topic>`` with the published text of content item ``<topic>``."""

    def name(self) -> str:
        return "action_answer_faq"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        with engine().connect() as connection:
            row = connection.execute(PUBLISHED_TEXT, {"id": intent.removeprefix("faq_")}).first()
        dispatcher.utter_message(text=row[0] if row else "Sorry, I have no answer for that yet.")
        return []
