"""RedFlagScreen: train, persist, load, and predictions survive the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import REPO_ROOT
from bot.nlp import make_pipeline
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
    config = {"catalog": str(CATALOG), "learned": False}  # the rules alone: fast
    component = RedFlagScreen.create(config, storage, resource, context)
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


def test_the_rules_read_the_doc_spacy_nlp_left_on_the_message(trained) -> None:
    component = load(trained)
    text = "I FELL and now I CAN'T BREATHE"
    message = classified(text)
    message.set(SPACY_DOCS[TEXT], make_pipeline()(text.lower()))  # as SpacyNLP leaves it

    def refuse(_: str) -> None:
        raise AssertionError("the message was parsed again")

    component._detector.nlp = refuse  # type: ignore[union-attr,assignment]
    [message] = component.process([message])
    assert message.get(INTENT)["name"] == "escalate_emergency"
    flags = {e["value"] for e in message.get(ENTITIES) if e["entity"] == "red_flag"}
    assert "shortness_of_breath" in flags


def test_catalog_changes_change_the_fingerprint(tmp_path: Path) -> None:
    copy = tmp_path / "red_flags.yml"
    copy.write_text(CATALOG.read_text())
    before = RedFlagScreen.fingerprint_addon({"catalog": str(copy)})
    copy.write_text(CATALOG.read_text() + "\n# reviewed again\n")
    assert RedFlagScreen.fingerprint_addon({"catalog": str(copy)}) != before


LEARNED_CORPUS = """
version: 1
cases:
  - {tier: crisis, flag: self_harm, text: "I do not see any reason to keep going"}
  - {tier: crisis, flag: self_harm, text: "everyone would be better off without me around"}
  - {tier: crisis, flag: self_harm, text: "how many sleeping pills would it take to not wake up"}
  - {tier: crisis, flag: self_harm, text: "I just want to sleep and never wake up again"}
  - {tier: emergency, flag: fainting, text: "my wife just passed out in the kitchen"}
  - {tier: emergency, flag: fainting, text: "I blacked out for a minute this morning"}
  - {tier: emergency, flag: fainting, text: "he fainted and hit the floor"}
  - {tier: urgent, flag: night_sweats, text: "I wake up soaked in sweat every night"}
  - {tier: urgent, flag: night_sweats, text: "drenching sweats at night for two weeks"}
  - {tier: soon, flag: not_improving, text: "the pain is the same as it was two months ago"}
  - {tier: soon, flag: not_improving, text: "my hip is not getting any better at all"}
  - {tier: none, flag: faq_question, text: "how long does TOH usually last"}
  - {tier: none, flag: faq_question, text: "can I drive with transient osteoporosis"}
  - {tier: none, flag: faq_question, text: "what does an MRI show for this"}
  - {tier: none, flag: other_sense, text: "the bill fell on us this month"}
  - {tier: none, flag: faq_question, text: "is swimming a good exercise for my hip"}
"""


@pytest.fixture(scope="module")
def learned_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalModelStorage, Resource]:
    """The component with a learned screen, trained on a tiny corpus (validation = itself)."""
    folder = tmp_path_factory.mktemp("learned")
    (folder / "train").mkdir()
    (folder / "train" / "corpus.yml").write_text(LEARNED_CORPUS, encoding="utf-8")
    (folder / "model").mkdir()
    storage = LocalModelStorage(folder / "model")
    resource = Resource("red_flag_screen")
    config = {
        "catalog": str(CATALOG), "corpus": str(folder / "train"),
        "validation": str(folder / "train" / "corpus.yml"),
    }
    context = ExecutionContext(GraphSchema({}), "test")
    RedFlagScreen.create(config, storage, resource, context).train(TrainingData())
    return storage, resource


def featurized(text: str) -> Message:
    """A classified message with the vectors the featurizer would leave on it."""
    from bot.nlu.featurizers import SENTENCE_VECTORS, message_vectors
    from bot.nlu.minilm import SentenceEncoder

    message = classified(text)
    [vectors] = message_vectors(SentenceEncoder.from_package(), [text])
    message.set(SENTENCE_VECTORS, vectors)
    return message


def test_the_learned_screen_survives_the_round_trip(learned_model) -> None:
    screen = load(learned_model)
    [message] = screen.process([featurized("I do not see any reason to keep going")])
    assert message.get(INTENT)["name"] == "escalate_crisis"
    assert message.get(INTENT_RANKING_KEY)[1]["name"] == "faq_duration"  # the question is kept
    [calm] = screen.process([featurized("how long does TOH usually last")])
    assert calm.get(INTENT)["name"] == "faq_duration"


def test_without_vectors_only_the_rules_screen(learned_model) -> None:
    [message] = load(learned_model).process([classified("I do not see any reason to keep going")])
    assert message.get(INTENT)["name"] == "faq_duration"
