"""What the editor's views need from the app: the wired services and units of work."""
from __future__ import annotations

from flask import current_app

from bot.config import Clinic
from bot.content.accounts import SqlAlchemyAccountsUnitOfWork
from bot.content.repository import UnitOfWork
from bot.content.seeds import SeedLibrary
from bot.wiring import Services

EXTENSION = "toh_services"
SEEDS_EXTENSION = "toh_seeds"


def services() -> Services:
    """The app's ``Services`` (set by ``bot.web.app.create_app``)."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def clinic() -> Clinic:
    """The clinic whose details fill the texts' placeholders."""
    return services().settings.clinic


def content_uow() -> UnitOfWork:
    """A fresh unit of work on the content store."""
    return services().uow()


def accounts_uow() -> SqlAlchemyAccountsUnitOfWork:
    """A fresh unit of work on the editor accounts."""
    return SqlAlchemyAccountsUnitOfWork(services().session_factory)


def seed_library() -> SeedLibrary:
    """The source documents (``SEEDS_DIR``), read once per app on first use."""
    library = current_app.extensions.get(SEEDS_EXTENSION)
    if library is None:
        library = SeedLibrary(services().settings.seeds_dir)
        current_app.extensions[SEEDS_EXTENSION] = library
    return library  # type: ignore[no-any-return]
