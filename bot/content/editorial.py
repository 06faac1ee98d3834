"""The editorial workflow: drafts, review, publish, rollback, retire, history and diff.

Every change adds a ``Revision`` or moves one along ``draft → in_review → published``; text once
saved is never rewritten. A revision that stops being live, or a draft overtaken by a newer
publish, becomes ``retired`` (its text stays in the history). Publishing runs the publish gate
(``bot.content.lint``) and the four-eyes rule: a reviewer or admin who is not the author.

Every service takes keyword-only arguments and a ``UnitOfWork``. Each change bumps the item's
``lock_version`` (the optimistic lock), so a save made from an older version is refused with
``StaleRevision``, both here (``base_version``) and by the database when two saves race.
Results are plain frozen dataclasses, safe to use after the unit of work has closed.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.config import Clinic
from bot.content.accounts import Actor
from bot.content.errors import (
    AnswerNotFound,
    InvalidContent,
    LintFailed,
    NotAllowed,
    RevisionNotFound,
    StaleRevision,
)
from bot.content.files import ItemSpec
from bot.content.lint import LintReport, lint_item
from bot.content.models import PENDING, ContentItem, Revision, utcnow
from bot.content.repository import UnitOfWork

REVIEW_DUE_DAYS = 60
TITLE_MAX = 200
FIELD_LABELS = {
    "title": "Title",
    "text": "Web text",
    "sms_text": "SMS text",
    "sources": "Sources",
    "review_by": "Review by",
}


class NothingToSave(InvalidContent):
    """The draft is the same as the revision it started from."""


@dataclass(frozen=True)
class Draft:
    """The fields an editor writes, normalised (newlines, spaces, empty sources dropped)."""

    title: str
    text: str
    sms_text: str
    sources: tuple[str, ...] = ()
    review_by: date | None = None

    @classmethod
    def of(
        cls,
        *,
        title: str,
        text: str,
        sms_text: str,
        sources: list[str] | tuple[str, ...] = (),
        review_by: date | None = None,
    ) -> Draft:
        """A draft from raw form or file values."""
        return cls(
            title=" ".join(title.split()),
            text=normalize_text(text),
            sms_text=" ".join(sms_text.split()),
            sources=tuple(s.strip() for s in sources if s and s.strip()),
            review_by=review_by,
        )


@dataclass(frozen=True)
class RevisionView:
    """One revision of an item, as the editor and the CLI show it."""

    number: int
    title: str
    text: str
    sms_text: str
    sources: tuple[str, ...]
    status: str
    author: str
    reviewer: str | None
    review_by: date | None
    note: str | None
    created_at: datetime | None
    published_at: datetime | None
    live: bool = False

    @property
    def draft(self) -> Draft:
        """The revision's editable fields."""
        return Draft(self.title, self.text, self.sms_text, self.sources, self.review_by)


@dataclass(frozen=True)
class ItemHistory:
    """An item with every revision, oldest first, and its lock version."""

    id: str
    kind: str
    tier: str | None
    version: int
    published_number: int | None
    revisions: tuple[RevisionView, ...] = field(default_factory=tuple)

    def revision(self, number: int) -> RevisionView:
        """The revision with this number; ``RevisionNotFound`` if there is none."""
        for revision in self.revisions:
            if revision.number == number:
                return revision
        raise RevisionNotFound(f"'{self.id}' has no revision {number}.")

    @property
    def live(self) -> RevisionView | None:
        """The revision patients see now."""
        return next((r for r in self.revisions if r.live), None)

    @property
    def latest(self) -> RevisionView | None:
        """The newest revision, whatever its status."""
        return self.revisions[-1] if self.revisions else None

    @property
    def working(self) -> RevisionView | None:
        """What an editor continues from: the newest pending revision newer than the live one."""
        floor = self.published_number or 0
        pending = [r for r in self.revisions if r.status in PENDING and r.number > floor]
        return pending[-1] if pending else self.live or self.latest

    @property
    def in_review(self) -> RevisionView | None:
        """The newest revision waiting for a reviewer, if any."""
        waiting = [r for r in self.revisions if r.status == "in_review"]
        return waiting[-1] if waiting else None

    def spec(self, draft: Draft) -> ItemSpec:
        """The file form of ``draft`` for this item (what the publish gate checks)."""
        return ItemSpec(
            id=self.id,
            kind=self.kind,
            tier=self.tier,
            title=draft.title,
            text=draft.text,
            sms_text=draft.sms_text,
            sources=list(draft.sources),
            review_by=draft.review_by,
        )


