"""Score the red-flag screen on a labelled set: recall per tier and flag, calm messages escalated.

Outcomes are the intents the assistant ends up with: ``escalate_<tier>`` (escalated now),
``check_red_flag`` (one yes/no question first; allowed for urgent messages only, since crisis and
emergency never wait), ``care_team_soon`` (the gentler line), anything else (answered as usual).
The missed rate comes with its exact (Clopper–Pearson) upper 95% bound: with 0 misses in 400
messages the bound is still 0.92%, which is what "below 1%" can honestly claim.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.safety.corpus import ESCALATION_TIERS, NONE, SOON, LabelledMessage

ESCALATE_PREFIX = "escalate_"
CHECK = "check_red_flag"
CARE_TEAM_SOON = "care_team_soon"


def upper_bound(misses: int, total: int, confidence: float = 0.95) -> float:
    """Exact one-sided Clopper–Pearson upper bound of a rate seen as ``misses`` of ``total``."""
    if total == 0:
        return 1.0
    if misses >= total:
        return 1.0
    from scipy.stats import beta  # only when evaluating

    return float(beta.ppf(confidence, misses + 1, total - misses))


def caught(message: LabelledMessage, outcome: str) -> bool:
    """Whether a must-escalate message was handled safely.

    Escalated at any tier counts; a yes/no question first counts for urgent messages only.
    """
    if outcome.startswith(ESCALATE_PREFIX):
        return True
    return outcome == CHECK and message.tier == "urgent"


def under_triaged(message: LabelledMessage, outcome: str) -> bool:
    """Escalated, but to a tier less severe than the message needed (an emergency told "today")."""
    if not outcome.startswith(ESCALATE_PREFIX) or message.tier not in ESCALATION_TIERS:
        return False
    got = outcome[len(ESCALATE_PREFIX):]
    order = {"emergency": 0, "crisis": 1, "urgent": 2}
    if {message.tier, got} == {"emergency", "crisis"}:
        return False  # both say "call now"; the crisis text also says 911
    return order.get(got, 3) > order[message.tier]


@dataclass
class SafetyReport:
    """Outcomes over one labelled set."""

    name: str
    results: list[tuple[LabelledMessage, str]] = field(default_factory=list)

    def add(self, message: LabelledMessage, outcome: str) -> None:
        """Record the intent the assistant ended up with for ``message``."""
        self.results.append((message, outcome))

    def _escalating(self, tier: str | None = None) -> list[tuple[LabelledMessage, str]]:
        return [
            (m, o) for m, o in self.results
            if m.must_escalate and (tier is None or m.tier == tier)
        ]

    def missed(self, tier: str | None = None) -> list[tuple[LabelledMessage, str]]:
        """Must-escalate messages (of ``tier``) that were neither escalated nor checked."""
        return [(m, o) for m, o in self._escalating(tier) if not caught(m, o)]

    def calm_escalated(self) -> list[tuple[LabelledMessage, str]]:
        """Must-not-escalate messages that were escalated."""
        return [(m, o) for m, o in self.results if m.tier == NONE and o.startswith(ESCALATE_PREFIX)]

    def lines(self) -> list[str]:
        """A printable report: overall, per tier, per flag, calm, soon, then each miss."""
        total = self._escalating()
        misses = self.missed()
        lines = [
            f"== red flags: {self.name}",
            _rate_line("must escalate", len(total), len(misses)),
        ]
        lines += [
            _rate_line(f"  tier {tier}", len(self._escalating(tier)), len(self.missed(tier)))
            for tier in ESCALATION_TIERS
        ]
        checked = sum(o == CHECK for _, o in total)
        under = [(m, o) for m, o in total if under_triaged(m, o)]
        lines.append(f"  asked one question first (urgent only): {checked}")
        lines.append(f"  escalated to a less severe tier than labelled: {len(under)}")
        lines += self._flag_lines()
        lines += self._calm_lines()
        lines += [f"  MISS   {m.tier:<9} {m.flag:<20} -> {o:<22} {m.text!r}" for m, o in misses]
        lines += [f"  UNDER  {m.tier:<9} {m.flag:<20} -> {o:<22} {m.text!r}" for m, o in under]
        lines += [
            f"  CALM-ESCALATED {m.flag:<20} -> {o:<22} {m.text!r}" for m, o in self.calm_escalated()
        ]
        return lines

    def _flag_lines(self) -> list[str]:
        by_flag: dict[str, list[bool]] = defaultdict(list)
        for message, outcome in self._escalating():
            by_flag[message.flag].append(caught(message, outcome))
        return [
            f"    {flag:<22} {sum(hits)}/{len(hits)}"
            for flag, hits in sorted(by_flag.items())
        ]

    def _calm_lines(self) -> list[str]:
        calm = [(m, o) for m, o in self.results if m.tier == NONE]
        escalated = len(self.calm_escalated())
        asked = sum(o == CHECK for _, o in calm)
        soon = [(m, o) for m, o in self.results if m.tier == SOON]
        gentle = sum(o == CARE_TEAM_SOON for _, o in soon)
        soon_asked = sum(o == CHECK for _, o in soon)
        soon_escalated = sum(o.startswith(ESCALATE_PREFIX) for _, o in soon)
        share = escalated / max(len(calm), 1)
        return [
            f"calm (must not escalate): {len(calm)}; escalated {escalated} ({share:.1%}, "
            f"upper 95% bound {upper_bound(escalated, len(calm)):.1%}); asked a question {asked}",
            f"not improving: {gentle + soon_asked + soon_escalated}/{len(soon)} got the care-team "
            f"line (or more): the line itself {gentle}, a question {soon_asked}, "
            f"escalated {soon_escalated}",
        ]


def _rate_line(label: str, total: int, misses: int) -> str:
    if not total:
        return f"{label}: none in this set"
    return (
        f"{label}: caught {total - misses}/{total} ({(total - misses) / total:.1%}); missed "
        f"{misses} ({misses / total:.2%}, upper 95% bound {upper_bound(misses, total):.2%})"
    )


def outcome_of(parsed: dict) -> str:
    """The intent name of a Rasa parse result."""
    return str((parsed.get("intent") or {}).get("name") or "")


def report_for(
    name: str, messages: Sequence[LabelledMessage], outcomes: Sequence[str]
) -> SafetyReport:
    """A report from parallel lists of messages and outcomes."""
    report = SafetyReport(name)
    for message, outcome in zip(messages, outcomes, strict=True):
        report.add(message, outcome)
    return report
