"""The status palette is safe for every reader: distinct under colour-vision deficiencies, never colour alone."""

from __future__ import annotations

import itertools

import pytest

from bulletin.palette import BACKGROUND, STATUS_COLOURS, STATUS_INK, STATUS_SYMBOLS, contrast_ratio
from bulletin.status import Status

from colour_vision import VISIONS, delta_e_2000, distance, lab

MIN_DELTA_E = 10.0

# Sharma, Wu & Dalal (2005), Table 1: CIELAB pairs and their ΔE2000.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_delta_e_2000_matches_published_values(lab1, lab2, expected):
    assert delta_e_2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("vision", VISIONS)
def test_simulation_keeps_greys_grey(vision):
    # Machado's matrices map white to white and greys to greys: a check on the transcription.
    for grey in ("#ffffff", "#808080", "#202020"):
        _, a, b = lab(grey, vision)
        assert abs(a) < 0.6 and abs(b) < 0.6, (grey, vision, a, b)


def test_every_status_has_a_colour_and_a_symbol():
    missing = [s.value for s in Status if s not in STATUS_COLOURS or s not in STATUS_SYMBOLS]
    assert not missing, f"statuses without a colour or symbol in bulletin/palette.py: {missing}"
    symbols = [STATUS_SYMBOLS[s] for s in Status]
    assert len(set(symbols)) == len(symbols), "two statuses share a symbol"


@pytest.mark.parametrize("vision", VISIONS)
def test_every_pair_of_statuses_is_distinct(vision):
    close = [f"{a.value}/{b.value}: ΔE2000 {d:.1f}"
             for a, b in itertools.combinations(list(Status), 2)
             if (d := distance(STATUS_COLOURS[a], STATUS_COLOURS[b], vision)) < MIN_DELTA_E]
    assert not close, f"{vision}: status colours closer than ΔE2000 {MIN_DELTA_E}: {close}"


@pytest.mark.parametrize("vision", VISIONS)
def test_every_status_stands_out_from_the_background(vision):
    close = [f"{s.value}: ΔE2000 {d:.1f}" for s in Status
             if (d := distance(STATUS_COLOURS[s], BACKGROUND, vision)) < MIN_DELTA_E]
    assert not close, f"{vision}: status colours too close to the background {BACKGROUND}: {close}"


def test_text_on_every_status_fill_is_legible():
    weak = [f"{s.value}: {contrast_ratio(STATUS_INK[s], STATUS_COLOURS[s]):.2f}" for s in Status
            if contrast_ratio(STATUS_INK[s], STATUS_COLOURS[s]) < 4.5]
    assert not weak, f"label ink on status fills below 4.5:1: {weak}"


def test_the_site_uses_this_palette(tmp_path):
    from bulletin.palette import status_css

    css = status_css()
    for s in Status:
        assert STATUS_COLOURS[s] in css and f".status-{s.value.replace('_', '-')}" in css
