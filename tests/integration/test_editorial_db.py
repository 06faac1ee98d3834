"""The editorial workflow on real databases (SQLite and PostgreSQL): locking, history, liveness."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from bot.content import accounts, editorial
from bot.content.accounts import Actor
from bot.content.errors import StaleRevision
from bot.content.models import ContentItem
from bot.content.repository import SqlAlchemyUnitOfWork
from bot.content.services import published_answer
from bot.wiring import Services

ERIN = Actor("erin", "editor")
EVE = Actor("eve", "editor")
RITA = Actor("rita", "reviewer")


def fields(item: editorial.ItemHistory, text: str) -> dict[str, Any]:
    start = item.working
    assert start is not None
    return {"title": start.title, "text": text, "sms_text": start.sms_text,
            "sources": list(start.sources), "review_by": start.review_by}


def stored_lock_version(services: Services, item_id: str) -> int:
    with services.session_factory() as session:
        return int(session.execute(
            select(ContentItem.lock_version).where(ContentItem.id == item_id)).scalar_one())


def publish_new_text(services: Services, text: str) -> editorial.RevisionView:
    item = editorial.history("duration", uow=services.uow())
    draft = editorial.save_draft("duration", base_version=item.version, author=ERIN,
                                 uow=services.uow(), **fields(item, text))
    editorial.submit("duration", number=draft.number, by=ERIN, uow=services.uow())
    return editorial.publish("duration", reviewer=RITA, uow=services.uow())


def test_a_publish_is_served_by_a_fresh_unit_of_work_and_another_replica(
    any_services: Services,
) -> None:
    other_replica = Services(any_services.settings)  # its own engine and pool
    assert published_answer("duration", uow=other_replica.uow()).version == 1
    text = "TOH often gets better in a few months. Your care team checks on you.\n"
    live = publish_new_text(any_services, text)
    for services in (any_services, other_replica):
        answer = published_answer("duration", uow=services.uow())
        assert (answer.text, answer.version) == (text, live.number)
    other_replica.engine.dispose()


def test_every_change_bumps_the_stored_lock_version(any_services: Services) -> None:
    start = stored_lock_version(any_services, "duration")
    publish_new_text(any_services, "TOH usually gets better over some months.\n")
    assert stored_lock_version(any_services, "duration") == start + 3  # save, submit, publish
    assert editorial.history("duration", uow=any_services.uow()).version == start + 3


def test_two_editors_one_answer_one_conflict_nothing_lost(any_services: Services) -> None:
    opened = editorial.history("duration", uow=any_services.uow())  # both open the same version
    first = editorial.save_draft("duration", base_version=opened.version, author=ERIN,
                                 uow=any_services.uow(), **fields(opened, "Erin's words.\n"))
    with pytest.raises(StaleRevision, match="revision 2 by erin"):
        editorial.save_draft("duration", base_version=opened.version, author=EVE,
                             uow=any_services.uow(), **fields(opened, "Eve's words.\n"))
    item = editorial.history("duration", uow=any_services.uow())
    assert [r.number for r in item.revisions] == [1, first.number]
    assert item.revision(first.number).text == "Erin's words.\n"
    again = editorial.save_draft("duration", base_version=item.version, author=EVE,
                                 uow=any_services.uow(), **fields(item, "Eve's words.\n"))
    history = editorial.history("duration", uow=any_services.uow())
    assert [(r.number, r.author) for r in history.revisions] == [
        (1, "content-import"), (2, "erin"), (3, "eve")]
    assert again.text == "Eve's words.\n"


class GatedUnitOfWork(SqlAlchemyUnitOfWork):
    """Waits at a barrier before committing, so both saves have read the item first."""

    def __init__(self, services: Services, gate: threading.Barrier) -> None:
        super().__init__(services.session_factory)
        self.gate = gate

    def commit(self) -> None:
        self.gate.wait(timeout=20)
        super().commit()


def test_racing_saves_are_caught_by_the_database(any_services: Services) -> None:
    opened = editorial.history("duration", uow=any_services.uow())
    gate = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def save(editor: Actor) -> None:
        try:
            outcomes[editor.username] = editorial.save_draft(
                "duration", base_version=opened.version, author=editor,
                uow=GatedUnitOfWork(any_services, gate),
                **fields(opened, f"{editor.username} was here.\n"))
        except StaleRevision as error:
            outcomes[editor.username] = error

    threads = [threading.Thread(target=save, args=(editor,)) for editor in (ERIN, EVE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    conflicts = [name for name, result in outcomes.items() if isinstance(result, StaleRevision)]
    winners = [name for name, result in outcomes.items() if name not in conflicts]
    assert len(conflicts) == 1 and len(winners) == 1
    item = editorial.history("duration", uow=any_services.uow())
    assert [(r.number, r.author, r.text) for r in item.revisions[1:]] == [
        (2, winners[0], f"{winners[0]} was here.\n")]
    assert item.version == opened.version + 1


def test_history_and_rollback_survive_the_database(any_services: Services) -> None:
    publish_new_text(any_services, "TOH usually gets better over some months.\n")
    back = editorial.rollback("duration", to_number=1, by=Actor("rob", "reviewer"),
                              uow=any_services.uow())
    item = editorial.history("duration", uow=any_services.uow())
    assert [r.status for r in item.revisions] == ["retired", "retired", "published"]
    assert item.revision(back.number).text == item.revision(1).text
    assert published_answer("duration", uow=any_services.uow()).version == back.number
    changes = editorial.diff("duration", old=1, new=2, uow=any_services.uow())
    assert [c.name for c in changes if c.changed] == ["text"]


def test_accounts_live_in_the_same_database(any_services: Services) -> None:
    uow = accounts.SqlAlchemyAccountsUnitOfWork(any_services.session_factory)
    accounts.create_user("rita", "correct horse battery", role="reviewer", uow=uow)
    with pytest.raises(accounts.UserExists):
        accounts.create_user("rita", "correct horse battery", role="reviewer", uow=uow)
    user = accounts.authenticate("rita", "correct horse battery", uow=uow)
    assert user is not None and user.actor == RITA
    assert accounts.user_for_session(user.session_token, uow=uow) == user

