"""The red-flag catalog (``content/red_flags.yml``): what to detect, how urgent, what to say.

Loading validates the file so that a typo in the catalog fails loudly at start-up instead of
silently disabling a flag: unknown tiers or keys, duplicate ids, flags without patterns, and flags
pointing at an escalation that does not exist (or has another tier) are all ``CatalogError``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TIER_RANK: dict[str, int] = {"emergency": 0, "crisis": 1, "urgent": 2}
"""Lower is more severe: an emergency outranks a crisis, which outranks an urgent flag."""

CONTEXT_CATEGORIES = frozenset({"negated", "historical", "resolved", "hypothetical", "question"})
"""Context categories a flag may ignore (``resolved`` is the "it's gone now" part of historical)."""

_FLAG_KEYS = frozenset(
    {"id", "tier", "escalation", "why", "label", "patterns", "exclude", "requires", "alone",
     "ignore_context", "temperature"}
)
_TOP_KEYS = frozenset({"version", "shorthand", "flags"})


class CatalogError(ValueError):
    """The red-flag catalog (or an escalation it points to) is invalid."""


@dataclass(frozen=True)
class TemperatureRule:
    """Temperature readings that count as a fever (at or above the thresholds)."""

    celsius_min: float = 38.0
    fahrenheit_min: float = 100.4
    cues: tuple[str, ...] = ()
    ignore_context: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FlagSpec:
    """One red flag: its tier, the escalation it leads to, and the patterns that detect it."""

    id: str
    tier: str
    escalation: str
    why: str
    patterns: tuple[str, ...]
    label: str = ""
    """Plain words for the patient: what in the message led to the escalation ("chest pain")."""
    exclude: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    ignore_context: frozenset[str] = frozenset()
    temperature: TemperatureRule | None = None

    @property
    def rank(self) -> int:
        """Severity rank of the tier (0 is the most severe)."""
        return TIER_RANK[self.tier]


@dataclass(frozen=True)
class Catalog:
    """All red flags plus the SMS shorthand expansions the detector applies before matching."""

    flags: tuple[FlagSpec, ...]
    shorthand: Mapping[str, str] = field(default_factory=dict)

    def flag(self, flag_id: str) -> FlagSpec:
        """The flag with this id (``KeyError`` if unknown)."""
        for spec in self.flags:
            if spec.id == flag_id:
                return spec
        raise KeyError(flag_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Flag ids in catalog order."""
        return tuple(spec.id for spec in self.flags)

    @property
    def escalation_ids(self) -> frozenset[str]:
        """Every escalation id some flag leads to."""
        return frozenset(spec.escalation for spec in self.flags)


def load_catalog(path: Path, escalations_dir: Path | None = None) -> Catalog:
    """Read and validate the catalog at ``path``.

    Args:
        path: the catalog YAML (normally ``content/red_flags.yml``).
        escalations_dir: where ``<escalation id>.yml`` files live; defaults to the
            ``escalations`` folder next to the catalog. Each flag's escalation must exist
            there with ``kind: escalation`` and the same tier as the flag.

    Raises:
        CatalogError: the file is missing, malformed, or fails a check.

    """
    raw = _read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("flags"), list):
        raise CatalogError(f"{path}: expected a mapping with a 'flags' list")
    _reject_unknown(raw, _TOP_KEYS, f"{path}")
    flags = tuple(_parse_flag(entry, index, path) for index, entry in enumerate(raw["flags"]))
    _check_unique(flags, path)
    tiers = _escalation_tiers(escalations_dir or path.parent / "escalations", flags, path)
    _check_escalations(flags, tiers, path)
    return Catalog(flags=flags, shorthand=_parse_shorthand(raw.get("shorthand") or {}, path))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc


