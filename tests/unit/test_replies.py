from __future__ import annotations

import pytest
import yaml

from bot.config import REPO_ROOT, Clinic, Settings
from bot.content.errors import AnswerNotFound
from bot.content.files import read_items
from bot.privacy import pseudonym
from bot.replies import ReplyService, escalation_targets, related_topic, topic_of_intent
from bot.topics import FAQ_TOPICS
from tests.unit.fakes import fake_store, spec, standard_store

SALT = "test-salt"


def service():
    uow = standard_store()
    return ReplyService(lambda: uow, hash_salt=SALT), uow


def flag(value: str, tier: str, escalation: str) -> dict:
    return {"entity": "red_flag", "value": value, "tier": tier, "escalation": escalation}


def test_topic_of_intent() -> None:
    assert topic_of_intent("faq_weight_bearing") == "weight_bearing"
    assert topic_of_intent("greet") is None
    assert topic_of_intent(None) is None


def test_topic_reply_carries_content_id_and_version() -> None:
    replies, _ = service()
    message = replies.topic("duration", "rest").as_message()
    assert message == {"text": "duration web", "content_id": "duration", "content_version": 1}
    assert replies.topic("duration", "sms").text == "duration sms"


def test_suggestions_offer_the_two_closest_topics_then_none_of_these() -> None:
    replies, _ = service()
    ranking = [
        {"name": "nlu_fallback"},
        {"name": "faq_driving"},
        {"name": "greet"},
        {"name": "faq_cost"},
        {"name": "faq_duration"},
    ]
    reply = replies.suggestions(ranking, "rest")
    assert reply.text == "suggest_topics web"
    assert reply.buttons == [
        {"title": "driving title", "payload": "/faq_driving"},
        {"title": "cost title", "payload": "/faq_cost"},
        {"title": "none_of_these title", "payload": "/none_of_these"},
    ]


def test_related_topic_is_the_next_faq_topic_if_it_is_likely_enough() -> None:
    ranking = [
        {"name": "faq_imaging", "confidence": 0.5},
        {"name": "out_of_scope", "confidence": 0.27},
        {"name": "faq_pregnancy", "confidence": 0.21},
        {"name": "faq_cost", "confidence": 0.02},
    ]
    assert related_topic(ranking, "imaging") == "pregnancy"
    ranking[2]["confidence"] = 0.1  # the next FAQ topic is unlikely: offer nothing, not faq_cost
    assert related_topic(ranking, "imaging") is None
    assert related_topic([{"name": "faq_imaging", "confidence": 1.0}], "imaging") is None


def test_suggestion_skips_a_topic_with_nothing_published() -> None:
    replies, _ = service()
    ranking = [{"name": "faq_astrology"}, {"name": "faq_cost"}]
    assert [b["payload"] for b in replies.suggestions(ranking, "rest").buttons] == [
        "/faq_cost",
        "/none_of_these",
    ]


def test_escalation_targets_keep_only_the_winning_tier_in_order() -> None:
    entities = [
        flag("fever", "urgent", "esc_infection"),
        flag("chest_pain", "emergency", "esc_emergency"),
        flag("fall", "urgent", "esc_fall"),
        {"entity": "other", "tier": "urgent", "escalation": "x"},
    ]
    assert escalation_targets(entities, "urgent") == ["esc_infection", "esc_fall"]
    assert escalation_targets(entities, "emergency") == ["esc_emergency"]


def test_escalation_answers_and_records_without_the_phone_number() -> None:
    replies, uow = service()
    entities = [flag("fever", "urgent", "esc_infection")]
    reply = replies.escalation(entities, "urgent", channel="sms", sender_id="+15551234567")
    assert (reply.text, reply.content_id) == ("esc_infection sms", "esc_infection")
    assert reply.as_message()["custom"] == {"kind": "escalation", "tier": "urgent"}
    assert reply.as_message()["red_flags"] == ["fever"]  # for the conversation log
    [record] = uow.items.escalations()
    assert (record.flag_ids, record.tier, record.channel) == (["fever"], "urgent", "sms")
    assert record.conversation == pseudonym("+15551234567", SALT)
    assert "5551234567" not in record.conversation


def test_escalation_without_entities_uses_the_tier_item() -> None:
    replies, _ = service()
    assert (
        replies.escalation([], "emergency", channel="rest", sender_id="a").content_id
        == "esc_emergency"
    )
    assert replies.escalation([], "urgent", channel="rest", sender_id="a").content_id in {
        "esc_infection",
        "esc_fall",
        "esc_urgent",
    }


CLINIC = Clinic(name="Lakeside Bone Clinic", phone="(555) 777-1234", hours="daily",
                after_hours="At night, call (555) 777-0000.")


def clinic_service(*specs):
    return ReplyService(lambda: fake_store(*specs), hash_salt=SALT, clinic=CLINIC)


def test_replies_fill_the_clinic_details_on_every_channel() -> None:
    line = spec("human_handoff", kind="message", title="Call {clinic_name}",
                text="Call **{clinic_name}** at {clinic_phone}, {clinic_hours}. "
                "{clinic_after_hours}\n",
                sms_text="Call {clinic_phone}. {clinic_after_hours}")
    replies = clinic_service(line)
    assert replies.message("human_handoff", "rest").text == (
        "Call **Lakeside Bone Clinic** at (555) 777-1234, daily. At night, call (555) 777-0000."
    )
    assert replies.message("human_handoff", "sms").text == (
        "Call (555) 777-1234. At night, call (555) 777-0000."
    )


