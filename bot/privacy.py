"""Keep patients' identities out of logs and reports."""
from __future__ import annotations

import hashlib
import hmac
import re

_DIGITS = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def pseudonym(sender_id: str, salt: str) -> str:
    """A stable, keyed hash of a sender id (e.g. a phone number): 16 hex characters."""
    digest = hmac.new(salt.encode("utf-8"), sender_id.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:16]


def mask_phone(text: str) -> str:
    """Replace anything that looks like a phone number with ``***``, keeping the last 2 digits."""
    return _DIGITS.sub(lambda match: "***" + re.sub(r"\D", "", match.group())[-2:], text)
