"""Charts as server-rendered SVG: no script, no style attributes (a strict
Content-Security-Policy allows them), presentation attributes only, so they look the same on
screen, on paper and in the PDF. Every chart has a table beside it on the page; the SVG is
marked as an image with a title for screen readers.

Colours are the Rijkshuisstijl palette; every text drawn on a colour has at least 4.5:1
contrast with it, every bar at least 3:1 with the white page."""

import math
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from actions.choices import ActionStatus

# (fill, text on the fill)
STATUS_COLOURS = {
    ActionStatus.AT_RISK: ("#E17000", "#000000"),
    ActionStatus.PLANNED: ("#696969", "#FFFFFF"),
    ActionStatus.IN_PROGRESS: ("#01689B", "#FFFFFF"),
    ActionStatus.DONE: ("#275937", "#FFFFFF"),
    ActionStatus.CANCELLED: ("#A90061", "#FFFFFF"),
}
TEXT = "#1A1A1A"
MUTED = "#535353"
GRID = "#CCCCCC"
LINE = "#01689B"
TARGET = "#D52B1E"
FONT = "Verdana, Arial, 'Liberation Sans', sans-serif"


def _svg(width, height, title, body):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        f'font-family="{FONT}" font-size="13">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _text(x, y, text, *, anchor="start", fill=TEXT, size=None, weight=None):
    extra = ""
    if size:
        extra += f' font-size="{size}"'
    if weight:
        extra += f' font-weight="{weight}"'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def _number(value, decimals=0):
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def legend(statuses, *, x=0, y=0):
    """One line: a swatch and the status' name per status."""
    parts, offset = [], x
    for status in statuses:
        fill, _ink = STATUS_COLOURS[status]
        label = str(ActionStatus(status).label)
        parts.append(f'<rect x="{offset}" y="{y}" width="14" height="14" fill="{fill}"/>')
        parts.append(_text(offset + 20, y + 12, label))
        offset += 20 + 8 * len(label) + 24
    return "".join(parts)


def stacked_bars(table, *, title, label_width=250, width=620):
    """A horizontal stacked bar per row of a CountTable (statuses worst first), the count in
    each segment wide enough to hold it and the total at the end."""
    rows = table.table_rows()
    biggest = max([r["total"] for r in rows] + [1])
    bar_area = width - label_width - 50
    row_height, top = 30, 34
    height = top + row_height * len(rows) + 6
    parts = [legend(table.statuses, x=0, y=4)]
    for i, row in enumerate(rows):
        y = top + i * row_height
        label = row["label"] if len(row["label"]) <= 34 else row["label"][:33] + "…"
        parts.append(_text(label_width - 8, y + 18, label, anchor="end"))
        x = float(label_width)
        for status, count in row["cells"]:
            if not count:
                continue
            fill, ink = STATUS_COLOURS[status]
            w = bar_area * count / biggest
            name = str(ActionStatus(status).label)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="22" fill="{}">'
                    "<title>{}: {} {}</title></rect>",
                    f"{x:.1f}",
                    y + 2,
                    f"{w:.1f}",
                    fill,
                    row["label"],
                    count,
                    name,
                )
            )
            if w >= 9 * len(str(count)) + 6:
                parts.append(_text(x + w / 2, y + 18, _number(count), anchor="middle", fill=ink))
            x += w
        parts.append(_text(x + 6, y + 18, _number(row["total"]), weight="bold"))
    return _svg(width, height, title, "".join(parts))


