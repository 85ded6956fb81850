"""UI-string catalogues: the template is up to date, and every string has a Chinese translation.

See docs-i18n.md for the commands. The catalogues are `bulletin/locale/messages.pot` (the
template, extracted from bulletin/**.py and templates/**) and
`bulletin/locale/<lang>/LC_MESSAGES/messages.po`, compiled in memory at build time.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bulletin.l10n import Lang

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "bulletin" / "locale"
POT = LOCALE / "messages.pot"

EXTRACT = ["pybabel", "extract", "-F", "babel.cfg", "-k", "N_", "-o", "bulletin/locale/messages.pot",
           "--no-location", "--sort-output", "--omit-header", "."]
EXTRACT_CMD = " ".join(EXTRACT)
UPDATE_CMD = "pybabel update -i bulletin/locale/messages.pot -d bulletin/locale"
HOW_TO_FIX = (f"run, from the repository root:\n    {EXTRACT_CMD}\n    {UPDATE_CMD}\n"
              "then translate the new entries in bulletin/locale/zh/LC_MESSAGES/messages.po "
              "(no fuzzy entries; see docs-i18n.md)")

PERCENT = re.compile(r"%\((\w+)\)[sd]")  # python-format: %(name)s
BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")  # python-brace-format: {name}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _ids(catalog: Catalog) -> set[str]:
    """Msgids of a catalogue; a plural entry is keyed by its singular."""
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}


def _placeholders(text: str) -> tuple[list[str], list[str]]:
    return sorted(set(PERCENT.findall(text))), sorted(set(BRACE.findall(text)))


def _stray_percent(text: str) -> int:
    """'%' signs that are not a %(name)s placeholder or an escaped %%: Jinja's newstyle
    gettext %-formats every translation, so one would break the page."""
    return PERCENT.sub("", text).replace("%%", "").count("%")


@pytest.fixture(scope="module")
def pot() -> Catalog:
    assert POT.exists(), f"{POT.relative_to(ROOT)} is missing: {HOW_TO_FIX}"
    return _read(POT)


@pytest.fixture(scope="module")
def zh() -> Catalog:
    return _read(LOCALE / "zh" / "LC_MESSAGES" / "messages.po", locale="zh")


def test_pot_is_up_to_date_with_the_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pot: Catalog) -> None:
    fresh = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)  # babel.cfg's patterns are relative to the repository root
    args = [a if a != "bulletin/locale/messages.pot" else str(fresh) for a in EXTRACT]
    CommandLineInterface().run([args[0], "-q", *args[1:]])
    extracted, committed = _ids(_read(fresh)), _ids(pot)
    new, gone = sorted(extracted - committed), sorted(committed - extracted)
    assert not new and not gone, (
        "bulletin/locale/messages.pot is out of date with the sources.\n"
        f"  strings in the code/templates but not in the catalogue: {new}\n"
        f"  strings in the catalogue no longer used: {gone}\n" + HOW_TO_FIX)


def test_every_msgid_has_a_chinese_translation(pot: Catalog, zh: Catalog) -> None:
    problems = []
    for template in pot:
        if not template.id:
            continue
        key = template.id[0] if isinstance(template.id, tuple) else template.id
        message = zh.get(template.id)
        if message is None:
            problems.append(f"missing from zh/messages.po: {key!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy (check it and remove the fuzzy flag): {key!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {key!r}")
            continue
        ids = template.id if isinstance(template.id, tuple) else (template.id,)
        for i, string in enumerate(strings):
            source = ids[min(i, len(ids) - 1)] if len(strings) > 1 else ids[-1]
            if _placeholders(string) != _placeholders(source):
                problems.append(f"placeholders differ: {source!r} -> {string!r}")
            if _stray_percent(string) != _stray_percent(source):
                problems.append(f"a bare '%' (write %%): {string!r}")
    assert not problems, "zh catalogue problems:\n  " + "\n  ".join(problems) + "\n" + HOW_TO_FIX


@pytest.mark.parametrize("code", ["zh", "en"])
def test_catalogues_follow_the_template(code: str, pot: Catalog) -> None:
    catalog = _read(LOCALE / code / "LC_MESSAGES" / "messages.po", locale=code)
    assert catalog.locale is not None and catalog.locale.language == code
    missing = sorted(_ids(pot) - _ids(catalog))
    assert not missing, f"{code}/messages.po lacks {missing}: run\n    {UPDATE_CMD}"
    assert not any(m.fuzzy for m in catalog if m.id), f"{code}/messages.po has fuzzy entries"


def test_lang_uses_the_chinese_catalogue() -> None:
    zh = Lang("zh", ["zh", "en"])
    assert zh.gettext("Behind") == "滞后"
    assert zh.gettext("Overview") == "总览"
    assert zh.gettext("%(start)s to %(end)s") % {"start": "A", "end": "B"} == "A至B"
    assert zh.ngettext("{total} measure due in {month}.", "{total} measures due in {month}.", 3) \
        .format(total=3, month="6月") == "6月共有3项措施到期。"


def test_english_uses_the_msgids() -> None:
    en = Lang("en", ["zh", "en"])
    assert en.gettext("Behind") == "Behind"
    assert en.ngettext("{total} measure due in {month}.", "{total} measures due in {month}.", 1) \
        == "{total} measure due in {month}."
    assert en.ngettext("{total} measure due in {month}.", "{total} measures due in {month}.", 3) \
        == "{total} measures due in {month}."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_every_command_line_help_is_shown_in_chinese() -> None:
    """`bulletin X --help` is read by the editors: every command's and option's help text must
    be a catalogue message (marked N_) with a Chinese translation."""
    import argparse

    from bulletin.cli import build_parser
    from bulletin.messages import gettext_for

    zh = gettext_for("zh")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = [(choice.dest, choice.help) for choice in commands._choices_actions]
    helps += [(f"{name} {'/'.join(a.option_strings) or a.dest}", a.help) for name, sub in commands.choices.items()
              for a in sub._actions if a.help and a.help != argparse.SUPPRESS and a.dest != "help"]
    untranslated = [f"{where}: {text!r}" for where, text in helps if zh(text) == text]
    assert len(helps) > 20 and not untranslated, "help texts not marked N_() and translated:\n  " + "\n  ".join(untranslated)


def test_the_build_summary_and_progress_read_in_chinese():
    """`build` and `serve` print the same summary line and progress, in the editor's language."""
    import io

    from bulletin.builder import BuildResult, terminal_progress
    from bulletin.messages import gettext_for
    from bulletin.writer import WriteStats

    zh = gettext_for("zh")
    result = BuildResult(pages=3, rendered=2, charts=1, chart_renders=0, chart_seconds=0.0, seconds=1.5,
                         write=WriteStats(written=["a"], unchanged=4, removed=0))
    assert result.summary().startswith("build: 3 pages (2 rendered), 1 files written, 4 unchanged;")
    assert result.summary(zh).startswith("构建：3 个页面（渲染 2 个），写入 1 个文件，4 个未变；")
    stream = io.StringIO()
    terminal_progress(stream, gettext=zh)(4, 4)
    assert stream.getvalue() == "  已渲染 4/4 个页面\n"


