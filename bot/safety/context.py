"""ConText-style context for red-flag mentions (the medspaCy ConText idea, rebuilt for Rasa's pins).

A mention of a red flag escalates only when it is *live*. Trigger phrases put mentions in their
scope into another status:

- ``negated``      "no fever", "I haven't fallen", "denies chills", "never had cancer"
- ``historical``   "fell 10 years ago", "had a fever but it's gone"
- ``hypothetical`` "what if I fall?", "if I get a fever", "in case", "afraid of falling"
- ``question``     "can TOH cause a fever?", "is numbness a symptom?"

Safety beats calm, so every rule leans towards *live*:

- scopes are short and stop at punctuation and at conjunctions ("no fever but I fell yesterday");
- pseudo-triggers block look-alikes ("no one helped me after I fell", "not sure if I have a fever");
- a trigger inside a flag's own words is part of the flag ("I can't put weight on it");
- a question is only a question about the condition when nobody reports having the sign: "why do
  I have a fever?", "is my numbness from TOH?" stay live;
- a time in the past loses to a present marker ("I fell years ago and again yesterday");
- another person's sign is live ("my mom fell and can't get up").
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from bot.safety.patterns import PatternCompiler

LIVE = "live"
NEGATED = "negated"
HISTORICAL = "historical"
HYPOTHETICAL = "hypothetical"
QUESTION = "question"
STATUSES = (LIVE, NEGATED, HISTORICAL, HYPOTHETICAL, QUESTION)

# Rule categories (more than statuses: several categories share a status).
_STATUS_OF = {
    "negated": NEGATED, "historical": HISTORICAL, "resolved": HISTORICAL,
    "hypothetical": HYPOTHETICAL, "intent": HYPOTHETICAL, "question": QUESTION,
}
_IGNORE_NAME = {"intent": "hypothetical"}
_PRECEDENCE = (NEGATED, HISTORICAL, HYPOTHETICAL, QUESTION)

_CLAUSE_BREAK = re.compile(r"[.,;:!?\u2026\n\u2014\u2013()\"]+|-{1,2}")
_SENTENCE_END = re.compile(r"[.!?\u2026\n]+")
CONJ_ALL = frozenset(
    {"but", "however", "although", "though", "yet", "except", "and", "so", "because", "since",
     "after", "before", "when", "while", "until", "whereas", "which", "who", "then", "plus",
     "also", "just", "only", "instead", "cause", "cuz", "anyway", "pero", "y"}
)
CONJ_STRONG = frozenset(
    {"but", "however", "although", "though", "yet", "except", "because", "since", "so", "just",
     "only", "instead", "cause", "cuz", "whereas", "anyway", "pero"}
)
_CONTRAST = frozenset(
    {"but", "however", "although", "though", "yet", "except", "whereas", "pero"}
)
_BRIDGE = frozenset(
    {"it", "they", "that", "this", "these", "those", "both", "all", "be", "have", "now",
     "completely", "totally", "mostly", "since", "then", "pretty", "much", "of", "them", "'s",
     "is", "are", "was", "were", "has", "had", "but", "and", ",", "thankfully", "luckily",
     "long"}
)
_TIME_LINKS = frozenset({"after", "before", "when", "while"})
_PRESENT = frozenset(
    {"now", "today", "tonight", "yesterday", "currently", "still", "recently", "lately", "just",
     "new", "started", "again", "morning", "week", "hoy", "ayer"}
)
_SUBJECTS = frozenset(
    {"i", "we", "he", "she", "mom", "mother", "mum", "mama", "dad", "father", "papa", "wife",
     "husband", "partner", "son", "daughter", "grandma", "grandmother", "grandpa", "grandfather",
     "granny", "sister", "brother", "aunt", "uncle", "friend", "neighbor", "neighbour",
     "boyfriend", "girlfriend", "child", "spouse", "patient", "madre", "padre", "esposa",
     "esposo", "hijo", "hija", "yo"}
)
_POSSESSIVES = frozenset({"my", "our", "his", "her", "mi"})
_MODALS = frozenset(
    {"can", "could", "should", "would", "will", "shall", "may", "might", "must", "ca", "wo",
     "'ll", "'d"}
)
_CONDITIONAL = frozenset({"if", "whether", "unless", "si"})
_AUX = frozenset({"do", "does", "did", "am", "is", "are", "was", "were", "have", "has", "had"})
_EXPERIENCE = frozenset({"have", "be", "feel", "'ve", "'m"})
_WH_ALWAYS = frozenset({"what", "how", "why", "which", "who", "whom", "whose", "que", "como"})
_WH_IF_AUX = frozenset({"when", "where", "cuando"})
_Q_AUX_START = frozenset(
    {"can", "could", "does", "do", "did", "is", "are", "will", "would", "should", "shall",
     "may", "might", "must", "was", "were", "puede"}
)
_Q_AUX_NEEDS_MARK = frozenset({"have", "has", "had", "am"})
_LIST_WORDS = frozenset({"like", "such", "including", "especially", "e.g.", "or", "for"})
_NOT_QUESTION_SECOND = frozenset({"not", "n't", "nt", "no", "never", "barely", "hardly", "only"})
_FILLERS = frozenset(
    {"and", "but", "so", "also", "ok", "okay", "hi", "hello", "hey", "um", "uh", "well", "please",
     "doc", "doctor", "quick", "question", "q", "then", "oh", "sorry", "thanks", "thank", "you",
     "just", "another", "one", "more", "hola", "y", "btw", "sir", "maam", "nurse"}
)
_DETERMINERS = frozenset(
    {"the", "this", "that", "these", "those", "my", "his", "her", "our", "their", "your", "its",
     "all", "some", "any", "how"}
)
_MAX_LIST_ITEM = 4
_MAX_LIST_ITEMS = 6
_MAX_REACH = 12 + (_MAX_LIST_ITEM + 1) * _MAX_LIST_ITEMS  # longest scope plus a negated list
_LIST_VERBS = frozenset({"have", "be", "feel", "get", "start", "keep", "notice", "do"})
_PAST_TIME = frozenset({"ago", "yesterday", "ayer"})
_RECENT = frozenset({"today", "tonight", "earlier", "yesterday", "hoy", "ayer", "anoche"})
_RECENT_UNITS = frozenset({"hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins"})
_RECENT_AFTER = frozenset({"this", "last"})
_RECENT_PARTS = frozenset({"morning", "night", "afternoon", "evening"})
_YEAR = re.compile(r"(19|20)\d\d")
_YEAR_BEFORE = frozenset({"in", "during", "of"})
_SYMPTOM_ING = frozenset(
    {"swelling", "tingling", "bleeding", "sweating", "shivering", "burning", "aching", "numbing",
     "throbbing", "limping", "something", "nothing", "anything", "everything", "morning",
     "evening", "feeling", "thing", "king"}
)


@dataclass(frozen=True)
class ContextRule:
    """A trigger phrase and what it does to red-flag mentions in its scope.

    ``category``: negated, historical, resolved, hypothetical, intent, question, or pseudo (a
    look-alike that blocks other triggers it overlaps). ``direction``: forward, backward or both.
    ``only_flags``: restrict the rule to these flag ids. ``next_word``: ``gerund`` applies only
    when the next word is an -ing verb ("afraid of falling", not "worried about swelling");
    ``bare`` only when it has no determiner ("worried about injury", not "about the swelling").
    ``bridge``: a backward scope may cross "but it/they" ("had chills but they went away").
    ``mid_clause``: not when the trigger opens its clause ("could" in "Could my fever be TOH?"
    asks a question; in "TOH could cause a fever" it is hypothetical).
    ``override`` (question rules): what cancels the rule - ``report`` (someone reports the sign:
    "why do I have a fever?"), ``possessive`` (only "my fever", "swelling in my hip").
    """

    pattern: str
    category: str
    direction: str = "forward"
    scope: int = 6
    only_flags: frozenset[str] = frozenset()
    next_word: str = ""
    bridge: bool = False
    mid_clause: bool = False
    override: str = "report"


@dataclass(frozen=True)
class Target:
    """A red-flag mention to classify: canonical-token span, flag id, categories it ignores."""

    start: int
    end: int
    flag_id: str
    ignore: frozenset[str] = frozenset()
    recent_stays_live: bool = False
    """An emergency sign that passed within the day still needs care: "I passed out this
    morning but I'm fine now", "had chest pain an hour ago, it's gone" stay live."""


