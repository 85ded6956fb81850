"""Common slips of editors get a message that names the cause and the fix, in the editor's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
VISITS = "measures/huitian/02-household-visits.yaml"  # a percentage target, led by changping-civil-affairs
SURVEY = "measures/huitian/01-adjust-community-size.yaml"  # milestones


def _edit(content: Path, rel: str, old: str, new: str) -> None:
    path = content / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _check(run_cli, content: Path, lang: str = "en"):
    return run_cli("check", "--content", "content", "--lang", lang, cwd=content.parent)


def _line(run, start: str) -> str:
    found = [line for line in run.lines if line.startswith(start)]
    assert found, f"nothing reported at {start!r}:\n{run.out}"
    return found[0]


def test_full_width_colon_is_named_with_its_line_and_column(content_dir, run_cli):
    _edit(content_dir, VISITS, "category: community-services", "category：community-services")
    run = _check(run_cli, content_dir)
    line = _line(run, f"content/{VISITS}:5:9: ")
    assert "full-width colon `：` after `category`" in line and "write `category: `" in line
    assert "全角冒号" in _line(_check(run_cli, content_dir, "zh"), f"content/{VISITS}:5:9: ")


def test_fraction_on_a_percentage_target_is_a_warning_saying_what_to_write(content_dir, run_cli):
    _edit(content_dir, VISITS, "    value: 38\n", "    value: 0.38\n")
    run = _check(run_cli, content_dir)
    assert run.code == 0  # a warning: 0.38% could be meant
    line = _line(run, f"content/{VISITS}:")
    assert "warning: 0.38 on a percentage target looks like a fraction" in line and "write 38 if 38% is meant" in line


def test_wan_figure_says_the_number_to_write(content_dir, run_cli):
    _edit(content_dir, VISITS, "    value: 38\n", "    value: 2.47万\n")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "`2.47万` uses 万" in line and "24700" in line
    assert "请写成纯数字 24700" in _line(_check(run_cli, content_dir, "zh"), f"content/{VISITS}:")


@pytest.mark.parametrize("word,meant", [("是", "true"), ("已完成", "true"), ("否", "false")])
def test_milestone_in_words_says_true_or_false(content_dir, run_cli, word, meant):
    _edit(content_dir, SURVEY, "    value: true\n", f"    value: {word}\n")
    line = _line(_check(run_cli, content_dir), f"content/{SURVEY}:")
    assert f"`{word}` is a word, not a yes/no value" in line and f"value: {meant}" in line
    assert "write digits" not in line


def test_department_name_used_as_id_suggests_the_id(content_dir, run_cli):
    _edit(content_dir, VISITS, "lead: [changping-civil-affairs]", "lead: [北京市昌平区民政局]")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "`北京市昌平区民政局` is the name of department `changping-civil-affairs`" in line
    assert "write the id: changping-civil-affairs" in line and "add it to" not in line


def test_key_valid_deeper_says_indent_it_under_a_target(content_dir, run_cli):
    # `progress:` written at the measure's level instead of inside the target
    path = content_dir / VISITS
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  progress:\n  - date:", "progress:\n- date:").replace(
        "    value: 38\n    source: progress-report", "  value: 38\n  source: progress-report"), encoding="utf-8")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "`progress` is not a field of this block but of a target" in line and "indent it under a target" in line
    assert "programme" not in line


def test_key_valid_higher_up_says_indent_it_less(content_dir, run_cli):
    _edit(content_dir, VISITS, "    source: progress-report\n", "    source: progress-report\n    deadline: 2020-12-31\n")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "`deadline` is not a field of this block but of the block that holds it: indent it less" in line


def test_measure_in_another_programmes_folder_is_reported(content_dir, run_cli):
    other = content_dir / "programmes" / "other.yaml"
    other.write_text((content_dir / "programmes" / "huitian.yaml").read_text(encoding="utf-8").replace("id: huitian", "id: other"),
                     encoding="utf-8")
    (content_dir / "measures" / "other").mkdir()
    (content_dir / VISITS).rename(content_dir / "measures" / "other" / "02-household-visits.yaml")
    line = _line(_check(run_cli, content_dir), "content/measures/other/02-household-visits.yaml:")
    assert "in the folder measures/other/ but says programme: huitian" in line
    assert "move it to measures/huitian/, or write programme: other" in line


def test_progress_before_the_programme_starts_is_reported(content_dir, run_cli):
    _edit(content_dir, SURVEY, "  - date: 2020-05-15\n", "  - date: 2019-05-15\n")
    line = _line(_check(run_cli, content_dir), f"content/{SURVEY}:")
    assert "progress dated 2019-05-15 is before the work starts (2019-12-11" in line


def test_tab_is_named_as_a_tab(content_dir, run_cli):
    _edit(content_dir, VISITS, "  kind: percentage\n", "\tkind: percentage\n")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "a tab character at column 1" in line and "spaces" in line
    assert "制表符" in _line(_check(run_cli, content_dir, "zh"), f"content/{VISITS}:")


def test_comma_in_unquoted_flow_text_says_to_quote_it(content_dir, run_cli):
    _edit(content_dir, VISITS, "title: {zh: 入户走访, en: Door-to-door visits}",
          "title: {zh: 入户走访, en: Door-to-door visits, twice a year}")
    run = _check(run_cli, content_dir)
    lines = [line for line in run.lines if line.startswith(f"content/{VISITS}:")]
    assert len(lines) == 1, run.out  # one message for the line, not one per fragment
    assert "the comma in `Door-to-door visits, twice a year`" in lines[0]
    assert 'put the text in double quotes: en: "Door-to-door visits, twice a year"' in lines[0]
    # The suggested line is itself valid YAML and gives the intended text.
    suggestion = lines[0].rsplit("double quotes: ", 1)[1]
    assert yaml.safe_load("{zh: 入户走访, " + suggestion + "}")["en"] == "Door-to-door visits, twice a year"


def test_examples_in_messages_are_valid_yaml_when_pasted():
    with (ROOT / "bulletin" / "locale" / "messages.pot").open("rb") as fh:
        catalog = read_po(fh)
    examples = [ex for m in catalog if m.id for ex in re.findall(r"e\.g\. ([\w.]+: \{[^}]*\}|\{[^}]*\})", str(m.id))]
    assert any("unit" in str(m.id) and "yuan" in ex for m in catalog if m.id for ex in re.findall(r"\{[^}]*\}", str(m.id)))
    for example in examples:
        parsed = yaml.safe_load(example.replace("%%", "%"))
        assert isinstance(parsed, dict), example
        inner = next(iter(parsed.values())) if len(parsed) == 1 and isinstance(next(iter(parsed.values())), dict) else parsed
        assert all(v is not None for v in inner.values()), f"{example!r} splits at a comma when pasted"


def test_check_lang_zh_prints_chinese_problems_and_summary(content_dir, run_cli):
    _edit(content_dir, VISITS, "  kind: percentage\n", "  kind: percentage\n  deadlien: 2020-12-31\n")
    run = _check(run_cli, content_dir, "zh")
    assert run.code == 1
    assert "未知字段 `deadlien`；是不是要写 `deadline`？" in _line(run, f"content/{VISITS}:")
    assert run.summary.startswith("检查：1 个方案") and "1 个错误" in run.summary


def test_without_lang_messages_follow_the_bulletins_default_language(content_dir, run_cli, monkeypatch):
    monkeypatch.delenv("BULLETIN_LANG")
    _edit(content_dir, VISITS, "  kind: percentage\n", "  kind: percentage\n  deadlien: 2020-12-31\n")
    assert "未知字段" in run_cli("check", "--content", "content", cwd=content_dir.parent).out  # languages: [zh, en]
    _edit(content_dir, "bulletin.yaml", "languages: [zh, en]", "languages: [zh, en]\ndefault_language: en")
    assert "unknown field" in run_cli("check", "--content", "content", cwd=content_dir.parent).out


def test_a_plain_english_message_from_newer_code_still_prints(content_dir):
    from bulletin.messages import Printer
    from bulletin.problems import Problem

    problem = Problem("content/x.yaml", 3, 5, "url", "the address must start with https://")  # not (yet) a msgid
    assert Printer("zh").problem(problem) == "content/x.yaml:3:5: url: the address must start with https://"


def test_every_problem_of_the_case_corpus_reads_in_chinese(minimal_dir, tmp_path, monkeypatch):
    """Each message of tests/cases/ written as a msgid comes out in Chinese: none left untranslated.

    Plain English strings (code not yet converted to msgids) are accepted and print in English."""
    from bulletin.messages import Msg, gettext_for, localise
    from bulletin.validate import check
    from test_check import CASE_NAMES, build_case

    zh = gettext_for("zh")
    latin_run = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{3,}){3,}")  # four English words in a row, outside `code`
    untranslated, converted = [], 0
    for name in CASE_NAMES:
        work = tmp_path / name
        work.mkdir()
        build_case(name, minimal_dir, work)
        monkeypatch.chdir(work)
        for problem in check(Path("content")).problems:
            if not isinstance(problem.message, Msg):
                continue
            converted += 1
            message = localise(problem.message, zh)
            prose = re.sub(r"`[^`]*`|\([^)]*\)|（[^）]*）|https?://\S+|'[^']*'", "", message)
            if not re.search(r"[\u4e00-\u9fff]", message) or latin_run.search(prose):
                untranslated.append(f"{name}: {message}")
    assert converted >= len(CASE_NAMES)
    assert not untranslated, "\n".join(untranslated)


def test_full_width_comma_between_the_texts_of_a_one_line_block_is_named(content_dir, run_cli):
    _edit(content_dir, VISITS, "title: {zh: 入户走访, en: Door-to-door visits}", "title: {zh: 入户走访，en: Door-to-door visits}")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:4:17: ")
    assert "full-width comma `，` before `en`" in line and "ASCII comma" in line


def test_help_and_usage_errors_follow_lang(content_dir, run_cli, capsys):
    with pytest.raises(SystemExit):
        run_cli("new", "--help", "--lang", "zh", cwd=content_dir.parent)
    out = capsys.readouterr().out
    assert "用法：bulletin new" in out and "要新建的内容" in out and "显示此帮助信息并退出" in out
    with pytest.raises(SystemExit):
        run_cli("returns", "export", "--lang", "zh", cwd=content_dir.parent)
    assert "错误：缺少以下参数：--output" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli("returns", "export", cwd=content_dir.parent)  # English under BULLETIN_LANG=en, as the other tests read
    assert "error: the following arguments are required: --output" in capsys.readouterr().err


def test_a_word_on_a_count_target_is_not_told_to_write_true(content_dir, run_cli):
    _edit(content_dir, VISITS, "    value: 38\n", "    value: 无\n")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "expected a number, got `无`" in line and "true" not in line


def test_a_shortened_department_name_still_finds_the_id(content_dir, run_cli):
    _edit(content_dir, VISITS, "lead: [changping-civil-affairs]", "lead: [昌平区民政局]")
    line = _line(_check(run_cli, content_dir), f"content/{VISITS}:")
    assert "is the name of department `changping-civil-affairs`" in line
