"""The search index: what a measure is found by, and a reproducible Pagefind bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin import search
from bulletin.charts import status_label
from bulletin.l10n import languages_for
from bulletin.site import Site
from bulletin.validate import check


@pytest.fixture(scope="module")
def site(minimal_dir: Path) -> Site:
    return Site(check(minimal_dir).content)


@pytest.fixture(scope="module")
def records(site: Site) -> list[search.Record]:
    return search.measure_records(site, languages_for(site.content.bulletin.languages), status_label)


def test_one_record_per_measure_and_language_with_what_readers_search_for(site, records):
    content = site.content
    assert len(records) == len(content.measures) * len(content.bulletin.languages)
    by_url = {r.url: r for r in records}
    for mid, ms in content.measures.items():
        for code in content.bulletin.languages:
            r = by_url[f"{code}/measures/{mid}/"]
            assert r.title == ms.title[code] and ms.title[code] in r.content
            assert r.html_lang.startswith(code)
            for did in (*ms.lead, *ms.support):
                assert content.departments[did].name[code] in r.content
            for place in ms.places:
                assert place[code] in r.content
            for target in ms.targets:
                assert target.title[code] in r.content
                for entry in target.progress:
                    if entry.note:
                        assert entry.note[code] in r.content
            assert str(ms.number) in r.context


def test_record_html_escapes_content(records):
    r = search.Record(url="zh/measures/x/", html_lang="zh-CN", title="<script>x</script>", context="a & b",
                      content="<script>x</script>\n<img src=x onerror=alert(1)>")
    html = search.record_html(r, r.html_lang)
    assert "<script>" not in html and "<img" not in html and "&lt;img" in html


@pytest.fixture(scope="module")
def index(records) -> dict[str, bytes]:
    return search.build_index(records)


def test_the_index_is_byte_identical_for_the_same_records(records, index):
    # Pagefind writes the languages of pagefind-entry.json in a random order; the build sorts them
    first = index
    assert first and all(search.build_index(list(records)) == first for _ in range(2))
    assert "pagefind/pagefind.js" in first
    assert any(name.startswith("pagefind/pagefind.zh") for name in first)
    assert any(name.startswith("pagefind/pagefind.en") for name in first)
    # no Pagefind UI bundles: the search page brings its own
    assert not any("pagefind-ui" in name for name in first)


def test_a_changed_record_changes_the_index(records, index):
    changed = [records[0].__class__(**{**records[0].__dict__, "content": records[0].content + "\n独一无二的词"}), *records[1:]]
    assert search.records_digest(changed) != search.records_digest(records)
    assert search.build_index(changed) != index


def test_missing_pagefind_is_a_message_not_a_traceback(monkeypatch, records):
    import pagefind.service

    monkeypatch.setattr(pagefind.service, "get_executable", lambda: None)
    with pytest.raises(search.SearchUnavailable, match="pip install"):
        search.build_index(records)


def test_chinese_excerpts_read_as_chinese_sentences(index):
    """Pagefind joins the blocks of a record with ". " where a block does not end a sentence:
    a Chinese result read 养老及残疾人福利设施. 完成6所…; its blocks now end with 。, and the
    result's title is the measure's own."""
    import gzip
    import json
    import re

    seen = 0
    for path, data in index.items():
        if not path.endswith(".pf_fragment"):
            continue
        if not Path(path).name.startswith("zh"):  # fragments are named by language: zh-cn_…, en_…
            continue
        raw = gzip.decompress(data)
        fragment = json.loads(raw[raw.find(b"{"):])
        seen += 1
        text = fragment["content"].replace("\u200b", "")
        assert not re.search(r"[\u4e00-\u9fff]\. ", text), text[:120]
        assert not fragment["meta"]["title"].endswith("。")
    assert seen
