"""Write the development ``.env`` on first run: ``.env.example`` with fresh random secrets.

``make run`` calls ``python -m bot.envfile`` when there is no ``.env``. The example file leaves
``SECRET_KEY``, ``PSEUDONYM_KEY`` and ``CONTACT_KEY`` empty, and each machine gets its own random
values instead of a value published with the project: a development copy that ends up reachable
(or copied to a server) signs no session, hashes no phone number and encrypts no number with a key
the internet knows. An existing ``.env`` is never touched.
"""
from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import REPO_ROOT

GENERATED = ("SECRET_KEY", "PSEUDONYM_KEY", "CONTACT_KEY")


def _token() -> str:
    return secrets.token_urlsafe(48)


def fill_secrets(template: str, token: Callable[[], str] = _token) -> str:
    """``template`` with each empty ``NAME=`` line of ``GENERATED`` given a random value."""
    empty = re.compile(rf"(?m)^({'|'.join(GENERATED)})=[ \t]*$")
    return empty.sub(lambda match: f"{match.group(1)}={token()}", template)


def write_env(example: Path, target: Path) -> bool:
    """Create ``target`` from ``example`` with fresh secrets; False if it already exists."""
    if target.exists():
        return False
    target.write_text(fill_secrets(example.read_text(encoding="utf-8")), encoding="utf-8")
    target.chmod(0o600)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot.envfile [EXAMPLE TARGET]`` (default ``.env.example .env``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    example, target = (Path(a) for a in args) if args else (REPO_ROOT / ".env.example",
                                                            REPO_ROOT / ".env")
    if write_env(example, target):
        print(f"wrote {target} with random development secrets (APP_ENV is not production)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
