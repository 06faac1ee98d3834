"""The one declarative base of every table the project owns.

Tables are made and changed only by migrations (``bot/migrations/``, run by ``bot.migrate`` and
``python -m bot db upgrade``); nothing calls ``create_all``. Rasa's own tables (the tracker
store's ``events``) share the database but are Rasa's: migrations and schema comparisons ignore
every table not declared here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import declarative_base

# Typed as Any: SQLAlchemy 1.4's declarative base has no static type without its mypy plugin.
Base: Any = declarative_base()


def owned_metadata() -> MetaData:
    """Every table the project owns (the modules that declare them are imported here)."""
    import bot.analytics.models  # noqa: F401
    import bot.channels.sms_state  # noqa: F401
    import bot.content.accounts  # noqa: F401
    import bot.content.models  # noqa: F401
    import bot.handoff.models  # noqa: F401

    return Base.metadata


def is_owned(name: str | None, type_: str, _parent: Any = None) -> bool:
    """Alembic's ``include_name`` hook: look only at our tables, never at Rasa's."""
    return type_ != "table" or name in owned_metadata().tables
