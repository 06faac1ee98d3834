"""Content files on disk (``content/<folder>/<id>.yml``) ⇄ ``ItemSpec``.

``dump_item`` writes one canonical form, so ``import`` then ``export`` gives back the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content.errors import InvalidContent
from bot.content.models import KINDS, TIERS, review_date

FOLDERS = {"faq": "faq", "message": "messages", "escalation": "escalations"}
FIELD_ORDER = ("id", "kind", "tier", "title", "text", "sms_text", "sources", "review_by")


@dataclass(frozen=True)
class ItemSpec:
    """An item as written by an editor: what a content file holds."""

    id: str
    kind: str
    title: str
    text: str
    sms_text: str
    sources: list[str] = field(default_factory=list)
    review_by: date | None = None
    tier: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Fields in file order; ``tier`` only for escalations."""
        values = {name: getattr(self, name) for name in FIELD_ORDER}
        if self.tier is None:
            del values["tier"]
        return values


def spec_from_dict(data: dict[str, Any], *, origin: str = "item") -> ItemSpec:
    """Validate a mapping (from YAML or a form) into an ``ItemSpec``."""
    missing = [name for name in ("id", "kind", "title", "text", "sms_text") if not data.get(name)]
    if missing:
        raise InvalidContent(f"{origin}: missing {', '.join(missing)}")
    if data["kind"] not in KINDS:
        raise InvalidContent(f"{origin}: kind must be one of {', '.join(KINDS)}")
    tier = data.get("tier")
    if (data["kind"] == "escalation") != (tier is not None) or (tier and tier not in TIERS):
        raise InvalidContent(f"{origin}: escalations need a tier ({', '.join(TIERS)}), others none")
    return ItemSpec(
        id=str(data["id"]),
        kind=data["kind"],
        tier=tier,
        title=str(data["title"]).strip(),
        text=str(data["text"]),
        sms_text=str(data["sms_text"]).strip(),
        sources=[str(source) for source in data.get("sources") or []],
        review_by=review_date(data.get("review_by")),
    )


def read_items(content_dir: Path) -> list[ItemSpec]:
    """Every item file under ``content_dir``, sorted by kind folder then id."""
    specs = []
    for folder in FOLDERS.values():
        for path in sorted((content_dir / folder).glob("*.yml")):
            spec = spec_from_dict(
                yaml.safe_load(path.read_text(encoding="utf-8")), origin=str(path)
            )
            if spec.id != path.stem:
                raise InvalidContent(f"{path}: id '{spec.id}' differs from the file name")
            specs.append(spec)
    return specs


class _Dumper(yaml.SafeDumper):
    """PyYAML dumper that writes multi-line strings as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_item(spec: ItemSpec) -> str:
    """The canonical YAML text of one item."""
    return yaml.dump(spec.as_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_items(specs: list[ItemSpec], content_dir: Path) -> list[Path]:
    """Write each item to its canonical file; return the paths written."""
    paths = []
    for spec in specs:
        path = content_dir / FOLDERS[spec.kind] / f"{spec.id}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_item(spec), encoding="utf-8")
        paths.append(path)
    return paths