@dataclass(frozen=True)
class _Trigger:
    rule: ContextRule
    start: int
    end: int


def _rules(category: str, patterns: Iterable[str], **options: object) -> list[ContextRule]:
    return [ContextRule(p, category, **options) for p in patterns]  # type: ignore[arg-type]


_WEIGHT = frozenset({"weight_loss"})
# Signs that may pass without care ("a temp of 38.5 last week, fine now"); an emergency sign that
# passed ("fainted but I'm fine now") is not ruled out by these words.
_PASSING_SIGNS = frozenset(
    {"fever", "calf_clot", "numbness_weakness", "hot_swollen_joint", "night_sweats", "immune_fever"}
)
DEFAULT_RULES: tuple[ContextRule, ...] = tuple(
    _rules("negated", ["no|not|never|without|nor|neither|sin|nunca", "deny", "negative for",
                       "free of", "absence of", "no sign|signs|evidence|history of"], scope=6)
    + _rules("negated", ["rule out", "=ruled out", "none"], direction="both", scope=5)
    + _rules("historical", [
        "year|decade ~1 ago", "year back", "?a long time ago", "long ago", "age ago",
        "last year", "in the past", "back in", "previously", "history of", "use to",
        "as a child|kid|teen|teenager|baby", "childhood", "year earlier|before|prior",
        "when i be ?a young|younger|little|kid|child|teenager|teen|small|baby",
        "born with", "since birth|childhood",
        "when i|he|she|we be #",
        "in|during january|february|march|april|june|july|august|september|october|november|"
        "december|spring|summer|autumn|winter",
        "last spring|summer|autumn|winter|christmas|easter",
        "with|in|during my previous|earlier|last pregnancy",
        "in my|his|her|our teens|twenties|thirties|forties|fifties|sixties|20s|30s|40s|50s|youth"],
        direction="both", scope=8)
    + _rules("historical", ["an|my|the old"], scope=2)
    + _rules("historical", ["always"], scope=6, only_flags=frozenset({"deformity"}))
    + _rules("resolved", [
        "=gone", "go away", "resolve", "clear up", "=cleared", "=passed", "be over",
        "disappear", "subside", "=stopped", "=settled ?down", "=got better", "=healed",
        "=broke",
        "not there anymore", "not anymore", "no longer there", "=recovered", "fully recover",
        "never|nothing|not since", "never ?happen again", "not|never come|came back",
        "under control", "all clear", "=sorted ?out|now"],
        direction="backward", scope=10, bridge=True)
    + _rules("resolved", ["put ~3 back on", "gain ~3 back"], direction="backward", scope=12,
             bridge=True, only_flags=_WEIGHT)
    + _rules("resolved", ["=fine now|since|again", "normal now|since|again", "back to normal",
                          "=gone down", "go down now"],
             direction="backward", scope=10, bridge=True, only_flags=_PASSING_SIGNS)
    + _rules("resolved", ["no longer", "not anymore", "not any more"], scope=6)
    + _rules("hypothetical", ["if|whether|unless", "what if", "even if", "in case",
                              "suppose|supposing|imagine|hypothetically", "let 's say", "si"],
             scope=8)
    + _rules("hypothetical", ["will|would|could|might|may|shall|'ll|gonna",
                              "can cause|make|give|trigger|happen|develop|get|turn|bring|mean|"
                              "result|lead"], scope=6, mid_clause=True)
    + _rules("question", ["should i|we ?be worry|worried|concerned|afraid|scared ?about|of"],
             scope=8, override="possessive")
    + _rules("hypothetical", ["risk|chance|chances|odds|likelihood|likely ?of|to",
                              "prevent|prevention|avoid|avoiding",
                              "watch for", "watch out for", "look out for", "look for",
                              "keep an eye on", "careful not to", "so ?that i|we ?do not",
                              "read|hear|heard that|about|somewhere|online",
                              "in the future", "someday", "down the road", "later on"],
             scope=6)
    + _rules("hypothetical", ["leaflet|pamphlet|booklet|handout|website|guide|sheet|poster "
                              "say|said|mention|list"], scope=10)
    + _rules("hypothetical", ["risk"], direction="backward", scope=2)
    + _rules("hypothetical", ["prevention"], direction="backward", scope=2)  # "fall prevention"
    + _rules("hypothetical", ["to keep|stop", "help keep|stop"], scope=5)
    + _rules("hypothetical", ["almost|nearly", "close to"], scope=2)
    + _rules("hypothetical", [
        "afraid|scared|fear|frightened|terrified|nervous|worried|worry|concerned|anxious "
        "of|about"], scope=2, next_word="gerund")
    + _rules("question", [
        "afraid|scared|fear|frightened|terrified|nervous|worried|worry|concerned|anxious "
        "of|about"], scope=3, next_word="bare", override="possessive")
    + _rules("question", ["symptom|sign|indicator|indication ?of", "warning sign", "red flag",
                          "such as", "tell me about", "tell me more", "explain", "what about",
                          "how about", "info|information on|about|regarding",
                          "learn|know about", "talk about", "question about|on|regarding",
                          "wondering about", "curious about"], direction="both", scope=10)
    + _rules("intent", ["want|wanna|try|need|plan|hope|goal|aim|how|tip|advice|advise|"
                        "recommend|suggest|ready|decide|should|must|=like",
                        "have to", "has to", "work on", "tell me to", "told me to", "said to"],
             scope=6, only_flags=_WEIGHT)
    + _rules("intent", ["help|benefit|good for"], direction="backward", scope=4,
             only_flags=_WEIGHT)
    + _rules("intent", ["diet|dieting|purpose|intentionally|deliberately|exercise|exercising|"
                        "gym|calorie|ozempic|wegovy|semaglutide|mounjaro|program"],
             direction="both", scope=8, only_flags=_WEIGHT)
    + _rules("pseudo", [
        "in may", "can see|tell|hardly|barely|only", "not only", "not just", "never sure",
        "without a doubt", "no one", "nobody", "no idea", "no clue", "not sure", "unsure",
        "not certain", "no doubt", "no matter", "not because", "no wonder", "no way",
        "not know", "idk", "dunno", "not tell", "not remember", "not recall", "not think",
        "not believe", "wonder|wondering ?if|whether", "not go away", "not going away",
        "never go away", "not gone", "not stop", "not help", "not better", "no better",
        "not improve",
        "no improvement", "not work", "no relief", "not pass", "not to mention", "pass out",
        "not get any better", "not sure if|whether", "not know if|whether|why",
        "not diet|dieting|try|trying|on purpose|intentionally", "no diet|reason|explanation",
        "without try|trying|diet|dieting|reason|explanation|change|changing|meaning|effort",
        "without do|doing anything", "for no reason",
        "will|would|can|could|might|may|must|should|shall have|be|feel|seem|look|sound|'ve",
        "would|'d say|guess|think",
        "will|would|can|could|might|may|must|should i|we|he|she|it|this|that|my have|be|feel",
    ])
)


