"""The publish gate: checks an item must pass before patients see it.

Pure functions over an ``ItemSpec`` (what a content file or an editor's form holds). Every
problem is a sentence an editor can act on. Placeholders (``{clinic_phone}``…) must be known;
every other check reads the text filled in, as a patient receives it. Run on every publish
(``bot.content.editorial``), live in the web editor's preview, and in CI over ``content/``
(``python -m bot content lint``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import textstat

from bot.config import Clinic, get_settings
from bot.content import placeholders
from bot.content.files import ItemSpec, read_items

MAX_GRADE = 8.0
MAX_SMS_CHARS = 320
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"
REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": "a plain space", "\u2022": "-", "\t": "a space",
}
CONTACT_LINES = {"emergency": "911", "crisis": "988"}


@dataclass(frozen=True)
class Problem:
    """One reason an item cannot be published."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class LintReport:
    """What the gate found for one item, plus numbers the editor's preview shows."""

    item_id: str
    grade: float
    sms_chars: int
    sms_parts: int
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing stops publishing."""
        return not self.problems

    @property
    def messages(self) -> list[str]:
        """The problems as sentences."""
        return [problem.message for problem in self.problems]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    advice: str


def _rule(pattern: str, advice: str) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), advice)


_NUMBER = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|half an?)"
PRESCRIPTIVE_RULES = (
    _rule(
        r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|ug|g|grams?|milligrams?|micrograms?|ml|millilit(?:er|re)s?"
        r"|iu|units?)\b",
        "gives a dose",
    ),
    _rule(
        rf"\btake\s+{_NUMBER}\s+(?:tablets?|pills?|capsules?|doses?|drops?|puffs?|tea ?spoons?)\b",
        "tells the patient how much to take",
    ),
    _rule(r"\bevery\s+\d+\s+hours?\b", "tells the patient how often to take something"),
    _rule(r"\bstop\s+taking\b", "tells the patient to stop a treatment"),
    _rule(
        r"\byou\s+(?:should|must|need\s+to|have\s+to|ought\s+to)\s+(?:take|stop|start|quit|use)\b",
        "tells the patient what to take or stop",
    ),
    _rule(
        r"\b(?:you\s+(?:don['’]?t|do\s+not|dont)\s+need|no\s+need)\s+to\s+(?:see|call|visit|go\s+to)\b",
        "tells the patient they need no care",
    ),
    _rule(
        r"\byou\s+(?:definitely|certainly|probably|clearly|surely)\s+(?:do\s+not\s+|don['’]?t\s+)?have\b"
        r"|\byou\s+(?:do\s+not|don['’]?t)\s+have\s+(?:toh|transient|osteo\w*|cancer|an?\s+"
        r"(?:fracture|infection|broken|tumou?r|clot))",
        "tells the patient whether they have a condition",
    ),
)
# Words patients often do not know. In an SMS (no room for a list or a second message) each must
# come with its plain meaning: inside brackets after plain words ("medicine that acts on bone
# (bisphosphonates)"), or followed by one ("imaging (scans)", "cartilage, the smooth tissue…").
JARGON: dict[str, str] = {
    r"bisphosphonates?": "medicine that acts on bone",
    r"anti-?inflammator(?:y|ies)": "medicine that eases swelling and pain",
    r"imaging": "scans",
    r"clinicians?": "doctors and nurses, or your care team",
    r"osteonecrosis|avascular necrosis": "bone death from poor blood flow",
    r"bone marrow o?edema|marrow o?edema": "fluid inside the bone, seen on an MRI",
    r"osteopenia|demineraliz\w*": "bone thinning",
    r"cartilage": "the smooth tissue on the ends of the bones",
    r"analgesics?|nsaids?": "pain medicine",
    r"teriparatide": "a medicine that builds bone",
    r"postpartum": "after giving birth",
    r"idiopathic": "with no known cause",
    r"femoral": "of the thigh bone",
    r"dvt|deep vein thrombosis|thrombosis": "a blood clot in a deep vein",
}
_JARGON = re.compile(r"\b(?:" + "|".join(JARGON) + r")\b", re.IGNORECASE)
# What follows a word that is being explained: "(…", ", which…", " means…", ", also called…".
_EXPLAINED_AFTER = re.compile(
    r"\s*(?:\(|,\s*(?:which|meaning|the|a|an|also called|or)\b|\s*(?:means|is|are)\b)",
    re.IGNORECASE,
)
TOH_SPELLED_OUT = "transient osteoporosis of the hip (TOH)"
# Claims the main source does not make: only the weaker source says them (prefer the first,
# never repeat the second's doubtful claims as fact). Each pattern says why and what to write.
FAITHFULNESS_RULES = (
    _rule(
        r"\bshort[- ]term\b",
        "calls TOH short-term; the sources say temporary, with improvement over months",
    ),
    _rule(
        r"\b(?:near|around|at) (?:the )?age (?:of )?45\b",
        "gives an age only the weaker source gives; say who it is described in, or attribute it",
    ),
    _rule(
        r"(?<!usually )(?<!typically )(?<!generally )(?<!rarely )"
        r"\b(?:does|will|can)\s*not\s+(?:lead to|cause|end in)\s+(?:a\s+|joint\s+)?collapse\b",
        "rules out collapse; the sources say it usually does not progress to collapse",
    ),
    _rule(
        r"\b(?:is|are)\s+(?:caused by|due to)\s+(?:a\s+)?(?:lack|shortage|low levels?)"
        r" of calcium\b",
        "states the weaker source's calcium claim as fact; the cause is not known",
    ),
)
PRESCRIPTIVE_HELP = (
    "say what clinicians usually consider and that the decision belongs to the patient's own "
    "care team"
)


def plain_text(markdown: str) -> str:
    """The words a patient reads: Markdown marks dropped, each list item its own sentence."""
    lines = []
    for line in re.sub(r"\*\*|__|`", "", markdown).splitlines():
        stripped = re.sub(r"^\s*(?:[-*+]|\d+[.)]|#+)\s+", "", line).strip()
        if stripped and stripped != line.strip() and stripped[-1] not in ".!?:;":
            stripped += "."
        lines.append(stripped)
    return "\n".join(lines).strip()


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of the plain words of ``text`` (textstat)."""
    words = plain_text(text)
    return float(textstat.flesch_kincaid_grade(words)) if words else 0.0