@dataclass(frozen=True)
class ItemSummary:
    """One line of the editor's list."""

    id: str
    kind: str
    tier: str | None
    title: str
    status: str
    live_number: int | None
    working_number: int | None
    review_by: date | None
    version: int

    def review_due(self, today: date | None = None) -> bool:
        """True when the live answer's review-by date is near or past."""
        today = today or date.today()
        return self.review_by is None or self.review_by <= today + timedelta(days=REVIEW_DUE_DAYS)


@dataclass(frozen=True)
class Chunk:
    """A run of a diff: ``equal``, ``delete`` or ``insert``."""

    op: str
    text: str


@dataclass(frozen=True)
class FieldDiff:
    """How one field changed between two revisions."""

    name: str
    label: str
    chunks: tuple[Chunk, ...]

    @property
    def changed(self) -> bool:
        """True when the field differs."""
        return any(chunk.op != "equal" for chunk in self.chunks)


def normalize_text(text: str) -> str:
    """Unix newlines, no trailing spaces, no blank lines around, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    body = "\n".join(lines).strip("\n")
    return f"{body}\n" if body else ""


# --- reading -------------------------------------------------------------------------------


def history(item_id: str, *, uow: UnitOfWork) -> ItemHistory:
    """An item and all its revisions; ``AnswerNotFound`` if there is no such item."""
    with uow:
        return _history(_load(uow, item_id))


def catalog(
    *, uow: UnitOfWork, search: str = "", kind: str | None = None, status: str | None = None
) -> list[ItemSummary]:
    """Items for the editor's list, filtered by words, kind and working status."""
    words = search.lower().split()
    with uow:
        histories = [_history(item) for item in uow.items.list_items(kind or None)]
    summaries = [_summary(h) for h in histories if _matches(h, words)]
    return [s for s in summaries if not status or s.status == status]


def lint_draft(
    item: ItemHistory, draft: Draft, *, today: date | None = None, clinic: Clinic | None = None
) -> LintReport:
    """The publish gate's verdict on ``draft`` as a revision of ``item`` (for the preview)."""
    return lint_item(item.spec(draft), today=today, clinic=clinic)


def allowed_actions(item: ItemHistory, revision: RevisionView, actor: Actor) -> frozenset[str]:
    """Which of submit, publish, retire, rollback ``actor`` may do to ``revision`` (for menus).

    The services enforce the same rules; this only decides which buttons to show.
    """
    mine = actor.username == revision.author
    latest = item.latest
    rules = {
        "submit": revision.status == "draft" and latest is not None
        and revision.number == latest.number,
        "publish": revision.status == "in_review" and actor.can_publish and not mine
        and revision.number > (item.published_number or 0),
        "retire": revision.status in PENDING and (mine or actor.can_publish),
        "rollback": revision.published_at is not None and not revision.live
        and actor.can_publish and not mine,
    }
    return frozenset(name for name, allowed in rules.items() if allowed)


def diff(item_id: str, *, old: int, new: int, uow: UnitOfWork) -> list[FieldDiff]:
    """How revision ``new`` differs from revision ``old``, field by field."""
    item = history(item_id, uow=uow)
    return diff_drafts(item.revision(old).draft, item.revision(new).draft)


def diff_drafts(old: Draft, new: Draft) -> list[FieldDiff]:
    """Word-level differences of every field of two drafts."""
    return [
        FieldDiff(name, label, _word_diff(_field_text(old, name), _field_text(new, name)))
        for name, label in FIELD_LABELS.items()
    ]


# --- changing --------------------------------------------------------------------------------