class ContextAnalyzer:
    """Assigns a status (live, negated, historical, hypothetical, question) to flag mentions."""

    def __init__(
        self, compiler: PatternCompiler, rules: Sequence[ContextRule] = DEFAULT_RULES
    ) -> None:
        self.rules = tuple(rules)
        self.matcher = Matcher(compiler.canon.nlp.vocab)
        for index, rule in enumerate(self.rules):
            self.matcher.add(f"ctx:{index}", compiler.compile(rule.pattern, keywords=False))

    def statuses(self, doc: Doc, targets: Sequence[Target]) -> list[str]:
        """One status per target, in order. ``doc`` is the canonical doc (see ``patterns``)."""
        if not targets:
            return []
        triggers = sorted(self._triggers(doc, targets), key=lambda t: t.start)
        starts = [t.start for t in triggers]
        layout = _Layout(doc)
        return [
            self._status(doc, layout, _near(triggers, starts, target), target)
            for target in targets
        ]

    def _triggers(self, doc: Doc, targets: Sequence[Target]) -> list[_Trigger]:
        found = sorted(
            ((_rule_index(doc.vocab.strings[m]), s, e) for m, s, e in self.matcher(doc)),
            key=lambda t: (t[1] - t[2], t[1]),
        )
        owner: dict[int, tuple[int, int]] = {}  # token -> span of the trigger that claimed it
        for target in targets:  # a trigger inside a flag's own words is part of the flag
            owner.update({i: (-1, -1) for i in range(target.start, target.end)})
        kept: list[_Trigger] = []
        for index, start, end in found:  # longest first: "what if" beats "if", pseudo blocks
            claims = {owner.get(i, (start, end)) for i in range(start, end)} - {(start, end)}
            if claims - {(-1, -1)} or (claims and not _holds_whole_targets(start, end, targets)):
                continue  # overlaps another trigger or a flag (the same span may hold several)
            owner.update({i: (start, end) for i in range(start, end)})
            if self.rules[index].category != "pseudo":
                kept.append(_Trigger(self.rules[index], start, end))
        return kept

    def _status(
        self, doc: Doc, layout: _Layout, triggers: list[_Trigger], target: Target
    ) -> str:
        categories = {
            t.rule.category for t in triggers
            if _applies(doc, layout, t, target) and not _overridden(layout, t.rule, target)
        }
        if layout.is_question(target.start) and not layout.reports(target.start, target.end):
            categories.add("question")
        if layout.dated_before_this_year(target.start):  # "fainted once in 2015"
            categories.add("historical")
        categories = {c for c in categories if _IGNORE_NAME.get(c, c) not in target.ignore}
        if "historical" in categories and layout.present(target.start):
            categories.discard("historical")
        if target.recent_stays_live and layout.recent(target.start):
            categories -= {"resolved", "historical"}
        if layout.past_time(target.start):  # "is the ER a good idea if I fell 2 days ago?"
            categories -= {"hypothetical", "question"}
        statuses = {_STATUS_OF[c] for c in categories}
        return next((s for s in _PRECEDENCE if s in statuses), LIVE)


