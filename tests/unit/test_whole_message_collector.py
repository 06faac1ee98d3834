from __future__ import annotations

from bot.channels.inbound import clean_inbound
from bot.channels.rest import WholeMessageCollector


async def test_text_stays_whole_and_carries_its_content_and_marker() -> None:
    collector = WholeMessageCollector()
    text = "Call 911 now.\n\nDo not drive yourself."
    await collector.send_response(
        "p1",
        {
            "text": text,
            "custom": {"kind": "escalation", "tier": "emergency"},
            "content_id": "esc_emergency",
            "content_version": 2,
            "timestamp": 1.0,
        },
    )
    assert collector.messages == [
        {
            "recipient_id": "p1",
            "text": text,
            "custom": {"kind": "escalation", "tier": "emergency"},
            "content_id": "esc_emergency",
            "content_version": 2,
        }
    ]


async def test_buttons_stay_with_their_text_and_empty_messages_are_dropped() -> None:
    collector = WholeMessageCollector()
    buttons = [{"title": "How long TOH lasts", "payload": "/faq_duration"}]
    await collector.send_response("p1", {"text": "Did you mean:", "buttons": buttons})
    await collector.send_response("p1", {"text": None})
    assert collector.messages == [
        {"recipient_id": "p1", "text": "Did you mean:", "buttons": buttons}
    ]


def test_only_real_topic_payloads_pass_as_intents() -> None:
    assert clean_inbound("/faq_duration").text == "/faq_duration"
    assert clean_inbound("/faq_astrology").text == "faq_astrology"
    assert clean_inbound("/escalate_urgent").text == "escalate_urgent"
