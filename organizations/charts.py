"""Charts drawn on the server as inline SVG: no JavaScript library, no CDN, nothing for the
Content-Security-Policy to block, and the numbers are printed beside every bar so a chart
stays readable on a washed-out projector and survives printing.

Every function takes plain data and returns safe markup. All text goes through
``escape`` (union names are user data); every bar may carry a link to the list behind it.
Sizes are in viewBox units and the SVG scales to its container's width, so the text
scales with it: the font sizes below are chosen for a chart about 600–800 px wide.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

FONT = 'font-family="system-ui, \'Noto Sans CJK SC\', \'Microsoft YaHei\', sans-serif"'
LABEL_SIZE = 17
VALUE_SIZE = 17
BAR_COLOUR = "#c62828"  # union red; the progress remainder is a light grey
REST_COLOUR = "#e6e6e6"
TEXT_COLOUR = "#222"


@dataclass
class Bar:
    label: str
    value: int | float
    href: str | None = None
    # Shown instead of the bare number, e.g. "1,234 (56%)".
    display: str | None = None


def number(value):
    """Thousands separated, as the statistics tables print them."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def percent(part, whole):
    return f"{part / whole:.1%}" if whole else "–"


def _shorten(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(inner, href, title):
    tooltip = f"<title>{escape(title)}</title>"
    if not href:
        return f"<g>{tooltip}{inner}</g>"
    return f'<a href="{escape(href)}">{tooltip}{inner}</a>'


def _svg(kind, width, height, title, body):
    return mark_safe(
        f'<svg class="chart chart-{kind}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}" '
        f'{FONT}>{body}</svg>'
    )


def bar_chart(bars, *, title="", width=560, bar_height=30, gap=10, label_chars=12):
    """Horizontal bars, one per row: label on the left, number at the end of the bar.
    Labels longer than ``label_chars`` characters are shortened; the full label is the
    bar's tooltip."""
    bars = list(bars)
    if not bars:
        return _empty(title, width)
    label_width = LABEL_SIZE * label_chars + 12
    value_room = VALUE_SIZE * 5
    plot = width - label_width - value_room
    top = max((bar.value or 0) for bar in bars) or 1
    height = len(bars) * (bar_height + gap) + gap
    parts = []
    for index, bar in enumerate(bars):
        y = gap + index * (bar_height + gap)
        length = round(plot * (bar.value or 0) / top, 1)
        middle = y + bar_height / 2
        shown = bar.display if bar.display is not None else number(bar.value)
        inner = (
            f'<text class="chart-label" x="{label_width - 10}" y="{middle}" '
            f'dominant-baseline="central" text-anchor="end" font-size="{LABEL_SIZE}" '
            f'fill="{TEXT_COLOUR}">{escape(_shorten(bar.label, label_chars))}</text>'
            f'<rect class="chart-bar" x="{label_width}" y="{y}" width="{length}" '
            f'height="{bar_height}" fill="{BAR_COLOUR}" rx="3"></rect>'
            f'<text class="chart-value" x="{label_width + length + 8}" y="{middle}" '
            f'dominant-baseline="central" font-size="{VALUE_SIZE}" font-weight="bold" '
            f'fill="{TEXT_COLOUR}">{escape(shown)}</text>'
        )
        parts.append(_link(inner, bar.href, f"{bar.label}: {shown}"))
    return _svg("bar", width, height, title, "".join(parts))


def column_chart(bars, *, title="", width=560, height=260):
    """Vertical columns (months, years): the number above each column, the label below."""
    bars = list(bars)
    if not bars:
        return _empty(title, width)
    top_room, bottom_room, side = 30, 34, 8
    plot = height - top_room - bottom_room
    slot = (width - 2 * side) / len(bars)
    column = max(slot * 0.7, 2)
    top = max((bar.value or 0) for bar in bars) or 1
    base = height - bottom_room
    size = min(LABEL_SIZE, max(11, int(slot / 2.6)))
    parts = [
        f'<line x1="{side}" y1="{base}" x2="{width - side}" y2="{base}" stroke="#999"></line>'
    ]
    for index, bar in enumerate(bars):
        x = side + index * slot + (slot - column) / 2
        tall = round(plot * (bar.value or 0) / top, 1)
        centre = x + column / 2
        shown = bar.display if bar.display is not None else number(bar.value)
        inner = (
            f'<rect class="chart-bar" x="{round(x, 1)}" y="{base - tall}" '
            f'width="{round(column, 1)}" height="{tall}" fill="{BAR_COLOUR}" rx="2"></rect>'
            f'<text class="chart-value" x="{round(centre, 1)}" y="{base - tall - 7}" '
            f'text-anchor="middle" font-size="{size}" font-weight="bold" '
            f'fill="{TEXT_COLOUR}">{escape(shown)}</text>'
            f'<text class="chart-label" x="{round(centre, 1)}" y="{base + size + 6}" '
            f'text-anchor="middle" font-size="{size}" fill="{TEXT_COLOUR}">'
            f"{escape(bar.label)}</text>"
        )
        parts.append(_link(inner, bar.href, f"{bar.label}: {shown}"))
    return _svg("column", width, height, title, "".join(parts))


def progress_bar(done, target, *, title="", href=None, width=560, height=40):
    """One bar filled to ``done`` of ``target`` with "done / target (pct)" beside it."""
    target = target or 0
    share = min(done / target, 1) if target else 0
    text_room = VALUE_SIZE * 14
    plot = width - text_room
    filled = round(plot * share, 1)
    label = f"{number(done)} / {number(target)}（{percent(done, target)}）"
    inner = (
        f'<rect class="chart-rest" x="0" y="4" width="{plot}" height="{height - 8}" '
        f'fill="{REST_COLOUR}" rx="4"></rect>'
        f'<rect class="chart-bar" x="0" y="4" width="{filled}" height="{height - 8}" '
        f'fill="{BAR_COLOUR}" rx="4"></rect>'
        f'<text class="chart-value" x="{plot + 10}" y="{height / 2}" dominant-baseline="central" '
        f'font-size="{VALUE_SIZE}" font-weight="bold" fill="{TEXT_COLOUR}">{escape(label)}</text>'
    )
    return _svg("progress", width, height, title, _link(inner, href, f"{title}: {label}"))


def _empty(title, width):
    return _svg(
        "empty", width, 40, title,
        f'<text x="0" y="26" font-size="{LABEL_SIZE}" fill="#777">–</text>',
    )
