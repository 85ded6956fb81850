"""Messages the editors read (check, build, new, returns, diff), in their language.

A message is written where it arises as an English gettext msgid with named
parameters: `N_("unknown source `%(id)s`", id=value)`. The result is a `Msg`, a `str`
whose value is the English text, so every caller that treats messages as plain text
keeps working (tests, GitHub annotations, sorting). It also remembers its msgids and
parameters, so the command that prints it can translate it with the catalogue of the
language chosen (`--lang`, else the bulletin's default language).

Messages compose: `N_("unknown field `%(name)s`", name=n) + N_("; did you mean `%(word)s`?", word=w)`
keeps both parts translatable (each msgid carries its own separator). A plain `str`
message (from code not yet converted) is looked up whole in the catalogue and otherwise
shown in English, so new English messages work at once and can be translated later.

A msgid with parameters goes through `%`-formatting, so a literal percent sign is written `%%`;
one without parameters is used as it is (it may be a template filled in later).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

Gettext = Callable[[str], str]


class Msg(str):
    """English text of a message that also carries its msgids and parameters."""

    parts: tuple[tuple[str, dict[str, Any] | None], ...]

    def __new__(cls, msgid: str, **params: Any) -> "Msg":
        return cls._of(((msgid, params),))

    @classmethod
    def _of(cls, parts: tuple) -> "Msg":
        self = str.__new__(cls, "".join(_english(msgid, params) for msgid, params in parts))
        self.parts = parts
        return self

    def __add__(self, other: object) -> "Msg":
        if not isinstance(other, str):
            return NotImplemented
        return Msg._of(self.parts + _parts(other))

    def __radd__(self, other: object) -> "Msg":
        if not isinstance(other, str):
            return NotImplemented
        return Msg._of(_parts(other) + self.parts)

    def __reduce__(self):  # pickling (e.g. across a process pool) keeps the parts
        return (Msg._of, (self.parts,))

    def translate(self, gettext: Gettext) -> str:
        return "".join(_translated(msgid, params, gettext) for msgid, params in self.parts)


def N_(msgid: str, **params: Any) -> Msg:
    """Mark `msgid` for extraction (`pybabel extract -k N_`) and return it as a translatable message."""
    return Msg(msgid, **params)


@dataclass(frozen=True)
class ByLanguage:
    """A message parameter written differently in each language, such as a large amount in its
    unit (1600亿元 / 160 billion yuan): the catalogue's language picks it, English otherwise."""

    texts: tuple[tuple[str, str], ...]  # (language code, text), English among them

    def shown(self, gettext: Gettext | None) -> str:
        by_code = dict(self.texts)
        code = gettext(CATALOGUE_LANGUAGE) if gettext else "en"
        return by_code.get(code) or by_code.get(code.split("-")[0]) or by_code.get("en") or self.texts[0][1]

    def __str__(self) -> str:
        return self.shown(None)


def _parts(text: str) -> tuple:
    if isinstance(text, Msg):
        return text.parts
    return ((text, None),) if text else ()


def _show(value: Any, gettext: Gettext | None) -> Any:
    if isinstance(value, ByLanguage):
        return value.shown(gettext)
    if isinstance(value, Msg):
        return value.translate(gettext) if gettext else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dt.date, Path)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_show(v, gettext)) for v in value)
    return value


def _english(msgid: str, params: dict | None) -> str:
    if params is None:  # a plain string, not a msgid
        return msgid
    if not params:  # no parameters: the msgid as it is, so a template like "%(n)s million" can be filled in later
        return msgid.replace("%%", "%")
    return msgid % {k: _show(v, None) for k, v in params.items()}


def _translated(msgid: str, params: dict | None, gettext: Gettext) -> str:
    if not msgid.strip():  # gettext("") is the catalogue's header
        return msgid
    if params is None:
        return gettext(msgid)
    if not params:
        return gettext(msgid).replace("%%", "%")
    values = {k: _show(v, gettext) for k, v in params.items()}
    try:
        return gettext(msgid) % values
    except (KeyError, ValueError, TypeError):  # a broken translation must never hide the message
        return msgid % values