def save_draft(
    item_id: str,
    *,
    base_version: int,
    title: str,
    text: str,
    sms_text: str,
    sources: list[str] | tuple[str, ...],
    review_by: date | None,
    note: str = "",
    author: Actor,
    uow: UnitOfWork,
) -> RevisionView:
    """Save the editor's text as a new draft revision.

    Args:
        item_id: The item's id, e.g. ``duration``.
        base_version: The item's ``version`` when the editor opened it.
        title: Title an editor and a suggestion button show.
        text: The web answer (light Markdown).
        sms_text: The SMS answer.
        sources: Where the facts come from.
        review_by: When a clinician should check the answer again.
        note: What changed and why, for the history.
        author: Who saves.
        uow: The content store.

    Returns:
        The new draft revision.

    Raises:
        StaleRevision: The item changed since ``base_version`` (someone else saved).
        InvalidContent: A required field is empty, or nothing changed.

    """
    _require_role(author)
    draft = Draft.of(
        title=title, text=text, sms_text=sms_text, sources=sources, review_by=review_by
    )
    _require_fields(draft)
    with uow:
        item = _load(uow, item_id)
        _check_version(item, base_version)
        working = _history(item).working
        if working is not None and working.draft == draft:
            raise NothingToSave(f"Nothing changed since revision {working.number}.")
        revision = _new_revision(item, draft, author=author.username, note=note)
        _touch(item)
        uow.commit()
        return _view(item, revision)


def submit(
    item_id: str,
    *,
    number: int | None = None,
    by: Actor,
    uow: UnitOfWork,
    base_version: int | None = None,
    today: date | None = None,
) -> RevisionView:
    """Send a draft (default: the newest revision) to review; it must pass the publish gate."""
    _require_role(by)
    with uow:
        item = _load(uow, item_id)
        _check_version(item, base_version)
        revision = _revision(item, number or _latest_number(item))
        _require_submittable(item, revision)
        _require_lint(item, revision, today)
        revision.status = "in_review"
        _touch(item)
        uow.commit()
        return _view(item, revision)


def publish(
    item_id: str,
    *,
    number: int | None = None,
    reviewer: Actor,
    uow: UnitOfWork,
    base_version: int | None = None,
    today: date | None = None,
) -> RevisionView:
    """Publish a revision waiting for review (default: the newest); live on the next message.

    Raises:
        NotAllowed: ``reviewer`` is not a reviewer or admin, or wrote the revision.
        LintFailed: The publish gate refused it; ``problems`` says why.
        StaleRevision: The item changed since ``base_version``.

    """
    _require_publisher(reviewer)
    with uow:
        item = _load(uow, item_id)
        _check_version(item, base_version)
        revision = _revision(item, number or _newest_in_review(item))
        _require_publishable(item, revision)
        _require_four_eyes(reviewer, revision.author, revision.number)
        _require_lint(item, revision, today)
        _make_live(item, revision, reviewer=reviewer.username)
        uow.commit()
        return _view(item, revision)


def rollback(
    item_id: str,
    *,
    to_number: int,
    by: Actor,
    uow: UnitOfWork,
    base_version: int | None = None,
    today: date | None = None,
) -> RevisionView:
    """Publish an earlier published revision again, as a new revision (history is kept).

    The new revision keeps the earlier one's author; ``by`` is its reviewer, so the four-eyes
    rule applies as for any publish, and so does the publish gate (e.g. a review-by date that
    has passed since).
    """
    _require_publisher(by)
    with uow:
        item = _load(uow, item_id)
        _check_version(item, base_version)
        target = _revision(item, to_number)
        _require_rollback_target(item, target)
        _require_four_eyes(by, target.author, target.number)
        _require_lint(item, target, today)
        draft = _draft_of(target)
        note = f"Rolled back to revision {target.number} by {by.username}."
        revision = _new_revision(item, draft, author=target.author, note=note)
        _make_live(item, revision, reviewer=by.username)
        uow.commit()
        return _view(item, revision)


