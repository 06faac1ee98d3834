"""RemoteAction validates action server answers with a validator built once: same verdicts."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import action_responses

ORIGINAL = RemoteAction._validate_action_result
GOOD: list[dict[str, Any]] = [
    {"events": [{"event": "slot", "name": "last_topic", "value": "cost", "timestamp": None}],
     "responses": [{"text": "An answer", "content_id": "faq_cost", "content_version": 2}]},
    {"events": [], "responses": []},
    {},
]
BAD: list[dict[str, Any]] = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [["not", "an", "object"]]},
]


@pytest.fixture
def installed() -> Iterator[None]:
    action_responses.install()
    action_responses.install()  # idempotent
    yield
    RemoteAction._validate_action_result = ORIGINAL  # type: ignore[method-assign]


Validate = Callable[[RemoteAction, dict[str, Any]], bool]


def verdict(validate: Validate, result: dict[str, Any]) -> str:
    try:
        validate(RemoteAction("action_x", None), result)
    except ValidationError as error:
        return f"invalid: {error.message}"
    return "valid"


@pytest.mark.parametrize("result", GOOD + BAD)
def test_the_cached_validator_gives_rasas_verdict(result: dict[str, Any], installed: None) -> None:
    assert RemoteAction._validate_action_result is not ORIGINAL
    expected = verdict(ORIGINAL, result)
    assert verdict(RemoteAction._validate_action_result, result) == expected
    assert expected.startswith("valid" if result in GOOD else "invalid: ")
