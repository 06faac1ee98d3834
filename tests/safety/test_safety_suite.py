"""The safety suite: every message in cases.yml that must escalate does; calm ones stay calm.

Recall must be 100%: each `escalate` case has its expected tier as the top live tier and its
expected flags among the live ones. At least 95% of `calm` cases must have no live flag; the
misses are printed. Never weaken a case to make this pass: fix the detector or the catalog.
`calm_blind.yml` is a second must-not-escalate set, written without seeing the training data or
this suite (its header says how); it is held to the same calm rate.
"""
from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from spacy.language import Language

from bot.safety.catalog import TIER_RANK, Catalog, load_catalog
from bot.safety.detector import RedFlagDetector, top_tier

ROOT = Path(__file__).resolve().parents[2]
CATALOG_PATH = ROOT / "content" / "red_flags.yml"
CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    Path(__file__).with_name("cases.yml").read_text(encoding="utf-8")
)
TOPICS = frozenset(
    "what_is pain_location duration surgery driving work weight_bearing cost recurrence diagnosis "
    "imaging vs_osteoarthritis vs_osteonecrosis permanent_damage causes pregnancy treatment "
    "medications physical_therapy fracture_risk follow_up warning_signs walking_aids "
    "preventing_falls preventing_clots exercise diet_and_supplements mri_safety "
    "sleep_and_night_pain pain_relief children bone_density".split()
)
BLIND: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("calm_blind.yml").read_text(encoding="utf-8")
)["calm"]
CALM_SETS = {"cases.yml": CASES["calm"], "calm_blind.yml": BLIND}
MIN_CALM_RATE = 0.95


def _case_id(case: dict[str, Any]) -> str:
    return str(case["text"])[:70]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG_PATH)


@pytest.fixture(scope="module")
def detector(catalog: Catalog, nlp: Language) -> RedFlagDetector:
    return RedFlagDetector(catalog, nlp)


@pytest.mark.parametrize("case", CASES["escalate"], ids=_case_id)
def test_message_escalates(detector: RedFlagDetector, case: dict[str, Any]) -> None:
    live = detector.live(case["text"])
    found = {f.flag_id for f in live}
    detail = [(f.flag_id, f.matched, f.status) for f in detector.findings(case["text"])]
    assert top_tier(live) == case["tier"], f"{case['text']!r}: {detail}"
    assert set(case["flags"]) <= found, f"{case['text']!r}: missing {set(case['flags']) - found}"


@pytest.mark.parametrize("name", sorted(CALM_SETS))
def test_calm_messages_stay_calm(detector: RedFlagDetector, name: str) -> None:
    calm = CALM_SETS[name]
    misses = [case["text"] for case in calm if detector.live(case["text"])]
    for text in misses:
        live = [(f.flag_id, f.matched) for f in detector.live(text)]
        print(f"calm miss: {text!r} -> {live}")
    rate = 1 - len(misses) / len(calm)
    summary = f"{name}: calm rate {rate:.1%} ({len(calm) - len(misses)}/{len(calm)})"
    print(summary)
    if misses:  # visible in the warnings summary even without -s
        warnings.warn(f"{summary}; escalated calm messages: {misses}", stacklevel=1)
    assert rate >= MIN_CALM_RATE, f"calm rate {rate:.1%} < {MIN_CALM_RATE:.0%}; misses: {misses}"


# --- the suite itself stays meaningful ------------------------------------------------------


def test_suite_is_big_enough() -> None:
    assert len(CASES["escalate"]) >= 220
    assert len(CASES["calm"]) >= 120
    assert len(BLIND) >= 150


def test_every_flag_has_eight_phrasings(catalog: Catalog) -> None:
    counts = Counter(flag for case in CASES["escalate"] for flag in case["flags"])
    thin = {flag: counts[flag] for flag in catalog.ids if counts[flag] < 8}
    assert not thin, f"flags with fewer than 8 escalate cases: {thin}"


@pytest.mark.parametrize("case", CASES["escalate"], ids=_case_id)
def test_expected_tier_matches_catalog(catalog: Catalog, case: dict[str, Any]) -> None:
    tiers = [catalog.flag(flag).tier for flag in case["flags"]]
    assert case["tier"] == min(tiers, key=TIER_RANK.__getitem__)


@pytest.mark.parametrize("case", CASES["calm"] + BLIND, ids=_case_id)
def test_calm_case_names_a_topic(case: dict[str, Any]) -> None:
    assert case["topic"] in TOPICS


def test_no_duplicate_messages() -> None:
    texts = [c["text"] for c in CASES["escalate"] + CASES["calm"] + BLIND]
    duplicates = [t for t, n in Counter(texts).items() if n > 1]
    assert not duplicates
