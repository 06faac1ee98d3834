"""What the assistant asks of the content store: published answers and escalation records.

Importing files is ``bot.content.importing`` (through the publish gate and review).

Every function takes a ``UnitOfWork`` (keyword ``uow``) and reads the store when called, so an
answer published by an editor is live on the next message, on every replica.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.content import placeholders
from bot.content.errors import AnswerNotFound
from bot.content.files import ItemSpec
from bot.content.models import ContentItem, EscalationRecord, Revision, utcnow
from bot.content.repository import UnitOfWork

SMS_CHANNELS = frozenset({"sms", "twilio"})


@dataclass(frozen=True)
class Answer:
    """A published item as a patient sees it."""

    id: str
    kind: str
    tier: str | None
    title: str
    text: str
    sms_text: str
    version: int
    sources: tuple[str, ...] = ()
    review_by: str | None = None

    def filled(self, values: Mapping[str, str]) -> Answer:
        """The answer as a patient receives it: placeholders (``{clinic_phone}``…) filled."""
        return replace(
            self,
            title=placeholders.fill(self.title, values),
            text=placeholders.fill(self.text, values),
            sms_text=placeholders.fill(self.sms_text, values),
        )

    def text_for(self, channel: str | None) -> str:
        """The rendering for a channel: ``sms_text`` on SMS, ``text`` everywhere else."""
        return self.sms_text if channel in SMS_CHANNELS else self.text.strip()

    def as_export(self) -> dict[str, object]:
        """The export form (see CONTRACT.md: id, kind, tier, title, text, sms_text, version)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "tier": self.tier,
            "title": self.title,
            "text": self.text,
            "sms_text": self.sms_text,
            "version": self.version,
            "sources": list(self.sources),
            "review_by": self.review_by,
        }


def answer_of(item: ContentItem) -> Answer | None:
    """The published ``Answer`` of an item, or None if nothing is published."""
    revision = item.published
    if revision is None:
        return None
    return Answer(
        id=item.id,
        kind=item.kind,
        tier=item.tier,
        title=revision.title,
        text=revision.text,
        sms_text=revision.sms_text,
        version=revision.number,
        sources=tuple(revision.sources or ()),
        review_by=revision.review_by.isoformat() if revision.review_by else None,
    )


def published_answer(item_id: str, *, uow: UnitOfWork) -> Answer:
    """The published answer for ``item_id``; ``AnswerNotFound`` if there is none."""
    with uow:
        item = uow.items.get(item_id)
        answer = answer_of(item) if item is not None else None
    if answer is None:
        raise AnswerNotFound(f"nothing is published for '{item_id}'")
    return answer


def published_catalog(*, uow: UnitOfWork, kind: str | None = None) -> list[Answer]:
    """Every published answer (of one kind, if given), ordered by id."""
    with uow:
        answers = [answer_of(item) for item in uow.items.list_items(kind)]
    return [answer for answer in answers if answer is not None]


def spec_of(item: ContentItem, revision: Revision) -> ItemSpec:
    """The file form of one revision of an item."""
    return ItemSpec(
        id=item.id,
        kind=item.kind,
        tier=item.tier,
        title=revision.title,
        text=revision.text,
        sms_text=revision.sms_text,
        sources=list(revision.sources or []),
        review_by=revision.review_by,
    )


def record_escalation(
    *,
    uow: UnitOfWork,
    flag_ids: list[str],
    tier: str,
    channel: str,
    conversation: str,
    answer: Answer,
) -> None:
    """Store that a patient was shown an escalation (``conversation`` is already hashed)."""
    with uow:
        uow.items.record_escalation(
            EscalationRecord(
                flag_ids=list(flag_ids),
                tier=tier,
                channel=channel,
                conversation=conversation,
                escalation_id=answer.id,
                escalation_version=answer.version,
                occurred_at=utcnow(),
            )
        )
        uow.commit()


def spec_from_answer(answer: Answer) -> ItemSpec:
    """The file form of a published answer (for ``export --format yaml``)."""
    from bot.content.models import review_date

    return ItemSpec(
        id=answer.id,
        kind=answer.kind,
        tier=answer.tier,
        title=answer.title,
        text=answer.text,
        sms_text=answer.sms_text,
        sources=list(answer.sources),
        review_by=review_date(answer.review_by),
    )
