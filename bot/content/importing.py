"""Load content/ files into the store through the publish gate and review.

A file that differs from the store becomes a new revision of its item, authored by
``content-import``; it is never published just because it was imported:

- it passes the publish gate (``bot.content.lint``) → ``in_review``: a reviewer publishes it
  (``content publish ID --as REVIEWER``, or in the editor), the four-eyes rule applies;
- it fails the gate → it stays a ``draft``, with the gate's reasons printed;
- ``publish_as`` an admin (``content import --publish --as ADMIN``): each revision that passes
  the gate is published in one step, the admin recorded as its reviewer and the note saying so;
  one that fails stays a draft;
- the **seed**: on a store where nothing is published yet (a fresh machine, `make run`'s first
  ``content import --new-only``), a revision that passes the gate is published with the
  reviewer ``system:seed`` and a note saying it was gate-checked, not reviewed. That leaves a
  working assistant on a fresh machine; after it, every import waits for review.
"""
from __future__ import annotations

from datetime import date

from bot.content.accounts import Actor
from bot.content.errors import NotAllowed
from bot.content.files import ItemSpec
from bot.content.lint import lint_item
from bot.content.models import PENDING, ContentItem, Revision, utcnow
from bot.content.repository import UnitOfWork
from bot.content.services import spec_of

IMPORT_AUTHOR = "content-import"
SEED_REVIEWER = "system:seed"
SEED_NOTE = "seed import into an empty store: publish gate passed, published without review"
OUTCOMES = ("published", "in_review", "draft", "pending", "unchanged", "differs")


def import_items(
    specs: list[ItemSpec],
    *,
    uow: UnitOfWork,
    new_only: bool = False,
    publish_as: Actor | None = None,
    author: str = IMPORT_AUTHOR,
    today: date | None = None,
) -> dict[str, str]:
    """Bring the files into the store as revisions that go through the gate (see the module).

    Args:
        specs: The items read from files.
        uow: The content store.
        new_only: Only add items the store lacks; an item already there is left alone.
        publish_as: An admin who publishes what passes the gate in one step.
        author: Who the new revisions are by.
        today: The date the gate checks review dates against (default: today).

    Returns:
        ``{item_id: outcome}``, one of ``OUTCOMES``: ``pending`` means the same text already
        waits in the store; ``differs`` that ``new_only`` kept the store's different version.

    Raises:
        NotAllowed: ``publish_as`` is not an admin.

    """
    if publish_as is not None and not publish_as.is_admin:
        raise NotAllowed("Only an admin may publish an import in one step.")
    outcome: dict[str, str] = {}
    with uow:
        seeding = publish_as is None and not any(
            item.published_number for item in uow.items.list_items(None)
        )
        reviewer, note = _publisher(publish_as, seeding)
        for spec in specs:
            outcome[spec.id] = _import_one(spec, uow, new_only=new_only, author=author,
                                           reviewer=reviewer, note=note, today=today)
        uow.commit()
    return outcome


def _publisher(admin: Actor | None, seeding: bool) -> tuple[str | None, str]:
    if admin is not None:
        return admin.username, (f"imported from content/ and published in one step by admin "
                                f"{admin.username}: publish gate passed")
    if seeding:
        return SEED_REVIEWER, SEED_NOTE
    return None, "imported from content/"


def _import_one(spec: ItemSpec, uow: UnitOfWork, *, new_only: bool, author: str,
                reviewer: str | None, note: str, today: date | None) -> str:
    item = uow.items.get(spec.id)
    if item is not None and item.published and spec_of(item, item.published) == spec:
        return "unchanged"
    if item is not None and new_only:
        return "differs"
    if item is not None and _waiting(item, spec):
        return "pending"
    if item is None:
        item = ContentItem(id=spec.id, kind=spec.kind, tier=spec.tier, revisions=[])
        uow.items.add(item)
    passes = lint_item(spec, today=today).ok
    revision = _revision(spec, _next_number(item), author=author,
                         note=note if passes and reviewer else "imported from content/")
    item.revisions.append(revision)
    item.lock_version = int(item.lock_version or 1) + 1
    item.updated_at = utcnow()
    if not passes:
        return "draft"
    if reviewer is None:
        revision.status = "in_review"
        return "in_review"
    item.make_live(revision, reviewer=reviewer)
    return "published"


def _waiting(item: ContentItem, spec: ItemSpec) -> bool:
    latest = item.latest
    return latest is not None and latest.status in PENDING and spec_of(item, latest) == spec


def _next_number(item: ContentItem) -> int:
    return (item.latest.number if item.latest else 0) + 1


def _revision(spec: ItemSpec, number: int, *, author: str, note: str) -> Revision:
    return Revision(
        number=number,
        title=spec.title,
        text=spec.text,
        sms_text=spec.sms_text,
        sources=list(spec.sources),
        status="draft",
        author=author,
        review_by=spec.review_by,
        created_at=utcnow(),
        note=note,
    )
