"""scripts/stock_baseline: the benchmark's stock Rasa bot is Rasa's default, built from our data.

The project files are generated and checked without training (training takes ~10 minutes);
the stock action answers from a real SQLite content store.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import rasa
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import REPO_ROOT
from bot.topics import FAQ_TOPICS


def _load(name: str) -> ModuleType:
    path = REPO_ROOT / "scripts" / "stock_baseline" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"stock_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"stock_{name}"] = module
    spec.loader.exec_module(module)
    return module


def test_config_is_rasas_default_pipeline_and_policies() -> None:
    project = _load("project")
    default = Path(rasa.__file__).parent / "engine/recipes/config_files/default_config.yml"
    ours, stock = yaml.safe_load(project.CONFIG), yaml.safe_load(default.read_text())
    assert ours["pipeline"] == stock["pipeline"]
    assert ours["policies"] == stock["policies"]


def test_project_answers_every_faq_intent_with_the_action(tmp_path: Path) -> None:
    project = _load("project")
    project.write_project(tmp_path)
    domain = yaml.safe_load((tmp_path / "domain.yml").read_text())
    rules = yaml.safe_load((tmp_path / "data/rules.yml").read_text())["rules"]
    by_intent = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules}
    assert {f"faq_{t}" for t in FAQ_TOPICS} <= set(domain["intents"])
    assert all(by_intent[f"faq_{t}"] == "action_answer_faq" for t in FAQ_TOPICS)
    assert all(f"utter_{i}" in domain["responses"] for i in domain["intents"]
               if not i.startswith("faq_"))
    assert sorted((tmp_path / "data/nlu").glob("*.yml"))  # our NLU data, copied


def test_hash_changes_with_the_training_data(tmp_path: Path) -> None:
    project = _load("project")
    project.write_project(tmp_path)
    before = project.inputs_hash(tmp_path)
    assert project.inputs_hash(tmp_path) == before
    with (tmp_path / "data/nlu/faq.yml").open("a") as extra:
        extra.write("- intent: greet\n  examples: |\n    - hiya there\n")
    assert project.inputs_hash(tmp_path) != before


def test_stock_action_reads_the_published_text(sqlite_services: object, sqlite_url: str,
                                               monkeypatch: object) -> None:
    monkeypatch.setenv("STOCK_CONTENT_DB", sqlite_url)  # type: ignore[attr-defined]
    actions = _load("actions")
    actions._engine = None
    tracker = Tracker("s", {}, {"intent": {"name": "faq_driving"}, "text": "can I drive"},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    actions.ActionAnswerFaq().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    assert "drive" in text and len(text) > 100


def test_fewer_epochs_change_nothing_else() -> None:
    project = _load("project")
    full, quick = yaml.safe_load(project.config()), yaml.safe_load(project.config(5))
    for part in ("pipeline", "policies"):
        for a, b in zip(full[part], quick[part], strict=True):
            assert {k: v for k, v in a.items() if k != "epochs"} == \
                   {k: v for k, v in b.items() if k != "epochs"}
            assert b.get("epochs") == (5 if "epochs" in a else None)