def gsm7_septets(text: str) -> int | None:
    """Septets ``text`` takes in GSM-7, or None when a character is not GSM-7."""
    total = 0
    for char in text:
        if char in GSM7_BASIC:
            total += 1
        elif char in GSM7_EXTENDED:
            total += 2
        else:
            return None
    return total


def sms_parts(text: str) -> int:
    """How many SMS segments ``text`` is sent as (GSM-7: 160, or 153 each when split)."""
    septets = gsm7_septets(text)
    if septets is None:  # UCS-2: 70, or 67 each when split
        single, multi, units = 70, 67, len(text.encode("utf-16-le")) // 2
    else:
        single, multi, units = 160, 153, septets
    if units <= single:
        return 1 if units else 0
    return -(-units // multi)


def _describe(char: str) -> str:
    hint = REPLACEMENTS.get(char)
    name = f"'{char}'" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    return f"{name} (use {hint})" if hint else name


def check_sms(sms_text: str) -> list[Problem]:
    """Length and character set of the SMS rendering."""
    problems = []
    if len(sms_text) > MAX_SMS_CHARS:
        problems.append(
            Problem("sms_text", f"The SMS text has {len(sms_text)} characters; the limit is "
                    f"{MAX_SMS_CHARS}. Shorten it by {len(sms_text) - MAX_SMS_CHARS}.")
        )
    bad = sorted({c for c in sms_text if c not in GSM7_BASIC and c not in GSM7_EXTENDED})
    if bad:
        problems.append(
            Problem("sms_text", "The SMS text has characters many phones cannot show: "
                    + ", ".join(_describe(c) for c in bad)
                    + ". No curly quotes, long dashes or emoji.")
        )
    return problems


def check_reading_level(text: str) -> list[Problem]:
    """The web text must read at grade ``MAX_GRADE`` or lower."""
    grade = reading_grade(text)
    if grade <= MAX_GRADE:
        return []
    return [
        Problem("text", f"The web text reads at grade {grade:.1f}; it must be grade {MAX_GRADE:g} "
                "or lower. Use shorter sentences and everyday words.")
    ]


def check_prescriptive(label: str, field_name: str, value: str) -> list[Problem]:
    """No doses, no orders to take or stop a medicine, no telling patients they need no care."""
    problems = []
    for rule in PRESCRIPTIVE_RULES:
        match = rule.pattern.search(value)
        if match:
            problems.append(
                Problem(field_name, f'The {label} {rule.advice} ("{match.group(0)}"). '
                        f"Instead, {PRESCRIPTIVE_HELP}.")
            )
    return problems


def _explained(text: str, match: re.Match[str]) -> bool:
    """True when the jargon word sits in brackets or is followed by its plain meaning."""
    before = text[: match.start()]
    if before.count("(") > before.count(")"):
        return True
    return bool(_EXPLAINED_AFTER.match(text, match.end()))


def check_sms_jargon(sms_text: str) -> list[Problem]:
    """SMS texts explain every word of ``JARGON`` they use, in brackets or right after it."""
    problems = []
    seen: set[str] = set()
    for match in _JARGON.finditer(sms_text):
        word = match.group(0).lower()
        if word in seen or _explained(sms_text, match):
            continue
        seen.add(word)
        plain = next(v for k, v in JARGON.items() if re.fullmatch(k, word, re.IGNORECASE))
        problems.append(
            Problem("sms_text", f'The SMS text uses "{match.group(0)}" without saying what it '
                    f'means. Use plain words ("{plain}"), or explain it in brackets.')
        )
    return problems


def check_sms_spells_out_toh(sms_text: str) -> list[Problem]:
    """An FAQ SMS that says "TOH" spells it out the first time: it may be the only text read."""
    first = re.search(r"\bTOH\b", sms_text)
    if first is None:
        return []
    long_form = sms_text.lower().find(TOH_SPELLED_OUT.lower())
    if 0 <= long_form < first.start():
        return []
    return [
        Problem("sms_text", f'The SMS text says "TOH" without spelling it out first. Write '
                f'"{TOH_SPELLED_OUT}" the first time.')
    ]


def check_faithful(label: str, field_name: str, value: str) -> list[Problem]:
    """Wording the slips of past reviews showed: claims the main source does not make."""
    problems = []
    for rule in FAITHFULNESS_RULES:
        match = rule.pattern.search(value)
        if match:
            problems.append(
                Problem(field_name, f'The {label} {rule.advice} ("{match.group(0)}").')
            )
    return problems


def check_sources(sources: Iterable[str]) -> list[Problem]:
    """At least one source, so a reviewer can check the facts."""
    if any(str(source).strip() for source in sources):
        return []
    return [Problem("sources", "Add at least one source, so a reviewer can check the facts.")]


def check_review_by(review_by: date | None, today: date) -> list[Problem]:
    """The review-by date must lie in the future."""
    if review_by is None:
        return [Problem("review_by", "Set a review-by date in the future.")]
    if review_by <= today:
        return [
            Problem("review_by", f"The review-by date {review_by.isoformat()} has passed. A "
                    "clinician should check the answer again; then set a new date.")
        ]
    return []


def check_contact_line(tier: str | None, text: str, sms_text: str) -> list[Problem]:
    """Emergency escalations keep "911", crisis escalations keep "988", on web and SMS."""
    number = CONTACT_LINES.get(tier or "")
    if number is None:
        return []
    problems = []
    renderings = (("web text", "text", text), ("SMS text", "sms_text", sms_text))
    for label, field_name, value in renderings:
        if number not in value:
            problems.append(
                Problem(field_name, f"This {tier} message must keep the line with {number} in "
                        f"its {label}.")
            )
    return problems


def check_placeholders(spec: ItemSpec) -> list[Problem]:
    """Every ``{name}`` must be one this item may use; no stray braces."""
    allowed = placeholders.allowed_for(spec.id)
    known = ", ".join(f"{{{name}}}" for name in allowed)
    problems = []
    for field_name, label in (("title", "title"), ("text", "web text"), ("sms_text", "SMS text")):
        value = str(getattr(spec, field_name) or "")
        for name in placeholders.names_in(value):
            if name not in allowed:
                problems.append(Problem(field_name, f"The {label} has an unknown placeholder "
                                        f"{{{name}}}. Use only {known}."))
        if placeholders.has_stray_brace(value):
            problems.append(Problem(field_name, f"The {label} has a {{ or }} that is not part of a "
                                    f"placeholder. Remove it, or write a placeholder: {known}."))
    return problems + _missing_item_placeholders(spec)


def _missing_item_placeholders(spec: ItemSpec) -> list[Problem]:
    """An item whose placeholder code fills (``{reason}``) must keep it on web and SMS."""
    problems = []
    for name in placeholders.ITEM_PLACEHOLDERS.get(spec.id, {}):
        for field_name, label in (("text", "web text"), ("sms_text", "SMS text")):
            if f"{{{name}}}" not in str(getattr(spec, field_name) or ""):
                problems.append(Problem(field_name, f"The {label} must keep {{{name}}}: the "
                                        "assistant fills it in for each patient."))
    return problems


def filled_spec(spec: ItemSpec, values: Mapping[str, str]) -> ItemSpec:
    """``spec`` with its placeholders filled: what a patient receives."""
    return replace(
        spec,
        title=placeholders.fill(spec.title, values),
        text=placeholders.fill(spec.text, values),
        sms_text=placeholders.fill(spec.sms_text, values),
    )


def check_required(spec: ItemSpec) -> list[Problem]:
    """Title, web text and SMS text must not be empty."""
    labels = {"title": "a title", "text": "the web text", "sms_text": "the SMS text"}
    return [
        Problem(name, f"Write {label}.")
        for name, label in labels.items()
        if not str(getattr(spec, name) or "").strip()
    ]


def lint_item(
    spec: ItemSpec, *, today: date | None = None, clinic: Clinic | None = None
) -> LintReport:
    """Run every check on one item, its placeholders filled in for ``clinic``.

    Args:
        spec: The item as written, placeholders and all.
        today: The date review-by dates are checked against (default: the local date).
        clinic: The clinic whose details fill the placeholders (default: the settings').

    Returns:
        The verdict, with the grade and SMS length of the filled text.

    """
    today = today or date.today()
    values = placeholders.preview_values(spec.id, clinic or get_settings().clinic)
    shown = filled_spec(spec, values)
    problems = [
        *check_required(spec),
        *check_placeholders(spec),
        *check_reading_level(shown.text),
        *check_prescriptive("web text", "text", shown.text),
        *check_prescriptive("SMS text", "sms_text", shown.sms_text),
        *check_sms(shown.sms_text),
        *check_sms_jargon(shown.sms_text),
        *(check_sms_spells_out_toh(shown.sms_text) if spec.kind == "faq" else []),
        *check_faithful("web text", "text", shown.text),
        *check_faithful("SMS text", "sms_text", shown.sms_text),
        *check_sources(spec.sources),
        *check_review_by(spec.review_by, today),
        *check_contact_line(
            spec.tier if spec.kind == "escalation" else None, shown.text, shown.sms_text
        ),
    ]
    return LintReport(
        item_id=spec.id,
        grade=round(reading_grade(shown.text), 1),
        sms_chars=len(shown.sms_text),
        sms_parts=sms_parts(shown.sms_text),
        problems=tuple(problems),
    )


def lint_dir(
    content_dir: Path, *, today: date | None = None, clinic: Clinic | None = None
) -> list[LintReport]:
    """Lint every item file under ``content_dir`` (what CI runs over ``content/``)."""
    return [lint_item(spec, today=today, clinic=clinic) for spec in read_items(content_dir)]
