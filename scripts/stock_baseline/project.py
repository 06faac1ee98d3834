"""A stock Rasa 3.6 FAQ bot built from OUR NLU data: the baseline of scripts/bench_vs_stock.py.

``write_project(dest)`` lays out ``build/stock/``: Rasa's default ``rasa init`` pipeline and
policies (DIET…, written out as ``config.yml``), a domain and rules generated from
``data/nlu``, a SQL tracker store on SQLite and one plain custom action for the FAQ intents
(``stock_actions.py``). ``trained_model(dest)`` trains it once per hash of its inputs
(DIET takes ~10 minutes on the 2-core machine) and reuses the cached model afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

# Rasa 3.6's default config (rasa/engine/recipes/config_files/default_config.yml), i.e. what a
# `rasa init` project trains with.
CONFIG = """\
recipe: default.v1
assistant_id: stock_baseline
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 100
  - name: TEDPolicy
    max_history: 5
    epochs: 100
    constrain_similarities: true
"""

ENDPOINTS = """\
action_endpoint:
  url: ${STOCK_ACTION_URL}
tracker_store:
  type: SQL
  dialect: sqlite
  db: ${STOCK_TRACKER_DB}
"""

REPLIES = {
    "greet": "Hi! I answer questions about transient osteoporosis of the hip.",
    "goodbye": "Goodbye, take care.",
    "thank": "You're welcome.",
    "bot_challenge": "I am a bot.",
    "request_human": "Please call the clinic to talk to a person.",
    "help": "Ask me anything about transient osteoporosis of the hip.",
    "out_of_scope": "Sorry, I can only answer questions about transient osteoporosis of the hip.",
    "affirm": "Okay.",
    "deny": "Okay.",
    "default": "Sorry, I didn't understand that. Could you rephrase?",
}


def nlu_intents(nlu_dir: Path) -> list[str]:
    """Every intent with examples in ``nlu_dir``, sorted."""
    names = set()
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "intent" in block:
                names.add(block["intent"])
    return sorted(names)


def domain(intents: list[str]) -> dict:
    """Intents, one response per non-FAQ intent, the FAQ action, Rasa's default session."""
    others = [i for i in intents if not i.startswith("faq_")]
    return {
        "version": "3.1",
        "intents": intents,
        "responses": {
            f"utter_{k}": [{"text": REPLIES.get(k, "Okay.")}] for k in [*others, "default"]
        },
        "actions": ["action_answer_faq"],
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    }


def rules(intents: list[str]) -> dict:
    """One rule per intent: FAQ → the custom action, anything else → its response."""
    steps = []
    for name in intents:
        action = "action_answer_faq" if name.startswith("faq_") else f"utter_{name}"
        steps.append({"rule": f"answer {name}", "steps": [{"intent": name}, {"action": action}]})
    steps.append({"rule": "fallback", "steps": [{"intent": "nlu_fallback"},
                                                {"action": "utter_default"}]})
    return {"version": "3.1", "rules": steps}


def config(epochs: int | None = None) -> str:
    """Rasa's default config; ``epochs`` overrides the 100 of every neural component.

    Fewer epochs give the same networks (same inference cost, memory and load time), only less
    trained: a quick stand-in when the full baseline cannot be trained in time.
    """
    return CONFIG if epochs is None else CONFIG.replace("epochs: 100", f"epochs: {epochs}")


def write_project(dest: Path, epochs: int | None = None) -> None:
    """Lay out the stock project in ``dest`` (overwriting its files, keeping ``models/``)."""
    intents = nlu_intents(ROOT / "data/nlu")
    (dest / "data").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(dest / "data/nlu", ignore_errors=True)
    shutil.copytree(ROOT / "data/nlu", dest / "data/nlu")
    (dest / "data/rules.yml").write_text(yaml.safe_dump(rules(intents), sort_keys=False))
    (dest / "domain.yml").write_text(yaml.safe_dump(domain(intents), sort_keys=False))
    (dest / "config.yml").write_text(config(epochs))
    (dest / "endpoints.yml").write_text(ENDPOINTS)
    (dest / "credentials.yml").write_text("rest:\n")
    shutil.copy(HERE / "actions.py", dest / "stock_actions.py")


def inputs_hash(dest: Path) -> str:
    """A hash of everything training reads, plus the Rasa version."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    files = [dest / "config.yml", dest / "domain.yml", *sorted((dest / "data").rglob("*.yml"))]
    for path in files:
        digest.update(str(path.relative_to(dest)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def trained_model(dest: Path) -> tuple[Path, float]:
    """The stock model for the current inputs and its training time (s), trained if missing."""
    key = inputs_hash(dest)
    model, record = dest / f"models/stock-{key}.tar.gz", dest / f"models/stock-{key}.json"
    if model.exists() and record.exists():
        return model, json.loads(record.read_text())["train_seconds"]
    started = time.monotonic()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [str(BIN / "rasa"), "train", "--out", "models", "--fixed-model-name", f"stock-{key}",
         "--quiet"],
        cwd=dest, env=env, check=True,
    )
    seconds = time.monotonic() - started
    record.write_text(json.dumps({"train_seconds": seconds}))
    return model, seconds


if __name__ == "__main__":
    target = ROOT / "build/stock"
    write_project(target)
    path, took = trained_model(target)
    print(f"stock model: {path.relative_to(ROOT)} (training {took:.0f} s)")
