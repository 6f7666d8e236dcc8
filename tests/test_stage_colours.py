"""The map's eight stage colours stay apart for people with colour-vision deficiency.

Each colour of `STAGE` in static/js/map.js is passed through the simulation matrices of Machado, Oliveira and
Fernandes (2009, severity 1) for protanopia, deuteranopia and tritanopia, and neighbouring stages are compared in
CIELAB with CIEDE2000. `pytest tests/test_stage_colours.py -s` prints the figures.
"""

import math
import re
from pathlib import Path

import pytest

MAP_JS = Path(__file__).resolve().parent.parent / "static" / "js" / "map.js"
NONE = "#bdbdbd"  # villages without a cooperative

SIMULATIONS = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _lab(colour: str, matrix) -> tuple[float, float, float]:
    """The colour as seen through `matrix` (in linear RGB, clipped to the screen's range), in CIELAB (D65)."""
    rgb = [_linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5)]
    r, g, b = (min(1.0, max(0.0, sum(row[k] * rgb[k] for k in range(3)))) for row in matrix)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _ciede2000(one, two) -> float:
    (l1, a1, b1), (l2, a2, b2) = one, two
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c, d_h = l2 - l1, c2 - c1, 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_c = 2 * math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    r_t = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def _stage_colours() -> list[str]:
    found = re.search(r"var STAGE = \[([^\]]*)\]", MAP_JS.read_text(encoding="utf-8"))
    return re.findall(r'"(#[0-9a-fA-F]{6})"', found.group(1))


def test_the_ciede2000_formula_gives_the_published_figures():
    # Sharma, Wu and Dalal (2005), pairs 1 and 17 of their test data.
    assert _ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-3)
    assert _ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-3)


@pytest.mark.parametrize("vision", sorted(SIMULATIONS))
def test_neighbouring_stages_differ_for_every_kind_of_colour_vision(vision):
    colours = _stage_colours()
    assert len(colours) == 8
    seen = [_lab(colour, SIMULATIONS[vision]) for colour in colours]
    steps = [_ciede2000(one, two) for one, two in zip(seen, seen[1:], strict=False)]
    lightness = [round(colour[0]) for colour in seen]
    print(f"{vision}: L* {lightness}, neighbours ΔE00 {[round(step, 1) for step in steps]}")
    # Darker at every step: the order reads without hue.
    assert lightness == sorted(lightness, reverse=True) and len(set(lightness)) == 8
    assert min(steps) >= 7, f"{vision}: stages {steps.index(min(steps)) + 1} and {steps.index(min(steps)) + 2} " \
                            f"look alike (ΔE00 {min(steps):.1f})"
    grey = _lab(NONE, SIMULATIONS[vision])
    assert min(_ciede2000(grey, colour) for colour in seen) >= 10, "a stage looks like 'no cooperative'"


CHARTS_JS = MAP_JS.parent / "charts.js"
APP_CSS = MAP_JS.parent.parent / "css" / "app.css"


def _recency_colours() -> dict[str, list[str]]:
    """The three recency colours (green, amber, red) as the map, the charts and the dashboard's dots draw them."""
    found = re.search(r"var RECENCY = \{([^}]*)\}", MAP_JS.read_text(encoding="utf-8")).group(1)
    chart = re.search(r"recency: function.*?backgroundColor: \[([^\]]*)\]", CHARTS_JS.read_text(encoding="utf-8"),
                      re.S).group(1)
    css = APP_CSS.read_text(encoding="utf-8")
    return {"map": [re.search(rf'{key}: "(#[0-9a-fA-F]{{6}})"', found).group(1) for key in ("green", "amber", "red")],
            "charts": re.findall(r'"(#[0-9a-fA-F]{6})"', chart),
            "dots": [re.search(rf"\.dot-{key} {{ background: (#[0-9a-fA-F]{{6}}); }}", css).group(1)
                     for key in ("green", "amber", "red")]}


@pytest.mark.parametrize("vision", sorted(SIMULATIONS))
def test_the_recency_colours_differ_for_every_kind_of_colour_vision(vision):
    drawn = _recency_colours()
    assert drawn["map"] == drawn["charts"] == drawn["dots"], "one recency scale everywhere"
    seen = [_lab(colour, SIMULATIONS[vision]) for colour in drawn["map"]]
    pairs = [_ciede2000(seen[i], seen[j]) for i, j in ((0, 1), (1, 2), (0, 2))]
    print(f"{vision}: recency ΔE00 green–amber, amber–red, green–red {[round(p, 1) for p in pairs]}")
    assert min(pairs) >= 12, f"{vision}: two recency colours look alike (ΔE00 {min(pairs):.1f})"
