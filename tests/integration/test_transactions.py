"""Both units of work (content and accounts) share one transaction shape, on each backend."""

from __future__ import annotations

from bot.content.accounts import SqlAlchemyAccountsUnitOfWork, User
from bot.wiring import Services


def test_leaving_without_commit_drops_the_change(any_services: Services) -> None:
    with any_services.uow() as uow:
        item = uow.items.get("duration")
        assert item is not None and item.published_number is not None
        published = item.published_number
        item.published_number = None
        uow.session.flush()  # written to the database, inside the transaction only
    with any_services.uow() as uow:
        item = uow.items.get("duration")
        assert item is not None and item.published_number == published


def test_accounts_commit_on_the_content_database(any_services: Services) -> None:
    accounts = SqlAlchemyAccountsUnitOfWork(any_services.session_factory)
    with accounts as uow:
        uow.users.add(User(username="kept", password_hash="x", role="editor"))
        uow.commit()
    with accounts as uow:
        uow.users.add(User(username="dropped", password_hash="x", role="editor"))
    with accounts as uow:
        names = [u.username for u in uow.users.list()]
    assert "kept" in names and "dropped" not in names
