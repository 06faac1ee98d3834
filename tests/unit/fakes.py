"""Builders for unit tests: items in a fake store."""
from __future__ import annotations

from datetime import date

from bot.content.files import ItemSpec
from bot.content.repository import FakeUnitOfWork
from bot.content.services import import_items


def spec(item_id: str, kind: str = "faq", tier: str | None = None, **fields: str) -> ItemSpec:
    """An item with readable defaults: text ``<id> web``, SMS text ``<id> sms``."""
    return ItemSpec(
        id=item_id,
        kind=kind,
        tier=tier,
        title=fields.get("title", f"{item_id} title"),
        text=fields.get("text", f"{item_id} web\n"),
        sms_text=fields.get("sms_text", f"{item_id} sms"),
        sources=["000_seed: test"],
        review_by=date(2030, 1, 1),
    )


def fake_store(*specs: ItemSpec) -> FakeUnitOfWork:
    """A fake unit of work holding ``specs`` as published items (version 1)."""
    uow = FakeUnitOfWork()
    import_items(list(specs), uow=uow)
    return uow


DEFAULT_MESSAGES = ("not_understood", "suggest_topics", "none_of_these", "unavailable")


def standard_store() -> FakeUnitOfWork:
    """FAQ topics, conversation lines and escalations enough for the reply tests."""
    return fake_store(
        spec("duration"), spec("driving"), spec("cost"),
        *(spec(m, kind="message") for m in DEFAULT_MESSAGES),
        spec("esc_emergency", kind="escalation", tier="emergency"),
        spec("esc_infection", kind="escalation", tier="urgent"),
        spec("esc_fall", kind="escalation", tier="urgent"),
        spec("esc_urgent", kind="escalation", tier="urgent"),
    )
