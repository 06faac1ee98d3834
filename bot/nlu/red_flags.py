"""Rasa graph component that screens every message for red flags and lets escalation win.

Thin: detection lives in ``bot.safety``. It runs last in the NLU pipeline, so when a live red
flag is found it overrides whatever the classifiers (and the FallbackClassifier) decided:
the intent becomes ``escalate_<tier>`` (emergency beats crisis beats urgent) and each live flag
is added as a ``red_flag`` entity carrying its tier and escalation item id.

The catalog (``content/red_flags.yml``) is copied into the model when training, so the running
assistant never depends on the file or the database to screen a message; its hash is part of
the fingerprint, so changing the catalog retrains this component.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp import make_pipeline
from bot.replies import ESCALATION_INTENT_PREFIX, RED_FLAG_ENTITY
from bot.safety.catalog import load_catalog
from bot.safety.detector import Finding, RedFlagDetector

logger = logging.getLogger(__name__)
CATALOG_FILE = "red_flags.yml"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RedFlagScreen(GraphComponent, IntentClassifier):
    """Overrides the intent with ``escalate_<tier>`` when a message holds a live red flag."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``catalog``: path of the red-flag catalog, read when training."""
        return {"catalog": "content/red_flags.yml"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The catalog's content hash: a changed catalog retrains this component."""
        path = Path(config.get("catalog", "content/red_flags.yml"))
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        catalog_text: str | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._catalog_text = catalog_text
        self._detector: RedFlagDetector | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagScreen:
        """A component that has not read its catalog yet."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Read and validate the catalog, then store it in the model."""
        path = Path(self._config["catalog"])
        self._catalog_text = path.read_text(encoding="utf-8")
        self._build_detector()
        with self._storage.write_to(self._resource) as model_dir:
            (model_dir / CATALOG_FILE).write_text(self._catalog_text, encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RedFlagScreen:
        """Load the catalog stored in the model and build the detector."""
        with model_storage.read_from(resource) as model_dir:
            catalog_text = (model_dir / CATALOG_FILE).read_text(encoding="utf-8")
        component = cls(config, model_storage, resource, catalog_text)
        component._build_detector()
        return component

    def _build_detector(self) -> RedFlagDetector:
        if self._detector is None:
            import tempfile

            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / CATALOG_FILE
                path.write_text(self._catalog_text or "", encoding="utf-8")
                catalog = load_catalog(path)
            self._detector = RedFlagDetector(catalog, make_pipeline())
        return self._detector

    def process(self, messages: list[Message]) -> list[Message]:
        """Screen each message; escalate the ones with a live red flag."""
        detector = self._build_detector()
        for message in messages:
            live = detector.live(message.get(TEXT) or "")
            if live:
                escalate(message, live)
        return messages


def escalate(message: Message, live: list[Finding]) -> None:
    """Set the escalation intent for the most severe live flag and add the flags as entities."""
    intent = {INTENT_NAME_KEY: f"{ESCALATION_INTENT_PREFIX}{live[0].tier}", PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [intent] + [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    message.set(ENTITIES, (message.get(ENTITIES) or []) + [_entity(f) for f in live], add_to_output=True)


def _entity(finding: Finding) -> dict[str, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: RED_FLAG_ENTITY,
        ENTITY_ATTRIBUTE_VALUE: finding.flag_id,
        ENTITY_ATTRIBUTE_START: finding.start,
        ENTITY_ATTRIBUTE_END: finding.end,
        EXTRACTOR: RedFlagScreen.__name__,
        "tier": finding.tier,
        "escalation": finding.escalation_id,
    }
