from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlg import ContentNLG
from bot.replies import ReplyService
from tests.unit.fakes import fake_store, spec, standard_store

DOMAIN = Domain.from_dict(
    {
        "responses": {
            "utter_escalate_urgent": [{"text": "domain urgent text"}],
            "utter_greeting": [{"text": "domain hello"}],
        }
    }
)


def nlg_with(uow) -> ContentNLG:
    nlg = ContentNLG(domain=DOMAIN)
    nlg._service = ReplyService(lambda: uow, hash_salt="s")
    return nlg


def tracker_with_flags(*entities: dict) -> DialogueStateTracker:
    tracker = DialogueStateTracker("sender", [])
    tracker.update(UserUttered("I have a fever", {"name": "escalate_urgent"}, list(entities)))
    return tracker


async def test_escalation_text_comes_from_the_store_and_is_recorded() -> None:
    uow = standard_store()
    flag = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection"}
    message = await nlg_with(uow).generate(
        "utter_escalate_urgent", tracker_with_flags(flag), "rest"
    )
    assert message["text"] == "esc_infection web"
    assert message["content_id"] == "esc_infection"
    assert [r.escalation_id for r in uow.items.escalations()] == ["esc_infection"]


async def test_the_patients_input_channel_decides_rendering_and_record() -> None:
    uow = standard_store()
    tracker = DialogueStateTracker("sender", [])
    flag = {"entity": "red_flag", "value": "fever", "tier": "urgent", "escalation": "esc_infection"}
    tracker.update(
        UserUttered("fevr 101", {"name": "escalate_urgent"}, [flag], input_channel="sms")
    )
    message = await nlg_with(uow).generate("utter_escalate_urgent", tracker, "collector")
    assert message["text"] == "esc_infection sms"
    assert [r.channel for r in uow.items.escalations()] == ["sms"]


async def test_conversation_lines_come_from_the_store() -> None:
    uow = fake_store(spec("greeting", kind="message"), spec("not_understood", kind="message"))
    nlg = nlg_with(uow)
    assert (await nlg.generate("utter_greeting", tracker_with_flags(), "sms"))[
        "text"
    ] == "greeting sms"
    assert (await nlg.generate("utter_default", tracker_with_flags(), "rest"))[
        "text"
    ] == "not_understood web"


async def test_store_failure_falls_back_to_the_domain_text() -> None:
    class Broken:
        def __enter__(self):
            raise ConnectionError("database down")

    message = await nlg_with(Broken()).generate(
        "utter_escalate_urgent", tracker_with_flags(), "rest"
    )
    assert message["text"] == "domain urgent text"
