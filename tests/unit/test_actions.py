from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerFaq, ActionAnswerOriginal
from actions.feedback import ActionRecordFeedback
from actions.suggestions import ActionSuggestTopics
from bot.feedback import FeedbackService, Vote, buttons, parse
from bot.replies import ReplyService
from tests.unit.fakes import FakeFeedbackRepository, fake_store, spec, standard_store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trackers"


def tracker(name: str, events: list | None = None, **changes: object) -> Tracker:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data["latest_message"].update(changes)
    if events is not None:
        data["events"] = events
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


# --- "Was this helpful?" ----------------------------------------------------------------------


@pytest.fixture
def asking() -> ReplyService:
    """A store that also has the question and the thanks line."""
    uow = fake_store(spec("driving"), spec("duration"), *(spec(m, kind="message") for m in (
        "not_understood", "ask_helpful", "feedback_thanks", "check_cleared")))
    return ReplyService(lambda: uow, hash_salt="s")


async def test_an_answer_is_followed_by_yes_no_buttons_for_its_id_and_version(
    asking: ReplyService,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq(asking).run(dispatcher, tracker("faq_driving_sms"), {})
    answer, question = dispatcher.messages
    assert answer["text"] == "driving sms" and not answer.get("buttons")
    assert question["text"] == "ask_helpful sms" and question["content_id"] == "ask_helpful"
    assert [parse(b["payload"]) for b in question["buttons"]] == [
        Vote("driving", 1, helpful=True), Vote("driving", 1, helpful=False)]
    assert [b["title"] for b in question["buttons"]] == ["Yes", "No"]


async def test_no_question_when_nothing_was_answered(asking: ReplyService) -> None:
    dispatcher = CollectingDispatcher()
    unknown = tracker("faq_driving_sms", intent={"name": "faq_astrology", "confidence": 0.9})
    await ActionAnswerFaq(asking).run(dispatcher, unknown, {})
    assert [m["text"] for m in dispatcher.messages] == ["not_understood sms"]


async def test_the_original_question_answered_after_a_no_is_asked_about_too(
    asking: ReplyService,
) -> None:
    ranking = [{"name": "check_red_flag", "confidence": 1.0},
               {"name": "faq_duration", "confidence": 0.8}]
    events = [{"event": "user", "parse_data": {"intent": {"name": "check_red_flag"},
                                               "intent_ranking": ranking}},
              {"event": "user", "parse_data": {"intent": {"name": "deny"}}}]
    dispatcher = CollectingDispatcher()
    after_no = tracker("faq_driving_sms", events, intent={"name": "deny", "confidence": 1.0})
    await ActionAnswerOriginal(asking).run(dispatcher, after_no, {})
    assert [m["content_id"] for m in dispatcher.messages] == ["duration", "ask_helpful"]


def feedback_tracker(intent: str, *, entities: list | None = None,
                     before: list | None = None) -> Tracker:
    """The patient's reply on SMS (its own event last), after the events ``before``."""
    reply = {"event": "user", "text": "yes", "input_channel": "sms"}
    return tracker("faq_driving_sms", [*(before or []), reply],
                   intent={"name": intent, "confidence": 1.0}, entities=entities or [])


def vote_action(asking: ReplyService) -> tuple[ActionRecordFeedback, FakeFeedbackRepository]:
    repo = FakeFeedbackRepository()
    return ActionRecordFeedback(asking, FeedbackService(lambda: repo, hash_salt="s")), repo


async def test_a_button_vote_is_recorded_and_thanked(asking: ReplyService) -> None:
    action, repo = vote_action(asking)
    entities = [{"entity": "helpful", "value": "no"}, {"entity": "answer", "value": "driving"},
                {"entity": "version", "value": 1}]
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, feedback_tracker("feedback", entities=entities), {})
    [entry] = repo.entries
    assert (entry.answer, entry.version, entry.helpful) == ("driving", 1, False)
    [thanks] = dispatcher.messages
    assert thanks["text"] == "feedback_thanks sms"
    assert thanks["feedback"] == {"answer": "driving", "version": 1, "helpful": False}


async def test_a_typed_yes_right_after_the_question_is_a_vote(asking: ReplyService) -> None:
    action, repo = vote_action(asking)
    question = {"event": "bot", "data": {"buttons": buttons("driving", 1)}}
    await action.run(CollectingDispatcher(), feedback_tracker("affirm", before=[question]), {})
    assert [(e.answer, e.helpful) for e in repo.entries] == [("driving", True)]


async def test_a_yes_with_no_question_before_it_is_not_understood(asking: ReplyService) -> None:
    action, repo = vote_action(asking)
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, feedback_tracker("affirm"), {})
    assert repo.entries == []
    assert [m["text"] for m in dispatcher.messages] == ["not_understood sms"]