def nice_ticks(lo, hi, count=5):
    """Round tick values (steps of 1, 2 or 5 × a power of ten) covering lo..hi."""
    span = (hi - lo) or abs(hi) or 1.0
    raw = span / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    ticks, value = [], start
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def goal_chart(goal, *, width=380, height=230):
    """A goal's measurements by year as a line, the target as a dashed line up to the target
    year. For goals where lower is better (a rank) the axis runs from high at the bottom to
    low at the top, so up is better for every goal."""
    measurements = sorted(goal.measurements.all(), key=lambda m: m.year)
    values = [float(m.value) for m in measurements] + [float(goal.target)]
    years = [m.year for m in measurements] + [goal.target_year]
    first_year, last_year = min(years) - 1, max(years)
    if goal.lower_is_better:
        ticks = nice_ticks(1, max(values) + 1)
        ticks = [t for t in ticks if t >= 1] or [1]
    else:
        ticks = nice_ticks(0, max(values) * 1.1)
    lo, hi = ticks[0], ticks[-1]
    left, right, top, bottom = 56, 16, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (hi - lo) or 1

    def y_of(value):
        share = (float(value) - lo) / span
        return top + (plot_h * share if goal.lower_is_better else plot_h * (1 - share))

    def x_of(year):
        return left + plot_w * (year - first_year) / (last_year - first_year)

    decimals = 0 if all(float(v).is_integer() for v in values) else 2
    tick_decimals = 0 if all(float(t).is_integer() for t in ticks) else 1
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            _text(
                left - 6,
                y + 4,
                _number(Decimal(str(tick)), tick_decimals),
                anchor="end",
                fill=MUTED,
                size=11,
            )
        )
    step = 1 if last_year - first_year <= 8 else 2
    for year in range(last_year, first_year, -step):
        parts.append(
            _text(x_of(year), height - 10, str(year), anchor="middle", fill=MUTED, size=11)
        )
    target_y = y_of(goal.target)
    parts.append(
        f'<line x1="{left}" y1="{target_y:.1f}" x2="{x_of(goal.target_year):.1f}" '
        f'y2="{target_y:.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    target_text = _("target %(year)s: %(value)s") % {
        "year": goal.target_year,
        "value": _number(goal.target, decimals),
    }
    label_y = target_y - 6 if target_y - 6 > top else target_y + 16
    parts.append(
        _text(x_of(goal.target_year), label_y, target_text, anchor="end", fill=TARGET, size=12)
    )
    points = [(x_of(m.year), y_of(m.value), m) for m in measurements]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _m in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="3"/>')
    for x, y, m in points:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{LINE}"/>')
        label_y = y - 10 if y - 10 > top - 8 else y + 20
        parts.append(
            _text(
                x + 8, label_y, _number(m.value, decimals), anchor="start", weight="bold", size=12
            )
        )
    title = _("%(goal)s: measurements and target") % {"goal": goal.name}
    return _svg(width, height, title, "".join(parts))


def trend_chart(points, *, width=620, height=240):
    """Actions by status at each held review, as stacked columns (worst status on top)."""
    if not points:
        return ""
    left, top, bottom = 44, 30, 40
    plot_h = height - top - bottom
    column_w = min(90, (width - left - 20) / len(points) * 0.6)
    gap = (width - left - 20) / len(points)
    biggest = max([sum(p.by_status.values()) for p in points] + [1])
    parts = [legend(list(STATUS_COLOURS), x=left, y=4)]
    for step in range(5):
        value = biggest * step / 4
        y = top + plot_h * (1 - step / 4)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            _text(left - 6, y + 4, _number(round(value)), anchor="end", fill=MUTED, size=11)
        )
    for i, point in enumerate(points):
        x = left + gap * i + (gap - column_w) / 2
        y = top + plot_h
        for status in reversed(list(STATUS_COLOURS)):
            count = point.by_status.get(status, 0)
            if not count:
                continue
            fill, ink = STATUS_COLOURS[status]
            h = plot_h * count / biggest
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}'
                    "</title></rect>",
                    f"{x:.1f}",
                    f"{y:.1f}",
                    f"{column_w:.1f}",
                    f"{h:.1f}",
                    fill,
                    date_format(point.review.date, "SHORT_DATE_FORMAT"),
                    count,
                    ActionStatus(status).label,
                )
            )
            if h >= 16:
                parts.append(
                    _text(
                        x + column_w / 2,
                        y + h / 2 + 5,
                        _number(count),
                        anchor="middle",
                        fill=ink,
                        size=12,
                    )
                )
        label = date_format(point.review.date, "SHORT_DATE_FORMAT") + (
            " *" if point.reconstructed else ""
        )
        parts.append(_text(x + column_w / 2, height - 20, label, anchor="middle", size=12))
    return _svg(width, height, _("Actions by status at each held review"), "".join(parts))
