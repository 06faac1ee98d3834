"""Readers for deploy/: Dockerfiles, env files, image references, the names the code reads.

hadolint and docker are not available here, so tests/unit/test_deploy.py checks the files
with these small parsers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SERVERS = ("rasa", "actions", "web")
DOCKERFILES = {name: DEPLOY / "docker" / f"{name}.Dockerfile" for name in SERVERS}
PINNED_TAG = re.compile(r"^\d+\.\d+(\.\d+)?([-.][\w.-]+)?$")  # 15.10-bookworm, 1.28.0-alpine
ENV_NAME = r"[A-Z][A-Z0-9_]*"


@dataclass
class Stage:
    """One ``FROM`` stage of a Dockerfile: its base, name and instructions in order."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        """The arguments of every ``keyword`` instruction (upper case) of the stage."""
        return [args for key, args in self.instructions if key == keyword]

    def last(self, keyword: str) -> str | None:
        """The arguments of the stage's last ``keyword`` instruction, if any."""
        found = self.all(keyword)
        return found[-1] if found else None


def dockerfile_stages(path: Path) -> list[Stage]:
    """Parse a Dockerfile into stages (comments dropped, continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            stages.append(Stage(base.strip(), name.strip() or None))
        else:
            stages[-1].instructions.append((keyword, args))
    return stages


def exec_form(args: str) -> list[str]:
    """A JSON (exec form) argument list, e.g. of ``CMD`` or ``HEALTHCHECK ... CMD``."""
    parsed = json.loads(args[args.index("[") :])
    assert isinstance(parsed, list)
    return [str(part) for part in parsed]


def env_file_names(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an env file (comments and blank lines skipped)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def interpolated_names(text: str) -> set[str]:
    """Names used as ``${NAME}`` or ``$NAME`` (with or without ``:-``/``:?`` modifiers)."""
    return set(re.findall(rf"\$\{{?({ENV_NAME})", text))


def names_the_code_reads() -> set[str]:
    """Environment names read by bot/, actions/, endpoints.yml and credentials.yml."""
    reads = re.compile(
        rf"(?:_env|environ\.get|getenv|setdefault)\(\s*\"({ENV_NAME})\"|env(?:iron)?\[\s*\"({ENV_NAME})\"\]"
    )
    names: set[str] = set()
    for source in [*REPO_ROOT.glob("bot/**/*.py"), *REPO_ROOT.glob("actions/**/*.py")]:
        for match in reads.finditer(source.read_text()):
            names.add(match.group(1) or match.group(2))
    return names | rasa_config_names()


def rasa_config_names() -> set[str]:
    """``${NAME}`` in the values (not the comments) of endpoints.yml and credentials.yml."""
    names: set[str] = set()
    for config in ("endpoints.yml", "credentials.yml"):
        names |= interpolated_names(json.dumps(yaml.safe_load((REPO_ROOT / config).read_text())))
    return names


def image_tag(image: str) -> str | None:
    """The tag of ``image`` (``registry:5000/name:tag@sha256:...``), None when untagged."""
    without_digest = image.split("@", 1)[0]
    last = without_digest.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def is_pinned(image: str) -> bool:
    """A digest, or an exact version tag (never ``latest``, never a bare major version)."""
    if re.search(r"@sha256:[0-9a-f]{64}$", image):
        return True
    tag = image_tag(image)
    return tag is not None and bool(PINNED_TAG.match(tag))


def project_version() -> str:
    """``version`` from pyproject.toml (the tag of the images we build)."""
    match = re.search(r'^version = "([^"]+)"', (REPO_ROOT / "pyproject.toml").read_text(), re.M)
    assert match, "pyproject.toml has no version"
    return match.group(1)