# Each catalogue translates this to its language's code (zh), so a parameter written per
# language can tell which language a message is printed in; untranslated it is English.
CATALOGUE_LANGUAGE = str(N_("catalogue-language-code"))


def localise(text: str, gettext: Gettext | None) -> str:
    """`text` in the language of `gettext` (English when None or untranslated)."""
    if gettext is None:
        return str(text)
    if isinstance(text, Msg):
        return text.translate(gettext)
    return gettext(text) if text.strip() else text


@lru_cache(maxsize=8)
def gettext_for(code: str | None) -> Gettext | None:
    """The catalogue's gettext for a language code; None means English as written."""
    if not code:
        return None
    from .l10n import LOCALE_DIR, load_translations
    from .model import CONVERTED

    code = code.replace("_", "-")
    if code in CONVERTED:  # zh-Hant: the Chinese catalogue converted, as the site's own interface is
        return load_translations(code).gettext
    if not (LOCALE_DIR / code).is_dir():  # zh-CN, zh-Hans: the catalogue of the language, zh
        code = code.split("-")[0].lower()
    if code == "en":
        return None
    return load_translations(code).gettext


# The language of messages when nothing says otherwise: the editors are Chinese.
DEFAULT_EDITOR_LANGUAGE = "zh"
_LANGUAGE_PEEK_BYTES = 1024 * 1024  # the loader's limit for a content file


def bulletin_language(content: Path) -> str | None:
    """The bulletin's default language, read leniently from bulletin.yaml (the file may be broken).

    Read before any check, so nothing here may hang, fill memory or raise: the file is opened
    without following a link and without blocking (a pipe), only when it is a regular file of
    at most the loader's size, and any failure to parse it means "not known" (the check that
    follows reports the file)."""
    import os
    import stat

    import yaml

    path = Path(content) / "bulletin.yaml"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _LANGUAGE_PEEK_BYTES:
            return None
        raw = os.read(fd, _LANGUAGE_PEEK_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except Exception:  # noqa: BLE001 (broken YAML, too deep a nesting, …: the check says what)
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("default_language"), str):
        return data["default_language"]
    languages = data.get("languages")
    if isinstance(languages, list) and languages and isinstance(languages[0], str):
        return languages[0]
    return None


def editor_language(lang: str | None, content: Path | None) -> str:
    """`--lang` if given, else $BULLETIN_LANG (for scripts and CI logs), else the bulletin's
    default language, else Chinese (a bulletin.yaml that cannot be read is an editor's slip too)."""
    import os

    if lang:
        return lang
    if os.environ.get("BULLETIN_LANG"):
        return os.environ["BULLETIN_LANG"]
    return (bulletin_language(content) if content is not None else None) or DEFAULT_EDITOR_LANGUAGE


class Printer:
    """Prints messages of one command in the editor's language."""

    def __init__(self, code: str | None):
        self.code = code or "en"
        self.gettext = gettext_for(code)

    def __call__(self, text: str) -> str:
        return localise(text, self.gettext)

    def problem(self, problem) -> str:
        return problem.localised(self.gettext)


# The language of the command line itself (help texts, argparse's errors), set by cli.main
# before parsing, when no parsed `--lang` exists yet.
_CLI: list[Gettext | None] = [None]


def set_cli_language(gettext: Gettext | None) -> None:
    _CLI[0] = gettext


def cli_text(text: str) -> str:
    return localise(text, _CLI[0])


def date_argument(text: str) -> dt.date:
    """A command-line date (argparse `type=`), refused in the editor's language when it is not YYYY-MM-DD."""
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(cli_text(N_("`%(given)s` is not a date; write dates as YYYY-MM-DD, e.g. 2020-06-30",
                                                     given=text))) from None
