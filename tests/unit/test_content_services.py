from __future__ import annotations

import pytest

from bot.config import REPO_ROOT
from bot.content.errors import AnswerNotFound, InvalidContent
from bot.content.files import dump_item, read_items, spec_from_dict
from bot.content.services import published_answer, published_catalog
from tests.unit.fakes import fake_store, spec


def test_answer_renders_per_channel() -> None:
    answer = published_answer("duration", uow=fake_store(spec("duration")))
    assert answer.text_for("rest") == "duration web"
    assert answer.text_for("socketio") == "duration web"
    assert answer.text_for("sms") == "duration sms"


def test_missing_answer_is_a_clear_error() -> None:
    with pytest.raises(AnswerNotFound, match="nothing is published for 'nope'"):
        published_answer("nope", uow=fake_store())


def test_export_has_the_contract_fields() -> None:
    uow = fake_store(spec("duration"), spec("esc_fall", kind="escalation", tier="urgent"))
    exported = [a.as_export() for a in published_catalog(uow=uow)]
    assert {"id", "kind", "tier", "title", "text", "sms_text", "version"} <= set(exported[0])
    assert [(e["id"], e["kind"], e["tier"]) for e in exported] == [
        ("duration", "faq", None),
        ("esc_fall", "escalation", "urgent"),
    ]


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"id": "x", "kind": "faq", "title": "t", "text": "t"}, "missing sms_text"),
        ({"id": "x", "kind": "poem", "title": "t", "text": "t", "sms_text": "s"}, "kind must be"),
        (
            {"id": "x", "kind": "escalation", "title": "t", "text": "t", "sms_text": "s"},
            "need a tier",
        ),
        (
            {
                "id": "x",
                "kind": "faq",
                "tier": "urgent",
                "title": "t",
                "text": "t",
                "sms_text": "s",
            },
            "need a tier",
        ),
    ],
)
def test_invalid_items_are_refused_in_words(data: dict, problem: str) -> None:
    with pytest.raises(InvalidContent, match=problem):
        spec_from_dict(data)


def test_shipped_files_are_canonical() -> None:
    """What is committed is exactly what export writes back (round trip exact)."""
    for item in read_items(REPO_ROOT / "content"):
        folder = {"faq": "faq", "message": "messages", "escalation": "escalations"}[item.kind]
        path = REPO_ROOT / "content" / folder / f"{item.id}.yml"
        assert path.read_text(encoding="utf-8") == dump_item(item), path
