"""Builders and fakes for unit tests: items in a fake store, conversations, turns and votes in
lists, a report source over lists, hand-off cases in a dict, a patient's phone that records
what the inbox texts."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from bot.analytics.repository import FeedbackEntry, FeedbackRepository, TurnEventRepository
from bot.analytics.turns import Turn
from bot.content.files import ItemSpec
from bot.content.importing import IMPORT_AUTHOR
from bot.content.models import ContentItem, Revision, utcnow
from bot.content.repository import FakeUnitOfWork
from bot.content.transaction import CountingTransaction
from bot.conversations.repository import (
    ConversationRepository,
    Erased,
    EventRewrite,
    Person,
    StoredMessage,
)
from bot.handoff.models import OPEN, HandoffCase
from bot.handoff.repository import HandoffRepository, HandoffUnitOfWork
from bot.reporting.source import PublishedItem, ReportSource, StoredEvent


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


class FakeConversationRepository(ConversationRepository):
    """Conversations in a list, with the escalation keys and SMS contacts as sets."""

    def __init__(self, messages: list[StoredMessage], *, escalation_keys: set[str] | None = None,
                 sms_contacts: dict[str, float] | None = None) -> None:
        self.stored = list(messages)
        self.escalation_keys = set(escalation_keys or ())
        self.sms_contacts = dict(sms_contacts or {})  # contact -> last update (epoch)
        self.erased_before: float | None = None

    def messages(self, *, since: float | None = None) -> Iterator[StoredMessage]:
        kept = [m for m in self.stored if since is None or m.timestamp >= since]
        firsts = {m.sender: i for i, m in reversed(list(enumerate(kept)))}
        return iter(sorted(kept, key=lambda m: firsts[m.sender]))

    def conversation(self, sender: str) -> list[StoredMessage]:
        return [m for m in self.stored if m.sender == sender]

    def rewrite_events(self, rewrite: EventRewrite) -> int:
        changed = 0
        for index, message in enumerate(self.stored):
            if message.type != "user":
                continue
            text = rewrite({"event": "user", "text": message.text}).get("text")
            if text != message.text:
                self.stored[index] = replace(message, text=text)
                changed += 1
        return changed

    def erase(self, person: Person) -> Erased:
        before = (len(self.stored), len(self.escalation_keys), len(self.sms_contacts))
        self.stored = [m for m in self.stored if m.sender not in person.sender_ids]
        self.escalation_keys -= person.escalation_keys
        self.sms_contacts = {c: t for c, t in self.sms_contacts.items()
                             if c not in person.sms_contacts}
        after = (len(self.stored), len(self.escalation_keys), len(self.sms_contacts))
        return Erased(*(b - a for b, a in zip(before, after, strict=True)))

    def erase_before(self, moment: float) -> Erased:
        self.erased_before = moment
        kept = [m for m in self.stored if m.timestamp >= moment]
        erased, self.stored = len(self.stored) - len(kept), kept
        return Erased(events=erased)


@dataclass(frozen=True)
class FakeEscalation:
    """An escalation record: when (epoch seconds), its tier and the flags it named."""

    timestamp: float
    tier: str
    flags: list[str] = field(default_factory=list)


class FakeFeedbackRepository(FeedbackRepository):
    """Votes in a list."""

    def __init__(self) -> None:
        self.entries: list[FeedbackEntry] = []

    def add(self, entry: FeedbackEntry) -> None:
        self.entries.append(entry)

    def between(self, since: float, until: float) -> list[FeedbackEntry]:
        return [e for e in self.entries if since <= e.occurred_at < until]


class FakeTurnEventRepository(TurnEventRepository):
    """Turns in a list; ``failure`` is raised by every ``add`` (a database that is down)."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.turns: list[Turn] = []
        self.failure = failure

    def add(self, turns: Sequence[Turn]) -> None:
        if self.failure is not None:
            raise self.failure
        self.turns.extend(turns)

    def between(self, since: float, until: float) -> list[Turn]:
        return [t for t in self.turns if since <= t.occurred_at < until]

    def first_recorded(self) -> float | None:
        return min((t.occurred_at for t in self.turns), default=None)


class FakeReportSource(ReportSource):
    """What the report reads, from lists (windows applied as the SQL source applies them)."""

    def __init__(self, events: Sequence[StoredEvent] = (), *, turns: Sequence[Turn] = (),
                 votes: Sequence[FeedbackEntry] = (),
                 escalations: Sequence[FakeEscalation] = (),
                 published: Sequence[PublishedItem] = ()) -> None:
        self.turn_events = FakeTurnEventRepository()
        self.turn_events.turns.extend(turns)
        self.feedback = FakeFeedbackRepository()
        self.feedback.entries.extend(votes)
        self.escalations, self.items, self.stored = list(escalations), list(published), list(events)

    def events(self, *, since: float, until: float) -> Iterator[StoredEvent]:
        return iter([e for e in self.stored if since <= e.timestamp < until])

    def turns(self, *, since: float, until: float) -> list[Turn]:
        return self.turn_events.between(since, until)

    def votes(self, *, since: float, until: float) -> list[FeedbackEntry]:
        return self.feedback.between(since, until)

    def escalation_tiers(self, *, since: float, until: float) -> list[str]:
        return [e.tier for e in self._escalations(since, until)]

    def escalation_flags(self, *, since: float, until: float) -> list[list[str]]:
        return [list(e.flags) for e in self._escalations(since, until)]

    def published(self) -> list[PublishedItem]:
        return list(self.items)

    def _escalations(self, since: float, until: float) -> list[FakeEscalation]:
        return [e for e in self.escalations if since <= e.timestamp < until]


class FakeHandoffRepository(HandoffRepository):
    """Hand-off cases in a dict; ids given in order, as a database would."""

    def __init__(self) -> None:
        self.stored: dict[int, HandoffCase] = {}

    def add(self, case: HandoffCase) -> None:
        case.id = len(self.stored) + 1
        self.stored[case.id] = case

    def get(self, case_id: int) -> HandoffCase | None:
        return self.stored.get(case_id)

    def open_for(self, conversation: str) -> HandoffCase | None:
        found = [c for c in self.stored.values()
                 if c.conversation == conversation and c.status == OPEN]
        return found[-1] if found else None

    def list_open(self) -> list[HandoffCase]:
        found = [c for c in self.stored.values() if c.status == OPEN]
        return sorted(found, key=lambda c: (c.updated_at, c.id), reverse=True)


class FakeHandoffUnitOfWork(CountingTransaction, HandoffUnitOfWork):
    """A unit of work over a ``FakeHandoffRepository``; counts commits."""

    def __init__(self) -> None:
        self.cases = FakeHandoffRepository()


class FakePatientSms:
    """A patient's phone for the inbox: records each SMS; STOP and failures can be set."""

    def __init__(self, *, opted_out: bool = False, accepts: bool = True) -> None:
        self.sent: list[tuple[str, str]] = []  # (number, body)
        self._opted_out = opted_out
        self._accepts = accepts

    def opted_out(self, conversation: str) -> bool:
        return self._opted_out

    def send(self, phone: str, body: str, *, log_id: str) -> bool:
        if self._accepts:
            self.sent.append((phone, body))
        return self._accepts
