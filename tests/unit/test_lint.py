"""The publish gate: each rule, in words an editor can act on."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.config import Clinic
from bot.content.files import ItemSpec
from bot.content.lint import (
    MAX_SMS_CHARS,
    lint_item,
    plain_text,
    reading_grade,
    sms_parts,
)

TODAY = date(2026, 1, 15)


def good(**changes: object) -> ItemSpec:
    base = ItemSpec(
        id="duration",
        kind="faq",
        title="How long TOH lasts",
        text="TOH is a temporary problem. It usually gets better over **months**.\n\n"
        "- Many people improve within a year.\n- Your care team can check on healing.\n",
        sms_text="Transient osteoporosis of the hip (TOH) usually gets better over months.",
        sources=["000_seed: FAQ"],
        review_by=date(2027, 11, 1),
    )
    return replace(base, **changes)


def problems(spec: ItemSpec) -> list[str]:
    return lint_item(spec, today=TODAY).messages


def test_a_plain_answer_passes() -> None:
    report = lint_item(good(), today=TODAY)
    assert report.ok and report.problems == ()
    assert report.grade <= 8 and report.sms_parts == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Take 400 mg of ibuprofen for the pain.", "400 mg"),
        ("Most adults use 1000mg a day.", "1000mg"),
        ("Take 2 tablets after meals.", "Take 2 tablets"),
        ("Take two pills at night.", "Take two pills"),
        ("Stop taking your pain pills when it feels better.", "Stop taking"),
        ("You should take calcium every day.", "You should take"),
        ("You should stop walking on the leg.", "You should stop"),
        ("You don't need to see a doctor for this.", "You don't need to see"),
        ("You do not need to see your care team.", "You do not need to see"),
        ("There is no need to see a doctor.", "no need to see"),
        ("Use the cream every 6 hours.", "every 6 hours"),
        ("You definitely have TOH.", "You definitely have"),
        ("You do not have a fracture.", "You do not have a fracture"),
    ],
)
def test_prescriptive_wording_is_refused(text: str, found: str) -> None:
    [message] = problems(good(text=text + "\n"))
    assert f'"{found}"' in message
    assert "care team" in message


@pytest.mark.parametrize(
    "text",
    [
        "Clinicians may consider pain relief. Your care team decides with you.",
        "It depends on how much pain you have.",
        "If you have TOH, the pain often starts fast.",
        "Many people improve within 6 months to a year.",
        "For chest pain or trouble breathing, call 911.",
        "Some people stop walking far for a while.",
        "Ask your care team before you take any new medicine.",
    ],
)
def test_plain_education_is_not_mistaken_for_advice(text: str) -> None:
    assert problems(good(text=text + "\n")) == []


def test_prescriptive_sms_text_is_refused_too() -> None:
    [message] = problems(good(sms_text="Take 400 mg of ibuprofen."))
    assert message.startswith('The SMS text gives a dose ("400 mg")')


def test_hard_reading_fails_with_the_grade_in_words() -> None:
    text = (
        "Transient osteoporosis of the hip is an uncommon, self-limiting musculoskeletal "
        "condition characterized by spontaneous bone-marrow oedema and progressive "
        "demineralization, predominantly affecting middle-aged individuals and women during "
        "the third trimester of pregnancy.\n"
    )
    [message] = problems(good(text=text))
    assert message.startswith("The web text reads at grade ")
    assert "grade 8 or lower" in message
    assert reading_grade(text) > 8


def test_markdown_marks_and_list_items_are_read_as_sentences() -> None:
    assert plain_text("**Who gets it:** anyone\n- first item\n- second.\n") == (
        "Who gets it: anyone\nfirst item.\nsecond."
    )


def test_sms_over_the_limit_says_by_how_much() -> None:
    [message] = problems(good(sms_text="a" * (MAX_SMS_CHARS + 5)))
    assert f"{MAX_SMS_CHARS + 5} characters" in message and "Shorten it by 5" in message


@pytest.mark.parametrize(
    ("sms", "shown"),
    [
        ("Call us \u2019today\u2019.", "'\u2019' (use ')"),
        ("Rest \u2014 then walk.", "'\u2014' (use -)"),
        ("Feel better \U0001F600", "'\U0001F600'"),
    ],
)
def test_sms_characters_outside_gsm7_are_named(sms: str, shown: str) -> None:
    [message] = problems(good(sms_text=sms))
    assert "characters many phones cannot show" in message and shown in message


@pytest.mark.parametrize(("length", "parts"), [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2),
                                               (307, 3), (320, 3)])
def test_sms_parts_follow_gsm7_segments(length: int, parts: int) -> None:
    assert sms_parts("a" * length) == parts


def test_sms_parts_of_unicode_text_use_70_and_67() -> None:
    assert sms_parts("\u00e7" * 10 + "\u2019" * 60) == 1
    assert sms_parts("\u2019" * 71) == 2


def test_sources_are_required() -> None:
    assert problems(good(sources=[])) == [
        "Add at least one source, so a reviewer can check the facts."
    ]
    assert problems(good(sources=["  "])) != []


@pytest.mark.parametrize("review_by", [None, TODAY, date(2025, 12, 31)])
def test_review_by_must_be_in_the_future(review_by: date | None) -> None:
    [message] = problems(good(review_by=review_by))
    assert "review-by date" in message


@pytest.mark.parametrize(
    ("tier", "number"), [("emergency", "911"), ("crisis", "988")],
)
def test_escalations_keep_their_contact_line(tier: str, number: str) -> None:
    spec = good(kind="escalation", tier=tier, text=f"Call {number} now.\n",
                sms_text=f"Call {number} now.")
    assert problems(spec) == []
    lost = problems(replace(spec, sms_text="Call the clinic now."))
    assert lost == [f"This {tier} message must keep the line with {number} in its SMS text."]
    lost_web = problems(replace(spec, text="Call the clinic now.\n"))
    assert lost_web == [f"This {tier} message must keep the line with {number} in its web text."]


def test_urgent_escalations_and_faq_need_no_hotline() -> None:
    assert problems(good(kind="escalation", tier="urgent")) == []


def test_empty_fields_are_named() -> None:
    messages = problems(good(title=" ", sms_text=""))
    assert "Write a title." in messages and "Write the SMS text." in messages


def test_every_problem_is_a_sentence() -> None:
    spec = good(text="Take 400 mg.\n", sms_text="x" * 400 + "\u2019", sources=[], review_by=None)
    for message in problems(spec):
        assert message[0].isupper() and message.endswith(".")


LONG_CLINIC = Clinic(
    name="The Regional Interdisciplinary Musculoskeletal Rehabilitation and Orthopaedic Institute",
    after_hours="Outside of regular operational hours, contact the centralized after-hours "
    "telecommunication service for immediate physician consultation.",
)


@pytest.mark.parametrize(
    ("field_name", "label"), [("text", "web text"), ("sms_text", "SMS text"), ("title", "title")]
)
def test_an_unknown_placeholder_is_refused(field_name: str, label: str) -> None:
    value = "Call {clinic_fone} today.\n" if field_name == "text" else "Call {clinic_fone} today."
    [message] = [m for m in problems(good(**{field_name: value})) if "placeholder" in m]
    assert message.startswith(f"The {label} has an unknown placeholder {{clinic_fone}}.")
    assert "{clinic_phone}" in message


def test_reason_belongs_to_red_flag_reason_only() -> None:
    line = "I'm saying this because you mentioned {reason}."
    reason = good(id="red_flag_reason", kind="message", text=line + "\n", sms_text=line)
    assert problems(reason) == []
    [message] = problems(good(sms_text=line))
    assert "unknown placeholder {reason}" in message
    lost = problems(replace(reason, sms_text="I'm saying this because of what you said."))
    assert lost == ["The SMS text must keep {reason}: the assistant fills it in for each patient."]


def test_a_stray_brace_is_refused() -> None:
    [message] = problems(good(sms_text="Call {clinic_phone today."))
    assert "that is not part of a placeholder" in message


def test_the_gate_reads_the_text_as_filled_for_the_clinic() -> None:
    spec = good(
        text="Call {clinic_name} at {clinic_phone}. {clinic_after_hours}\n",
        sms_text="Call {clinic_name}. {clinic_after_hours} " + "x" * 200,
    )
    assert lint_item(spec, today=TODAY, clinic=Clinic()).ok
    report = lint_item(spec, today=TODAY, clinic=LONG_CLINIC)
    assert report.grade > 8 and report.sms_chars > MAX_SMS_CHARS
    assert any(m.startswith("The web text reads at grade") for m in report.messages)
    assert any(m.startswith("The SMS text has ") and "characters" in m for m in report.messages)
@pytest.mark.parametrize(
    ("sms", "word"),
    [
        ("Some doctors use bisphosphonates for the bone.", "bisphosphonates"),
        ("Anti-inflammatory medicine may be considered.", "Anti-inflammatory"),
        ("Your care team uses your story, an exam, and imaging.", "imaging"),
        ("Some clinicians suggest less weight for a while.", "clinicians"),
        ("Osteoarthritis is wear of the joint's cartilage.", "cartilage"),
        ("The MRI shows bone marrow edema.", "bone marrow edema"),
    ],
)
def test_sms_jargon_must_be_explained(sms: str, word: str) -> None:
    [message] = problems(good(sms_text=sms))
    assert f'"{word}" without saying what it means' in message
    assert "brackets" in message


@pytest.mark.parametrize(
    "sms",
    [
        "Doctors may consider medicine that acts on bone (bisphosphonates).",
        "Bisphosphonates (medicines that act on bone) are sometimes used.",
        "Osteonecrosis means part of the bone loses its blood supply.",
        "An MRI can show fluid in the bone (called bone marrow edema).",
        "Cartilage, the smooth tissue on the ends of the bones, wears down.",
        "Your care team picks the scans that fit your case.",
    ],
)
def test_explained_jargon_and_plain_words_pass(sms: str) -> None:
    assert problems(good(sms_text=sms)) == []


def test_jargon_is_named_once_even_when_repeated() -> None:
    found = problems(good(sms_text="Imaging helps. Imaging is often repeated."))
    assert len(found) == 1


@pytest.mark.parametrize(
    "sms",
    [
        "TOH usually gets better over months.",
        "It usually gets better. TOH, or transient osteoporosis of the hip, is temporary.",
        "TOH is temporary. Transient osteoporosis of the hip (TOH) gets better.",
    ],
)
def test_faq_sms_spells_out_toh_before_the_first_toh(sms: str) -> None:
    [message] = problems(good(sms_text=sms))
    assert '"transient osteoporosis of the hip (TOH)" the first time' in message


def test_sms_without_toh_or_with_it_spelled_out_passes() -> None:
    assert problems(good(sms_text="This hip problem usually gets better over months.")) == []
    spelled = "Transient osteoporosis of the hip (TOH) is temporary. TOH gets better."
    assert problems(good(sms_text=spelled)) == []


def test_conversation_lines_may_say_toh_alone() -> None:
    # A message follows the greeting, which spells TOH out; an FAQ answer may stand alone.
    line = good(id="thanks", kind="message", sms_text="Anything else you want to know about TOH?")
    assert problems(line) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("TOH is a short-term problem.", "short-term"),
        ("It often starts near age 45.", "near age 45"),
        ("It starts around the age of 45 in men and women.", "around the age of 45"),
        ("It goes away and does not lead to collapse.", "does not lead to collapse"),
        ("TOH is caused by a lack of calcium.", "is caused by a lack of calcium"),
    ],
)
def test_claims_the_main_source_does_not_make_are_refused(text: str, found: str) -> None:
    found_web = problems(good(text=text + "\n"))
    found_sms = problems(good(sms_text=text.replace("TOH", "This hip problem")))
    assert len(found_web) == 1 and f'("{found}")' in found_web[0]
    assert len(found_sms) == 1 and "SMS text" in found_sms[0]


@pytest.mark.parametrize(
    "text",
    [
        "TOH is temporary.",
        "It usually does not lead to collapse.",
        "Some websites say it comes from a lack of calcium. Our main source does not.",
        "One source says it often starts in middle age.",
    ],
)
def test_hedged_or_attributed_claims_pass(text: str) -> None:
    assert problems(good(text=text + "\n")) == []