def retire(
    item_id: str,
    *,
    number: int,
    by: Actor,
    uow: UnitOfWork,
    base_version: int | None = None,
) -> RevisionView:
    """Withdraw a draft or a revision waiting for review (its text stays in the history).

    The live revision cannot be retired: the assistant needs an answer for every item, so
    publish a new revision or roll back instead.
    """
    _require_role(by)
    with uow:
        item = _load(uow, item_id)
        _check_version(item, base_version)
        revision = _revision(item, number)
        _require_retirable(item, revision, by)
        revision.status = "retired"
        _touch(item)
        uow.commit()
        return _view(item, revision)


# --- rules -----------------------------------------------------------------------------------


def _require_role(actor: Actor) -> None:
    if not actor.can_edit_content:
        raise NotAllowed(f"'{actor.username}' has no editor role.")


def _require_fields(draft: Draft) -> None:
    missing = [label for name, label in (("title", "a title"), ("text", "the web text"),
                                         ("sms_text", "the SMS text")) if not getattr(draft, name)]
    if missing:
        raise InvalidContent(f"Write {' and '.join(missing)}.")
    if len(draft.title) > TITLE_MAX:
        raise InvalidContent(f"The title is too long: at most {TITLE_MAX} characters.")


def _require_submittable(item: ContentItem, revision: Revision) -> None:
    if revision.status != "draft":
        raise InvalidContent(f"Revision {revision.number} is {_status_words(revision.status)}: "
                             "only a draft can be sent to review.")
    if revision.number != _latest_number(item):
        raise InvalidContent(f"Revision {revision.number} is not the newest: open the newest "
                             "revision and submit that.")


def _require_publishable(item: ContentItem, revision: Revision) -> None:
    if revision.status != "in_review":
        raise InvalidContent(f"Revision {revision.number} is {_status_words(revision.status)}: "
                             "only a revision sent to review can be published.")
    if item.published_number and revision.number < item.published_number:
        raise InvalidContent(f"Revision {revision.number} is older than the live revision "
                             f"{item.published_number}: publishing it would undo later changes.")


def _require_publisher(actor: Actor) -> None:
    if not actor.can_publish:
        raise NotAllowed("Only a reviewer or an admin can publish or roll back.")


def _require_four_eyes(actor: Actor, author: str, number: int) -> None:
    if actor.username == author:
        raise NotAllowed(f"You wrote revision {number}: another reviewer must publish it "
                         "(four-eyes rule).")


def _require_rollback_target(item: ContentItem, target: Revision) -> None:
    if target.number == item.published_number:
        raise InvalidContent(f"Revision {target.number} is already live.")
    if target.published_at is None:
        raise InvalidContent(f"Revision {target.number} was never published, so it cannot be "
                             "rolled back to: edit a new draft from it instead.")


def _require_retirable(item: ContentItem, revision: Revision, by: Actor) -> None:
    if revision.number == item.published_number:
        raise NotAllowed("The live revision cannot be retired: the assistant needs an answer. "
                         "Publish a new revision or roll back instead.")
    if revision.status == "retired":
        raise InvalidContent(f"Revision {revision.number} is already retired.")
    if revision.author != by.username and not by.can_publish:
        raise NotAllowed("Only its author, a reviewer or an admin can withdraw a revision.")


def _require_lint(item: ContentItem, revision: Revision, today: date | None) -> None:
    report = lint_draft(_history(item), _draft_of(revision), today=today)
    if not report.ok:
        raise LintFailed(report.messages)


def _check_version(item: ContentItem, base_version: int | None) -> None:
    if base_version is None or base_version == _version(item):
        return
    latest = item.latest
    who = (
        f" (now revision {latest.number} by {latest.author}, {_status_words(latest.status)})"
        if latest is not None
        else ""
    )
    raise StaleRevision(
        f"Someone else changed '{item.id}' since you opened it{who}. "
        "Your text is not lost: compare it with theirs and save again."
    )


# --- store plumbing --------------------------------------------------------------------------


def _load(uow: UnitOfWork, item_id: str) -> ContentItem:
    item = uow.items.get(item_id)
    if item is None:
        raise AnswerNotFound(f"There is no item '{item_id}': check the id, or import content/.")
    return item


def _revision(item: ContentItem, number: int) -> Revision:
    revision = item.revision(number)
    if revision is None:
        raise RevisionNotFound(f"'{item.id}' has no revision {number}.")
    return revision


