"""Typography as a reader sees it: Chinese punctuation, one number and range style, no breaks inside figures."""

from __future__ import annotations

import re

from bulletin.l10n import Lang
from bulletin.typography import polish


def spans(html: str) -> list[str]:
    return re.findall(r'<span class="nw">([^<]*)</span>', html)


def test_chinese_gets_full_width_punctuation_beside_chinese_characters():
    html = polish("据北京市副市长王宁介绍,2017年,北京新建服务圈; 覆盖率: 90%", "zh")
    assert "," not in html and ";" not in html and ": " not in html
    assert "介绍，" in html and "服务圈；" in html and "覆盖率：" in html


def test_chinese_ranges_and_numbers_have_one_style():
    html = polish("三年行动计划（2018-2020年），全市1,452个服务圈，另有2017—2018年数据", "zh")
    assert "2018—2020年" in html and "1452个" in html and "1,452" not in html
    assert Lang("zh", ["zh", "en"]).number(1452) == "1452"  # the site's own figures match the plans'
    assert Lang("en", ["zh", "en"]).number(1452) == "1,452"


def test_dates_and_figures_with_units_do_not_break():
    zh = spans(str(polish("截至2020年6月30日，已建成1452个服务圈，覆盖率达到87.5%。", "zh")))
    assert {"2020年6月30日", "1452个", "87.5%"} <= set(zh)
    en = spans(str(polish("By 30 June 2020, 80% of the way to 108 projects was expected.", "en")))
    assert {"30 June 2020", "80%", "108 projects"} <= set(en)


def test_only_text_is_touched_never_tags_or_addresses():
    html = '<a href="https://example.org/a,b:c;d?x=2018-2020">报告,第1,452号</a>'
    out = str(polish(html, "zh"))
    assert 'href="https://example.org/a,b:c;d?x=2018-2020"' in out
    assert "报告，" in out


def test_english_text_keeps_its_punctuation():
    assert str(polish("Deadline: 31 December 2020, target 1,452", "en")).count(",") == 2


def test_character_references_stay_whole():
    # Escaped quotes (&#34;) sit next to digits and Chinese characters in escaped text.
    for lang in ("zh", "en"):
        out = str(polish("“回天有我&#34;2020年&#39;工作方案&amp;12345热线", lang))
        assert "&#34;" in out and "&#39;" in out and "&amp;" in out, out


def test_traditional_chinese_pages_get_the_chinese_rules():
    html = str(polish("據介紹,2017年,北京新建服務圈; 覆蓋率: 90%，截至2020年6月30日共1.3億元", "zh-Hant"))
    assert "介紹，" in html and "服務圈；" in html and "覆蓋率：" in html
    assert {"2020年6月30日", "90%"} <= set(spans(html))
    assert any(s.startswith("1.3億") for s in spans(html))


def test_chinese_words_on_other_pages_are_marked_as_chinese():
    """A term quoted in an English sentence is read by screen readers, and drawn, as Chinese."""
    out = str(polish('As in Chinese reporting (序时进度), "2000万元" is written 2000.', "en"))
    assert '(<span lang="zh-CN">序时进度</span>)' in out and '<span lang="zh-CN">万元</span>' in out
    assert 'lang=' not in str(polish("序时进度，2000万元", "zh"))
    fallback = '<span lang="zh-CN" class="fallback">序时进度</span>'  # a text that carries its own lang
    assert str(polish(fallback, "en")) == fallback
