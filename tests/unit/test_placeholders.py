"""Clinic details from configuration, filled into texts in one place."""
from __future__ import annotations

import pytest

from bot.config import Clinic, load_settings
from bot.content import placeholders

CLINIC_VARIABLES = ("CLINIC_NAME", "CLINIC_PHONE", "CLINIC_HOURS", "CLINIC_AFTER_HOURS")


def test_known_placeholders_are_filled_and_others_left_as_written() -> None:
    values = Clinic(phone="(555) 123-0000").placeholders()
    text = "Call {clinic_phone}. {reason} stays. {clinic_phone} again."
    filled = "Call (555) 123-0000. {reason} stays. (555) 123-0000 again."
    assert placeholders.fill(text, values) == filled


def test_filling_is_one_pass_so_a_value_is_never_filled_again() -> None:
    assert placeholders.fill("{reason}", {"reason": "{clinic_phone}", "clinic_phone": "x"}) == (
        "{clinic_phone}"
    )


def test_names_and_stray_braces() -> None:
    assert placeholders.names_in("{a} {b} {a}") == ["a", "b"]
    assert placeholders.has_stray_brace("call {clinic_phone") is True
    assert placeholders.has_stray_brace("call clinic_phone}") is True
    assert placeholders.has_stray_brace("call {clinic_phone}") is False


def test_reason_is_allowed_only_in_red_flag_reason() -> None:
    assert "reason" in placeholders.allowed_for("red_flag_reason")
    assert "reason" not in placeholders.allowed_for("esc_fall")
    assert set(placeholders.CLINIC_PLACEHOLDERS) == {
        "clinic_name", "clinic_phone", "clinic_hours", "clinic_after_hours"
    }


def test_clinic_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_NAME", "Lakeside Bone Clinic")
    monkeypatch.setenv("CLINIC_PHONE", "(555) 777-1234")
    monkeypatch.setenv("CLINIC_HOURS", "every day, 7 am to 7 pm")
    monkeypatch.setenv("CLINIC_AFTER_HOURS", "At night, call the nurse line at (555) 777-0000.")
    clinic = load_settings(env_file=None).clinic
    assert clinic.placeholders() == {
        "clinic_name": "Lakeside Bone Clinic",
        "clinic_phone": "(555) 777-1234",
        "clinic_hours": "every day, 7 am to 7 pm",
        "clinic_after_hours": "At night, call the nurse line at (555) 777-0000.",
    }


def test_demo_clinic_by_default_and_after_hours_follows_the_phone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in CLINIC_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert load_settings(env_file=None).clinic == Clinic()
    monkeypatch.setenv("CLINIC_PHONE", "(555) 777-1234")
    after_hours = load_settings(env_file=None).clinic.after_hours
    assert "(555) 777-1234" in after_hours and after_hours.endswith(".")
    assert "(555) 777-1234" in Clinic(phone="(555) 777-1234").after_hours