def _latest_number(item: ContentItem) -> int:
    return item.latest.number if item.latest else 0


def _newest_in_review(item: ContentItem) -> int:
    waiting = [r.number for r in item.revisions if r.status == "in_review"]
    if not waiting:
        raise InvalidContent(f"Nothing of '{item.id}' is waiting for review.")
    return waiting[-1]


def _version(item: ContentItem) -> int:
    return int(item.lock_version or 1)


def _touch(item: ContentItem) -> None:
    # Set explicitly (SQLAlchemy's version_id_col still checks the old value in its UPDATE),
    # so the fake store in unit tests moves on just like the database does.
    item.lock_version = _version(item) + 1
    item.updated_at = utcnow()


def _new_revision(item: ContentItem, draft: Draft, *, author: str, note: str) -> Revision:
    revision = Revision(
        number=_latest_number(item) + 1,
        title=draft.title,
        text=draft.text,
        sms_text=draft.sms_text,
        sources=list(draft.sources),
        status="draft",
        author=author,
        review_by=draft.review_by,
        note=note.strip() or None,
        created_at=utcnow(),
    )
    item.revisions.append(revision)
    return revision


def _make_live(item: ContentItem, revision: Revision, *, reviewer: str) -> None:
    item.make_live(revision, reviewer=reviewer)


def _draft_of(revision: Revision) -> Draft:
    return Draft(
        title=str(revision.title),
        text=str(revision.text),
        sms_text=str(revision.sms_text),
        sources=tuple(revision.sources or ()),
        review_by=revision.review_by,
    )


def _view(item: ContentItem, revision: Revision) -> RevisionView:
    draft = _draft_of(revision)
    return RevisionView(
        number=int(revision.number),
        title=draft.title,
        text=draft.text,
        sms_text=draft.sms_text,
        sources=draft.sources,
        status=str(revision.status),
        author=str(revision.author),
        reviewer=revision.reviewer,
        review_by=revision.review_by,
        note=revision.note,
        created_at=revision.created_at,
        published_at=revision.published_at,
        live=revision.number == item.published_number,
    )


def _history(item: ContentItem) -> ItemHistory:
    return ItemHistory(
        id=str(item.id),
        kind=str(item.kind),
        tier=item.tier,
        version=_version(item),
        published_number=item.published_number,
        revisions=tuple(_view(item, r) for r in sorted(item.revisions, key=lambda r: r.number)),
    )


def _summary(item: ItemHistory) -> ItemSummary:
    working, live = item.working, item.live
    return ItemSummary(
        id=item.id,
        kind=item.kind,
        tier=item.tier,
        title=working.title if working else item.id,
        status=working.status if working else "draft",
        live_number=item.published_number,
        working_number=working.number if working else None,
        review_by=live.review_by if live else None,
        version=item.version,
    )


def _matches(item: ItemHistory, words: list[str]) -> bool:
    shown = [r for r in (item.working, item.live) if r is not None]
    haystack = " ".join([item.id, *(f"{r.title} {r.text} {r.sms_text}" for r in shown)]).lower()
    return all(word in haystack for word in words)


def _status_words(status: str) -> str:
    return {"in_review": "waiting for review"}.get(status, status)


def _field_text(draft: Draft, name: str) -> str:
    value = getattr(draft, name)
    if name == "sources":
        return "\n".join(value)
    if name == "review_by":
        return value.isoformat() if value else ""
    return str(value)


def _word_diff(old: str, new: str) -> tuple[Chunk, ...]:
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    chunks: list[Chunk] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            chunks.append(Chunk("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            chunks.append(Chunk("delete", "".join(a[i1:i2])))
        if j2 > j1:
            chunks.append(Chunk("insert", "".join(b[j1:j2])))
    return tuple(c for c in chunks if c.text)


__all__ = [
    "Draft", "NothingToSave", "RevisionView", "ItemHistory", "ItemSummary", "FieldDiff", "Chunk",
    "history", "catalog", "lint_draft", "allowed_actions", "diff", "diff_drafts",
    "save_draft", "submit", "publish", "rollback", "retire", "normalize_text",
]
