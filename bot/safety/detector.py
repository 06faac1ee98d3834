"""Red-flag detection: catalog patterns + temperatures + ConText-style context over a spaCy doc.

>>> detector = RedFlagDetector(load_catalog(Path("content/red_flags.yml")), make_pipeline())
>>> [f.flag_id for f in detector.live("no fever but I fell yesterday")]
['fall_injury']
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.safety.catalog import TIER_RANK, Catalog, FlagSpec
from bot.safety.context import HISTORICAL, LIVE, NEGATED, ContextAnalyzer, Target
from bot.safety.patterns import (
    Canonicalizer,
    CanonToken,
    PatternCompiler,
    TypoCorrector,
    known_words,
    matcher_key,
    split_key,
)
from bot.safety.temperature import Reading, find_readings, is_fever

_CUE_WINDOW = 4
_SHIVERS = re.compile(r"\b(chill|chills|chilly|shiver\w*|rigou?rs|sweat\w*|escalofr\w*)\b", re.I)
RULED_OUT = frozenset({NEGATED, HISTORICAL})
TEMPERATURE_FLAGS = frozenset({"fever", "immune_fever"})
"""Flags a temperature below the catalog's fever line overrides (issue 10: it never escalates)."""
_SENTENCE_END = frozenset({".", "!", "?", "\n"})


def parsed_text(text: str) -> str:
    """What the rules parse: the lower-cased text (as Rasa's ``SpacyNLP`` parses it).

    Matching reads lower-cased tokens anyway; lower case also makes spaCy split shouted
    contractions ("I CAN'T BREATHE") as it splits "can't". Offsets must stay those of ``text``,
    so a text whose lower-cased form has another length is parsed as it is.
    """
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


@dataclass(frozen=True)
class Finding:
    """One red-flag mention: which flag, where (character offsets), and its context status."""

    flag_id: str
    tier: str
    escalation_id: str
    matched: str
    start: int
    end: int
    status: str
    label: str = ""
    """The flag's plain-words label, for telling the patient what led to the escalation."""


@dataclass(frozen=True)
class RulesView:
    """What the rules make of a message."""

    live: list[Finding]
    """Live findings, one per flag id, most severe tier first."""
    ruled_out: frozenset[str]
    """Flags mentioned only as denied or in the past ("no chest pain", "fainted as a
    teenager"), never live. Hypotheticals and questions are not enough: "must have fainted",
    "is chest pain normal with TOH? mine started 15 min ago" report the sign."""

    @property
    def tier(self) -> str | None:
        """The most severe live tier, or None."""
        return self.live[0].tier if self.live else None


@dataclass(frozen=True)
class _Span:
    flag_id: str
    start: int
    end: int
    ignore: frozenset[str] = frozenset()