def _holds_whole_targets(start: int, end: int, targets: Sequence[Target]) -> bool:
    """Whether a longer trigger wholly holds the flag words it overlaps ("as a child").

    Such a trigger keeps its meaning ("fell as a teenager": "teenager" is child_hip's word);
    a trigger that cuts into a flag's words, or into another trigger, does not.
    """
    overlapping = [t for t in targets if t.start < end and start < t.end]
    return bool(overlapping) and end - start > 1 and all(
        start <= t.start and t.end <= end and (t.start, t.end) != (start, end) for t in overlapping
    )


def _near(triggers: list[_Trigger], starts: list[int], target: Target) -> list[_Trigger]:
    """Triggers close enough to reach the target (keeps long messages linear)."""
    low = bisect_left(starts, target.start - _MAX_REACH)
    high = bisect_right(starts, target.end + _MAX_REACH)
    return triggers[low:high]


def _rule_index(label: str) -> int:
    return int(label.partition(":")[2])


def _overridden(layout: _Layout, rule: ContextRule, target: Target) -> bool:
    """A question rule loses to a report of the sign ("why do I have a fever?")."""
    if rule.category != "question":
        return False
    if rule.override == "possessive":
        return layout.possessed(target.start, target.end)
    return layout.reports(target.start, target.end)


