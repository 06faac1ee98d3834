from __future__ import annotations

from pathlib import Path

from bot.nlu.evaluation import (
    CLINC_EXAM,
    Example,
    Report,
    calm_summary,
    kept_out_summary,
    read_clinc_exam,
    with_fallback_threshold,
)


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


def test_unrelated_messages_are_kept_out_only_without_answer_or_escalation() -> None:
    report = Report()
    report.add(Example("weather", "out_of_scope"), parsed("out_of_scope", ("out_of_scope", 0.9)))
    report.add(Example("pto", "out_of_scope"), parsed("nlu_fallback", ("nlu_fallback", 0.25)))
    report.add(Example("fee", "out_of_scope"), parsed("faq_cost", ("faq_cost", 0.6)))
    report.add(Example("dog", "out_of_scope"), parsed("escalate_urgent", ("escalate_urgent", 1.0)))
    report.add(Example("ask", "out_of_scope"), parsed("check_red_flag", ("check_red_flag", 1.0)))

    assert report.out_of_scope_kept_out == 2 / 5
    assert [e.text for e, _ in report.misses()] == ["fee", "dog", "ask"]
    summary = kept_out_summary("CLINC150 test", report)
    assert summary.splitlines()[0].startswith("CLINC150 test: kept out 2/5 (40.0%")
    assert "FAQ answers 1, red-flag screen 2" in summary
    assert "LET IN -> faq_cost" in summary and "'fee'" in summary


def test_a_higher_fallback_threshold_replays_the_classifier_ranking() -> None:
    report = Report()
    report.add(  # the classifier's 0.4 answer: unsure at 0.5
        Example("fee", "out_of_scope"), parsed("faq_cost", ("faq_cost", 0.4), ("faq_work", 0.2))
    )
    report.add(  # sure enough at either threshold
        Example("cost", "faq_cost"), parsed("faq_cost", ("faq_cost", 0.8), ("faq_work", 0.1))
    )
    report.add(  # already unsure at 0.25: the fallback entry is not the classifier's own
        Example("x", "out_of_scope"),
        parsed("nlu_fallback", ("nlu_fallback", 0.25), ("faq_work", 0.2), ("faq_cost", 0.1)),
    )
    report.add(  # the red-flag screen's escalation stands whatever the threshold
        Example("calf", "faq_preventing_clots"),
        parsed("escalate_urgent", ("escalate_urgent", 1.0), ("faq_work", 0.3)),
    )
    report.add(  # too close to the runner-up: ambiguous
        Example("both", "faq_work"), parsed("faq_work", ("faq_work", 0.62), ("faq_cost", 0.6))
    )

    same = with_fallback_threshold(report, 0.25, 0.05)
    assert [p for _, p in same.pairs] == [
        "faq_cost", "faq_cost", "nlu_fallback", "escalate_urgent", "nlu_fallback"
    ]
    higher = with_fallback_threshold(report, 0.5, 0.05)
    assert [p for _, p in higher.pairs] == [
        "nlu_fallback", "faq_cost", "nlu_fallback", "escalate_urgent", "nlu_fallback"
    ]
    assert higher.offered[0] == ("faq_cost", "faq_work")  # unsure: the closest topics offered
    lower = with_fallback_threshold(report, 0.15, 0.0)
    assert [p for _, p in lower.pairs][2] == "faq_work"


def test_the_clinc_exam_is_read_by_split(tmp_path: Path) -> None:
    exam = tmp_path / "exam.yml"
    exam.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: out_of_scope\n  metadata:\n    split: test\n  examples: |\n"
        "    - how much is a cash advance fee\n    - play the next song\n"
        "- intent: out_of_scope\n  metadata:\n    split: oos_test\n  examples: |\n"
        "    - how much has the dow changed today\n",
        encoding="utf-8",
    )
    splits = read_clinc_exam(exam)
    assert [e.text for e in splits["test"]] == [
        "how much is a cash advance fee",
        "play the next song",
    ]
    assert [(e.text, e.intent) for e in splits["oos_test"]] == [
        ("how much has the dow changed today", "out_of_scope")
    ]


def test_the_committed_clinc_exam_has_both_fixed_samples() -> None:
    splits = read_clinc_exam(Path(__file__).resolve().parents[2] / CLINC_EXAM)
    assert {split: len(examples) for split, examples in splits.items()} == {
        "test": 600,
        "oos_test": 300,
    }