def test_escalations_and_button_titles_are_filled_too() -> None:
    replies = clinic_service(
        spec("esc_fall", kind="escalation", tier="urgent", sms_text="Call {clinic_phone} today."),
        spec("cost", title="Costs at {clinic_name}"),
        spec("suggest_topics", kind="message"), spec("none_of_these", kind="message"),
    )
    reply = replies.escalation([flag("fall", "urgent", "esc_fall")], "urgent", channel="sms",
                               sender_id="+15551234567")
    assert reply.text == "Call (555) 777-1234 today."
    buttons = replies.suggestions([{"name": "faq_cost"}], "rest").buttons
    assert buttons[0]["title"] == "Costs at Lakeside Bone Clinic"


def test_code_fills_the_reason_but_never_the_clinic_details() -> None:
    line = spec("red_flag_reason", kind="message",
                text="I'm saying this because you mentioned {reason}.\n")
    replies = clinic_service(line)
    reply = replies.message("red_flag_reason", "rest", values={"reason": "chest pain"})
    assert reply.text == "I'm saying this because you mentioned chest pain."
    assert reply.content_id == "red_flag_reason"
    odd = replies.message("red_flag_reason", "rest", values={"reason": "{clinic_phone}"})
    assert odd.text.endswith("mentioned {clinic_phone}.")


def test_without_a_clinic_the_settings_clinic_is_used(monkeypatch) -> None:
    monkeypatch.setattr("bot.replies.get_settings", lambda: Settings(clinic=CLINIC))
    line = spec("unavailable", kind="message", sms_text="Call {clinic_phone}.")
    replies = ReplyService(lambda: fake_store(line), hash_salt=SALT)
    assert replies.message("unavailable", "sms").text == "Call (555) 777-1234."
NEW_TOPICS = (
    "walking_aids", "preventing_falls", "preventing_clots", "exercise", "diet_and_supplements",
    "mri_safety", "sleep_and_night_pain", "pain_relief", "children", "bone_density",
)


def content_service() -> ReplyService:
    uow = fake_store(*read_items(REPO_ROOT / "content"))
    return ReplyService(lambda: uow, hash_salt=SALT)


@pytest.mark.parametrize("topic", NEW_TOPICS)
def test_new_topics_are_offered_as_the_related_button_and_as_suggestions(topic: str) -> None:
    """Issue 14: the new topics work by intent name alone, with their content's titles."""
    replies = content_service()
    title = {s.id: s.title for s in read_items(REPO_ROOT / "content")}[topic]
    ranking = [
        {"name": "faq_weight_bearing", "confidence": 0.55},
        {"name": f"faq_{topic}", "confidence": 0.3},
    ]
    related = related_topic(ranking, "weight_bearing")
    assert related == topic
    answer = replies.topic("weight_bearing", "rest", related=related)
    assert answer.buttons == [{"title": title, "payload": f"/faq_{topic}"}]
    suggested = replies.suggestions(list(reversed(ranking)), "rest").buttons
    assert suggested[0] == {"title": title, "payload": f"/faq_{topic}"}
    assert suggested[1]["payload"] == "/faq_weight_bearing"


def test_every_faq_topic_has_an_intent_a_rule_and_a_published_answer() -> None:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((REPO_ROOT / "data/rules/faq.yml").read_text(encoding="utf-8"))
    answered = {r["steps"][0]["intent"] for r in rules["rules"]
                if r["steps"][1] == {"action": "action_answer_faq"}}
    faq_ids = {s.id for s in read_items(REPO_ROOT / "content") if s.kind == "faq"}
    assert set(NEW_TOPICS) <= set(FAQ_TOPICS)
    for topic in FAQ_TOPICS:
        assert f"faq_{topic}" in domain["intents"]
        assert f"faq_{topic}" in answered
    assert faq_ids == set(FAQ_TOPICS)


def test_published_items_are_reused_for_cache_seconds_then_read_again() -> None:
    stores = [fake_store(spec("duration", text="first\n")),
              fake_store(spec("duration", text="second\n"))]
    reads: list[int] = []
    now = [100.0]

    def uow():  # each read after the first sees the edited store
        reads.append(1)
        return stores[min(len(reads), 2) - 1]

    replies = ReplyService(uow, hash_salt=SALT, cache_seconds=1.0, clock=lambda: now[0])
    assert replies.topic("duration", "rest").text == "first"
    now[0] += 0.9
    assert replies.topic("duration", "rest").text == "first" and len(reads) == 1
    now[0] += 0.2
    assert replies.topic("duration", "rest").text == "second" and len(reads) == 2


def test_without_a_cache_every_reply_reads_the_store_and_missing_items_are_not_cached() -> None:
    reads: list[int] = []
    store = standard_store()

    def uow():
        reads.append(1)
        return store

    uncached = ReplyService(uow, hash_salt=SALT)
    uncached.topic("duration", "rest")
    uncached.topic("duration", "rest")
    assert len(reads) == 2
    cached = ReplyService(uow, hash_salt=SALT, cache_seconds=60.0)
    for _ in range(2):
        with pytest.raises(AnswerNotFound):
            cached.topic("no_such_topic", "rest")
    assert len(reads) == 4
