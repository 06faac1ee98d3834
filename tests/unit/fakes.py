"""Builders for unit tests: items in a fake store."""
from __future__ import annotations

from datetime import date

from bot.content.files import ItemSpec
from bot.content.importing import IMPORT_AUTHOR
from bot.content.models import ContentItem, Revision, utcnow
from bot.content.repository import FakeUnitOfWork


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
    """A fake unit of work holding ``specs`` as published items (version 1).

    A test builder: published directly, without the publish gate (short test texts fail it).
    """
    uow = FakeUnitOfWork()
    with uow:
        for item_spec in specs:
            item = ContentItem(id=item_spec.id, kind=item_spec.kind, tier=item_spec.tier,
                               revisions=[])
            revision = Revision(number=1, title=item_spec.title, text=item_spec.text,
                                sms_text=item_spec.sms_text, sources=list(item_spec.sources),
                                status="draft", author=IMPORT_AUTHOR, review_by=item_spec.review_by,
                                created_at=utcnow())
            item.revisions.append(revision)
            item.make_live(revision, reviewer=IMPORT_AUTHOR)
            uow.items.add(item)
        uow.commit()
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
