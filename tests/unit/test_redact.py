"""Personal details are redacted; clinical numbers and everyday words stay."""

from __future__ import annotations

import logging

import pytest

from bot.log_redaction import redact_record
from bot.redact import redact, redact_event


@pytest.mark.parametrize(
    "text",
    [
        "+1 555 010 0199",
        "(555) 010-0199",
        "555.010.0199",
        "555-010-0199",
        "5550100199",
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "+1 (212) 555-1234 ext 5",
        "call 555-0199",
        "+33 6 12 34 56 78",
    ],
)
def test_phone_numbers_are_redacted(text: str) -> None:
    redacted = redact(f"you can text me on {text} tonight")
    assert "[phone]" in redacted
    assert not any(ch.isdigit() for ch in redacted), redacted
    assert redacted.startswith("you can text me on ") and redacted.endswith(" tonight")


@pytest.mark.parametrize(
    "email",
    ["maria@example.com", "maria.lopez+toh@example.co.uk", "j_smith-99@mail.clinic.org"],
)
def test_email_addresses_are_redacted(email: str) -> None:
    assert redact(f"email me at {email}, thanks") == "email me at [email], thanks"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 3/12/1980", "DOB [date]"),
        ("dob: 03/12/1980", "dob: [date]"),
        ("DOB 3/12", "DOB [date]"),
        ("born 03-12-80", "born [date]"),
        ("born on 1980-12-03", "born on [date]"),
        ("born on March 3rd 1980", "born on [date]"),
        ("born on March 3, 1980", "born on [date]"),
        ("my date of birth is 3 March 1980", "my date of birth is [date]"),
        ("born on the 3rd of March 1980", "born on the [date]"),
        ("born 12 Dec 1980", "born [date]"),
        ("I was born in 1980", "I was born in [date]"),
        ("born in December 1980", "born in [date]"),
        ("my MRI was on 14.02.2026", "my MRI was on [date]"),
    ],
)
def test_dates_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 12 Oak Street", "I live at [address]"),
        ("I live at 12 Oak Street, Springfield", "I live at [address], Springfield"),
        ("send it to 221B Baker Street please", "send it to [address] please"),
        ("it's 4 elm avenue", "it's [address]"),
        ("12 Oak St.", "[address]"),
        ("9 Mill Rd", "[address]"),
        ("I live at the old mill by the river", "I live at [address]"),
        ("my postcode is SW1A 1AA", "my postcode is [address]"),
    ],
)
def test_street_addresses_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Maria Lopez", "my name is [name]"),
        ("my name is maria lopez and my hip hurts", "my name is [name] and my hip hurts"),
        ("My name's Ann", "My name's [name]"),
        ("call me Jo", "call me [name]"),
        ("Hi, I'm Maria", "Hi, I'm [name]"),
        ("I am Maria Lopez", "I am [name]"),
        ("this is John", "this is [name]"),
        ("This is John Smith, I had an MRI", "This is [name], I had an MRI"),
        ("It's Maria here", "It's [name] here"),
    ],
)
def test_self_introduced_names_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I have a fever of 38.5",
        "temperature 38.4C since Tuesday",
        "it was 101F last night",
        "the pain has lasted 6 weeks",
        "I'm 45",
        "I am 45 years old",
        "pain is 7/10 at night",
        "I take 800-1000 IU of vitamin D",
        "1200 mg calcium a day",
        "between 2019 and 2020 it got worse",
        "I'm worried about my hip",
        "I'm in pain",
        "this is painful",
        "I'm Okay but tired",
        "call me back please",
        "I spent 2 nights at St Mary's hospital",
        "I walk 10000 steps a day",
        "It's MRI day tomorrow",
        "call 911",
        "I took 2 tablets at 8.30",
        "I'm Diabetic and Pregnant",
        "This is Day 3 of the pain",
        "I'm Feeling worse",
    ],
)
def test_clinical_numbers_and_everyday_words_stay(text: str) -> None:
    assert redact(text) == text


def test_several_details_in_one_message() -> None:
    text = "I'm Maria, DOB 3/12/1980, phone 07700 900123, maria@example.com, fever 38.5"
    assert redact(text) == "I'm [name], DOB [date], phone [phone], [email], fever 38.5"


def test_a_user_event_is_redacted_where_the_patient_wrote() -> None:
    event = {
        "event": "user",
        "text": "my name is Maria, call 07700 900123",
        "parse_data": {
            "text": "my name is Maria, call 07700 900123",
            "intent": {"name": "request_human", "confidence": 0.9},
            "entities": [{"entity": "red_flag", "value": "fever", "start": 0, "end": 5}],
        },
        "metadata": {"note": "maria@example.com", "n": 3},
        "input_channel": "rest",
    }
    redacted = redact_event(event)
    assert redacted["text"] == "my name is [name], call [phone]"
    assert redacted["parse_data"]["text"] == "my name is [name], call [phone]"
    assert redacted["parse_data"]["intent"] == event["parse_data"]["intent"]
    assert redacted["parse_data"]["entities"] == event["parse_data"]["entities"]
    assert redacted["metadata"] == {"note": "[email]", "n": 3}
    assert event["text"] == "my name is Maria, call 07700 900123"  # the original is untouched


def test_bot_lines_are_content_and_stay() -> None:
    event = {"event": "bot", "text": "Call the clinic on (555) 010-0100."}
    assert redact_event(event) == event


def test_a_text_slot_is_redacted() -> None:
    event = {"event": "slot", "name": "note", "value": "maria@example.com"}
    assert redact_event(event)["value"] == "[email]"


def test_a_log_record_is_redacted_with_its_arguments() -> None:
    record = logging.LogRecord(
        "rasa", logging.DEBUG, __file__, 1, "Received user message '%s'", ("call 07700 900123",),
        None,
    )
    redacted = redact_record(record)
    assert redacted.getMessage() == "Received user message 'call [phone]'"
