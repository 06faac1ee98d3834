"""The dashboard's SVG charts: named and described, values drawn to scale, text escaped."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import date

from bot.reporting.dashboard import DayCount
from bot.web.dashboard.charts import BARS_WIDTH, PALETTE, PLOT_HEIGHT, bar_chart, daily_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)


def test_a_bar_chart_is_an_image_named_and_described_by_its_values() -> None:
    svg = parse(bar_chart("c1", "Messages per channel", {"rest": 6, "sms": 3}))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.findtext(f"{SVG}title") == "Messages per channel"
    assert svg.find(f"{SVG}title").get("id") == "c1-title"  # type: ignore[union-attr]
    assert svg.findtext(f"{SVG}desc") == "rest: 6; sms: 3."
    widths = [float(r.get("width", "0")) for r in svg.iter(f"{SVG}rect")]
    assert widths == [BARS_WIDTH, BARS_WIDTH / 2]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["rest", "6", "sms", "3"]


def test_labels_are_escaped_and_no_inline_style_is_used() -> None:
    markup = str(bar_chart("c2", "<Topics>", {'<script>alert("x")</script>': 1}))
    svg = parse(markup)  # well-formed XML: the label did not break out
    assert "<script>" not in markup
    assert svg.findtext(f"{SVG}title") == "<Topics>"
    assert "style=" not in markup  # the Content-Security-Policy allows no inline styles


def test_an_empty_bar_chart_says_so() -> None:
    svg = parse(bar_chart("c3", "Escalations per red flag", {}))
    assert svg.findtext(f"{SVG}desc") == "None in this range."
    assert list(svg.iter(f"{SVG}rect")) == []


def test_daily_columns_stack_channels_to_scale_with_a_legend() -> None:
    days = [DayCount(date(2026, 11, 1), {"sms": 3, "rest": 1}), DayCount(date(2026, 11, 2), {}),
            DayCount(date(2026, 11, 3), {"rest": 2})]
    svg = parse(daily_chart("d1", "Messages per day", days, ["sms", "rest"]))
    bars = {r.findtext(f"{SVG}title"): r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title")
            is not None}
    assert set(bars) == {"2026-11-01 sms: 3", "2026-11-01 rest: 1", "2026-11-03 rest: 2"}
    heights = {name: float(r.get("height", "0")) for name, r in bars.items()}
    assert heights["2026-11-01 sms: 3"] == PLOT_HEIGHT * 3 / 4  # the busiest day fills the plot
    assert heights["2026-11-03 rest: 2"] == PLOT_HEIGHT / 2
    sms, rest = bars["2026-11-01 sms: 3"], bars["2026-11-01 rest: 1"]
    assert float(rest.get("y", "0")) + float(rest.get("height", "0")) == float(sms.get("y", "0"))
    assert (sms.get("fill"), rest.get("fill")) == PALETTE[:2]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"sms", "rest", "2026-11-01", "2026-11-03", "0", "4"} <= set(texts)
    assert svg.findtext(f"{SVG}desc", "").startswith(
        "6 messages from 2026-11-01 to 2026-11-03; the busiest day was 2026-11-01 with 4.")


def test_a_range_without_messages_is_described_as_such() -> None:
    svg = parse(daily_chart("d2", "Messages per day", [DayCount(date(2026, 11, 1), {})], []))
    assert svg.findtext(f"{SVG}desc") == "No messages in this range."
