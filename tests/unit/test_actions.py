from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerFaq
from actions.suggestions import ActionSuggestTopics
from bot.replies import ReplyService
from tests.unit.fakes import standard_store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trackers"


def tracker(name: str, **changes: object) -> Tracker:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data["latest_message"].update(changes)
    return Tracker.from_dict(data)


@pytest.fixture
def replies() -> ReplyService:
    uow = standard_store()
    return ReplyService(lambda: uow, hash_salt="s")


async def test_answer_faq_uses_the_sms_text_on_sms(replies: ReplyService) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq(replies).run(dispatcher, tracker("faq_driving_sms"), {})
    [message] = dispatcher.messages
    assert message["text"] == "driving sms"
    assert message["content_id"] == "driving" and message["content_version"] == 1
    assert events == [SlotSet("last_topic", "driving")]


async def test_unknown_topic_says_it_did_not_understand(replies: ReplyService) -> None:
    dispatcher = CollectingDispatcher()
    unknown = tracker("faq_driving_sms", intent={"name": "faq_astrology", "confidence": 0.9})
    await ActionAnswerFaq(replies).run(dispatcher, unknown, {})
    assert dispatcher.messages[0]["text"] == "not_understood sms"


async def test_suggestions_offer_buttons_on_the_web(replies: ReplyService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionSuggestTopics(replies).run(dispatcher, tracker("unsure_web"), {})
    [message] = dispatcher.messages
    assert message["text"] == "suggest_topics web"
    assert [b["payload"] for b in message["buttons"]] == [
        "/faq_driving",
        "/faq_cost",
        "/none_of_these",
    ]


async def test_no_topic_in_ranking_gives_up_politely(replies: ReplyService) -> None:
    dispatcher = CollectingDispatcher()
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}]
    await ActionSuggestTopics(replies).run(
        dispatcher, tracker("unsure_web", intent_ranking=ranking), {}
    )
    assert dispatcher.messages[0]["text"] == "not_understood web"
    assert not dispatcher.messages[0].get("buttons")


def test_actions_connect_nothing_when_built() -> None:
    action = ActionAnswerFaq()
    assert action._replies is None and action.name() == "action_answer_faq"


WEB_RANKING = [
    {"name": "faq_driving", "confidence": 0.55},
    {"name": "out_of_scope", "confidence": 0.25},
    {"name": "faq_cost", "confidence": 0.2},
]


async def test_a_close_runner_up_topic_is_offered_under_the_answer_on_the_web(
    replies: ReplyService,
) -> None:
    dispatcher = CollectingDispatcher()
    question = tracker(
        "unsure_web", intent={"name": "faq_driving", "confidence": 0.55}, intent_ranking=WEB_RANKING
    )
    await ActionAnswerFaq(replies).run(dispatcher, question, {})
    [message] = dispatcher.messages
    assert message["text"] == "driving web"
    assert message["content_id"] == "driving"
    assert message["buttons"] == [{"title": "cost title", "payload": "/faq_cost"}]


@pytest.mark.parametrize(
    "runner_up",
    [
        pytest.param({"name": "faq_cost", "confidence": 0.19}, id="too-unlikely"),
        pytest.param({"name": "faq_astrology", "confidence": 0.4}, id="not-published"),
    ],
)
async def test_no_related_button_when_the_runner_up_is_unlikely_or_missing(
    replies: ReplyService, runner_up: dict[str, object]
) -> None:
    dispatcher = CollectingDispatcher()
    ranking = [{"name": "faq_driving", "confidence": 0.6}, runner_up]
    question = tracker(
        "unsure_web", intent={"name": "faq_driving", "confidence": 0.6}, intent_ranking=ranking
    )
    await ActionAnswerFaq(replies).run(dispatcher, question, {})
    assert dispatcher.messages[0]["text"] == "driving web"
    assert not dispatcher.messages[0].get("buttons")


async def test_no_related_button_on_sms_where_it_would_cost_another_message(
    replies: ReplyService,
) -> None:
    dispatcher = CollectingDispatcher()
    question = tracker("faq_driving_sms", intent_ranking=WEB_RANKING)
    await ActionAnswerFaq(replies).run(dispatcher, question, {})
    assert dispatcher.messages[0]["text"] == "driving sms"
    assert not dispatcher.messages[0].get("buttons")
