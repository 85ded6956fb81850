"""Typography for the page language, applied as text is rendered into HTML (never to data downloads).

- Chinese text uses full-width punctuation next to Chinese characters (，：；), one range
  style (2018—2020, the dash of GB/T 15834) and one number style (1452个, as the plans write
  figures below 10,000; larger ones are written by `Lang.number` in 万/亿 or grouped).
- Dates, numbers with their unit and percentages never break across lines: they are
  wrapped in <span class="nw"> (white-space: nowrap in the theme). Only text between tags is
  touched, so links and attributes are left as they are.
- On a page in another language, Chinese words (a term quoted in an English sentence:
  序时进度, 2000万元) are marked lang="zh-CN", so screen readers and fonts treat them as Chinese.
"""

from __future__ import annotations

import functools
import re

from markupsafe import Markup

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
_AFTER = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s*([,:;])\s*")
_BEFORE = re.compile(rf"(?<=[0-9A-Za-z%)])([,:;])\s*(?=[{_CJK}])")
_FULL = {",": "，", ":": "：", ";": "；"}
_RANGE = re.compile(r"(?<!\d)(\d{4})\s*[-–~～]\s*(\d{4})(?!\d)")
_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3}),(\d{3})(?![\d,])")  # 1,452 (one group only: below 1,000,000)

# Units a figure is written with in the plans (measure words included): kept with their number.
_UNITS = ("个", "项", "户", "名", "人", "家", "所", "处", "条", "次", "件", "元", "平方米", "米", "公里", "千米", "座", "套",
          "张", "支", "场", "期", "类", "批", "辆", "台", "栋", "间", "天", "小时", "分钟", "位", "岁", "倍", "万", "亿")

# Spans that must stay on one line, in any language.
_KEEP = {
    "zh": re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{4}—\d{4}年?|\d{4}年|\d{1,2}月\d{1,2}日"
                     r"|[-+]?\d[\d,]*(?:\.\d+)?(?:%|[万亿萬億]?(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"))?"),
    "en": re.compile(r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
                     r"|(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
                     r"|[-+]?\d[\d,]*(?:\.\d+)?(?:%| [a-z]+\b)?"),
}
_HAN = re.compile(rf"[{_CJK}](?:[{_CJK}{_CJK_PUNCT}]*[{_CJK}])?")
_HAN_LANG = "zh-CN"  # the bulletin's Chinese texts are written in Simplified Chinese
_TAG = re.compile(r"(<[^>]*>|&#?\w+;)")  # tags and character references are never touched


def zh_punctuation(text: str) -> str:
    """Full-width punctuation beside Chinese characters, one range and one number style."""
    text = _AFTER.sub(lambda m: _FULL[m.group(1)], text)
    text = _BEFORE.sub(lambda m: _FULL[m.group(1)], text)
    text = _RANGE.sub(r"\1—\2", text)
    return _GROUPED.sub(r"\1\2", text)


def _segments(html: str):
    """(is_text, part) of an HTML fragment, outside tags only; skips the inside of <a> href etc."""
    for part in _TAG.split(html):
        if part:
            yield not (part.startswith("<") or (part.startswith("&") and part.endswith(";"))), part


def polish(html: Markup | str, lang_code: str) -> Markup:
    """`html` (already escaped) with the language's punctuation and no-break spans."""
    return Markup(_polished(str(html), lang_code))


# The same titles, names and sentences are polished on hundreds of pages: each once.
@functools.lru_cache(maxsize=1 << 16)
def _polished(html: str, lang_code: str) -> str:
    lang_code = "zh" if lang_code.split("-")[0] == "zh" else lang_code  # zh-Hant: the same Chinese rules
    keep = _KEEP.get(lang_code)
    mark_han = lang_code != "zh" and ' lang="' not in html  # a fallback text carries its own lang
    out = []
    for is_text, part in _segments(html):
        if not is_text:
            out.append(part)
            continue
        if lang_code == "zh":
            part = zh_punctuation(part)
        if keep is not None:
            part = keep.sub(lambda m: f'<span class="nw">{m.group(0)}</span>' if len(m.group(0)) > 1 else m.group(0), part)
        if mark_han:
            part = _HAN.sub(lambda m: f'<span lang="{_HAN_LANG}">{m.group(0)}</span>', part)
        out.append(part)
    return "".join(out)
