"""The one spaCy pipeline the project uses: blank English with a lookup lemmatizer.

No model hub is reachable, so the pipeline is built from packages (spaCy and
spacy-lookups-data) and saved to disk, where Rasa's ``SpacyNLP`` loads it by path.
"""
from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

DEFAULT_PIPELINE_PATH = Path("build/spacy-en")


def make_pipeline() -> Language:
    """Build a blank English pipeline with lookup lemmas (no vectors, no download)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def save_pipeline(path: Path = DEFAULT_PIPELINE_PATH) -> Path:
    """Build the pipeline and write it to ``path`` for Rasa's ``SpacyNLP``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    make_pipeline().to_disk(path)
    return path


if __name__ == "__main__":
    print(save_pipeline())
