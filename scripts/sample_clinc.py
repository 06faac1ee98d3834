"""Write the CLINC150 samples: out-of-scope negatives from its train split, a fixed exam from its
test and out-of-scope test splits (issue 16). Rerunning with the same seed gives the same files.

Usage: .venv/bin/python scripts/sample_clinc.py --source data_full.json
(data_full.json from https://github.com/clinc/oos-eval, data/data_full.json).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu.evaluation import phrasing_key, read_examples  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRAIN_OUT = ROOT / "data" / "nlu" / "out_of_scope_clinc.yml"
MORE_OUT = ROOT / "data" / "nlu" / "out_of_scope_clinc_more.yml"
EXAM_OUT = ROOT / "tests" / "nlu" / "clinc_exam.yml"
SEED = 16
PER_INTENT_TRAIN = 10
# A second, later sample (its own seed, so the first sample and the exam stay as they were).
PER_INTENT_MORE = 10
PER_INTENT_TEST = 4
OOS_TEST = 300
# CLINC intents our assistant answers with its own conversation intents (greet, goodbye, thank,
# affirm, deny, bot_challenge, help): never trained as out-of-scope.
CONVERSATION_INTENTS = frozenset(
    {"greeting", "goodbye", "thank_you", "yes", "no", "maybe", "are_you_a_bot"}
    | {"what_can_i_ask_you"}
)
# Train sentences too close to what a patient tells the care team to learn as "unrelated".
EXCLUDED_TRAIN = frozenset({phrasing_key("text my doctor and tell him it happened again")})

ATTRIBUTION = """\
# From CLINC150 (https://github.com/clinc/oos-eval, data/data_full.json, commit 828f809),
# CC BY 3.0: Larson et al. 2019, "An Evaluation Dataset for Intent Classification and
# Out-of-Scope Prediction", EMNLP-IJCNLP. Sampled by scripts/sample_clinc.py (seed {seed}); texts
# unchanged.
"""


def by_intent(rows: list[list[str]]) -> dict[str, list[str]]:
    """CLINC rows ``[text, intent]`` grouped by intent, in file order."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        grouped[intent].append(text)
    return grouped


def block(texts: list[str], split: str | None = None) -> str:
    """One Rasa NLU ``out_of_scope`` block (with the CLINC split as intent metadata)."""
    head = "- intent: out_of_scope\n"
    if split:
        head += f"  metadata:\n    split: {split}\n"
    return head + "  examples: |\n" + "".join(f"    - {t}\n" for t in texts)


def sample_per_intent(
    train: dict[str, list[str]], rng: random.Random, count: int, unusable: frozenset[str]
) -> list[str]:
    """``count`` train queries of each intent but the conversation ones, none ``unusable``."""
    sample: list[str] = []
    for intent in sorted(train):
        if intent in CONVERSATION_INTENTS:
            continue
        pool = [t for t in train[intent] if phrasing_key(t) not in unusable]
        sample += rng.sample(pool, count)
    return sample


def more_negatives(train: dict[str, list[str]], *, taken: set[str], exam: set[str]) -> list[str]:
    """A further sample of train queries per intent, none already taken or in the exam."""
    unusable = frozenset({phrasing_key(t) for t in taken | exam} | EXCLUDED_TRAIN)
    return sample_per_intent(train, random.Random(SEED + 1), PER_INTENT_MORE, unusable)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True, type=Path)
    args = parser.parse_args()
    data = json.loads(args.source.read_text(encoding="utf-8"))
    rng = random.Random(SEED)

    train = by_intent(data["train"])
    negatives = sample_per_intent(train, rng, PER_INTENT_TRAIN, EXCLUDED_TRAIN)
    negatives += [text for text, _ in data["oos_train"]]

    # The exam is never trained on: no query that any training file (ours or this sample) has.
    # The second sample is drawn after the exam and kept out of it, so it must not shape it.
    trained = {phrasing_key(t) for t in negatives} | {
        phrasing_key(e.text)
        for path in (ROOT / "data" / "nlu").glob("*.yml")
        if path not in (TRAIN_OUT, MORE_OUT)
        for e in read_examples(path)
    }
    test = by_intent(data["test"])
    exam_test: list[str] = []
    for intent in sorted(test):
        pool = [t for t in test[intent] if phrasing_key(t) not in trained]
        exam_test += rng.sample(pool, PER_INTENT_TEST)
    oos_pool = [t for t, _ in data["oos_test"] if phrasing_key(t) not in trained]
    exam_oos = rng.sample(oos_pool, OOS_TEST)

    more = more_negatives(train, taken=set(negatives), exam=set(exam_test) | set(exam_oos))
    header = ATTRIBUTION.format(seed=SEED)
    MORE_OUT.write_text(
        ATTRIBUTION.format(seed=SEED + 1)
        + f"# More out-of-scope negatives: {PER_INTENT_MORE} further train queries from each CLINC"
        " intent but its\n# conversation ones (none in the first sample, none in the exam).\n"
        + 'version: "3.1"\nnlu:\n'
        + block(more),
        encoding="utf-8",
    )
    TRAIN_OUT.write_text(
        header
        + f"# Out-of-scope negatives: {PER_INTENT_TRAIN} train queries from each CLINC intent but"
        " its conversation ones,\n# plus its 100 out-of-scope train queries.\n"
        + 'version: "3.1"\nnlu:\n'
        + block(negatives),
        encoding="utf-8",
    )
    EXAM_OUT.write_text(
        header
        + "# The exam, NEVER trained on: CLINC test queries (4 per intent, all 150 intents) and\n"
        "# its out-of-scope test queries. Both must be kept out (no FAQ answer, no escalation).\n"
        + 'version: "3.1"\nnlu:\n'
        + block(exam_test, "test")
        + block(exam_oos, "oos_test"),
        encoding="utf-8",
    )
    print(f"{len(negatives)} + {len(more)} negatives,"
          f" exam {len(exam_test)} test + {len(exam_oos)} oos_test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
