"""Find the part of a patient's message that asks the question.

Patients often put context first and ask last: "No fever or chills. How long does TOH last?",
"My doctor ruled out infection. What else could it be?". The classifier reads the whole text and
also the question part on its own, so the context sentence cannot outvote the question.
Pure text rules, no Rasa imports.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? ; before a space, or at a line break ("38.5" does not split).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*")
_HAS_WORD = re.compile(r"\w")


def sentences(text: str) -> list[str]:
    """The message's sentences, in order, without empty or punctuation-only pieces."""
    return [part for part in _SENTENCE_BREAK.split(text.strip()) if _HAS_WORD.search(part)]


def question_part(text: str) -> str:
    """The last sentence that ends with "?", else the last sentence; the text if it has one."""
    parts = sentences(text)
    if len(parts) <= 1:
        return text
    questions = [part for part in parts if part.rstrip().endswith("?")]
    return questions[-1] if questions else parts[-1]
