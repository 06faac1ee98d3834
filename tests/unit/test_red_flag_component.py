"""RedFlagScreen: train, persist, load, and predictions survive the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import REPO_ROOT
from bot.nlu.red_flags import RedFlagScreen

CATALOG = REPO_ROOT / "content" / "red_flags.yml"


def classified(text: str, intent: str = "faq_duration") -> Message:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.9})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.9}])
    return message


@pytest.fixture
def trained(tmp_path: Path) -> tuple[LocalModelStorage, Resource]:
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    resource = Resource("red_flag_screen")
    context = ExecutionContext(GraphSchema({}), "test")
    component = RedFlagScreen.create({"catalog": str(CATALOG)}, storage, resource, context)
    component.train(TrainingData())
    return storage, resource


def load(trained: tuple[LocalModelStorage, Resource]) -> RedFlagScreen:
    storage, resource = trained
    context = ExecutionContext(GraphSchema({}), "test")
    return RedFlagScreen.load({"catalog": "/nonexistent.yml"}, storage, resource, context)


def test_loaded_component_escalates_without_the_catalog_file(trained) -> None:
    [message] = load(trained).process(
        [classified("I have a fever of 39C, how long does TOH last?")]
    )
    assert message.get(INTENT)["name"] == "escalate_urgent"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "escalate_urgent"
    flags = [e for e in message.get(ENTITIES) if e["entity"] == "red_flag"]
    assert flags and flags[0]["tier"] == "urgent" and flags[0]["escalation"]


def test_emergency_beats_urgent(trained) -> None:
    [message] = load(trained).process([classified("I fell and now I have chest pain")])
    assert message.get(INTENT)["name"] == "escalate_emergency"


@pytest.mark.parametrize("text", ["no fever, how long does it last?", "can TOH cause a fever?"])
def test_calm_messages_keep_their_intent(trained, text: str) -> None:
    [message] = load(trained).process([classified(text)])
    assert message.get(INTENT)["name"] == "faq_duration"
    assert not message.get(ENTITIES)


def test_catalog_changes_change_the_fingerprint(tmp_path: Path) -> None:
    copy = tmp_path / "red_flags.yml"
    copy.write_text(CATALOG.read_text())
    before = RedFlagScreen.fingerprint_addon({"catalog": str(copy)})
    copy.write_text(CATALOG.read_text() + "\n# reviewed again\n")
    assert RedFlagScreen.fingerprint_addon({"catalog": str(copy)}) != before