def _applies(doc: Doc, layout: _Layout, trigger: _Trigger, target: Target) -> bool:
    rule = trigger.rule
    if rule.only_flags and target.flag_id not in rule.only_flags:
        return False
    if rule.next_word and not _next_word_fits(doc, trigger.end, rule.next_word):
        return False
    if rule.mid_clause and layout.opens_clause(trigger.start):
        return False
    stops = layout.stops_for(rule.category)
    forward = rule.direction in ("forward", "both") and target.start >= trigger.end
    if forward:
        reach = _forward_reach(stops, trigger.end, rule.scope)
        if rule.category == "negated":
            reach = layout.negated_list_end(reach)
        return reach > target.start
    backward = rule.direction in ("backward", "both") and target.end <= trigger.start
    if backward:
        limit = _backward_reach(doc, stops, trigger.start, rule.scope, rule.bridge)
        return target.start >= limit
    return False


def _next_word_fits(doc: Doc, index: int, kind: str) -> bool:
    if index >= len(doc):
        return False
    word = doc[index].orth_
    if kind == "gerund":
        return word.endswith("ing") and word not in _SYMPTOM_ING
    return word not in _DETERMINERS


def _forward_reach(stops: list[bool], start: int, scope: int) -> int:
    end = min(len(stops), start + scope)
    for i in range(start, end):
        if stops[i]:
            return i
    return end


