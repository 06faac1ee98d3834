"""The learned red-flag screen: decisions with the rules, threshold choice, evaluation bounds."""
from __future__ import annotations

import pytest

from bot.safety.corpus import LabelledMessage
from bot.safety.detector import Finding, RulesView
from bot.safety.evaluation import caught, report_for, under_triaged, upper_bound
from bot.safety.learned import Scores, Thresholds, decide
from bot.safety.training import RecallTargets, choose_thresholds

T = Thresholds(escalate=0.5, ask=0.25, crisis=0.3, emergency=0.4, soon=0.5, calm=0.05)


def scores(urgent: float = 0.0, crisis: float = 0.0, emergency: float = 0.0, soon: float = 0.0,
           flags: tuple[tuple[str, str], ...] = ()) -> Scores:
    return Scores(
        tiers={"urgent": urgent, "crisis": crisis, "emergency": emergency, "soon": soon},
        flags=flags,
    )


def test_rules_alone_decide_without_a_model() -> None:
    assert decide("urgent", None, T).tier == "urgent"
    assert decide(None, None, T).tier is None


@pytest.mark.parametrize("tier", ["crisis", "emergency"])
def test_crisis_and_emergency_rules_escalate_whatever_the_model_says(tier: str) -> None:
    assert decide(tier, scores(), T).tier == tier


def test_an_urgent_rule_the_model_is_sure_is_calm_asks_instead() -> None:
    decision = decide("urgent", scores(urgent=0.01), T)
    assert decision.tier is None and decision.ask
    assert decide("urgent", scores(urgent=0.06), T).tier == "urgent"


def test_the_model_escalates_on_its_own_and_the_more_severe_tier_wins() -> None:
    assert decide(None, scores(urgent=0.6), T).tier == "urgent"
    assert decide("urgent", scores(emergency=0.45), T).tier == "emergency"
    assert decide("emergency", scores(urgent=0.9), T).tier == "emergency"  # never lowered
    assert decide(None, scores(crisis=0.31), T).tier == "crisis"


def test_the_band_below_the_threshold_asks_but_crisis_never_waits() -> None:
    assert decide(None, scores(urgent=0.3), T).ask
    assert decide(None, scores(crisis=0.28), T).tier == "crisis"  # in the band, likeliest crisis
    assert decide(None, scores(urgent=0.1), T) == decide(None, scores(), T)


def test_the_model_does_not_escalate_a_flag_the_patient_denied_in_words_the_rules_read() -> None:
    chest = scores(emergency=0.6, flags=(("chest_pain", "emergency"),))
    assert decide(None, chest, T, frozenset({"chest_pain"})).tier is None  # "no chest pain"
    assert decide(None, chest, T, frozenset({"fever"})).tier == "emergency"
    both = scores(emergency=0.6, flags=(("chest_pain", "emergency"), ("fainting", "emergency")))
    assert decide(None, both, T, frozenset({"chest_pain"})).tier == "emergency"  # one not denied
    assert decide("urgent", chest, T, frozenset({"chest_pain"})).tier == "emergency"  # rules live


def test_not_improving_gets_the_soon_line_only_when_nothing_else_fires() -> None:
    assert decide(None, scores(soon=0.7), T).soon
    assert not decide(None, scores(soon=0.7, urgent=0.6), T).soon


def test_an_urgent_rule_the_model_reads_as_only_not_improving_gets_the_soon_line() -> None:
    # "no better after 8 weeks": the rules' worsening-pain words, the model's "not improving"
    assert decide("urgent", scores(urgent=0.02, soon=0.8), T).soon
    assert decide("urgent", scores(urgent=0.02, soon=0.3), T).ask  # unsure: ask
    assert decide("urgent", scores(urgent=0.2, soon=0.7), T).tier == "urgent"  # not sure it is calm
    assert decide("emergency", scores(soon=0.9), T).tier == "emergency"


def msg(tier: str, flag: str = "x") -> LabelledMessage:
    return LabelledMessage(text=f"{tier} {flag}", tier=tier, flag=flag)


