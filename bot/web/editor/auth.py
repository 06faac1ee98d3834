"""Logging in: Flask-Login sessions over ``bot.content.accounts``."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort
from flask_login import LoginManager, UserMixin, current_user

from bot.content.accounts import Actor, UserView, user_for_session
from bot.web.editor.context import accounts_uow

F = TypeVar("F", bound=Callable[..., Any])
STAFF_PATHS = ("/editor", "/dashboard", "/inbox")  # where a login may send the visitor on to


class EditorUser(UserMixin):  # type: ignore[misc]
    """The logged-in account, as Flask-Login wants it."""

    def __init__(self, view: UserView) -> None:
        self.view = view

    def get_id(self) -> str:
        """A session id that stops working when the password changes."""
        return self.view.session_token

    @property
    def actor(self) -> Actor:
        """The account as someone acting on content."""
        return self.view.actor

    @property
    def username(self) -> str:
        """The account's username."""
        return self.view.username


def load_user(token: str) -> EditorUser | None:
    """Flask-Login's loader: re-read the account on every request (roles apply at once)."""
    view = user_for_session(token, uow=accounts_uow())
    return EditorUser(view) if view is not None else None


def make_login_manager() -> LoginManager:
    """A login manager that sends anonymous visitors to the editor's login page."""
    manager = LoginManager()
    manager.login_view = "editor.login"
    manager.login_message = "Please log in to continue."
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    manager.user_loader(load_user)
    return manager


def current_actor() -> Actor:
    """Who is acting in this request."""
    return cast(EditorUser, current_user).actor


def admin_required(view: F) -> F:
    """Refuse (403) anyone who is not an admin."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_actor().is_admin:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def home_endpoint(actor: Actor | None) -> str:
    """Where ``actor`` starts: the answers, or the dashboard for a clinician."""
    if actor is not None and not actor.can_edit_content and actor.is_care_team:
        return "dashboard.index"
    return "editor.index"


def safe_next(target: str | None, *, home: str) -> str:
    """``target`` if it is a path inside the staff pages; the URL ``home`` otherwise."""
    if not target:
        return home
    parts = urlsplit(target)
    inside = not parts.scheme and not parts.netloc and parts.path.startswith(STAFF_PATHS)
    return target if inside and not target.startswith("//") else home
