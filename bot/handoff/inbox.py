"""What the care-team inbox reads: the open cases, and one case with its redacted transcript."""
from __future__ import annotations

from dataclasses import dataclass

from bot.conversations.repository import ConversationRepository, StoredMessage
from bot.handoff.models import CaseView, view_of
from bot.handoff.repository import HandoffUnitOfWork
from bot.handoff.service import CaseNotFound


@dataclass(frozen=True)
class CasePage:
    """One case and its conversation as stored (patients' messages already redacted)."""

    case: CaseView
    transcript: list[StoredMessage]


def open_cases(*, uow: HandoffUnitOfWork) -> list[CaseView]:
    """Every open case, the most recently updated first."""
    with uow:
        return [view_of(case) for case in uow.cases.list_open()]


def case_page(
    case_id: int, *, uow: HandoffUnitOfWork, conversations: ConversationRepository
) -> CasePage:
    """The case and its transcript; ``CaseNotFound`` if there is no such case."""
    with uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise CaseNotFound(f"there is no hand-off case {case_id}")
        view = view_of(case)
    return CasePage(view, conversations.conversation(view.conversation))
