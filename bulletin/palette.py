"""How each status looks: one colour and one symbol, shared by the CSS and the charts.

The colours were chosen by search (`python tests/colour_vision.py` prints the closest
pairs) so that every two statuses are at least ΔE2000 10 apart — in practice 15 — for
normal vision and under protanopia, deuteranopia and tritanopia as simulated by Machado
et al. (2009), and every status at least as far from the white background;
`tests/test_palette.py` recomputes this for every member of the Status enum. Hues keep
their usual meaning for readers with normal vision (green done, amber behind, crimson
overdue, grey for no data).

A status is never shown by colour alone: its symbol and its label always go with it.
Because some colours are light, text is never drawn *in* a status colour: badges and
chart bars use the colour as a fill with ink chosen by `ink_on()` (at least 4.5:1), and
a dark outline keeps light fills visible against white.

Colours are keyed by status code, so a status the Status enum gains has its colour ready
(`seriously_behind`, today a flag beside `behind`, already has one and is in the search).
"""

from __future__ import annotations

from .status import Status


def N_(message: str) -> str:
    """Marks a gettext msgid for extraction (`pybabel extract -k N_`); translated where shown."""
    return message


# The status names, as msgids: pages, charts, feeds and downloads all show these.
STATUS_LABELS: dict[Status, str] = {
    Status.COMPLETED: N_("Completed"), Status.AHEAD: N_("Ahead"), Status.ON_TRACK: N_("On track"),
    Status.BEHIND: N_("Behind"), Status.OVERDUE: N_("Overdue"), Status.OVERDUE_UNREPORTED: N_("Overdue, not reported"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.NOT_STARTED: N_("Not started"), Status.NO_DATA: N_("Not yet reported"), Status.ONGOING: N_("Ongoing"),
    Status.PAUSED: N_("Paused"), Status.DROPPED: N_("Dropped"),
}


def status_label(status: Status | str, lang) -> str:
    """The status name in the language of `lang` (an l10n.Lang)."""
    return lang.gettext(STATUS_LABELS[Status(status)])


BACKGROUND = "#ffffff"
OUTLINE = "#1f1f1f"  # around every status fill: a light fill stays visible on white

_COLOURS = {
    "completed": "#0f5713",  # dark green
    "ahead": "#4129c2",  # indigo
    "on_track": "#0d7c9b",  # teal
    "behind": "#dea804",  # amber
    "seriously_behind": "#957d21",  # dark ochre
    "overdue": "#bd2457",  # crimson
    "overdue_unreported": "#49034b",  # deep plum: overdue and silent, the most severe
    "in_progress": "#a870f7",  # lilac
    "not_started": "#b3bacf",  # pale blue-grey
    "no_data": "#758381",  # grey
    "ongoing": "#aca67e",  # khaki
    "paused": "#f7dd9b",  # pale sand
    "dropped": "#11251e",  # near black
}

# Plain Unicode shapes present in common Chinese and Latin system fonts (no emoji).
_SYMBOLS = {
    "completed": "✓",
    "ahead": "▲",
    "on_track": "●",
    "behind": "▼",
    "seriously_behind": "■",
    "overdue": "!",
    "overdue_unreported": "!?",  # late, and nothing known
    "in_progress": "◐",
    "not_started": "○",
    "no_data": "?",
    "ongoing": "↻",
    "paused": "‖",
    "dropped": "✕",
}

_KNOWN = {s.value for s in Status}
STATUS_COLOURS: dict[Status, str] = {Status(code): c for code, c in _COLOURS.items() if code in _KNOWN}
STATUS_SYMBOLS: dict[Status, str] = {Status(code): s for code, s in _SYMBOLS.items() if code in _KNOWN}


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill` (always at least 4.5:1)."""
    return "#000000" if contrast_ratio("#000000", fill) >= contrast_ratio("#ffffff", fill) else "#ffffff"


STATUS_INK: dict[Status, str] = {s: ink_on(c) for s, c in STATUS_COLOURS.items()}


def status_css() -> str:
    """CSS custom properties for every status, written into the site's assets by the build."""
    lines = [":root {"]
    for s, c in STATUS_COLOURS.items():
        slug = s.value.replace("_", "-")
        lines += [f"  --status-{slug}: {c};", f"  --status-{slug}-ink: {STATUS_INK[s]};"]
    lines.append("}")
    for s in STATUS_COLOURS:
        slug = s.value.replace("_", "-")
        lines.append(f".status-{slug} {{ --status: var(--status-{slug}); --status-ink: var(--status-{slug}-ink); }}")
    return "\n".join(lines) + "\n"