class RedFlagDetector:
    """Finds red flags in a patient's message. Build once (it compiles the catalog), reuse."""

    def __init__(self, catalog: Catalog, nlp: Language) -> None:
        self.catalog = catalog
        self.nlp = nlp
        self._flags = {spec.id: spec for spec in catalog.flags}
        self._canon = Canonicalizer(nlp, catalog.shorthand)
        compiler = PatternCompiler(self._canon)
        self._matcher = Matcher(nlp.vocab)
        for spec in catalog.flags:
            self._add(compiler, "flag", spec.id, spec.patterns, keywords=True)
            self._add(compiler, "excl", spec.id, spec.exclude, keywords=False)
            self._add(compiler, "req", spec.id, spec.requires, keywords=False)
        self._cues = self._temperature_cues(compiler)
        # A word the catalog itself uses ("mucho" in a requirement) is never "corrected" towards
        # another flag's keyword ("much" in "how much").
        self._canon.corrector = TypoCorrector(
            compiler.keywords, known_words() | frozenset(compiler.vocabulary)
        )
        self._context = ContextAnalyzer(compiler)

    def findings(self, text: str, doc: Doc | None = None) -> list[Finding]:
        """Every red-flag mention in ``text`` with its status, in text order.

        Args:
            text: the patient's message.
            doc: the message already parsed by the same pipeline (reused, not re-parsed),
                from ``text`` or, as Rasa's ``SpacyNLP`` does, from ``parsed_text(text)``;
                a doc of ``text`` itself is parsed again when that is another string.

        """
        doc = self._parse(text, doc)
        tokens = self._canon.tokens(doc)
        cdoc = self._canon.to_doc(tokens)
        flags, required = self._spans(cdoc)
        flags += self._temperature_spans(text, doc, tokens)
        targets = [self._target(span) for span in flags + required]
        statuses = self._context.statuses(cdoc, targets)
        live_required = {
            span.flag_id
            for span, status in zip(required, statuses[len(flags):], strict=True)
            if status == LIVE
        }
        found = [
            self._finding(text, doc, tokens, span, status)
            for span, status in zip(flags, statuses[:len(flags)], strict=True)
            if not self._flags[span.flag_id].requires or span.flag_id in live_required
        ]
        return sorted(found, key=lambda f: (f.start, f.end, f.flag_id))

    def live(self, text: str, doc: Doc | None = None) -> list[Finding]:
        """Live findings only, one per flag id, most severe tier first."""
        return self.screen(text, doc).live

    def screen(self, text: str, doc: Doc | None = None) -> RulesView:
        """The live findings (as ``live``) and the flags found only not live.

        A temperature below a fever outweighs the word: "my temp is 37.4", "thought I had a
        fever but it's only 99.1" raise nothing, unless chills, shivers or sweats are named.
        """
        doc = self._parse(text, doc)
        findings = self.findings(text, doc)
        first: dict[str, Finding] = {}
        for finding in findings:
            if finding.status == LIVE:
                first.setdefault(finding.flag_id, finding)
        ruled_out = {f.flag_id for f in findings if f.status in RULED_OUT}
        if first.keys() & TEMPERATURE_FLAGS and not _SHIVERS.search(text):
            if self.normal_temperature_only(text, doc):
                first = {k: f for k, f in first.items() if k not in TEMPERATURE_FLAGS}
                ruled_out |= TEMPERATURE_FLAGS
        live = sorted(first.values(), key=lambda f: (TIER_RANK[f.tier], f.start))
        return RulesView(live, frozenset(ruled_out - first.keys()))

    def normal_temperature_only(self, text: str, doc: Doc | None = None) -> bool:
        """True when the message gives a temperature and every reading is below a fever."""
        doc = self._parse(text, doc)
        tokens = self._canon.tokens(doc)
        fevers = [
            is_fever(reading, spec.temperature.celsius_min, spec.temperature.fahrenheit_min)
            for spec in self.catalog.flags if spec.temperature is not None
            for reading in find_readings(text, partial(self._cue_before, doc, tokens))
        ]
        return bool(fevers) and not any(fevers)

    # --- building --------------------------------------------------------------------------

    def _add(
        self, compiler: PatternCompiler, kind: str, flag_id: str, patterns: Iterable[str],
        *, keywords: bool,
    ) -> None:
        compiled = [p for pattern in patterns for p in compiler.compile(pattern, keywords=keywords)]
        if compiled:
            self._matcher.add(matcher_key(kind, flag_id), compiled)

    def _temperature_cues(self, compiler: PatternCompiler) -> frozenset[str]:
        cues: set[str] = set()
        for spec in self.catalog.flags:
            for cue in spec.temperature.cues if spec.temperature else ():
                cues.update(lemma for _, lemma in compiler.canon.keys(cue))
        return frozenset(cues)

    # --- matching --------------------------------------------------------------------------

    def _parse(self, text: str, doc: Doc | None) -> Doc:
        """The doc of ``parsed_text(text)``: ``doc`` when it is one with lemmas, else parsed."""
        wanted = parsed_text(text)
        if doc is None:
            return self.nlp(wanted)
        if doc.text not in (text, wanted):
            raise ValueError("doc was parsed from a different text")
        return doc if doc.text == wanted and doc.has_annotation("LEMMA") else self.nlp(wanted)

    def _spans(self, cdoc: Doc) -> tuple[list[_Span], list[_Span]]:
        groups: dict[str, list[_Span]] = {"flag": [], "excl": [], "req": []}
        for match_id, start, end in self._matcher(cdoc):
            kind, flag_id = split_key(cdoc.vocab.strings[match_id])
            groups[kind].append(_Span(flag_id, start, end))
        flags = [s for s in groups["flag"] if not _overlaps_any(s, groups["excl"])]
        return _longest(flags), _longest(groups["req"])

    def _temperature_spans(self, text: str, doc: Doc, tokens: list[CanonToken]) -> list[_Span]:
        spans = []
        for spec in self.catalog.flags:
            rule = spec.temperature
            if rule is None:
                continue
            cue = partial(self._cue_before, doc, tokens)
            for reading in find_readings(text, cue):
                if is_fever(reading, rule.celsius_min, rule.fahrenheit_min):
                    spans.append(_reading_span(spec.id, reading, doc, tokens, rule.ignore_context))
        return [s for s in spans if s.end > s.start]

    def _cue_before(
        self, doc: Doc, tokens: list[CanonToken], offset: int, whole_sentence: bool
    ) -> bool:
        index = next((i for i, t in enumerate(tokens) if doc[t.orig].idx >= offset), len(tokens))
        stop = -1 if whole_sentence else max(-1, index - 1 - _CUE_WINDOW)
        before = range(index - 1, stop, -1)
        after = range(index + 1, len(tokens)) if whole_sentence else range(0)
        return self._cue_in(tokens, before) or self._cue_in(tokens, after)

    def _cue_in(self, tokens: list[CanonToken], indexes: range) -> bool:
        for i in indexes:
            if tokens[i].surface in _SENTENCE_END:
                return False
            if tokens[i].lemma in self._cues:
                return True
        return False

    def _target(self, span: _Span) -> Target:
        spec = self._flags[span.flag_id]
        return Target(
            span.start, span.end, span.flag_id, spec.ignore_context | span.ignore,
            recent_stays_live=spec.tier == "emergency",
        )

    def _finding(
        self, text: str, doc: Doc, tokens: list[CanonToken], span: _Span, status: str
    ) -> Finding:
        spec: FlagSpec = self._flags[span.flag_id]
        first, last = doc[tokens[span.start].orig], doc[tokens[span.end - 1].orig]
        start, end = first.idx, last.idx + len(last.text)
        return Finding(
            spec.id, spec.tier, spec.escalation, text[start:end], start, end, status, spec.label
        )