def test_words_the_bulletin_keeps_are_not_converted_to_traditional():
    """OpenCC turns the place name 回天 into 迴天 (as in 迴天乏術), and not everywhere alike:
    `traditional_keep: [回天]` leaves it as written, and converts the rest."""
    from bulletin.l10n import languages_for

    text = {"zh": "回天地区的养老服务驿站，回天有我"}
    plain = languages_for(["zh", "zh-Hant", "en"])["zh-Hant"].text(text)
    kept = languages_for(["zh", "zh-Hant", "en"], keep=("回天",))["zh-Hant"].text(text)
    assert "迴天" in plain.text
    assert kept.text == "回天地區的養老服務驛站，回天有我" and kept.converted


def test_messages_for_a_traditional_chinese_bulletin_are_in_traditional_characters():
    """A bulletin whose default language is zh-Hant got its command-line messages in Simplified."""
    from bulletin.messages import gettext_for

    text = gettext_for("zh-Hant")("; %(w)d warning(s) above: check them")
    assert text.startswith("；上面有 %(w)d 個警告，請逐一") and "个" not in text and "请" not in text


def test_a_translation_is_text_never_markup():
    """Hostile-input audit: a catalogue's msgstr went into every page as raw HTML
    (`总览<img src=x onerror=alert(1)>` on 351 pages); the templates' messages hold no markup."""
    from types import SimpleNamespace

    from bulletin.render import _template_gettext, _template_ngettext

    evil = "总览<img src=x onerror=alert(1)> %(n)s"
    lang = SimpleNamespace(gettext=lambda message: evil, ngettext=lambda s, p, n: evil)
    for text in (_template_gettext(lang)("Overview %(n)s", n="<b>"), _template_ngettext(lang)("a", "b", 2, n="<b>")):
        assert "<img" not in text and "&lt;img" in text and "<b>" not in text
    assert str(_template_gettext(SimpleNamespace(gettext=lambda m: m))("100%% done")) == "100% done"
