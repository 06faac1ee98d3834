"""What every page of the staff app shows around its content: who is in, and flashed notes."""
from __future__ import annotations

from typing import Any, cast

from flask import get_flashed_messages
from flask_login import current_user

from bot.web.editor.auth import current_actor, home_endpoint


def flashes() -> list[dict[str, Any]]:
    """Flashed messages; ``problem`` lines are gathered under the message before them."""
    grouped: list[dict[str, Any]] = []
    flashed = cast(list[tuple[str, str]], get_flashed_messages(with_categories=True))
    for category, message in flashed:
        if category == "problem" and grouped:
            grouped[-1]["problems"].append(message)
        else:
            grouped.append({"category": category, "message": message, "problems": []})
    return grouped


def page_context() -> dict[str, Any]:
    """The base template's variables: ``me`` (or None), ``home`` (an endpoint), ``flashes``."""
    me = current_actor() if current_user.is_authenticated else None
    return {"me": me, "home": home_endpoint(me), "flashes": flashes}