def _reject_unknown(raw: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _parse_flag(entry: Any, index: int, path: Path) -> FlagSpec:
    where = f"{path}: flags[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: expected a mapping")
    where = f"{path}: flag {entry.get('id', index)!r}"
    _reject_unknown(entry, _FLAG_KEYS, where)
    for key in ("id", "tier", "escalation", "why"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CatalogError(f"{where}: missing or empty '{key}'")
    if entry["tier"] not in TIER_RANK:
        raise CatalogError(f"{where}: unknown tier {entry['tier']!r}; use one of {list(TIER_RANK)}")
    # ``alone``: signs enough on their own for a flag that otherwise ``requires`` more ("my
    # waters broke" needs no severity word): each is a pattern that is its own requirement.
    alone = _strings(entry.get("alone"), f"{where}: alone")
    patterns = _strings(entry.get("patterns"), f"{where}: patterns") + alone
    if not patterns and "temperature" not in entry:
        raise CatalogError(f"{where}: needs at least one pattern")
    return FlagSpec(
        id=entry["id"],
        tier=entry["tier"],
        escalation=entry["escalation"],
        why=entry["why"].strip(),
        patterns=patterns,
        label=str(entry.get("label") or entry["id"].replace("_", " ")).strip(),
        exclude=_strings(entry.get("exclude"), f"{where}: exclude"),
        requires=_strings(entry.get("requires"), f"{where}: requires") + alone,
        ignore_context=_ignore_context(entry.get("ignore_context"), where),
        temperature=_temperature(entry.get("temperature"), where),
    )


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _ignore_context(value: Any, where: str) -> frozenset[str]:
    names = frozenset(_strings(value, f"{where}: ignore_context"))
    unknown = sorted(names - CONTEXT_CATEGORIES)
    if unknown:
        raise CatalogError(f"{where}: unknown context {unknown}; use {sorted(CONTEXT_CATEGORIES)}")
    return names


def _temperature(value: Any, where: str) -> TemperatureRule | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: temperature must be a mapping")
    allowed = frozenset({"celsius_min", "fahrenheit_min", "cues", "ignore_context"})
    _reject_unknown(value, allowed, f"{where}: temperature")
    try:
        return TemperatureRule(
            celsius_min=float(value.get("celsius_min", 38.0)),
            fahrenheit_min=float(value.get("fahrenheit_min", 100.4)),
            cues=_strings(value.get("cues"), f"{where}: temperature.cues"),
            ignore_context=_ignore_context(value.get("ignore_context"), f"{where}: temperature"),
        )
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"{where}: temperature thresholds must be numbers") from exc


def _parse_shorthand(value: Any, path: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise CatalogError(f"{path}: shorthand must map strings to strings")
    return {k.lower(): v for k, v in value.items()}


def _check_unique(flags: tuple[FlagSpec, ...], path: Path) -> None:
    seen: set[str] = set()
    for spec in flags:
        if spec.id in seen:
            raise CatalogError(f"{path}: duplicate flag id {spec.id!r}")
        seen.add(spec.id)


def _escalation_tiers(folder: Path, flags: tuple[FlagSpec, ...], path: Path) -> dict[str, str]:
    tiers: dict[str, str] = {}
    for escalation_id in sorted({spec.escalation for spec in flags}):
        item = _read_yaml_or_none(folder / f"{escalation_id}.yml")
        if not isinstance(item, dict) or item.get("kind") != "escalation":
            raise CatalogError(
                f"{path}: escalation {escalation_id!r} not found as an escalation item "
                f"in {folder}"
            )
        tiers[escalation_id] = str(item.get("tier"))
    return tiers


def _read_yaml_or_none(path: Path) -> Any:
    return _read_yaml(path) if path.is_file() else None


def _check_escalations(flags: tuple[FlagSpec, ...], tiers: dict[str, str], path: Path) -> None:
    for spec in flags:
        if tiers[spec.escalation] != spec.tier:
            raise CatalogError(
                f"{path}: flag {spec.id!r} is {spec.tier} but its escalation "
                f"{spec.escalation!r} is {tiers[spec.escalation]}"
            )
