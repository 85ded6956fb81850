"""`bulletin new measure`: write a valid measure file with every field explained."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .validate import check

TEMPLATE = """\
# yaml-language-server: $schema=../../schema/measure.schema.json
# A measure (措施): one commitment in a programme. Lines starting with # are comments.
# 一项措施：方案中的一条承诺。以 # 开头的行是说明，不会显示在网站上。
# Check your edit with: python build.py check   (检查：python build.py check)

programme: {programme}          # programme id (方案编号): a file name in content/programmes/
number: {number}                # position in the programme (措施序号), unique within it
title:                          # title in every language (各语言标题)
  zh: 新措施（请填写标题）
  en: New measure (write the title)
category: {category}            # category id (分类) from content/categories.yaml
sources: [{source}]             # source ids (来源) from content/sources.yaml
lead: []                        # lead department ids (牵头单位); leave empty if the source names none
support: []                     # supporting department ids (配合单位)
# deadline: 2020-12-31          # deadline (完成时限), YYYY-MM-DD; defaults to the programme's end
# start: 2020-01-01             # when work starts (开始日期); defaults to the programme's start
description:                    # Markdown, in every language (措施说明，可用 Markdown)
  zh: 用一两句话说明这项措施要做什么。
  en: Say in a sentence or two what this measure will do.
places: []                      # named places (地点), e.g. [{{zh: 霍营街道, en: Huoying Sub-district}}]
targets: []                     # measurable targets (指标); an example follows, remove the # to use it
#  - id: stations-2020          # short id: lower-case letters, digits, hyphens (指标编号)
#    title: {{zh: 建成养老服务驿站, en: Elderly-care stations built}}
#    kind: count                # count | percentage | amount | milestone (数量/百分比/金额/是否完成)
#    unit: {{zh: 个, en: stations}}  # unit for count and amount (单位)
#    target: 6                  # target value; true for a milestone; omit for ongoing work (目标值)
#    deadline: 2020-12-31       # (完成时限)
#    direction: up              # up, or down when lower is better (方向)
#    source: {source}           # the source stating this target (指标来源)
#    # baseline: {{value: 0, date: 2020-01-01}}        # starting point (基线)
#    # milestones: [{{date: 2020-06-30, value: 3}}]   # interim milestones (阶段目标)
#    progress:                  # dated reports (进展报告)
#      - date: 2020-06-30
#        value: 2
#        source: {source}
#        note: {{zh: 已建成2个。, en: Two built.}}
# override:                     # only to mark paused / dropped (with reason) or completed (with source)
#   status: paused              # 暂停 / 取消 需写明原因；已完成 需注明来源
#   reason: {{zh: 原因, en: Reason}}
"""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "new-measure"


def new_measure(content: Path, programme: str, slug: str = "new-measure") -> Path:
    """Write the next measure file of `programme` and return its path."""
    result = check(content)
    if result.content is None:
        raise SystemExit("new: the content cannot be read; run `python build.py check` first")
    c = result.content
    if programme not in c.programmes:
        raise SystemExit(f"new: unknown programme `{programme}`; choose one of: {', '.join(c.programmes)}")
    number = max((ms.number for ms in c.measures_of(programme)), default=0) + 1
    category = next(iter(c.categories), "general")
    source = c.programmes[programme].sources[0]
    path = content / "measures" / programme / f"{number:02d}-{slugify(slug)}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise SystemExit(f"new: {path} exists already")
    path.write_text(TEMPLATE.format(programme=programme, number=number, category=category, source=source), encoding="utf-8")
    return path


def cmd_new(args: argparse.Namespace) -> int:
    path = new_measure(args.content, args.programme, args.slug)
    print(f"new: wrote {path}; fill in the titles and targets, then run `python build.py check`", file=sys.stdout)
    return 0


def register(sub, project_args) -> None:
    p = sub.add_parser("new", help="scaffold a new content file with every field explained")
    p.add_argument("kind", choices=["measure"], help="what to create")
    project_args(p)
    p.add_argument("--programme", required=True, help="programme id the measure belongs to")
    p.add_argument("--slug", default="new-measure", help="short English name for the file, e.g. elderly-care")
    p.set_defaults(func=cmd_new)
