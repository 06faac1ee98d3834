"""Is there a usable trained model? Checked before the Rasa server starts.

``rasa run`` with no model, or with a file it cannot unpack, still starts and answers its health
route, but every patient gets the "temporarily unavailable" line until someone notices. The
launcher asks ``usable_model`` first and refuses to start with a message saying what to do.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

MODEL_METADATA = "metadata.json"


class ModelUnusable(RuntimeError):
    """No model, or one that cannot be read; the message says what to do."""


def usable_model(path: Path) -> Path:
    """The model file at ``path`` (a file, or the newest ``*.tar.gz`` in a folder), checked.

    Raises:
        ModelUnusable: nothing there, or not a readable Rasa model archive.

    """
    model = _newest(path) if path.is_dir() else path
    if model is None or not model.exists():
        raise ModelUnusable(
            f"no trained model at {path}: run `make train` (or `make run`, which trains)"
        )
    try:
        with tarfile.open(model, "r:gz") as archive:
            member = archive.extractfile(MODEL_METADATA)
            json.loads(member.read() if member else b"")
    except (OSError, EOFError, KeyError, ValueError, tarfile.TarError) as error:
        raise ModelUnusable(
            f"the model {model} cannot be read ({type(error).__name__}): delete it and run "
            "`make train`"
        ) from error
    return model


def _newest(folder: Path) -> Path | None:
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
