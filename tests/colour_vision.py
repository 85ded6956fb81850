"""Colour-vision simulation and CIEDE2000 colour difference, for the palette test.

Dichromacy is simulated with the matrices of Machado, Oliveira & Fernandes (2009), "A
physiologically-based model for simulation of color vision deficiency", severity 1.0,
applied to linear sRGB (as colorspacious and colour-science do). Colour difference is
CIEDE2000 (Sharma, Wu & Dalal 2005) in CIELAB under D65. Both are small enough to keep
here rather than adding a dependency; `test_palette.py` checks the ΔE2000 formula
against Sharma's published test pairs.

    python tests/colour_vision.py        # prints the palette's closest pairs per vision
"""

from __future__ import annotations

import math

MACHADO_2009 = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISIONS = ("normal", *MACHADO_2009)

Lab = tuple[float, float, float]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def hex_to_linear(colour: str) -> tuple[float, float, float]:
    return tuple(_linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))  # type: ignore[return-value]


def simulate(rgb: tuple[float, float, float], vision: str) -> tuple[float, float, float]:
    """Linear sRGB as a dichromat sees it (clipped to the gamut)."""
    if vision == "normal":
        return rgb
    m = MACHADO_2009[vision]
    return tuple(min(1.0, max(0.0, sum(m[i][j] * rgb[j] for j in range(3)))) for i in range(3))  # type: ignore[return-value]


def linear_to_lab(rgb: tuple[float, float, float]) -> Lab:
    r, g, b = rgb
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def lab(colour: str, vision: str = "normal") -> Lab:
    return linear_to_lab(simulate(hex_to_linear(colour), vision))


def delta_e_2000(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dLp, dCp = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    elif h2p - h1p > 180:
        dhp = h2p - h1p - 360
    else:
        dhp = h2p - h1p + 360
    dHp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    Lp_bar, Cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_bar = (h1p + h2p + 360) / 2
    else:
        hp_bar = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hp_bar - 30)) + 0.24 * math.cos(math.radians(2 * hp_bar))
         + 0.32 * math.cos(math.radians(3 * hp_bar + 6)) - 0.20 * math.cos(math.radians(4 * hp_bar - 63)))
    d_theta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(Cp_bar ** 7 / (Cp_bar ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (Lp_bar - 50) ** 2 / math.sqrt(20 + (Lp_bar - 50) ** 2)
    s_c = 1 + 0.045 * Cp_bar
    s_h = 1 + 0.015 * Cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dLp / s_l) ** 2 + (dCp / s_c) ** 2 + (dHp / s_h) ** 2 + r_t * (dCp / s_c) * (dHp / s_h))


def distance(c1: str, c2: str, vision: str = "normal") -> float:
    return delta_e_2000(lab(c1, vision), lab(c2, vision))


def closest_pairs(colours: dict[str, str], background: str = "#ffffff") -> list[tuple[float, str, str, str]]:
    """(ΔE2000, vision, name, name) for every pair of colours and each colour against the background, closest first."""
    items = list(colours.items()) + [("background", background)]
    out = []
    for vision in VISIONS:
        for i, (n1, c1) in enumerate(items):
            for n2, c2 in items[i + 1:]:
                out.append((distance(c1, c2, vision), vision, n1, n2))
    return sorted(out)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bulletin.palette import BACKGROUND, STATUS_COLOURS

    for d, vision, a, b in closest_pairs({s.value: c for s, c in STATUS_COLOURS.items()}, BACKGROUND)[:12]:
        print(f"{d:6.2f}  {vision:13} {a} / {b}")
