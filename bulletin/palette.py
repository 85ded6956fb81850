"""How each status looks: one colour and one symbol, shared by the CSS and the charts.

Colours are derived from the Okabe–Ito colour-blind-safe palette, darkened so that
each reaches at least 4.5:1 against white (WCAG AA for text; charts need 3:1). A
status is never shown by colour alone: the symbol and the label always go with it.
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


STATUS_COLOURS: dict[Status, str] = {
    Status.COMPLETED: "#00704f",  # bluish green
    Status.AHEAD: "#005f99",  # blue
    Status.ON_TRACK: "#2a6f97",  # steel blue
    Status.BEHIND: "#a14a00",  # orange, darkened
    Status.OVERDUE: "#b3261e",  # vermillion, darkened
    Status.OVERDUE_UNREPORTED: "#7d1a3c",  # wine: as serious as overdue, told apart by label and symbol
    Status.IN_PROGRESS: "#7a3e8e",  # reddish purple, darkened
    Status.NOT_STARTED: "#56606b",  # slate
    Status.NO_DATA: "#6b6b6b",  # grey
    Status.ONGOING: "#5c5a00",  # olive
    Status.PAUSED: "#7a5c00",  # ochre
    Status.DROPPED: "#3d3d3d",  # near black
}

# Plain Unicode shapes present in common Chinese and Latin system fonts (no emoji).
STATUS_SYMBOLS: dict[Status, str] = {
    Status.COMPLETED: "✓",
    Status.AHEAD: "▲",
    Status.ON_TRACK: "●",
    Status.BEHIND: "▼",
    Status.OVERDUE: "!",
    Status.OVERDUE_UNREPORTED: "!?",  # late, and nothing known
    Status.IN_PROGRESS: "◐",
    Status.NOT_STARTED: "○",
    Status.NO_DATA: "?",
    Status.ONGOING: "↻",
    Status.PAUSED: "‖",
    Status.DROPPED: "✕",
}


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def status_css() -> str:
    """CSS custom properties for every status, written into the site's assets by the build."""
    lines = [":root {"]
    lines += [f"  --status-{s.value.replace('_', '-')}: {c};" for s, c in STATUS_COLOURS.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"