def test_thresholds_catch_what_the_rules_miss_with_the_fewest_calm_escalations() -> None:
    messages = [msg("urgent"), msg("urgent"), msg("none"), msg("none"), msg("crisis")]
    found = [scores(urgent=0.45), scores(urgent=0.7), scores(urgent=0.3), scores(urgent=0.05),
             scores(crisis=0.5)]
    nothing = RulesView([], frozenset())
    outcome = choose_thresholds(found, messages, [nothing] * 5, RecallTargets(max_missed=0.0))
    assert outcome.missed == 0
    assert outcome.calm_escalated == 0  # 0.45 is asked about, not escalated
    assert outcome.thresholds.crisis <= 0.5


def test_upper_bound_is_the_exact_clopper_pearson_bound() -> None:
    assert upper_bound(0, 400) == pytest.approx(0.00746, abs=1e-4)  # the "rule of three" / n
    assert upper_bound(5, 100) > 0.05
    assert upper_bound(3, 3) == 1.0


def test_a_question_counts_as_caught_for_urgent_only() -> None:
    assert caught(msg("urgent"), "check_red_flag")
    assert not caught(msg("crisis"), "check_red_flag")
    assert caught(msg("crisis"), "escalate_urgent")
    assert under_triaged(msg("emergency"), "escalate_urgent")
    assert not under_triaged(msg("emergency"), "escalate_crisis")


def test_the_report_counts_misses_and_calm_escalations() -> None:
    messages = [msg("urgent"), msg("emergency"), msg("none"), msg("soon")]
    report = report_for("t", messages, ["faq_x", "escalate_emergency", "escalate_urgent",
                                        "care_team_soon"])
    assert len(report.missed()) == 1 and len(report.calm_escalated()) == 1
    text = "\n".join(report.lines())
    assert "caught 1/2" in text and "MISS" in text and "not improving: 1/1" in text
    assert "the line itself 1, a question 0, escalated 0" in text


def live(tier: str) -> RulesView:
    finding = Finding(flag_id="f", tier=tier, escalation_id="e", matched="m", start=0, end=1,
                      status="live")
    return RulesView([finding], frozenset())


def test_the_calm_threshold_is_bounded_only_by_serious_messages_the_rules_find_urgent() -> None:
    """An urgent rule match the model is sure is calm is asked about. The bar for "sure" must
    not ask about a crisis or emergency message the rules read as urgent only; one the rules
    already find at its own tier escalates whatever the model says, so it sets no bar."""
    messages = [msg("emergency"), msg("urgent"), msg("none")]
    found = [scores(emergency=0.03), scores(urgent=0.9), scores(urgent=0.08)]
    own_tier = choose_thresholds(
        found, messages, [live("emergency"), live("urgent"), live("urgent")]
    )
    assert (own_tier.missed, own_tier.calm_escalated, own_tier.calm_asked) == (0, 0, 1)
    read_as_urgent = choose_thresholds(found, messages, [live("urgent")] * 3)
    assert (read_as_urgent.missed, read_as_urgent.calm_escalated) == (0, 1)


def test_the_crisis_and_emergency_thresholds_stay_under_their_ceiling() -> None:
    """The lowest score of the few validation messages the rules miss is a noisy bar: when the
    rules learn to catch the hardest ones, the bar must not jump up with it."""
    messages = [msg("crisis"), msg("emergency"), msg("none")]
    found = [scores(crisis=0.9), scores(emergency=0.8), scores()]
    nothing = RulesView([], frozenset())
    outcome = choose_thresholds(found, messages, [nothing] * 3)
    assert outcome.thresholds.crisis == 0.1 and outcome.thresholds.emergency == 0.25
    roomy = RecallTargets(ceiling={"crisis": 1.0, "emergency": 1.0})
    outcome = choose_thresholds(found, messages, [nothing] * 3, roomy)
    assert outcome.thresholds.crisis > 0.7 and outcome.thresholds.emergency > 0.6
