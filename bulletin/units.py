"""Units with a scale: figures written as the source gives them (13000 万元), read naturally.

Chinese sources give amounts in 万元 or 亿元, people in 万人, floor space in 万平方米. The
editor writes the figure as printed (`target: 2000` for "2000万元") and says what one
figure stands for, either explicitly

    unit: {zh: 元, en: yuan}
    scale: 10000

or, as content written before `scale` existed did, with the scale in the unit itself:
`unit: {zh: 万元, en: 10,000 yuan}` (or `{zh: 万元, en: yuan}`). Either way the site
works out the base unit (元 / yuan) and the scale (10,000) and shows the full amount the
way each language writes it: 1.3亿元 in Chinese, "130 million yuan" in English; never
"1.3万万元" nor "13,000 10,000 yuan".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

# N_ marks a msgid for extraction; without parameters it is the msgid itself, translated where it is used.
from .messages import N_


# The words English-like languages put after a large figure; Chinese uses 万 and 亿 instead.
LARGE_NUMBER_WORDS = ((1e9, N_("%(n)s billion")), (1e6, N_("%(n)s million")))

if TYPE_CHECKING:
    from .l10n import Lang
    from .model import Target, Text

# Chinese scale prefixes, longest first so that 千万 is not read as 千 + 万. 千 and 百 alone
# are left out on purpose: 千米 and 千克 are units (km, kg), not "a thousand 米".
ZH_PREFIXES: tuple[tuple[str, float], ...] = (("千万", 1e7), ("百万", 1e6), ("亿", 1e8), ("万", 1e4))
# How other languages wrote the same scale in front of a unit ("10,000 yuan").
_FIGURE_PREFIX = re.compile(
    r"^\s*(?:(?P<figure>[\d][\d,\s.]*)\s*(?P<word>thousand|million|billion)?|(?P<only>ten thousand|hundred million|million|billion))\s+",
    re.IGNORECASE)
_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "ten thousand": 1e4, "hundred million": 1e8}


@dataclass(frozen=True)
class ScaledUnit:
    """What one written figure means: `scale` times the base `unit` (1 and the unit as written when unscaled)."""

    scale: float
    unit: dict[str, str]  # base unit per language, e.g. {zh: 元, en: yuan}
    problems: tuple[str, ...] = ()  # contradictions between `unit` and `scale`, for `check`


def _prefix_scale(text: str) -> tuple[float | None, str]:
    """A scale written in front of a non-Chinese unit: "10,000 yuan" → (10000, "yuan")."""
    match = _FIGURE_PREFIX.match(text)
    if not match:
        return None, text
    rest = text[match.end():].strip()
    if not rest:
        return None, text  # "10,000" alone is not a prefix of anything
    if match.group("only"):
        return _WORDS[match.group("only").lower()], rest
    try:
        figure = float(re.sub(r"[,\s]", "", match.group("figure")))
    except ValueError:
        return None, text
    word = match.group("word")
    return figure * (_WORDS[word.lower()] if word else 1), rest


def scaled_unit(unit: Text | None, scale: float | None) -> ScaledUnit:
    """The base unit and scale of a target, from `unit` and `scale` as the editor wrote them."""
    written = dict(unit or {})
    zh = written.get("zh", "")
    implied = next(((p, f) for p, f in ZH_PREFIXES if zh.startswith(p)), None)
    problems: list[str] = []
    if scale is None and implied is None:
        # No scale in Chinese: a figure in front of another language's unit is still one (old content).
        for lang, text in written.items():
            factor, _ = _prefix_scale(text)
            if factor and factor != 1:
                problems.append(N_("the `%(lang)s` unit `%(text)s` starts with a figure; write the unit alone "
                                   "(e.g. yuan) and add `scale: %(factor)s`", lang=lang, text=text, factor=float(factor)))
        return ScaledUnit(1.0, written, tuple(problems))
    if implied is not None and scale is not None and implied[1] != scale:
        problems.append(N_("the unit `%(zh)s` already means ×%(implied)s, but `scale` is %(scale)s; "
                           "write `unit: {zh: %(base)s, …}` with `scale: %(scale)s`, or remove `scale`",
                           zh=zh, implied=float(implied[1]), scale=float(scale), base=zh[len(implied[0]):] or "…"))
    factor = scale if scale is not None else implied[1]  # type: ignore[index]
    base: dict[str, str] = {}
    for lang, text in written.items():
        if lang == "zh":
            base[lang] = text[len(implied[0]):] if implied is not None and implied[1] == factor else text
            continue
        stated, rest = _prefix_scale(text)
        if stated is None and _bare_figure(text) == factor:
            base[lang] = ""  # `en: 10,000` beside `zh: 万`: the scale alone, no unit
        elif stated is None:
            base[lang] = text
        elif stated == factor:
            base[lang] = rest
        else:
            base[lang] = text
            problems.append(N_("the `%(lang)s` unit `%(text)s` does not match the scale ×%(factor)s; "
                               "write the unit alone, e.g. `%(lang)s: %(rest)s`", lang=lang, text=text, factor=float(factor), rest=rest))
    for lang, text in base.items():
        if re.search(r"[0-9]", text):
            problems.append(N_("the `%(lang)s` unit `%(text)s` still contains a figure; "
                               "write the unit alone (e.g. yuan) and let `scale` carry ×%(factor)s", lang=lang, text=written[lang],
                               factor=float(factor)))
    return ScaledUnit(factor, base, tuple(problems))


def _bare_figure(text: str) -> float | None:
    try:
        return float(re.sub(r"[,\s]", "", text))
    except ValueError:
        return None


def _plain(value: float) -> float | int:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


def scaled_number(lang: Lang, value: float, scale: float) -> str:
    """`value` × `scale` as a reader of this language writes a large amount."""
    amount = _plain(value * scale)
    if lang.locale.language == "zh":
        text = lang.number(amount)  # 1.3亿 / 2000万 when exact
        if abs(amount) >= 10_000 and not text.endswith(("万", "亿", "萬", "億")):
            # Not exact as 亿 or 万 with two decimals: say it in 亿 or 万 with the decimals it has.
            for factor, word in ((1e8, "亿"), (1e4, "万")):
                shown = _plain(amount / factor)
                if abs(amount) >= factor and (factor == 1e4 or round(shown, 4) == shown):
                    # lang.text: the word in this script (萬 / 億 in Traditional Chinese)
                    return format_decimal(shown, locale=lang.locale, decimal_quantization=False) + lang.text({"zh": word}).text
        return text
    for factor, msgid in LARGE_NUMBER_WORDS:
        if abs(amount) >= factor:
            n = format_decimal(_plain(amount / factor), locale=lang.locale, decimal_quantization=False)
            return lang.gettext(msgid) % {"n": n}
    return lang.number(amount)


def format_figure(lang: Lang, value: float, unit: Text | None, scale: float | None, one: Text | None = None) -> str:
    """A figure with its unit: 6个 / 6 stations, 1 station (`one`, the unit after the figure 1
    where the language changes it), 1.3亿元 / 130 million yuan."""
    su = scaled_unit(unit, scale)
    number = scaled_number(lang, value, su.scale) if su.scale != 1 else lang.number(value)
    name = lang.text(su.unit).text if su.unit else ""
    if name and one and (singular := (one.get(lang.code) or "").strip()) and _says_one(lang, value * su.scale):
        name = singular
    if not name:
        return number
    return lang.gettext("{number} {unit}").format(number=number, unit=name)  # 6个 / 6 stations


def _says_one(lang: Lang, amount: float) -> bool:
    """Whether the language puts the singular after this amount: "1 station", but "1.5 stations"
    (CLDR's plural rules, as Babel has them)."""
    return lang.locale.plural_form(_plain(amount)) == "one"


def target_figure(lang: Lang, target: Target, value: float | bool | None) -> str:
    """A target's figure as pages, charts and downloads show it: 87.5% / 6个 / 6 stations /
    1.3亿元 / 130 million yuan; done / not done for a yes/no milestone."""
    if isinstance(value, bool):
        return lang.gettext("done") if value else lang.gettext("not done")
    if value is None:
        return ""
    if target.kind == "percentage":
        return f"{lang.number(value)}%"
    return format_figure(lang, value, target.unit, target.scale, target.unit_one)


def axis_title(lang: Lang, unit: Text | None, scale: float | None) -> str:
    """The unit above a chart's value axis, whose ticks are the figures as written: 万元 / yuan (× 10,000)."""
    su = scaled_unit(unit, scale)
    name = lang.text(su.unit).text if su.unit else ""
    if su.scale == 1:
        return name
    if lang.chinese:
        prefix = next((p for p, f in ZH_PREFIXES if f == su.scale), None)
        if prefix:
            return lang.text({"zh": prefix}).text + name
    return lang.gettext("%(unit)s (× %(scale)s)") % {"unit": name, "scale": format_decimal(_plain(su.scale), locale=lang.locale)}
