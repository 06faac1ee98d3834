"""Canonical tokens, and the catalog's small pattern language compiled to ``Matcher`` patterns.

Text is matched on *canonical tokens*: each spaCy token becomes (surface, lemma), lower-cased and
accent-folded ("caí" → "cai", "can’t" → "can" + "not"), SMS shorthand expanded ("cnt" → "can't"),
and typos corrected towards the catalog's own keywords ("fevr" → "fever"). Patterns are written
in plain words and lemmatised the same way, so "fell" in a pattern also matches "falls" and
"fallen".

Pattern language (one string per pattern, words separated by spaces):

- ``word``            the word's lemma ("fell" matches fall, falls, falling, fallen)
- ``a|b|c``           one of several words
- ``(two words|one)`` one of several phrases (a phrase may be several words)
- ``=word``           the exact word, not its lemma ("=tripped" does not match "a trip")
- ``?word``, ``?(a b)`` optional
- ``~N``              up to N words in between (never across punctuation, negation or "but")
- ``#``               a number ("i ='m # week" matches "I'm 34 weeks")
"""
from __future__ import annotations

import gzip
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import OSA
from spacy.language import Language
from spacy.lookups import Table
from spacy.tokens import Doc, Token

Key = tuple[str, str]
"""A canonical token: (surface, lemma)."""

SPECIAL_LEMMAS: dict[str, str] = {
    "ca": "can", "wo": "will", "sha": "shall", "n't": "not", "nt": "not", "doe": "do",
    "could": "can", "'d": "would",
    "number": "number",  # the lookup table reads it as the comparative of "numb"
}
"""Lemmas the lookup table gets wrong or leaves out (contraction halves, typographic forms)."""

NEGATION_WORDS = frozenset({"not", "no", "never", "without", "nor", "neither", "sin"})
GAP_STOP_WORDS = NEGATION_WORDS | frozenset(
    {"but", "however", "although", "though", "yet", "except", "because", "if", "when", "after",
     "before", "since", "until", "unless", "whether", "pero"}
)
"""Words a ``~N`` gap may not cross, so "hip is not swollen" never matches "hip ~3 swollen"."""

GAP_TAG, STOP_TAG = "GAP", "STOP"
NUMBER: Key = ("#", "#")
"""The ``#`` slot: any number."""
_NON_WORD = re.compile(r"[\W_]+|\n")
_NUMBER_UNIT = re.compile(r"^\d+(?:[.,]\d+)?([a-z]+)$")
_SLOT = re.compile(r"\?\([^)]*\)|\([^)]*\)|\S+")
_MIN_FUZZY_LEN = 4
_CACHE_LIMIT = 50_000
_COMMON_WORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is am are was were be been being "
    "i me my mine we us our you your he him his she her they them their it its this that these "
    "those myself yourself himself herself ourselves themselves what which who whom whose why how "
    "when where there here than then so too very just also not no nor yes ok okay hi hello hey "
    "thanks please toh mri mris xray bmes ibuprofen tylenol advil".split()
)


_FREQUENT_LOG_PROB = -12.0


