"""Rasa graph component that screens every message for red flags and lets escalation win.

Thin: detection lives in ``bot.safety``. Two screens run side by side, and a message escalates
when either fires: the rules (catalog patterns with ConText-style context) and a learned screen
(``bot.safety.learned``: logistic regression over the MiniLM vectors the featurizer already left on
the message, so no second model pass). It runs last in the NLU pipeline, so it overrides whatever
the classifiers (and the FallbackClassifier) decided:

* a live red flag → ``escalate_<tier>`` (emergency beats crisis beats urgent), each flag added as
  a ``red_flag`` entity carrying its tier, escalation item id and plain-words label;
* the learned screen unsure (urgent only) → ``check_red_flag``, the candidate flags as
  ``red_flag_check`` entities: the assistant asks one yes/no question;
* pain not improving → ``care_team_soon``: a gentler "tell your care team" line, then the answer.

The classifier's own ranking is kept under the new intent, so the question can still be answered.
The rules read the doc ``SpacyNLP`` already made of the message (no second spaCy parse).

The catalog (``content/red_flags.yml``) is copied into the model when training, so the running
assistant never depends on the file or the database to screen a message; its hash is part of
the fingerprint, so changing the catalog retrains this component. The learned screen is trained
on ``data/red_flags/train`` (plus the NLU examples the rules find calm, as negatives) and its
thresholds are chosen for recall on ``data/red_flags/validation.yml``.
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
from rasa.nlu.constants import SPACY_DOCS
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
from spacy.tokens import Doc

import bot.nlu.screen_training
import bot.nlu.softmax_fit
import bot.safety.corpus
import bot.safety.learned
import bot.safety.training
from bot.nlp import make_pipeline
from bot.nlu.featurizers import SENTENCE_VECTORS, MessageVectors
from bot.nlu.screen_training import train_learned_screen
from bot.replies import (
    CARE_TEAM_SOON_INTENT,
    CHECK_ENTITY,
    CHECK_INTENT,
    ESCALATION_INTENT_PREFIX,
    RED_FLAG_ENTITY,
)
from bot.safety.catalog import TIER_RANK, Catalog, load_catalog
from bot.safety.detector import TEMPERATURE_FLAGS, Finding, RedFlagDetector, parsed_text
from bot.safety.learned import Decision, LearnedScreen, Scores, decide

logger = logging.getLogger(__name__)
LEARNING_CODE = (
    bot.safety.corpus, bot.safety.learned, bot.safety.training, bot.nlu.screen_training,
    bot.nlu.softmax_fit,
)
CATALOG_FILE = "red_flags.yml"
ESCALATIONS = "escalations"
LEARNED = "learned"


def _tier_line(item: Path) -> bytes | None:
    return next(
        (line for line in item.read_bytes().splitlines() if line.startswith(b"tier:")), None
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RedFlagScreen(GraphComponent, IntentClassifier):
    """Overrides the intent when the rules or the learned screen find a red flag."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults.

        ``catalog``: the red-flag catalog, read when training; ``corpus``: folder of labelled
        training messages; ``validation``: labelled messages the thresholds are chosen on;
        ``learned``: train and use the learned screen; ``regularisation``: inverse
        regularisation strength of its logistic regression.
        """
        return {
            "catalog": "content/red_flags.yml",
            "corpus": "data/red_flags/train",
            "validation": "data/red_flags/validation.yml",
            "learned": True,
            "regularisation": 8.0,
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Hash of the catalog, its escalations' tiers and the corpus: a change retrains."""
        path = Path(config.get("catalog", "content/red_flags.yml"))
        if not path.exists():
            return None
        digest = hashlib.sha256(path.read_bytes())
        for item in sorted((path.parent / ESCALATIONS).glob("*.yml")):
            digest.update(item.name.encode() + (_tier_line(item) or b""))
        for key in ("corpus", "validation"):
            for file in _yaml_files(Path(str(config.get(key, "")))):
                digest.update(file.name.encode() + file.read_bytes())
        for module in LEARNING_CODE:  # how the screen learns is part of what it is
            digest.update(Path(module.__file__ or "").read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        detector: RedFlagDetector | None = None,
        learned: LearnedScreen | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._detector = detector
        self._learned = learned

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
        """Validate the catalog, train the learned screen, and store both in the model."""
        path = Path(self._config["catalog"])
        catalog = load_catalog(path)
        self._detector = RedFlagDetector(catalog, make_pipeline())
        if self._config.get("learned", True):
            self._learned = train_learned_screen(
                catalog,
                self._detector,
                corpus=Path(self._config["corpus"]),
                validation=Path(self._config["validation"]),
                calm_texts=[m.get(TEXT) for m in training_data.intent_examples if m.get(TEXT)],
                known_vectors={
                    m.get(TEXT): m.get(SENTENCE_VECTORS) for m in training_data.intent_examples
                    if m.get(TEXT) and m.get(SENTENCE_VECTORS) is not None
                },
                regularisation=float(self._config["regularisation"]),
            )
        with self._storage.write_to(self._resource) as model_dir:
            shutil.copyfile(path, model_dir / CATALOG_FILE)
            (model_dir / ESCALATIONS).mkdir()
            for escalation_id in catalog.escalation_ids:
                name = f"{escalation_id}.yml"
                shutil.copyfile(path.parent / ESCALATIONS / name, model_dir / ESCALATIONS / name)
            if self._learned is not None:
                (model_dir / LEARNED).mkdir()
                self._learned.save(model_dir / LEARNED)
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
        """Build the detector and the learned screen from what the model stores."""
        with model_storage.read_from(resource) as model_dir:
            catalog = load_catalog(model_dir / CATALOG_FILE)
            learned_dir = model_dir / LEARNED
            learned = LearnedScreen.load(learned_dir) if learned_dir.is_dir() else None
        detector = RedFlagDetector(catalog, make_pipeline())
        return cls(config, model_storage, resource, detector, learned)

    def process(self, messages: list[Message]) -> list[Message]:
        """Screen each message; escalate, ask, or add the "soon" line as the screens decide."""
        if self._detector is None:
            raise RuntimeError("RedFlagScreen has no catalog: train or load it first")
        for message in messages:
            rules = self._detector.screen(message.get(TEXT) or "", _spacy_doc(message))
            live = rules.live
            scores = self._scores(message)
            thresholds = self._learned.thresholds if self._learned else None
            decision = (
                decide(rules.tier, scores, thresholds, rules.ruled_out)
                if thresholds
                else Decision(tier=rules.tier)
            )
            if not live and self._fever_below_threshold(message, decision):
                decision = Decision()
            self._apply(message, live, decision)
        return messages

    def _fever_below_threshold(self, message: Message, decision: Decision) -> bool:
        """The model's only concern is a fever, but the temperature given is below 38.0 °C."""
        fever_only = decision.model_flags and set(decision.model_flags) <= TEMPERATURE_FLAGS
        if not fever_only or not (decision.tier or decision.ask) or self._detector is None:
            return False
        text = message.get(TEXT) or ""
        return self._detector.normal_temperature_only(text, _spacy_doc(message))

    def _scores(self, message: Message) -> Scores | None:
        """The learned screen's view of the message (None without a screen or vectors)."""
        vectors: MessageVectors | None = message.get(SENTENCE_VECTORS)
        if self._learned is None or vectors is None:
            return None
        return self._learned.score_text(message.get(TEXT) or "", vectors.whole, vectors.question)

    def _apply(self, message: Message, live: list[Finding], decision: Decision) -> None:
        catalog = self._detector.catalog if self._detector else None
        if catalog is None:
            return
        text = message.get(TEXT) or ""
        if decision.tier:
            learned = _flag_findings(catalog, decision.model_flags, decision.tier, text)
            escalate(message, _merge(live, learned, decision.tier, catalog, text))
        elif decision.ask:
            named = live or _flag_findings(catalog, decision.model_flags, "urgent", text)
            override(message, CHECK_INTENT, [_entity(f, CHECK_ENTITY) for f in named[:2]])
        elif decision.soon:
            override(message, CARE_TEAM_SOON_INTENT, [])


def _spacy_doc(message: Message) -> Doc | None:
    """The doc ``SpacyNLP`` made of the message, if it is one the rules can read.

    ``SpacyNLP`` parses the lower-cased text, as the rules do (``parsed_text``); a doc of any
    other string (``case_sensitive: true``, another pipeline's preprocessing) is not used and
    the rules parse the text themselves.
    """
    doc = message.get(SPACY_DOCS[TEXT])
    text = message.get(TEXT) or ""
    return doc if isinstance(doc, Doc) and doc.text == parsed_text(text) else None


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.yml"))
    return [path] if path.is_file() else []


def _flag_findings(
    catalog: Catalog, flags: tuple[str, ...], tier: str, text: str
) -> list[Finding]:
    """Whole-message findings for the known ``flags`` of ``tier``, likeliest first."""
    found = []
    for flag_id in flags:
        try:
            spec = catalog.flag(flag_id)
        except KeyError:
            continue
        if spec.tier == tier:
            found.append(
                Finding(spec.id, spec.tier, spec.escalation, text, 0, len(text), "live", spec.label)
            )
    return found[:2]


def _merge(
    rules: list[Finding], learned: list[Finding], tier: str, catalog: Catalog, text: str
) -> list[Finding]:
    """Rules' findings, then the learned ones for other flags; the decided tier's first.

    When neither names a flag of the decided tier (the model's mass is spread over several), the
    tier's first catalog flag stands for it, so the escalation text is of that tier.
    """
    named = {f.flag_id for f in rules}
    merged = rules + [f for f in learned if f.flag_id not in named]
    if not any(f.tier == tier for f in merged):
        first = next(spec.id for spec in catalog.flags if spec.tier == tier)
        merged += _flag_findings(catalog, (first,), tier, text)
    return sorted(merged, key=lambda f: (f.tier != tier, TIER_RANK[f.tier]))


def escalate(message: Message, live: list[Finding]) -> None:
    """Set the escalation intent for the most severe live flag and add the flags as entities."""
    override(
        message,
        f"{ESCALATION_INTENT_PREFIX}{live[0].tier}",
        [_entity(f, RED_FLAG_ENTITY) for f in live],
    )


def override(message: Message, intent_name: str, entities: list[dict[str, Any]]) -> None:
    """Make ``intent_name`` the message's intent (confidence 1), keeping the ranking under it."""
    intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [intent] + [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != intent_name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    message.set(ENTITIES, (message.get(ENTITIES) or []) + entities, add_to_output=True)


def _entity(finding: Finding, entity_type: str) -> dict[str, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: entity_type,
        ENTITY_ATTRIBUTE_VALUE: finding.flag_id,
        ENTITY_ATTRIBUTE_START: finding.start,
        ENTITY_ATTRIBUTE_END: finding.end,
        EXTRACTOR: RedFlagScreen.__name__,
        "tier": finding.tier,
        "escalation": finding.escalation_id,
        "label": finding.label,
    }
