"""Keep personal details out of every log line a server writes.

``install()`` wraps the process's log record factory so that each record's message is
``bot.redact.redact``-ed once, when it is made: whatever handler or formatter prints it (Rasa's
coloured console, a file, a test's capture) sees the redacted text. Rasa's own debug lines quote
the user's message ("Received user message '...'"); this is what keeps them clean.
"""
from __future__ import annotations

import logging
from typing import Any

from bot.redact import redact

_INSTALLED = "_toh_redacting"


def install() -> None:
    """Redact every log record made from now on in this process (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, _INSTALLED, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        return redact_record(record)

    setattr(factory, _INSTALLED, True)
    logging.setLogRecordFactory(factory)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message (arguments merged in) redacted."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed call: leave it for logging to report
        return record
    redacted = redact(message)
    if redacted != message or record.args:
        record.msg, record.args = redacted, ()
    return record
