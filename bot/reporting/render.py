"""The report as text for a person, and as a PNG chart (matplotlib, imported when asked)."""
from __future__ import annotations

from pathlib import Path

from bot.reporting.figures import Report

TOP_UNANSWERED = 10


def as_text(report: Report) -> str:
    """A plain-text summary of every figure."""
    lines = [
        f"Clinic report {report.since} to {report.until}",
        f"messages: {report.messages} in {report.conversations} conversations",
        "by channel: " + _pairs(report.by_channel),
        "topics answered: " + _pairs(report.topics),
        f"fallback: {report.fallback}, out of scope: {report.out_of_scope}",
        "escalations: " + _pairs(report.escalations),
        "feedback (helpful/not helpful): " + (", ".join(
            f"{topic} {votes['helpful']}/{votes['not_helpful']}"
            for topic, votes in report.feedback.items()) or "none"),
        "feedback per version: " + (", ".join(
            f"{topic} v{version} {votes['helpful']}/{votes['not_helpful']}"
            for topic, versions in report.feedback_by_version.items()
            for version, votes in versions.items()) or "none"),
        "overdue reviews: " + (", ".join(report.overdue_reviews) or "none"),
        "unanswered:",
    ]
    shown = report.unanswered[:TOP_UNANSWERED]
    lines += [f"  {entry['count']:>4}  {entry['text']}" for entry in shown] or ["  none"]
    return "\n".join(lines) + "\n"


def write_png(report: Report, path: Path) -> None:
    """Bar charts of messages per channel, answers per topic and escalations per tier."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to a file
    from matplotlib import pyplot

    panels = [("Messages per channel", report.by_channel), ("Answers per topic", report.topics),
              ("Escalations per tier", report.escalations)]
    figure, axes = pyplot.subplots(len(panels), 1, figsize=(8, 10))
    for axis, (title, counts) in zip(axes, panels, strict=True):
        axis.barh(list(counts) or ["(none)"], list(counts.values()) or [0])
        axis.set_title(title)
        axis.invert_yaxis()  # largest first, at the top
    figure.suptitle(f"{report.since} to {report.until}")
    figure.tight_layout()
    figure.savefig(path, format="png")
    pyplot.close(figure)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "none"
