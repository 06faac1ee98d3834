from __future__ import annotations

from bot.nlu.evaluation import Example, Report, calm_summary


def parsed(intent: str, *ranking: tuple[str, float]) -> dict:
    return {
        "intent": {"name": intent, "confidence": ranking[0][1] if ranking else 1.0},
        "intent_ranking": [{"name": name, "confidence": c} for name, c in ranking],
    }


def test_report_counts_an_own_topic_one_tap_away_but_not_as_answered() -> None:
    report = Report()
    report.add(Example("a", "faq_imaging"), parsed("faq_imaging", ("faq_imaging", 0.9)))
    report.add(  # answered another topic, own topic offered as the related button
        Example("b", "faq_imaging"),
        parsed("faq_pregnancy", ("faq_pregnancy", 0.55), ("faq_imaging", 0.4)),
    )
    report.add(  # unsure: the suggestion buttons hold the own topic
        Example("c", "faq_cost"),
        parsed("nlu_fallback", ("nlu_fallback", 0.3), ("faq_driving", 0.25), ("faq_cost", 0.24)),
    )
    report.add(  # wrong topic, own topic too unlikely to be offered
        Example("d", "faq_cost"), parsed("faq_work", ("faq_work", 0.8), ("faq_cost", 0.1))
    )
    report.add(Example("e", "faq_cost"), parsed("escalate_urgent", ("escalate_urgent", 1.0)))

    assert report.topic_accuracy == 1 / 5
    assert report.own_topic_within_one_tap == 3
    assert report.offered[1] == ("faq_imaging",) and report.offered[3] == ()
    assert report.related_button_share == 1 / 3  # of the three FAQ answers, b has a button
    line = calm_summary("set", report)
    assert "own topic 1/5" in line and "escalated 1" in line and "unsure (topic buttons) 1" in line
    assert line.endswith("answered or one tap away (web) 3/5")
