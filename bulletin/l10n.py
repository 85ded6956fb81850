"""Languages: gettext catalogues for UI strings, CLDR dates and numbers (all through Babel).

UI strings live in `bulletin/locale/<lang>/LC_MESSAGES/messages.po` and are compiled in
memory at build time, so no compiled `.mo` file is kept in git. Content texts are
`Text` mappings; a text missing in one language falls back to another and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal, format_decimal, format_percent
from babel.support import NullTranslations, Translations

from .model import CONVERTED, Text

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# CLDR locale used for each bulletin language code; en_GB writes "30 June 2020".
DEFAULT_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB", "zh-Hant": "zh_Hant_TW"}


def load_translations(code: str, locale_dir: Path = LOCALE_DIR, conversion: str = "s2t") -> NullTranslations:
    """The UI catalogue of a language; for a converted language without a catalogue of its
    own (zh-Hant), its source language's catalogue passed through the converter."""
    po = locale_dir / code.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    convert = None
    if not po.exists() and code in CONVERTED:
        po = locale_dir / CONVERTED[code] / "LC_MESSAGES" / f"{DOMAIN}.po"
        convert = conversion
    if not po.exists():
        return NullTranslations()
    # Compiled once per version of the file (the dev server rebuilds often), keyed on the
    # bytes, not the modification time: a catalogue copied in with an old date is a new
    # version too. Only the latest version of each catalogue is kept.
    data = po.read_bytes()
    digest = hashlib.blake2b(data, digest_size=16).digest()
    key = (str(po.absolute()), code, convert)
    cached = _CATALOGUES.get(key)
    if cached is None or cached[0] != digest:
        cached = _CATALOGUES[key] = (digest, _compile(data, code, convert))
    return cached[1]


_CATALOGUES: dict[tuple[str, str, str | None], tuple[bytes, NullTranslations]] = {}


def _compile(data: bytes, code: str, convert: str | None = None) -> NullTranslations:
    catalog = read_po(io.BytesIO(data), locale=CONVERTED.get(code, code).replace("-", "_"))
    if convert:
        converter = opencc_converter(convert)
        for message in catalog:
            if message.id and message.string:
                message.string = (tuple(converter(s) for s in message.string) if isinstance(message.string, (tuple, list))
                                  else converter(message.string))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@lru_cache(maxsize=8)
def opencc_converter(config: str, keep: tuple[str, ...] = ()):
    """A function converting Simplified Chinese text with the named OpenCC configuration,
    leaving the words in `keep` as written (names OpenCC's phrase tables would change: 回天 is
    a place, not 迴天)."""
    import opencc

    convert = opencc.OpenCC(f"{config}.json" if not config.endswith(".json") else config).convert
    if keep:
        words = re.compile("(" + "|".join(re.escape(w) for w in sorted(set(keep), key=len, reverse=True)) + ")")
        plain = convert

        def convert(text: str) -> str:  # the parts between kept words converted, each on its own
            return "".join(part if i % 2 else plain(part) for i, part in enumerate(words.split(text)))
    return lru_cache(maxsize=65536)(convert)


@dataclass(frozen=True)
class Localised:
    """A content text resolved for one page language."""

    text: str
    lang: str  # language the text is actually in
    fallback: bool  # True when the page language had no text and another was used
    converted: bool = False  # True when the text was converted from another script (zh → zh-Hant)

    def __str__(self) -> str:
        return self.text


class Lang:
    """One site language: its code, CLDR locale, catalogue and formatters."""

    def __init__(self, code: str, languages: list[str], locale_name: str | None = None, conversion: str = "s2t",
                 locale_dir: Path = LOCALE_DIR, keep: tuple[str, ...] = ()):
        self.code = code
        self.languages = languages  # every language of the bulletin, for fallbacks
        self.locale = Locale.parse((locale_name or DEFAULT_LOCALES.get(code, code)).replace("-", "_"))
        self.translations = load_translations(code, locale_dir, conversion=conversion)
        # Where this language's texts are converted from, and how (zh-Hant: from zh, by OpenCC).
        self.converts_from = CONVERTED.get(code) if CONVERTED.get(code) in languages else None
        self.conversion = conversion
        self.keep = keep  # words the conversion leaves as written (bulletin.yaml `traditional_keep`)

    @cached_property
    def name(self) -> str:
        """The language's own name, e.g. 中文 / English; 简体中文 and 繁體中文 when both are offered."""
        if self.code == "zh":
            return "简体中文" if "zh-Hant" in self.languages else "中文"
        if self.code == "zh-Hant":
            return "繁體中文"
        return self.locale.get_display_name(self.locale).split(" (")[0].title()

    @property
    def html_lang(self) -> str:
        return {"zh": "zh-CN"}.get(self.code, self.code)

    @property
    def chinese(self) -> bool:
        """Chinese in either script: no space between a figure and its unit, full-width punctuation."""
        return self.locale.language == "zh"

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def text(self, value: Text | None) -> Localised:
        if not value:
            return Localised("", self.code, False)
        if value.get(self.code, "").strip():
            return Localised(value[self.code], self.code, False)
        if self.converts_from and value.get(self.converts_from, "").strip():
            return Localised(opencc_converter(self.conversion, self.keep)(value[self.converts_from]), self.code, False, converted=True)
        for other in self.languages:
            if value.get(other, "").strip():
                return Localised(value[other], other, True)
        return Localised("", self.code, False)

    def date(self, value: dt.date | None, form: str = "long") -> str:
        return format_date(value, form, locale=self.locale) if value else ""

    def month(self, value: dt.date) -> str:
        return format_skeleton("yMMMM", value, locale=self.locale)

    def number(self, value: float | int | None, digits: int = 2) -> str:
        """A figure as a reader of this language writes it: 14.6万 in Chinese, 146,000 in English."""
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if self.locale.language == "zh" and abs(value) >= 10_000:
            compact = format_compact_decimal(value, locale=self.locale, fraction_digits=digits)
            # Only when no precision is lost: 554.49万 yes, 12,804.68 stays in full.
            if _compact_value(compact) == value:
                return compact
        # Chinese plans write figures below 10,000 without a separator (1452个): the site does too.
        grouped = not (self.locale.language == "zh" and abs(value) < 10_000)
        return format_decimal(value, locale=self.locale, decimal_quantization=False, group_separator=grouped)

    def percent(self, fraction: float | None, digits: int = 0) -> str:
        if fraction is None:
            return ""
        pattern = "#,##0%" if digits == 0 else "#,##0." + "0" * digits + "%"
        return format_percent(fraction, pattern, locale=self.locale)


def _compact_value(text: str) -> float | None:
    units = {"万": 10_000, "亿": 100_000_000, "萬": 10_000, "億": 100_000_000}
    for unit, factor in units.items():
        if text.endswith(unit):
            try:
                return round(float(text[: -len(unit)]) * factor, 6)
            except ValueError:
                return None
    return None


def languages_for(codes: list[str], locales: dict[str, str] | None = None, conversion: str = "s2t",
                  locale_dir: Path = LOCALE_DIR, keep: tuple[str, ...] | list[str] = ()) -> dict[str, Lang]:
    locales = locales or {}
    return {code: Lang(code, codes, locales.get(code), conversion, locale_dir, tuple(keep)) for code in codes}
