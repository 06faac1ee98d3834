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
import shutil
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
ESCALATIONS = "escalations"


def _tier_line(item: Path) -> bytes | None:
    return next(
        (line for line in item.read_bytes().splitlines() if line.startswith(b"tier:")), None
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RedFlagScreen(GraphComponent, IntentClassifier):
    """Overrides the intent with ``escalate_<tier>`` when a message holds a live red flag."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``catalog``: path of the red-flag catalog, read when training."""
        return {"catalog": "content/red_flags.yml"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Hash of the catalog and its escalations' tiers: a change retrains this component."""
        path = Path(config.get("catalog", "content/red_flags.yml"))
        if not path.exists():
            return None
        digest = hashlib.sha256(path.read_bytes())
        for item in sorted((path.parent / ESCALATIONS).glob("*.yml")):
            digest.update(item.name.encode() + (_tier_line(item) or b""))
        return digest.hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        detector: RedFlagDetector | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._detector = detector

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
        """Validate the catalog (and its escalation items), then copy both into the model."""
        path = Path(self._config["catalog"])
        catalog = load_catalog(path)
        with self._storage.write_to(self._resource) as model_dir:
            shutil.copyfile(path, model_dir / CATALOG_FILE)
            (model_dir / ESCALATIONS).mkdir()
            for escalation_id in catalog.escalation_ids:
                name = f"{escalation_id}.yml"
                shutil.copyfile(path.parent / ESCALATIONS / name, model_dir / ESCALATIONS / name)
        self._detector = RedFlagDetector(catalog, make_pipeline())
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
        """Build the detector from the catalog stored in the model."""
        with model_storage.read_from(resource) as model_dir:
            catalog = load_catalog(model_dir / CATALOG_FILE)
        return cls(config, model_storage, resource, RedFlagDetector(catalog, make_pipeline()))

    def process(self, messages: list[Message]) -> list[Message]:
        """Screen each message; escalate the ones with a live red flag."""
        if self._detector is None:
            raise RuntimeError("RedFlagScreen has no catalog: train or load it first")
        for message in messages:
            live = self._detector.live(message.get(TEXT) or "")
            if live:
                escalate(message, live)
        return messages


def escalate(message: Message, live: list[Finding]) -> None:
    """Set the escalation intent for the most severe live flag and add the flags as entities."""
    intent = {
        INTENT_NAME_KEY: f"{ESCALATION_INTENT_PREFIX}{live[0].tier}",
        PREDICTED_CONFIDENCE_KEY: 1.0,
    }
    ranking = [intent] + [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    message.set(
        ENTITIES, (message.get(ENTITIES) or []) + [_entity(f) for f in live], add_to_output=True
    )


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
