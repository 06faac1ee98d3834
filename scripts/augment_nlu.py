"""Write data/nlu/faq_context.yml: FAQ phrasings that carry context the classifier must look
past (a negated or past symptom before the question, plain context such as who is asking, a
question *about* a symptom, fall prevention, weight loss as a goal). Deterministic (seeded);
never copies a test phrasing. Blood clots are not among the symptoms asked about: such questions
belong to preventing_clots, not warning_signs.

Why: the red-flag screen keeps "No fever. Do I need an MRI?" calm, but the classifier then
read "fever" and answered warning_signs instead of imaging.
Run: .venv/bin/python scripts/augment_nlu.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.evaluation import phrasing_key as key  # noqa: E402
from bot.nlu.evaluation import read_examples, sentence_keys  # noqa: E402
from bot.safety.corpus import load_corpus  # noqa: E402

OUT = ROOT / "data" / "nlu" / "faq_context.yml"
PREAMBLES = [
    "No fever or chills.",
    "I don't have a fever.",
    "No numbness, just the ache.",
    "I haven't fallen.",
    "There was no fall or injury.",
    "My hip isn't red or swollen.",
    "I haven't lost any weight.",
    "No night sweats here.",
    "Had a temperature weeks ago, it's gone.",
    "Not pregnant.",
    "Nothing hot or puffy.",
    "No tingling at all.",
    "No trauma, it just started.",
    "Temp is normal, 36.7.",
    "My doctor ruled out an infection.",
    "no fevr",
]
# Plain context patients put before the question (who is asking, how long, what was said).
# Training data is almost all single sentences; real messages often are not.
NEUTRAL_PREAMBLES = [
    "Hi.",
    "Hello, quick question.",
    "Thanks for the last answer.",
    "My mom was told she has TOH.",
    "My husband has transient osteoporosis.",
    "I'm 52 and my hip has ached for a few weeks.",
    "The doctor thinks it's TOH.",
    "I was diagnosed two months ago.",
    "I saw the specialist on Monday.",
    "Sorry if this is a silly question.",
    "I'm on crutches at the moment.",
    "I work in an office.",
    "I read about this online and I'm confused.",
    "It's my right hip.",
    "My MRI was last week.",
    "ok thanks.",
    "I'm asking for my dad.",
    "I'm a bit worried.",
    "We have a follow up soon.",
    "It started after a long walk, no injury.",
]
SYMPTOMS = [
    "a fever",
    "chills",
    "night sweats",
    "numbness in the leg",
    "tingling in the foot",
    "leg weakness",
    "a swollen calf",
    "chest pain",
    "shortness of breath",
    "weight loss",
    "a hot red hip",
    "swelling around the hip",
    "pins and needles",
    "pain that keeps getting worse",
    "bladder problems",
    "a numb groin",
    "a high temperature",
]
SYMPTOM_TEMPLATES = [
    "can TOH cause {s}?",
    "is {s} a sign of TOH?",
    "is {s} normal with TOH?",
    "should {s} worry me if I have TOH?",
    "is {s} linked to transient osteoporosis?",
    "does toh give people {s}",
    "what would {s} mean for someone with TOH?",
    "would {s} be part of transient osteoporosis of the hip?",
]
HANDWRITTEN = {
    "faq_fracture_risk": [
        "does TOH make a tumble more dangerous for the bone",
        "what happens to a TOH hip if someone trips",
        "could slipping in the bath break a hip with TOH",
    ],
    "faq_preventing_falls": [
        "how can I avoid a fall while my hip is weak with TOH",
        "tips so I don't fall at home while the TOH heals",
        "should I make my house safer against falls because of TOH",
        "is my risk of falling higher with this hip condition",
        "how do I stay steady on icy paths with TOH",
    ],
    "faq_treatment": [
        "will dieting help my hip heal from TOH",
        "is dropping a few pounds good for transient osteoporosis",
        "should I slim down to ease the load on my TOH hip",
        "does being overweight slow TOH recovery",
        "my goal is to lose some weight, will that help the hip",
        "what happens next if TOH is not improving",
    ],
    "faq_diet_and_supplements": ["can a healthier diet help TOH get better"],
    "faq_pain_relief": ["is ice or a warm pack better for TOH pain"],
}
PER_TOPIC_PREAMBLES = 6
PER_TOPIC_NEUTRAL = 8
PER_TEMPLATE = 4


def tests_keys() -> set[str]:
    """Every phrasing of the exams: held-out NLU set and the safety suite."""
    texts = []
    for name in ("cases.yml", "calm_blind.yml"):
        cases = yaml.safe_load((ROOT / "tests/safety" / name).read_text(encoding="utf-8"))
        texts += [c["text"] for group in cases.values() for c in group]
    texts += [e.text for e in read_examples(ROOT / "tests/nlu/heldout.yml")]
    return {key(t) for t in texts}


def exam_sentence_keys() -> set[str]:
    """Sentences of 5+ words in the red-flag exams, the held-out set and the CLINC150 exam: a
    generated phrasing sharing one ("I don't have a fever.") would put exam text into training."""
    texts = [m.text for m in load_corpus(sorted((ROOT / "tests/safety/blind").glob("*.yml")))]
    texts += [m.text for m in load_corpus([ROOT / "data/red_flags/validation.yml"])]
    texts += [e.text for e in read_examples(ROOT / "tests/nlu/heldout.yml")]
    texts += [e.text for e in read_examples(ROOT / "tests/nlu/clinc_exam.yml")]
    return sentence_keys(texts)


def generate(rng: random.Random) -> dict[str, list[str]]:
    """Examples per intent."""
    training = [
        e for p in sorted((ROOT / "data/nlu").glob("*.yml")) if p != OUT for e in read_examples(p)
    ]
    out: dict[str, list[str]] = {intent: list(texts) for intent, texts in HANDWRITTEN.items()}
    for intent in sorted({e.intent for e in training if e.intent.startswith("faq_")}):
        questions = [e.text for e in training if e.intent == intent]
        for question in rng.sample(questions, PER_TOPIC_PREAMBLES):
            out.setdefault(intent, []).append(f"{rng.choice(PREAMBLES)} {question}")
        for question in rng.sample(questions, PER_TOPIC_NEUTRAL):
            out[intent].append(f"{rng.choice(NEUTRAL_PREAMBLES)} {question}")
    for template in SYMPTOM_TEMPLATES:
        for symptom in rng.sample(SYMPTOMS, PER_TEMPLATE):
            out.setdefault("faq_warning_signs", []).append(template.format(s=symptom))
    return out


def main() -> int:
    exams = tests_keys()
    exam_sentences = exam_sentence_keys()
    existing = {
        key(e.text) for p in (ROOT / "data/nlu").glob("*.yml") if p != OUT for e in read_examples(p)
    }
    blocks, seen = [], set()
    for intent, texts in sorted(generate(random.Random(7)).items()):
        kept = []
        for text in texts:
            k = key(text)
            fresh = k not in exams and k not in existing and k not in seen
            if fresh and not sentence_keys([text]) & exam_sentences:
                seen.add(k)
                kept.append(text)
        blocks.append(
            f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {t}\n" for t in kept)
        )
    header = '# Generated by scripts/augment_nlu.py: do not edit by hand.\nversion: "3.1"\nnlu:\n'
    OUT.write_text(header + "".join(blocks), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(seen)} examples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
