"""Unit tests of the red-flag layer: catalog, escalations, context, temperatures, typos."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import textstat
import yaml
from spacy.language import Language

from bot.config import Clinic
from bot.content.placeholders import fill
from bot.safety.catalog import TIER_RANK, Catalog, CatalogError, load_catalog
from bot.safety.context import HISTORICAL, HYPOTHETICAL, LIVE, NEGATED, QUESTION
from bot.safety.detector import Finding, RedFlagDetector, parsed_text, top_tier
from bot.safety.patterns import PatternError

ROOT = Path(__file__).resolve().parents[2]
CATALOG_PATH = ROOT / "content" / "red_flags.yml"
ESCALATIONS = ROOT / "content" / "escalations"
DIAGNOSIS = re.compile(
    r"\byou(?: have|'ve got| are having| likely have| probably have)(?: an?)? "
    r"(?:infection|fracture|broken|blood clot|clot|dvt|cancer|tumou?r|heart attack|cauda)",
    re.IGNORECASE,
)
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG_PATH)


@pytest.fixture(scope="module")
def detector(catalog: Catalog, nlp: Language) -> RedFlagDetector:
    return RedFlagDetector(catalog, nlp)


def statuses(detector: RedFlagDetector, text: str, flag_id: str) -> set[str]:
    return {f.status for f in detector.findings(text) if f.flag_id == flag_id}


def live_ids(detector: RedFlagDetector, text: str) -> list[str]:
    return [f.flag_id for f in detector.live(text)]


# --- catalog ---------------------------------------------------------------------------------


def test_tier_rank_orders_emergency_crisis_urgent() -> None:
    assert TIER_RANK == {"emergency": 0, "crisis": 1, "urgent": 2}


def test_catalog_has_the_required_flags(catalog: Catalog) -> None:
    required = {
        "fever", "weight_loss", "cancer_history", "fall_injury", "cannot_bear_weight",
        "hot_swollen_joint", "numbness_weakness", "worsening_pain", "deformity", "chest_pain",
        "shortness_of_breath", "calf_clot", "cauda_equina", "self_harm", "pregnancy_pain",
    }
    assert required <= set(catalog.ids)
    assert all(spec.why and spec.escalation for spec in catalog.flags)


@pytest.mark.parametrize(
    ("flag_id", "tier"),
    [("chest_pain", "emergency"), ("shortness_of_breath", "emergency"),
     ("deformity", "emergency"), ("cauda_equina", "emergency"), ("self_harm", "crisis"),
     ("fever", "urgent"), ("calf_clot", "urgent"), ("pregnancy_pain", "urgent")],
)
def test_flag_tiers(catalog: Catalog, flag_id: str, tier: str) -> None:
    assert catalog.flag(flag_id).tier == tier


def test_every_tier_has_an_escalation(catalog: Catalog) -> None:
    assert {catalog.flag(f).tier for f in catalog.ids} == set(TIER_RANK)


def _write_catalog(tmp_path: Path, flags: str, escalations: dict[str, str]) -> Path:
    folder = tmp_path / "escalations"
    folder.mkdir()
    for esc_id, tier in escalations.items():
        (folder / f"{esc_id}.yml").write_text(f"id: {esc_id}\nkind: escalation\ntier: {tier}\n")
    path = tmp_path / "red_flags.yml"
    path.write_text(flags)
    return path


FLAG = "  - {{id: {id}, tier: {tier}, escalation: {esc}, why: because, patterns: [fever]}}\n"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ("flags:\n" + FLAG.format(id="a", tier="severe", esc="esc_u"), "unknown tier"),
        ("flags:\n" + FLAG.format(id="a", tier="urgent", esc="esc_missing"), "not found"),
        ("flags:\n" + FLAG.format(id="a", tier="urgent", esc="esc_u") * 2, "duplicate flag id"),
        ("flags:\n" + FLAG.format(id="a", tier="emergency", esc="esc_u"), "is urgent"),
        ("flags:\n  - {id: a, tier: urgent, why: x, patterns: [fever]}\n", "'escalation'"),
        ("flags:\n  - {id: a, tier: urgent, escalation: esc_u, why: x}\n", "at least one pattern"),
        ("flags:\n  - {id: a, tier: urgent, escalation: esc_u, why: x, patterns: [f], typo: 1}\n",
         "unknown key"),
        ("flags:\n  - {id: a, tier: urgent, escalation: esc_u, why: x, patterns: [f], "
         "ignore_context: [sarcastic]}\n", "unknown context"),
        ("nothing: here\n", "'flags' list"),
    ],
)
def test_invalid_catalogs_fail_clearly(tmp_path: Path, flags: str, message: str) -> None:
    path = _write_catalog(tmp_path, flags, {"esc_u": "urgent"})
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


def test_an_alone_pattern_is_a_pattern_and_its_own_requirement(tmp_path: Path) -> None:
    path = _write_catalog(
        tmp_path,
        "flags:\n  - {id: a, tier: urgent, escalation: esc_u, why: x, patterns: [pregnant], "
        "requires: [severe], alone: [waters broke]}\n",
        {"esc_u": "urgent"},
    )
    (spec,) = load_catalog(path).flags
    assert spec.patterns == ("pregnant", "waters broke")
    assert spec.requires == ("severe", "waters broke")


def test_missing_catalog_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.yml")


def test_bad_pattern_fails_when_the_detector_is_built(tmp_path: Path, nlp: Language) -> None:
    flags = "flags:\n  - {id: a, tier: urgent, escalation: esc_u, why: x, patterns: ['~2 fever']}\n"
    catalog = load_catalog(_write_catalog(tmp_path, flags, {"esc_u": "urgent"}))
    with pytest.raises(PatternError):
        RedFlagDetector(catalog, nlp)


def test_a_word_of_the_catalog_is_never_corrected_towards_another_flags_keyword(
    tmp_path: Path, nlp: Language
) -> None:
    """"mucho" is required by one flag; "much" (one edit away) is a keyword of another. Found
    when a self-harm pattern with "how much" silently stopped "me duele mucho" counting."""
    flags = (
        "flags:\n"
        "  - {id: a, tier: urgent, escalation: esc_u, why: x, patterns: [embarazada],"
        " requires: [mucho]}\n"
        "  - {id: b, tier: urgent, escalation: esc_u, why: x, patterns: ['much ~2 blood']}\n"
    )
    catalog = load_catalog(_write_catalog(tmp_path, flags, {"esc_u": "urgent"}))
    detector = RedFlagDetector(catalog, nlp)
    assert [f.flag_id for f in detector.live("estoy embarazada y me duele mucho")] == ["a"]
    assert [f.flag_id for f in detector.live("there was so mcuh blood")] == ["b"]  # typos still


# --- escalation texts ------------------------------------------------------------------------


def _escalations() -> list[dict[str, object]]:
    files = sorted(ESCALATIONS.glob("*.yml"))
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in files]


@pytest.mark.parametrize("item", _escalations(), ids=lambda item: str(item["id"]))
def test_escalation_item_follows_the_content_rules(item: dict[str, object]) -> None:
    clinic = Clinic().placeholders()
    text, sms = fill(str(item["text"]), clinic), fill(str(item["sms_text"]), clinic)
    assert item["kind"] == "escalation" and item["tier"] in TIER_RANK
    assert textstat.flesch_kincaid_grade(text) <= 8
    assert len(sms) <= 320 and set(sms) <= GSM7
    assert item["review_by"] == date(2027, 11, 1)
    assert isinstance(item["sources"], list) and all(isinstance(s, str) for s in item["sources"])
    assert not DIAGNOSIS.search(text), "say what a sign can mean, never what the patient has"
    assert "911" in text and "911" in sms
    if item["tier"] == "crisis":
        assert "988" in text and "988" in sms
    if item["tier"] == "urgent":  # today, and what to do when the clinic is closed
        assert "today" in text.lower()
        assert "closed" in text.lower() and "closed" in sms.lower()


def test_every_catalog_escalation_is_a_file(catalog: Catalog) -> None:
    assert {p.stem for p in ESCALATIONS.glob("*.yml")} >= catalog.escalation_ids


# --- context rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flag_id", "status"),
    [
        # negation, with a short scope that stops at punctuation and conjunctions
        ("no fever", "fever", NEGATED),
        ("I haven't fallen", "fall_injury", NEGATED),
        ("denies chills", "fever", NEGATED),
        ("walked in without a fever", "fever", NEGATED),
        ("I've never had cancer", "cancer_history", NEGATED),
        ("my leg is not numb", "numbness_weakness", NEGATED),
        ("no fever or chills", "fever", NEGATED),
        ("no fever, chills, or night sweats", "fever", NEGATED),  # a list that ends in "or"
        ("I have neither fever nor chills", "fever", NEGATED),
        # historical and resolved
        ("had a fever last year but it's gone", "fever", HISTORICAL),
        ("fell 10 years ago", "fall_injury", HISTORICAL),
        ("I fainted once as a teenager", "fainting", HISTORICAL),  # "teenager" is a flag word too
        ("I had a fever as a child", "fever", HISTORICAL),
        ("I had chills but they went away", "fever", HISTORICAL),
        ("I no longer have a fever", "fever", HISTORICAL),
        ("I passed out once in 2012 after giving blood", "fainting", HISTORICAL),  # a past year
        ("she fainted when she was 15", "fainting", HISTORICAL),
        ("had black stools in March from the iron pills", "gi_bleeding", HISTORICAL),
        ("I was breathless for a week, fully recovered now", "shortness_of_breath", HISTORICAL),
        ("coughed some blood with a chest infection, nothing since", "coughing_blood",
         HISTORICAL),
        # past the sign's own time: "after the birth", "the week before last"
        ("I was a bit breathless after the birth but that settled", "shortness_of_breath",
         HISTORICAL),
        ("ran a fever the week before last but it's long gone", "fever", HISTORICAL),
        ("my ankles were puffy in the heatwave, back to normal", "calf_clot", HISTORICAL),
        ("a fever after the flu jab, fine now", "fever", HISTORICAL),
        # hypothetical
        ("what if I fall?", "fall_injury", HYPOTHETICAL),
        ("if I get a fever", "fever", HYPOTHETICAL),
        ("in case I fall, what should I do?", "fall_injury", HYPOTHETICAL),
        ("I'm afraid of falling", "fall_injury", HYPOTHETICAL),
        ("How do I prevent falls?", "fall_injury", HYPOTHETICAL),
        ("I want to lose weight to help my hip", "weight_loss", HYPOTHETICAL),
        ("fall prevention for toh", "fall_injury", HYPOTHETICAL),
        ("the handout says a red hot joint means call us", "hot_swollen_joint", HYPOTHETICAL),
        ("shud i lose weight with toh", "weight_loss", HYPOTHETICAL),  # SMS "shud" = should
        # questions about the condition
        ("can TOH cause a fever?", "fever", QUESTION),
        ("is numbness a symptom?", "numbness_weakness", QUESTION),
        ("should I worry about a fever?", "fever", QUESTION),
        ("What should I watch for, like fever or numbness?", "fever", QUESTION),
    ],
)
def test_context_calms(detector: RedFlagDetector, text: str, flag_id: str, status: str) -> None:
    assert statuses(detector, text, flag_id) == {status}
    assert not detector.live(text)


@pytest.mark.parametrize(
    ("text", "flag_id"),
    [
        ("no one helped me after I fell", "fall_injury"),  # "no one" is not a negation
        ("no fever but I fell yesterday", "fall_injury"),  # scope stops at "but"
        ("I don't have a fever, I have chills", "fever"),  # scope stops at the comma
        ("no fever, chills since Monday", "fever"),  # not a list: no "or"
        ("haven't been able to walk since Monday", "cannot_bear_weight"),
        ("not sure if I have a fever", "fever"),  # uncertainty escalates
        ("I think I have a temperature", "fever"),
        ("I might have a fever", "fever"),
        ("I can't put any weight on my leg", "cannot_bear_weight"),  # negative phrase = the flag
        ("I can't feel my leg", "numbness_weakness"),
        ("can't breathe", "shortness_of_breath"),
        ("I can no longer walk", "cannot_bear_weight"),
        ("my mom fell and can't stand", "fall_injury"),  # another person escalates
        ("my wife has a fever", "fever"),
        ("I've lost 10 pounds without trying", "weight_loss"),
        ("Why do I have a fever?", "fever"),  # a question that reports the sign
        ("Is my numbness from TOH?", "numbness_weakness"),
        ("Could my fever be from TOH?", "fever"),
        ("I'm worried about my fever", "fever"),
        ("I fell 10 years ago and again yesterday", "fall_injury"),  # present beats past
        ("I fell but the pain went away", "fall_injury"),  # a fall is never "resolved"
        ("I had breast cancer 5 years ago", "cancer_history"),  # the history is the flag
        ("I have a fever that won't go away", "fever"),
        ("I'm not suicidal, just tired", "self_harm"),  # self-harm ignores every context
        # an emergency sign that passed within the day still needs care
        ("I blacked out this morning but it passed", "fainting"),
        ("had chest pain an hour ago, it's gone now", "chest_pain"),
        ("coughed up blood earlier today but it stopped", "coughing_blood"),
        ("I fainted but I'm fine now", "fainting"),  # "fine now" rules out passing signs only
        ("I had chest pain after lunch and my headache went away", "chest_pain"),  # not the pain
        ("my calf is swollen, my temp is normal now", "calf_clot"),
        ("my leg has been numb since January", "numbness_weakness"),  # since: still there
        ("I had cancer in 2015 and my hip hurts", "cancer_history"),
    ],
)
def test_context_escalates(detector: RedFlagDetector, text: str, flag_id: str) -> None:
    assert flag_id in live_ids(detector, text)


# --- temperatures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["temp 38.9", "101F", "39 C", "100.4 degrees", "39°C", "38,5 grados", "temperature of 102",
     "running 101 since lunch", "Temp: 39.2", "Is 38.5 a fever?",
     "the bath was 40 degrees, temp 38.5 now"],  # the weather's or water's number only
)
def test_fever_readings(detector: RedFlagDetector, text: str) -> None:
    assert live_ids(detector, text) == ["fever"]


@pytest.mark.parametrize(
    "text",
    ["temp 36.8", "98.6", "my temp was 37.9", "temp 100.3", "I'm 39 years old",
     "the bath water was 39 degrees",
     "it's 40 degrees outside", "I weigh 101 kg", "room 101", "I walk 38 minutes a day"],
)
def test_normal_or_non_temperatures(detector: RedFlagDetector, text: str) -> None:
    assert "fever" not in live_ids(detector, text)


@pytest.mark.parametrize(
    "text",
    ["thought I had a temperature but it's only 37.4", "Dad's temp is 36.8, he feels cold",
     "Husband's temp is 99.5, he's on methotrexate",
     "his temp went up to 99.8 after a long shower"],  # "shower" is not next to the reading
)
def test_a_normal_reading_outweighs_the_fever_word(detector: RedFlagDetector, text: str) -> None:
    view = detector.screen(text)
    assert not view.live and "fever" in view.ruled_out


def test_a_normal_reading_does_not_outweigh_chills(detector: RedFlagDetector) -> None:
    assert "fever" in live_ids(detector, "temp is 37.4 but I have chills and shivers")
    assert "fever" in live_ids(detector, "my temp is 38.6, I was 37.2 this morning")


@pytest.mark.parametrize(
    ("text", "flag_id"),
    [
        ("Does physio for TOH fall under Medicare?", "fall_injury"),
        ("the appointment fell on my birthday", "fall_injury"),
        ("The stock market fell, anyway is swimming ok?", "fall_injury"),
        ("My sourdough starter collapsed, is sugar bad for bones?", "fainting"),
        ("the wifi keeps blacking out", "fainting"),
        ("The price of the MRI gave me a heart attack haha", "chest_pain"),
        ("my hay fever is awful this spring", "fever"),
        ("the MRI tube gives me the chills", "fever"),
        ("I'm breathless with excitement about the scan", "shortness_of_breath"),
        ("nearly fainted from boredom in the waiting room", "fainting"),
        ("the clinic's computer system collapsed", "fainting"),
        ("our old couch collapsed under my dad, we couldn't stop laughing", "fainting"),
        ("the water main broke on our street", "pregnancy_emergency"),
        ("the kids love the fainting goats video", "fainting"),
        ("my pain was 2/10 today", "worsening_pain"),
        ("the pain clinic is about 10 minutes from here", "worsening_pain"),
        ("sales have collapsed at my shop", "fainting"),
        ("struggling to catch my breath laughing at the dog", "shortness_of_breath"),
        ("no, the baby hasn't stopped moving, she's wriggling", "pregnancy_emergency"),
        ("I'm alone with the baby and can barely move", "pregnancy_emergency"),
        ("I sat for 88 minutes in the waiting room", "shortness_of_breath"),
        ("bought a shower stool in the Black Friday sale", "gi_bleeding"),
        ("that cliffhanger was heart attack material", "chest_pain"),
        ("I nearly had a heart attack when I saw the parking fine", "chest_pain"),
    ],
)
def test_other_senses_of_flag_words(detector: RedFlagDetector, text: str, flag_id: str) -> None:
    assert flag_id not in live_ids(detector, text)


def test_the_rules_report_flags_they_found_only_denied(detector: RedFlagDetector) -> None:
    view = detector.screen("no chest pain, no coughing blood, but I fell yesterday")
    assert {"chest_pain", "coughing_blood"} <= view.ruled_out
    assert view.tier == "urgent" and "fall_injury" not in view.ruled_out


def test_reading_offsets_point_at_the_number(detector: RedFlagDetector) -> None:
    text = "my temp is 101F today"
    (finding,) = detector.findings(text)
    assert text[finding.start:finding.end] == finding.matched == "101F"


# --- typos and shorthand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flag_id"),
    [("fevr 101", "fever"), ("chils all night", "fever"), ("chest pian", "chest_pain"),
     ("numbnes in my leg", "numbness_weakness"), ("shortnes of breth", "shortness_of_breath"),
     ("cant walk fell", "cannot_bear_weight"), ("cnt stand", "cannot_bear_weight"),
     ("pregant and my hip hurts so bad", "pregnancy_pain"), ("kms", "self_harm"),
     ("FELL DOWN", "fall_injury"), ("me caí", "fall_injury"), ("no puedo respirar",
                                                                 "shortness_of_breath")],
)
def test_typos_shorthand_and_spanish(detector: RedFlagDetector, text: str, flag_id: str) -> None:
    assert flag_id in live_ids(detector, text)


@pytest.mark.parametrize("text", ["I never walk far", "sweet tea", "fell asleep on the couch",
                                  "this fall I start a new job", "my bones are weak",
                                  "I've never met anyone else with it",  # "else" is no typo
                                  "we're thinking about baby number two"])  # not "numb"
def test_real_words_are_not_typos(detector: RedFlagDetector, text: str) -> None:
    assert not detector.live(text)


# --- ordering and API ------------------------------------------------------------------------


def test_live_is_most_severe_first_one_per_flag(detector: RedFlagDetector) -> None:
    text = "I fell, I fell again, my calf is swollen and I have chest pain and want to die"
    live = detector.live(text)
    assert [f.tier for f in live] == sorted((f.tier for f in live), key=TIER_RANK.__getitem__)
    assert live[0].flag_id == "chest_pain"
    assert len({f.flag_id for f in live}) == len(live)
    assert top_tier(live) == "emergency"


def test_top_tier_ignores_findings_that_are_not_live(detector: RedFlagDetector) -> None:
    findings = detector.findings("no chest pain, but I have a fever")
    assert top_tier(findings) == "urgent"
    assert top_tier([]) is None


def test_findings_carry_offsets_and_escalation(detector: RedFlagDetector) -> None:
    text = "Yesterday I fell down the stairs."
    (finding,) = detector.findings(text)
    assert finding == Finding(
        "fall_injury", "urgent", "esc_fall", "fell", 12, 16, LIVE, "a fall or an injury"
    )


def test_a_given_doc_is_reused_not_reparsed(catalog: Catalog, nlp: Language) -> None:
    detector = RedFlagDetector(catalog, nlp)
    text = "I can't breathe"
    doc = nlp(parsed_text(text))  # lower-cased, as Rasa's SpacyNLP parses it
    expected = detector.findings(text)

    def refuse(_: str) -> None:
        raise AssertionError("the doc was parsed again")

    detector.nlp = refuse  # type: ignore[assignment]
    assert detector.findings(text, doc) == expected


def test_a_doc_of_the_cased_text_is_parsed_again_the_rules_way(detector: RedFlagDetector,
                                                                 nlp: Language) -> None:
    text = "Temp 103F. I CAN'T BREATHE"
    found = [(f.flag_id, f.matched) for f in detector.live(text, nlp(text))]
    assert found == [("shortness_of_breath", "CAN'T BREATHE"), ("fever", "103F")]
    assert detector.live(text, nlp(text)) == detector.live(text) == detector.live(text, None)


def test_a_doc_of_another_text_is_refused(detector: RedFlagDetector, nlp: Language) -> None:
    with pytest.raises(ValueError):
        detector.findings("I fell", nlp("I'm fine"))


def test_safety_imports_no_rasa_and_loads_nothing_at_import() -> None:
    code = (
        "import sys, bot.safety.detector, bot.safety.catalog, bot.safety.context\n"
        "from bot.safety.patterns import known_words\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')]\n"
        "assert known_words.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_long_messages_stay_fast_and_are_read_to_the_end(detector: RedFlagDetector) -> None:
    text = "no fever, chills, or sweats, " * 100 + "and I fell this morning"
    started = time.perf_counter()
    live = live_ids(detector, text)
    assert live == ["fall_injury"]
    assert time.perf_counter() - started < 3  # generous: shared CI machines; ~0.1 s locally


@pytest.mark.parametrize(
    ("text", "normal"),
    [("my temp is 37.6", True), ("temperature 38.5 now", False), ("feeling hot, 99.1F", True),
     ("how long does it last", False)],
)
def test_normal_temperature_only(detector: RedFlagDetector, text: str, normal: bool) -> None:
    """The learned screen never escalates a fever for a temperature below 38.0 °C / 100.4 °F."""
    assert detector.normal_temperature_only(text) is normal