def top_tier(findings: Iterable[Finding]) -> str | None:
    """The most severe tier among the *live* findings, or ``None`` when nothing is live."""
    tiers = [f.tier for f in findings if f.status == LIVE]
    return min(tiers, key=TIER_RANK.__getitem__) if tiers else None


def _overlaps_any(span: _Span, others: Sequence[_Span]) -> bool:
    return any(
        o.flag_id == span.flag_id and o.start < span.end and span.start < o.end for o in others
    )


def _longest(spans: list[_Span]) -> list[_Span]:
    """Per flag, keep the longest of overlapping spans."""
    kept: list[_Span] = []
    taken: set[tuple[str, int]] = set()
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        tokens = {(span.flag_id, i) for i in range(span.start, span.end)}
        if not tokens & taken:
            kept.append(span)
            taken |= tokens
    return sorted(kept, key=lambda s: (s.start, s.flag_id))


def _reading_span(
    flag_id: str, reading: Reading, doc: Doc, tokens: list[CanonToken], ignore: frozenset[str]
) -> _Span:
    inside = [
        i for i, t in enumerate(tokens)
        if doc[t.orig].idx < reading.end and doc[t.orig].idx + len(doc[t.orig]) > reading.start
    ]
    if not inside:
        return _Span(flag_id, 0, 0)
    return _Span(flag_id, inside[0], inside[-1] + 1, ignore)