def fold(text: str) -> str:
    """Lower-case, straighten quotes and strip accents ("Caí" → "cai", "can’t" → "can't")."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class CanonToken:
    """One canonical token and the index of the spaCy token it came from."""

    surface: str
    lemma: str
    orig: int


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """English words that are never "typos".

    WordNet lemmas and inflections, function words, and the frequent words of spaCy's web
    word-probability table (log-probability at least ``_FREQUENT_LOG_PROB``: "else", "anyone";
    rare web spellings such as "wieght" stay out).

    Read from spacy-lookups-data on first use (never at import). Typo correction skips these,
    so "never" is not corrected to "fever", "sweet" to "sweat" nor "else" to "easing".
    """
    words: set[str] = set(_COMMON_WORDS)
    try:
        import spacy_lookups_data

        folder = Path(str(spacy_lookups_data.get_file("")))
        index = json.loads(gzip.open(folder / "en_lemma_index.json.gz").read())
        lookup = json.loads(gzip.open(folder / "en_lemma_lookup.json.gz").read())
        probs = json.loads(gzip.open(folder / "en_lexeme_prob.json.gz").read())
    except (ImportError, OSError, ValueError):  # pragma: no cover - the package is a dependency
        return frozenset(words)
    for entries in index.values():
        words.update(entries)
    words.update(lookup)
    words.update(lookup.values())
    words.update(w for w, p in probs.items() if p >= _FREQUENT_LOG_PROB and w.isalpha())
    return frozenset(w.lower() for w in words)


class TypoCorrector:
    """Length-aware edit-distance correction of unknown words towards the catalog's keywords.

    Words shorter than 4 letters are never corrected; 4-7 letters allow one edit (same first
    letter); 8 or more allow two. Known English words are never corrected.
    """

    def __init__(self, keywords: Mapping[str, Key], known: frozenset[str]) -> None:
        self._keywords = dict(keywords)
        self._known = known
        self._cache: dict[str, Key | None] = {}
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(self._keywords):
            self._by_initial.setdefault(word[0], []).append(word)

    def correct(self, word: str) -> Key | None:
        """The keyword ``word`` is a typo of, or ``None``."""
        if word not in self._cache:
            if len(self._cache) >= _CACHE_LIMIT:  # a long-running server sees endless new words
                self._cache.clear()
            self._cache[word] = self._lookup(word)
        return self._cache[word]

    def _lookup(self, word: str) -> Key | None:
        if len(word) < _MIN_FUZZY_LEN or not word.isalpha():
            return None
        if word in self._known or word in self._keywords:
            return None
        limit = 1 if len(word) <= 7 else 2
        pool = self._by_initial.get(word[0], []) if limit == 1 else sorted(self._keywords)
        best: tuple[int, str] | None = None
        for candidate in pool:
            if abs(len(candidate) - len(word)) > limit:
                continue
            distance = OSA.distance(word, candidate, score_cutoff=limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, candidate)
        return self._keywords[best[1]] if best else None


class Canonicalizer:
    """Turns spaCy docs into canonical tokens (and back into a ``Doc`` for the ``Matcher``)."""

    def __init__(self, nlp: Language, shorthand: Mapping[str, str] | None = None) -> None:
        self.nlp = nlp
        self.corrector: TypoCorrector | None = None
        self._lemmas = _lookup_table(nlp)
        self._shorthand = {fold(k): self.keys(v) for k, v in (shorthand or {}).items()}

    def keys(self, text: str) -> list[Key]:
        """Canonical (surface, lemma) pairs of a phrase, without typo correction."""
        return [self._key(token) for token in self.nlp(text) if not token.is_space]

    def tokens(self, doc: Doc) -> list[CanonToken]:
        """Canonical tokens of ``doc``, with shorthand expanded and typos corrected."""
        out: list[CanonToken] = []
        for token in doc:
            if token.is_space and "\n" not in token.text:
                continue
            for surface, lemma in self._expand(token):
                out.append(CanonToken(surface, lemma, token.i))
        return out

    def to_doc(self, tokens: list[CanonToken]) -> Doc:
        """A throw-away ``Doc`` of canonical tokens for the ``Matcher``.

        ORTH is the canonical surface, LEMMA the canonical lemma, and TAG says whether a ``~N``
        gap may cover the token.
        """
        words = [t.surface or "_" for t in tokens]
        lemmas = [t.lemma or "_" for t in tokens]
        tags = [GAP_TAG if _gap_ok(t) else STOP_TAG for t in tokens]
        return Doc(self.nlp.vocab, words=words, lemmas=lemmas, tags=tags)

    def _expand(self, token: Token) -> list[Key]:
        surface = "\n" if token.is_space else fold(token.text)
        if surface in self._shorthand:
            return self._shorthand[surface]
        key = self._key(token)
        if self.corrector is not None and key[1] == surface:
            fixed = self.corrector.correct(surface)
            if fixed is not None:
                return [fixed]
        return [key]

    def _key(self, token: Token) -> Key:
        surface = fold(token.text)
        unit = _NUMBER_UNIT.match(surface)
        if unit:  # "10lbs" reads as its unit, so "lost 10lbs" matches "lose ~3 lb"
            suffix = unit.group(1)
            return surface, {"lbs": "lb", "kgs": "kg", "kilos": "kilo"}.get(suffix, suffix)
        return surface, SPECIAL_LEMMAS.get(surface) or self._lemma(token, surface)

    def _lemma(self, token: Token, surface: str) -> str:
        # The lookup table is case-sensitive ("Fell" is not in it), so look up the folded form.
        if self._lemmas is None:
            return fold(token.lemma_) or surface
        return fold(str(self._lemmas.get(surface, surface)))


def _lookup_table(nlp: Language) -> Table | None:
    """The pipeline's lookup-lemma table, if it has a lookup lemmatizer."""
    if "lemmatizer" not in nlp.pipe_names:
        return None
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_lookup"):
        return None
    return lookups.get_table("lemma_lookup")


