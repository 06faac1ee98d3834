"""Phone numbers kept for the care team's replies, encrypted with ``CONTACT_KEY`` (Fernet).

The key setting is any long random string; the Fernet key is its SHA-256 digest. A number
encrypted under another key cannot be read back: ``reveal`` then returns None.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class ContactCipher:
    """Encrypts and decrypts phone numbers (authenticated: a changed token does not decrypt)."""

    def __init__(self, key: str) -> None:
        """``key``: the ``CONTACT_KEY`` setting."""
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, phone: str) -> str:
        """The encrypted number, as text (different every time: no two tokens compare equal)."""
        return self._fernet.encrypt(phone.encode("utf-8")).decode("ascii")

    def reveal(self, token: str) -> str | None:
        """The number in ``token``; None if it was sealed under another key or changed."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None
