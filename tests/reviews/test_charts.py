"""Charts and colours: text on every colour has at least 4.5:1 contrast (WCAG AA), every
bar at least 3:1 with the white page; the charts are plain SVG without script or style
attributes (a strict Content-Security-Policy allows them)."""

import re

import pytest

from reviews import charts
from reviews.charts import STATUS_COLOURS, nice_ticks
from reviews.selectors import CountTable
from tests.paths import ROOT

CSS = ROOT / "static/registry/site.css"  # the one stylesheet, admin and review pages


def luminance(colour):
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    la, lb = sorted([luminance(a), luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("status", list(STATUS_COLOURS))
def test_chart_colours_contrast(status):
    fill, ink = STATUS_COLOURS[status]
    assert contrast(fill, ink) >= 4.5
    assert contrast(fill, "#FFFFFF") >= 3


def test_every_coloured_text_in_the_stylesheet_contrasts():
    """Each rule that sets both a background and a text colour reads at 4.5:1 or better."""
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", CSS.read_text())
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", CSS.read_text()))
    checked = 0
    for selector, body in rules:
        background = re.search(r"background:\s*(#[0-9a-fA-F]{3,6}|var\(--[\w-]+\))", body)
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6}|var\(--[\w-]+\))", body)
        if not (background and colour):
            continue

        def value(match):
            text = match.group(1)
            return variables[text[6:-1]] if text.startswith("var(") else text

        assert contrast(value(background), value(colour)) >= 4.5, selector.strip()
        checked += 1
    assert checked >= 10


def test_charts_are_plain_svg():
    table = CountTable(rows=[("MIT", "MIT-regeling <script>")], cells={("MIT", "planned"): 3})
    svg = charts.stacked_bars(table, title="Titel & meer")
    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert "style=" not in svg
    assert "&lt;script&gt;" in svg


def test_nice_ticks():
    assert nice_ticks(0, 936) == [0, 250, 500, 750, 1000]
    assert nice_ticks(0, 2.75) == [0, 1, 2, 3]
