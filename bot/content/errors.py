"""What can go wrong with content, as nouns."""
from __future__ import annotations


class ContentError(Exception):
    """Base of every content-store error; its message is meant for an editor."""


class AnswerNotFound(ContentError):
    """No item with that id, or nothing published for it."""


class RevisionNotFound(ContentError):
    """The item has no revision with that number."""


class StaleRevision(ContentError):
    """Someone else saved the item since you opened it."""


class InvalidContent(ContentError):
    """A content file or form value is not valid (missing field, unknown kind…)."""


class NotAllowed(ContentError):
    """The user's role or the four-eyes rule forbids this action."""


class LintFailed(ContentError):
    """The publish gate refused the revision; ``problems`` says why, in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
