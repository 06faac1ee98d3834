"""Charts as inline SVG drawn on the server: no JavaScript, nothing to download.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>`` that
states its values in words; the page puts a table of the same figures beside it. Charts are drawn
at their natural size in pixels and shrink to fit a narrow screen (``dashboard.css``). Colours are
presentation attributes (the pages' Content-Security-Policy allows no inline styles) and each
has at least 3:1 contrast against white (WCAG 1.4.11).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from markupsafe import Markup

from bot.reporting.dashboard import DayCount

PALETTE = ("#0b5cad", "#a34700", "#1f7a34", "#6a1b9a", "#4e5b66")
TEXT = "#1b1b1b"
FONT = 'font-family="system-ui, sans-serif" font-size="13"'
LABEL_CHARS = 24
# horizontal bars
ROW, BAR, LABEL_WIDTH, BARS_WIDTH = 28, 20, 160, 200
# daily columns
WIDTH, PLOT_LEFT, PLOT_TOP, PLOT_HEIGHT, COLUMN_MAX = 540, 44, 12, 160, 36
LEGEND_PER_ROW, LEGEND_ROW = 4, 22


def bar_chart(chart_id: str, title: str, counts: Mapping[str, int]) -> Markup:
    """Horizontal bars, one per key in the given order, the largest reaching full width."""
    top = max(counts.values(), default=0) or 1
    rows = [_bar(n, label, value, top) for n, (label, value) in enumerate(counts.items())]
    height = max(len(rows), 1) * ROW + 8
    width = LABEL_WIDTH + BARS_WIDTH + 44
    body = rows or [_text(8, 20, "None in this range.")]
    return _svg(chart_id, title, _describe(counts), width, height, body)


def daily_chart(chart_id: str, title: str, days: list[DayCount], channels: list[str]) -> Markup:
    """One column per day, stacked by channel (in ``channels``' order), with a legend."""
    top = max((day.total for day in days), default=0) or 1
    step = (WIDTH - PLOT_LEFT - 8) / max(len(days), 1)
    body = [_axes(top, days)]
    for n, day in enumerate(days):
        body += _column(PLOT_LEFT + n * step, min(step * 0.8, COLUMN_MAX), day, channels, top)
    body += _legend(channels)
    legend_rows = -(-len(channels) // LEGEND_PER_ROW)  # rounded up
    height = PLOT_TOP + PLOT_HEIGHT + 36 + legend_rows * LEGEND_ROW
    return _svg(chart_id, title, _describe_days(days), WIDTH, height, body)


def colour(channel: str, channels: list[str]) -> str:
    """The fill of ``channel``: its place in ``channels`` picks a colour of the palette."""
    return PALETTE[channels.index(channel) % len(PALETTE)]


def _svg(chart_id: str, title: str, description: str, width: int, height: float,
         body: list[Markup]) -> Markup:
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(w=width, h=round(height), id=chart_id, title=title, desc=description)
    return head + Markup("").join(body) + Markup("</svg>")


def _bar(row: int, label: str, value: int, top: int) -> Markup:
    y = 4 + row * ROW
    length = round(BARS_WIDTH * value / top, 1)
    return (_text(LABEL_WIDTH - 8, y + 15, _short(label), anchor="end")
            + _rect(LABEL_WIDTH, y, length, BAR, PALETTE[0])
            + _text(LABEL_WIDTH + length + 6, y + 15, str(value)))


def _axes(top: int, days: list[DayCount]) -> Markup:
    bottom = PLOT_TOP + PLOT_HEIGHT
    lines = Markup('<line x1="{x}" y1="{b}" x2="{r}" y2="{b}" stroke="{c}"/>').format(
        x=PLOT_LEFT, b=bottom, r=WIDTH - 8, c=TEXT)
    labels = _text(PLOT_LEFT - 6, bottom + 4, "0", anchor="end")
    labels += _text(PLOT_LEFT - 6, PLOT_TOP + 10, str(top), anchor="end")
    shown = {days[0].day, days[-1].day} if days else set()
    return lines + labels + _day_labels(shown, days, bottom + 18)


def _day_labels(shown: set[date], days: list[DayCount], y: int) -> Markup:
    labels = Markup("")
    for n, day in enumerate(days):
        if day.day in shown:
            anchor = "start" if n == 0 else "end"
            x = PLOT_LEFT if n == 0 else WIDTH - 8
            labels += _text(x, y, day.day.isoformat(), anchor=anchor)
    return labels


def _column(x: float, width: float, day: DayCount, channels: list[str], top: int) -> list[Markup]:
    segments, base = [], float(PLOT_TOP + PLOT_HEIGHT)
    for channel in channels:
        count = day.by_channel.get(channel, 0)
        height = PLOT_HEIGHT * count / top
        base -= height
        if count:
            segments.append(_rect(x, base, width, height, colour(channel, channels),
                                  tooltip=f"{day.day.isoformat()} {channel}: {count}"))
    return segments


def _legend(channels: list[str]) -> list[Markup]:
    items = []
    for n, channel in enumerate(channels):
        row, place = divmod(n, LEGEND_PER_ROW)
        x, y = PLOT_LEFT + place * 120, PLOT_TOP + PLOT_HEIGHT + 32 + row * LEGEND_ROW
        items.append(_rect(x, y, 14, 14, colour(channel, channels))
                     + _text(x + 20, y + 12, _short(channel, 14)))
    return items


def _rect(x: float, y: float, width: float, height: float, fill: str, tooltip: str = "") -> Markup:
    rect = Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}">').format(
        round(x, 1), round(y, 1), round(width, 1), round(height, 1), fill)
    hint = Markup("<title>{}</title>").format(tooltip) if tooltip else Markup("")
    return rect + hint + Markup("</rect>")


def _text(x: float, y: float, text: str, anchor: str = "start") -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="{}" fill="{}" {}>{}</text>').format(
        round(x, 1), round(y, 1), anchor, TEXT, Markup(FONT), text)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _describe(counts: Mapping[str, int]) -> str:
    if not counts:
        return "None in this range."
    return "; ".join(f"{label}: {value}" for label, value in counts.items()) + "."


def _describe_days(days: list[DayCount]) -> str:
    total = sum(day.total for day in days)
    if not days or not total:
        return "No messages in this range."
    busiest = max(days, key=lambda day: day.total)
    return (f"{total} messages from {days[0].day.isoformat()} to {days[-1].day.isoformat()}; "
            f"the busiest day was {busiest.day.isoformat()} with {busiest.total}. "
            "The table below gives every day.")
