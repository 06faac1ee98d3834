"""Source traceability: seeds cut into passages by heading, and ``sources`` entries resolved."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPO_ROOT, load_settings
from bot.content.files import read_items
from bot.content.seeds import SeedLibrary, parse_reference, parse_seed

SEED = """Bone thing Introduction (What it is)
Bone thing is a temporary condition of the hip.
It most often affects the ball of the thigh bone.
How it works (Mechanism / physiology)
The precise cause is not fully established.
Onset, duration, and reversibility
- The onset is often described as acute.
- The course is commonly described as resolving over months.
Treatment options

Conservative treatment includes rest. The goal is to reduce the pain.

Some authors suggest a boot for 8 weeks.
Bone thing Common questions (FAQ)
Q: How long does bone thing last?
It is generally described as temporary, with improvement over months.
Q: Is it \u201csafe\u201d or does it damage the hip?
The condition is usually presented as reversible.
"""
SEED_ID = "000_0123456789abcdef"


@pytest.fixture
def library(tmp_path: Path) -> SeedLibrary:
    (tmp_path / f"{SEED_ID}.txt").write_text(SEED, encoding="utf-8")
    return SeedLibrary(tmp_path)


def test_a_seed_is_cut_at_headings_faq_questions_included() -> None:
    headings = [block.heading for block in parse_seed(SEED)]
    assert headings == [
        "Bone thing Introduction (What it is)",
        "How it works (Mechanism / physiology)",
        "Onset, duration, and reversibility",
        "Treatment options",
        "Bone thing Common questions (FAQ)",
        "Q: How long does bone thing last?",
        "Q: Is it \u201csafe\u201d or does it damage the hip?",
    ]
    onset = parse_seed(SEED)[2]
    assert onset.lines[1] == "- The course is commonly described as resolving over months."


def test_a_reference_splits_at_the_first_comma_outside_brackets() -> None:
    ref = parse_reference(f"{SEED_ID}: Contraindications (fever, chills), Signs of infection, a")
    assert ref is not None
    assert ref.section == "Contraindications (fever, chills)"
    assert ref.passage == "Signs of infection, a"
    assert parse_reference(f"{SEED_ID}: Types / variations").passage is None  # type: ignore[union-attr]
    assert parse_reference("clinical consensus: ask a pharmacist") is None


def test_a_faq_question_resolves_to_its_answer(library: SeedLibrary) -> None:
    found = library.resolve(f"{SEED_ID}: Common questions (FAQ), How long does bone thing last?")
    assert found.found and found.kind == "seed"
    assert found.heading == "Q: How long does bone thing last?"
    assert found.passage == "It is generally described as temporary, with improvement over months."


def test_curly_quotes_and_a_section_alone_resolve(library: SeedLibrary) -> None:
    quoted = library.resolve(f'{SEED_ID}: FAQ, Is it "safe" or does it damage the hip?')
    assert quoted.passage == "The condition is usually presented as reversible."
    section = library.resolve(f"{SEED_ID}: Introduction (What it is)")
    assert section.passage is not None and section.passage.startswith("Bone thing is a temporary")


def test_a_sub_heading_gives_its_block_and_a_phrase_gives_its_line(library: SeedLibrary) -> None:
    block = library.resolve(f"{SEED_ID}: How it works, Onset, duration, and reversibility")
    assert block.passage is not None and "resolving over months" in block.passage
    line = library.resolve(f"{SEED_ID}: Treatment options, a boot for 8 weeks (weaker source)")
    assert line.heading == "Treatment options"
    assert line.passage == "Some authors suggest a boot for 8 weeks."


def test_a_section_must_match_a_heading_not_a_line(library: SeedLibrary) -> None:
    # "temporary condition" is in the introduction's text, not a heading: nothing is found.
    assert not library.resolve(f"{SEED_ID}: temporary condition, ball").found


def test_a_passage_missing_from_the_seed_is_not_found(library: SeedLibrary) -> None:
    missing = library.resolve(f"{SEED_ID}: Treatment options, surgical drilling")
    assert missing.kind == "seed" and not missing.found
    assert not library.resolve("999_0123456789abcdef: Treatment options").found


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("clinical consensus: ankle movement lowers clot risk", "consensus"),
        ("Clinical consensus: ask a pharmacist", "consensus"),
        ("clinic: conversation design", "clinic"),
        ("General triage: chest pain", "other"),
    ],
)
def test_entries_naming_no_seed_are_shown_as_they_are(
    library: SeedLibrary, entry: str, kind: str
) -> None:
    resolved = library.resolve(entry)
    assert resolved.kind == kind and resolved.reference == entry and not resolved.found


def test_without_the_seeds_folder_only_references_are_given(tmp_path: Path) -> None:
    library = SeedLibrary(tmp_path / "nowhere")
    assert not library.available
    resolved = library.resolve(f"{SEED_ID}: Common questions (FAQ), How long does bone thing last?")
    assert resolved.kind == "seed" and not resolved.found


def test_seeds_dir_is_configurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SEEDS_DIR", raising=False)
    assert load_settings(env_file=None).seeds_dir == REPO_ROOT.parent / "shared" / "seeds"
    monkeypatch.setenv("SEEDS_DIR", str(tmp_path))
    assert load_settings(env_file=None).seeds_dir == tmp_path


def test_every_faq_source_points_to_a_seed_passage_or_is_marked() -> None:
    """Issue 14: each answer's sources name a passage that exists, or say consensus/clinic."""
    seeds_dir = load_settings(env_file=None).seeds_dir
    library = SeedLibrary(seeds_dir)
    assert library.available, f"no seeds in {seeds_dir} (set SEEDS_DIR)"
    unresolved = []
    for spec in read_items(REPO_ROOT / "content"):
        if spec.kind != "faq":
            continue
        for entry in spec.sources:
            resolved = library.resolve(entry)
            if resolved.kind == "other" or (resolved.kind == "seed" and not resolved.found):
                unresolved.append((spec.id, entry))
    assert unresolved == []