def _backward_reach(doc: Doc, stops: list[bool], start: int, scope: int, bridge: bool) -> int:
    """First token index inside a backward scope ending just before ``start``.

    Once it has crossed "but it/they", the scope also crosses the sign's own time ("breathless
    after the birth but that settled", "a temp the week before last but it's long gone").
    """
    i, limit, bridging, bridged = start - 1, max(0, start - scope), bridge, False
    while i >= limit:
        if stops[i] and not (bridged and doc[i].lemma_ in _TIME_LINKS):
            if not (bridging and _can_bridge(doc, i, start)):
                return i + 1
            bridging, bridged = False, True
            while i > limit and stops[i - 1]:
                i -= 1
        i -= 1
    return limit


def _can_bridge(doc: Doc, stop: int, trigger: int) -> bool:
    between = [doc[j].lemma_ for j in range(stop + 1, trigger)]
    sentence_end = _SENTENCE_END.fullmatch(doc[stop].orth_) is not None
    return not sentence_end and all(word in _BRIDGE for word in between)


class _Layout:
    """Per-doc facts: clause boundaries, conjunction segments, questions, report markers."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.punct = [_CLAUSE_BREAK.fullmatch(t.orth_) is not None for t in doc]
        lemmas = [_conjunction_lemma(doc, t.i) for t in doc]
        pairs = list(zip(self.punct, lemmas, strict=True))
        self._stops = {
            "all": [p or lemma in CONJ_ALL for p, lemma in pairs],
            "strong": [p or lemma in CONJ_STRONG for p, lemma in pairs],
            "hist": [p or lemma in CONJ_ALL or lemma == "now" for p, lemma in pairs],
            "contrast": [p or lemma in _CONTRAST for p, lemma in pairs],
        }
        self.clauses = _ranges(self.punct)
        self.segments = _ranges(self._stops["all"])
        self._list_ends: dict[int, int] = {}
        self._reporting: dict[int, bool] = {}
        self._first_word: dict[int, int] = {}
        self._word_memo: dict[tuple[tuple[int, int], frozenset[str]], bool] = {}
        self._clause_index = _index(self.clauses, len(doc))
        self._segment_index = _index(self.segments, len(doc))
        sentence_ends = [_SENTENCE_END.fullmatch(t.orth_) is not None for t in doc]
        self._sentence_index = _index(_ranges(sentence_ends), len(doc))
        self._recent: dict[tuple[int, int], bool] = {}
        self._questions = self._question_clauses()

    def clause_of(self, index: int) -> tuple[int, int]:
        """The clause (between punctuation) holding the token."""
        return self._clause_index[index]

    def segment_of(self, index: int) -> tuple[int, int]:
        """The segment (between punctuation and conjunctions) holding the token."""
        return self._segment_index[index]

    def stops_for(self, category: str) -> list[bool]:
        """Which tokens end a scope of this category."""
        if category == "hypothetical":
            return self._stops["strong"]
        if category == "intent":
            return self._stops["contrast"]
        if category == "question":
            return self.punct
        if category == "historical":
            return self._stops["hist"]
        return self._stops["all"]

    def is_question(self, index: int) -> bool:
        """Whether the token is in a clause that asks a question (rather than reports)."""
        return self.clause_of(index) in self._questions

    def reports(self, index: int, target_end: int) -> bool:
        """Whether the clause around the target reports someone's own experience."""
        if self.possessed(index, target_end):
            return True
        start, end = self.clause_of(index)
        if start not in self._reporting:
            self._reporting[start] = any(self._marks_report(i, start) for i in range(start, end))
        return self._reporting[start]

    def possessed(self, start: int, end: int) -> bool:
        """Whether the sign is someone's own: "my numbness", "swelling in my hip"."""
        before = start > 0 and self.doc[start - 1].orth_ in _POSSESSIVES
        return before or any(self.doc[i].orth_ in _POSSESSIVES for i in range(start, end))

    def opens_clause(self, index: int) -> bool:
        """Whether the token opens its clause (after fillers like "and", "ok")."""
        start, end = self.clause_of(index)
        if start not in self._first_word:
            words = (i for i in range(start, end) if self.doc[i].orth_ not in _FILLERS)
            self._first_word[start] = next(words, end)
        return index <= self._first_word[start]

    def negated_list_end(self, reach: int) -> int:
        """Carry a negation across a list that ends in "or": "no fever, chills, or sweats".

        Only short items without a subject or verb qualify, and the list must say "or"/"nor";
        "no fever, I have chills" or "no fever, chills since Monday" stop at the comma.
        """
        if reach in self._list_ends:
            return self._list_ends[reach]
        end, says_or, items = reach, False, 0
        while end < len(self.doc) and self.doc[end].orth_ == "," and items < _MAX_LIST_ITEMS:
            items += 1
            item_end = self._next_break(end + 1)
            item = [self.doc[i] for i in range(end + 1, item_end)]
            if not item or len(item) > _MAX_LIST_ITEM or any(_blocks_list(t) for t in item):
                break
            says_or = says_or or any(t.orth_ in ("or", "nor") for t in item)
            end = item_end
        self._list_ends[reach] = end if says_or else reach
        return self._list_ends[reach]

    def _next_break(self, start: int) -> int:
        return next((i for i in range(start, len(self.doc)) if self.punct[i]), len(self.doc))

    def past_time(self, index: int) -> bool:
        """Whether the token's clause dates it in the past ("2 days ago", "yesterday")."""
        return self._has(self.clause_of(index), _PAST_TIME)

    def recent(self, index: int) -> bool:
        """Whether the token's sentence dates it within the day ("this morning", "an hour ago")."""
        span = self.sentence_of(index)
        if span not in self._recent:
            words = [self.doc[i].orth_ for i in range(*span)]
            self._recent[span] = any(
                word in _RECENT
                or (word in _RECENT_PARTS and i > 0 and words[i - 1] in _RECENT_AFTER)
                or (word in _RECENT_UNITS and words[i + 1:i + 2] == ["ago"])
                for i, word in enumerate(words)
            )
        return self._recent[span]

    def dated_before_this_year(self, index: int) -> bool:
        """Whether the token's clause names an earlier year ("in 2015", "back in 2019")."""
        start, end = self.clause_of(index)
        this_year = date.today().year
        return any(
            _YEAR.fullmatch(self.doc[i].orth_) and int(self.doc[i].orth_) < this_year
            and i > start and self.doc[i - 1].orth_ in _YEAR_BEFORE
            for i in range(start, end)
        )

    def sentence_of(self, index: int) -> tuple[int, int]:
        """The sentence (between full stops, question and exclamation marks) holding the token."""
        return self._sentence_index[index]

    def present(self, index: int) -> bool:
        """Whether a present-time marker ("again", "now", "today") is near the token."""
        again = frozenset({"again"})
        in_segment = self._has(self.segment_of(index), _PRESENT)
        return in_segment or self._has(self.clause_of(index), again)

    def _has(self, span: tuple[int, int], words: frozenset[str]) -> bool:
        key = (span, words)
        if key not in self._word_memo:
            self._word_memo[key] = any(self.doc[i].orth_ in words for i in range(*span))
        return self._word_memo[key]

    def _marks_report(self, i: int, clause_start: int) -> bool:
        doc, word = self.doc, self.doc[i].orth_
        prev = doc[i - 1].orth_ if i > clause_start else ""
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if word in _SUBJECTS and nxt is not None:
            if prev in _CONDITIONAL:  # "if I'm not careful" supposes, it does not report
                return False
            if prev in _MODALS:  # "could I have a fever?" reports, "can I get a fever?" asks
                return nxt.lemma_ in _EXPERIENCE
            return nxt.orth_ not in _MODALS or (i + 2 < len(doc) and doc[i + 2].lemma_ == "not")
        if word in _POSSESSIVES or word in _SUBJECTS:
            return prev in _AUX or (prev == "not" and i - 2 >= clause_start
                                    and doc[i - 2].orth_ in _AUX | _MODALS)
        return False

    def _question_clauses(self) -> set[tuple[int, int]]:
        """Clauses that ask; a list after a question ("..., like fever or numbness?") asks too."""
        questions: set[tuple[int, int]] = set()
        previous_asks = False
        for start, end in self.clauses:
            new_sentence = start == 0 or _SENTENCE_END.fullmatch(self.doc[start - 1].orth_)
            continues = previous_asks and not new_sentence and self.doc[start].orth_ in _LIST_WORDS
            previous_asks = continues or self._is_question_clause(start, end)
            if previous_asks:
                questions.add((start, end))
        return questions

    def _is_question_clause(self, start: int, end: int) -> bool:
        words = [self.doc[i].orth_ for i in range(start, end)]
        while words and words[0] in _FILLERS:
            words.pop(0)
        if not words:
            return False
        first, second = words[0], words[1] if len(words) > 1 else ""
        ends_with_q = end < len(self.doc) and "?" in self.doc[end].orth_
        if first in _WH_ALWAYS:
            return True
        if first in _WH_IF_AUX:
            return second in _AUX | _MODALS or ends_with_q
        if first in _Q_AUX_START:
            return second not in _NOT_QUESTION_SECOND
        return first in _Q_AUX_NEEDS_MARK and ends_with_q


def _blocks_list(token: Token) -> bool:
    lemma = token.lemma_
    return (
        token.orth_ in _SUBJECTS or lemma in _LIST_VERBS
        or (lemma in CONJ_ALL and lemma not in ("and", "or", "nor"))
    )


def _conjunction_lemma(doc: Doc, i: int) -> str:
    """The token's lemma, except that "a while" (ago) is a noun, not the conjunction."""
    lemma = doc[i].lemma_
    return "_" if lemma == "while" and i > 0 and doc[i - 1].orth_ == "a" else lemma


def _ranges(breaks: list[bool]) -> list[tuple[int, int]]:
    out, start = [], 0
    for i, is_break in enumerate(breaks):
        if is_break:
            if i > start:
                out.append((start, i))
            start = i + 1
    if start < len(breaks):
        out.append((start, len(breaks)))
    return out


def _index(ranges: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """For each token, the range holding it (a break token gets a range of its own)."""
    out = [(i, i + 1) for i in range(size)]
    for start, end in ranges:
        for i in range(start, end):
            out[i] = (start, end)
    return out
