"""The source documents (seeds) an answer rests on, cut into passages by their headings.

An answer's ``sources`` entry names a passage: ``"<seed id>: <section>, <passage>"``, e.g.
``"000_aed34f6718f1f57d: Common questions (FAQ), How long does transient osteoporosis of the hip
last?"``. The section is matched against the seed's headings, the passage against the headings
and lines after it (a sub-heading, an FAQ question or a phrase from a line). A trailing note in
brackets ("(weaker source; ...)") is ignored when the words alone do not match. Entries that start
with ``clinical consensus:`` or ``clinic:`` name no seed: they are shown as they are.

Pure functions over text, plus a small reader of a seeds folder; nothing is read at import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

MAX_HEADING_CHARS = 100
_QUOTES = re.compile("['\u2018\u2019\u201c\u201d\"]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_REFERENCE = re.compile(r"^\s*(?P<seed>\d{3}_[0-9a-f]{16})\s*:\s*(?P<rest>.+?)\s*$")
NON_SEED_KINDS = {"clinical consensus": "consensus", "clinic": "clinic"}


@dataclass(frozen=True)
class Block:
    """A heading and the lines under it, up to the next heading."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """A ``sources`` entry that names a seed passage."""

    seed_id: str
    section: str
    passage: str | None


@dataclass(frozen=True)
class ResolvedSource:
    """One ``sources`` entry as a reviewer sees it: the reference, and the passage if found."""

    reference: str
    kind: str  # "seed", "consensus", "clinic" or "other"
    heading: str | None = None
    passage: str | None = None

    @property
    def found(self) -> bool:
        """True when the seed passage was found and can be shown."""
        return self.passage is not None


def normalise(text: str) -> str:
    """Lower case, quotes dropped, other punctuation as spaces (how headings are compared)."""
    return _NOT_WORD.sub(" ", _QUOTES.sub("", text.lower())).strip()


def is_heading(line: str) -> bool:
    """A short line that is not a list item and does not end a sentence (FAQ questions are)."""
    line = line.strip()
    if line.startswith("Q:"):
        return True
    if not line or len(line) > MAX_HEADING_CHARS or line[0] in "-\u2013\u2022":
        return False
    return line[-1] not in ".:;,!?"


def parse_seed(text: str) -> list[Block]:
    """Cut a seed into blocks at each heading line (the lines before the first are dropped)."""
    blocks: list[Block] = []
    heading: str | None = None
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if is_heading(line):
            if heading is not None:
                blocks.append(Block(heading, tuple(lines)))
            heading, lines = line, []
        elif line and heading is not None:
            lines.append(line)
    if heading is not None:
        blocks.append(Block(heading, tuple(lines)))
    return blocks


def parse_reference(entry: str) -> Reference | None:
    """``"<seed id>: <section>[, <passage>]"`` → a ``Reference``; anything else → None."""
    match = _REFERENCE.match(entry)
    if match is None:
        return None
    section, passage = _split_outside_brackets(match.group("rest"))
    return Reference(match.group("seed"), section.strip(), passage.strip() or None)


def _split_outside_brackets(rest: str) -> tuple[str, str]:
    """Split at the first ", " that is not inside brackets ("Section (a, b), Passage")."""
    depth = 0
    for index, char in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and rest.startswith(", ", index):
            return rest[:index], rest[index + 2 :]
    return rest, ""


def _find(
    blocks: list[Block], words: str, start: int = 0, *, in_lines: bool = True
) -> tuple[int, str | None] | None:
    """The first block from ``start`` whose heading (or a line, if ``in_lines``) has ``words``.

    Returns the block index and the matching line (None when the heading matched).
    """
    wanted = normalise(words)
    if not wanted:
        return None
    for index in range(start, len(blocks)):
        if wanted in normalise(blocks[index].heading.removeprefix("Q:")):
            return index, None
        for line in blocks[index].lines if in_lines else ():
            if wanted in normalise(line):
                return index, line
    return None


def _find_allowing_note(
    blocks: list[Block], words: str, start: int = 0, *, in_lines: bool = True
) -> tuple[int, str | None] | None:
    """``_find``, then again without a trailing bracketed note."""
    found = _find(blocks, words, start, in_lines=in_lines)
    stripped = _TRAILING_NOTE.sub("", words)
    if found is None and stripped != words:
        found = _find(blocks, stripped, start, in_lines=in_lines)
    return found


def find_passage(blocks: list[Block], reference: Reference) -> tuple[str, str] | None:
    """The heading and passage text ``reference`` points to, or None when it is not there.

    A matched heading gives its whole block; a matched line gives that line alone.
    """
    section = _find_allowing_note(blocks, reference.section, in_lines=False)
    if section is None:
        return None
    index = section[0]
    if reference.passage is None:
        block = blocks[index]
        return block.heading, "\n".join(block.lines)
    passage = _find_allowing_note(blocks, reference.passage, index)
    if passage is None:
        return None
    block = blocks[passage[0]]
    return block.heading, passage[1] if passage[1] is not None else "\n".join(block.lines)


def _non_seed_kind(entry: str) -> str:
    label = entry.partition(":")[0].strip().lower()
    return NON_SEED_KINDS.get(label, "other")


class SeedLibrary:
    """The seeds in one folder (``<seed id>.txt``), read on first use.

    Args:
        seeds_dir: The folder; when it is missing, every entry resolves to its reference alone.

    """

    def __init__(self, seeds_dir: Path | None) -> None:
        self._dir = seeds_dir

    @cached_property
    def _seeds(self) -> dict[str, list[Block]]:
        if self._dir is None or not self._dir.is_dir():
            return {}
        return {
            path.stem: parse_seed(path.read_text(encoding="utf-8"))
            for path in sorted(self._dir.glob("*.txt"))
        }

    @property
    def available(self) -> bool:
        """True when the seeds folder was found and holds seeds."""
        return bool(self._seeds)

    def resolve(self, entry: str) -> ResolvedSource:
        """What a ``sources`` entry points to (the passage, when the seed is here)."""
        reference = parse_reference(entry)
        if reference is None:
            return ResolvedSource(entry, _non_seed_kind(entry))
        blocks = self._seeds.get(reference.seed_id)
        found = find_passage(blocks, reference) if blocks else None
        if found is None:
            return ResolvedSource(entry, "seed")
        heading, passage = found
        return ResolvedSource(entry, "seed", heading=heading, passage=passage)

    def resolve_all(self, entries: list[str] | tuple[str, ...]) -> list[ResolvedSource]:
        """``resolve`` for each entry, in order."""
        return [self.resolve(entry) for entry in entries]