# --- pattern compilation -------------------------------------------------------------------

TokenSpec = dict[str, object]


@dataclass(frozen=True)
class Gap:
    """``~N``: up to N ordinary words."""

    size: int


Slot = list[list[Key | str]] | Gap


class PatternError(ValueError):
    """A pattern string cannot be compiled."""


class PatternCompiler:
    """Compiles pattern strings into ``Matcher`` patterns and records their keywords."""

    def __init__(self, canon: Canonicalizer) -> None:
        self.canon = canon
        self.keywords: dict[str, Key] = {}
        self.vocabulary: set[str] = set()
        """Every word of every pattern, exclusion and requirement: never a typo of another."""

    def compile(self, pattern: str, *, keywords: bool = True) -> list[list[TokenSpec]]:
        """All ``Matcher`` token-pattern lists a pattern string expands to."""
        slots = [self._slot(raw, keywords) for raw in _SLOT.findall(pattern)]
        if not slots or isinstance(slots[0], Gap) or isinstance(slots[-1], Gap):
            raise PatternError(f"pattern {pattern!r}: must start and end with a word")
        choices = [_gap_specs(s.size) if isinstance(s, Gap) else _slot_specs(s) for s in slots]
        compiled = [sum(combo, []) for combo in itertools.product(*choices)]
        compiled = [c for c in compiled if c]
        if not compiled or len(compiled) > 5000:
            raise PatternError(f"pattern {pattern!r}: expands to {len(compiled)} patterns")
        return compiled

    def _slot(self, raw: str, keywords: bool) -> Slot:
        if re.fullmatch(r"~\d", raw):
            return Gap(int(raw[1]))
        if raw == "#":
            return [[NUMBER]]
        optional = raw.startswith("?")
        body = raw[1:] if optional else raw
        body = body[1:-1] if body.startswith("(") and body.endswith(")") else body
        alternatives = [self._alternative(alt.strip(), keywords) for alt in body.split("|")]
        if any(not alt for alt in alternatives):
            raise PatternError(f"slot {raw!r}: empty alternative")
        return alternatives + ([[]] if optional else [])

    def _alternative(self, text: str, keywords: bool) -> list[Key | str]:
        exact = text.startswith("=")
        keys = self.canon.keys(text.lstrip("="))
        self.vocabulary.update(form for key in keys for form in key)
        if keywords:
            self._remember(keys)
        if exact:  # a plain ``str`` marks an exact-surface token
            return [surface for surface, _ in keys]
        return list(keys)

    def _remember(self, keys: Iterable[Key]) -> None:
        for surface, lemma in keys:
            for form in (surface, lemma):
                if form.isalpha() and len(form) >= _MIN_FUZZY_LEN:
                    self.keywords.setdefault(form, (surface, lemma))


def _gap_ok(token: CanonToken) -> bool:
    return token.lemma not in GAP_STOP_WORDS and not _NON_WORD.fullmatch(token.surface)


def _gap_specs(size: int) -> list[list[TokenSpec]]:
    # A plain TAG test runs in the Matcher's C code; IN/NOT_IN sets would call Python per token.
    return [[{"OP": "?", "TAG": GAP_TAG} for _ in range(size)]]


def _slot_specs(alternatives: list[list[Key | str]]) -> list[list[TokenSpec]]:
    # One plain pattern per alternative (no IN sets) keeps matching in the Matcher's C code.
    unique: dict[tuple[tuple[str, str], ...], list[TokenSpec]] = {}
    for alt in alternatives:
        specs = [_token_spec(piece) for piece in alt]
        unique.setdefault(tuple(next(iter(s.items())) for s in specs), specs)  # type: ignore[misc]
    return list(unique.values())


def _token_spec(piece: Key | str) -> TokenSpec:
    if piece == NUMBER:
        return {"LIKE_NUM": True}
    return {"ORTH": piece} if isinstance(piece, str) else {"LEMMA": piece[1]}


def matcher_key(kind: str, name: str) -> str:
    """The ``Matcher`` label used for a pattern group (e.g. ``flag:fever``)."""
    return f"{kind}:{name}"


def split_key(label: str) -> tuple[str, str]:
    """Inverse of :func:`matcher_key`."""
    kind, _, name = label.partition(":")
    return kind, name

