"""`bulletin new bulletin | department | source | programme | measure`: starter files with every field explained."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from .messages import N_, Printer, date_argument, editor_language
from .schema import write_schemas
from .validate import check

TEMPLATE = """\
# yaml-language-server: $schema=../../schema/measure.schema.json
# A measure (措施): one commitment in a programme. Lines starting with # are comments.
# 一项措施：方案中的一条承诺。以 # 开头的行是说明，不会显示在网站上。
# Check your edit with: bulletin check   (检查：bulletin check)

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
{added}description:                    # Markdown, in every language (措施说明，可用 Markdown)
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



class NewError(Exception):
    """A `new` command that cannot go ahead; the message says why and what to do."""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "new-measure"


_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _valid_id(ident: str) -> None:
    if not _ID.match(ident):
        raise NewError(N_("`%(given)s` is not a valid id; use lower-case letters, digits and hyphens, e.g. elderly-care", given=ident))


def _readable(content: Path):
    result = check(content)
    if result.content is None:
        raise NewError(N_("the content cannot be read; run `bulletin check` first"))
    return result.content


def _ensure_schema(content: Path, kind: str) -> None:
    """The `$schema=` line of a new file must point at a file that exists."""
    if not (content / "schema" / f"{kind}.schema.json").exists():
        write_schemas(content / "schema")


def new_measure(content: Path, programme: str, slug: str = "new-measure", number: int | None = None) -> Path:
    """Write a measure file of `programme` (the next number, or `number` to fill a gap) and return its path."""
    c = _readable(content)
    if programme not in c.programmes:
        raise NewError(N_("unknown programme `%(id)s`; choose one of: %(ids)s", id=programme, ids=list(c.programmes)))
    used = {ms.number: c.files.get(f"measure:{ms.id}", "") for ms in c.measures_of(programme)}
    if number is None:
        number = max(used, default=0) + 1
    elif not 1 <= number <= 9999:  # the measure's own rule (model.Measure.number): a file check would refuse
        raise NewError(N_("--number must be between 1 and 9999"))
    elif number in used:
        free = [n for n in range(1, max(used) + 2) if n not in used]
        raise NewError(N_("measure number %(number)s is already used in programme `%(programme)s` by %(file)s; free numbers: %(free)s",
                          number=number, programme=programme, file=used[number], free=free[:10]))
    category = next(iter(c.categories), "general")
    source = c.programmes[programme].sources[0]
    path = content / "measures" / programme / f"{number:02d}-{slugify(slug)}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise NewError(N_("%(path)s exists already", path=path))
    _ensure_schema(content, "measure")
    # With reporting rounds published, a measure written now joins the bulletin at the current
    # round: earlier rounds did not have it, and keep showing it as not yet in the bulletin.
    added = (f"added: {c.as_of(programme).isoformat()}            # entered the bulletin at this round (纳入公报的轮次); "
             "earlier rounds show it as not yet in the bulletin\n") if len(c.bulletin.rounds) > 1 else ""
    path.write_text(TEMPLATE.format(programme=programme, number=number, category=category, source=source, added=added),
                    encoding="utf-8")
    return path


PROGRAMME = """\
# yaml-language-server: $schema=../schema/programme.schema.json
# A programme (方案): an issued plan whose measures are in content/measures/{id}/.
# 一个方案：一份印发的计划，其措施放在 content/measures/{id}/ 中。
id: {id}                        # programme id (方案编号), the same as the file name
title:                          # full title in every language (标题)
  zh: 新方案（请填写标题）
  en: New programme (write the title)
# short_title: {{zh: 简称, en: Short title}}   # used in lists (简称)
issuers: []                     # issuing department ids (印发单位)
# issued: {start}               # date issued (印发日期)
period: {{start: {start}, end: {end}}}   # when the plan runs (实施期限)
sources: [{source}]             # source ids (来源)
summary:                        # Markdown, in every language (简介)
  zh: 用一两句话概括这个方案。
  en: Sum up the programme in a sentence or two.
"""


def new_programme(content: Path, ident: str, start: dt.date | None = None, end: dt.date | None = None,
                  source: str | None = None) -> Path:
    _valid_id(ident)
    c = _readable(content)
    if ident in c.programmes:
        raise NewError(N_("duplicate programme id `%(id)s`", id=ident))
    if source is None:
        if not c.sources:
            raise NewError(N_("a programme needs a source; add one first with `bulletin new source ID`"))
        source = next(iter(c.sources))
    elif source not in c.sources:
        raise NewError(N_("unknown source `%(id)s`; choose one of: %(ids)s", id=source, ids=list(c.sources)))
    year = c.bulletin.as_of.year
    start = start or dt.date(year, 1, 1)
    end = end or dt.date(year, 12, 31)
    if end < start:  # a file check would refuse: say it now, and write nothing
        raise NewError(N_("--end %(end)s is before --start %(start)s; give the programme's period in order", end=end, start=start))
    path = content / "programmes" / f"{ident}.yaml"
    if path.exists():
        raise NewError(N_("%(path)s exists already", path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _ensure_schema(content, "programme")
    path.write_text(PROGRAMME.format(id=ident, start=start, end=end, source=source), encoding="utf-8")
    (content / "measures" / ident).mkdir(parents=True, exist_ok=True)
    return path


DEPARTMENT = """\
{dash}id: {id}
{pad}name: {{zh: 新单位（请填写名称）, en: New department (write its name)}}
{pad}# short_name: {{zh: 简称, en: Short name}}
"""

SOURCE = """\
{dash}id: {id}
{pad}title: {{zh: 新来源（请填写标题）, en: New source (write its title)}}
{pad}publisher: {{zh: 发布单位（请填写）, en: Publisher (write it)}}
{pad}# date: 2020-06-30            # publication date (发布日期)
{pad}# url: https://example.org/   # public link (链接)
"""


def _append_item(path: Path, key: str, template: str, ident: str) -> None:
    """Add an item at the end of a `key:` list, in the file's own indentation, leaving the rest untouched."""
    text = path.read_text(encoding="utf-8-sig") if path.exists() else f"# yaml-language-server: $schema=schema/{key}.schema.json\n{key}:\n"
    dashes = re.findall(r"^( *)- +id:", text, flags=re.M)
    indent = dashes[0] if dashes else ""
    if re.search(rf"^{key}:\s*\[\s*\]\s*$", text, flags=re.M):  # `departments: []`
        text = re.sub(rf"^{key}:\s*\[\s*\]\s*$", f"{key}:", text, flags=re.M)
    if not text.endswith("\n"):
        text += "\n"
    text += template.format(dash=indent + "- ", pad=indent + "  ", id=ident)
    # The file's own layout might not be a block list (e.g. `departments: [{…}]`): never write a broken file.
    import yaml

    try:
        items = yaml.safe_load(text).get(key) or []
        appended = isinstance(items, list) and items and isinstance(items[-1], dict) and items[-1].get("id") == ident
    except (yaml.YAMLError, AttributeError):
        appended = False
    if not appended:
        raise NewError(N_("%(path)s is not laid out as a list of `- id: …` blocks; add `%(id)s` to it by hand", path=path, id=ident))
    path.write_text(text, encoding="utf-8")


# The registries `new` appends to: file kind → (what the id names, the example entry written).
REGISTRY_ITEMS = {"departments": (N_("department"), DEPARTMENT), "sources": (N_("source"), SOURCE)}


def new_registry_item(content: Path, kind: str, ident: str) -> Path:
    """Append an example entry for `ident` to departments.yaml or sources.yaml."""
    what, example = REGISTRY_ITEMS[kind]
    _valid_id(ident)
    if ident in getattr(_readable(content), kind):
        raise NewError(N_("duplicate %(what)s id `%(id)s`; ids must be unique", what=what, id=ident))
    _ensure_schema(content, kind)
    _append_item(content / f"{kind}.yaml", kind, example, ident)
    return content / f"{kind}.yaml"


# --- a starter bulletin ----------------------------------------------------------------

STARTER = {
    "bulletin.yaml": """\
# yaml-language-server: $schema=schema/bulletin.schema.json
# The whole site (整个网站). Check with: bulletin check --content {content}
title: {{zh: 示例进展公报, en: Example Progress Bulletin}}
organisation: {{zh: 示例编辑部, en: Example editorial office}}
languages: [zh, en]             # the first is the default language (第一个为默认语言)
as_of: {as_of}                # reporting date: statuses are measured against it (统计截止日期)
base_url: https://example.org/bulletin/   # the site's public address (网站地址)
description:
  zh: 这是由 `bulletin new bulletin` 生成的示例公报，请替换为真实内容。
  en: An example bulletin written by `bulletin new bulletin`; replace it with real content.
""",
    "departments.yaml": """\
# yaml-language-server: $schema=schema/departments.schema.json
# Departments (单位): add more with `bulletin new department ID`.
departments:
- id: district-government
  name: {zh: 示例区人民政府, en: Example District People's Government}
  short_name: {zh: 区政府, en: District Government}
- id: civil-affairs
  name: {zh: 示例区民政局, en: Example District Civil Affairs Bureau}
""",
    "categories.yaml": """\
# yaml-language-server: $schema=schema/categories.schema.json
categories:
- id: community-services
  name: {zh: 社区服务, en: Community services}
""",
    "sources.yaml": """\
# yaml-language-server: $schema=schema/sources.schema.json
# Documents the figures come from (来源): add more with `bulletin new source ID`.
sources:
- id: example-plan
  title: {{zh: 示例工作方案, en: Example work plan}}
  publisher: {{zh: 示例区人民政府, en: Example District People's Government}}
  date: {start}
""",
    "programmes/example-plan.yaml": """\
# yaml-language-server: $schema=../schema/programme.schema.json
id: example-plan
title: {{zh: 示例工作方案, en: Example work plan}}
issuers: [district-government]
period: {{start: {start}, end: {end}}}
sources: [example-plan]
summary:
  zh: 示例方案，包含一项措施。
  en: An example plan with one measure.
""",
    "measures/example-plan/01-elderly-care-stations.yaml": """\
# yaml-language-server: $schema=../../schema/measure.schema.json
programme: example-plan
number: 1
title: {{zh: 建设养老服务驿站, en: Build elderly-care stations}}
category: community-services
sources: [example-plan]
lead: [civil-affairs]
description:
  zh: 示例措施。
  en: An example measure.
targets:
- id: stations
  title: {{zh: 建成养老服务驿站, en: Elderly-care stations built}}
  kind: count
  unit: {{zh: 个, en: stations}}
  target: 6
  source: example-plan
  progress: []
""",
    "pages/about.zh.md": "# 关于本公报\n\n这是一个示例公报。\n",
    "pages/about.en.md": "# About this bulletin\n\nThis is an example bulletin.\n",
}

_LITERAL = {"departments.yaml", "categories.yaml", "pages/about.zh.md", "pages/about.en.md"}  # written as they are

VSCODE = {
    # The loader reads YAML 1.1 (PyYAML): `yes`/`no` are true/false; the editor must agree.
    "yaml.yamlVersion": "1.1",
    "yaml.schemas": {
        "content/schema/bulletin.schema.json": "content/bulletin.yaml",
        "content/schema/departments.schema.json": "content/departments.yaml",
        "content/schema/categories.schema.json": "content/categories.yaml",
        "content/schema/sources.schema.json": "content/sources.yaml",
        "content/schema/programme.schema.json": "content/programmes/*.yaml",
        "content/schema/measure.schema.json": "content/measures/**/*.yaml",
    },
    "files.encoding": "utf8",
    "[yaml]": {"editor.insertSpaces": True, "editor.tabSize": 2, "editor.detectIndentation": False},
}


def new_bulletin(directory: Path, today: dt.date | None = None) -> Path:
    """Write a complete, valid starter bulletin at directory/content, with VS Code settings; return the content path."""
    import json

    content = directory / "content"
    for rel in STARTER:  # never overwrite an editor's file
        if (content / rel).exists():
            raise NewError(N_("%(path)s exists already", path=content / rel))
    today = today or dt.date.today()
    start, end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    for rel, text in STARTER.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel not in _LITERAL:
            text = text.format(as_of=today, start=start, end=end, content=content)
        path.write_text(text, encoding="utf-8")
    write_schemas(content / "schema")
    settings = directory / ".vscode" / "settings.json"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(VSCODE, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return content


def cmd_new(args: argparse.Namespace) -> int:
    target = args.content if args.kind != "bulletin" else (args.name / "content" if args.name else None)
    say = Printer(editor_language(args.lang, target if args.kind != "bulletin" else None) or "zh")
    try:
        if args.kind == "bulletin":
            if not args.name:
                raise NewError(N_("say where: `bulletin new bulletin DIR`"))
            content = new_bulletin(args.name)
            print(say(N_("new: wrote a starter bulletin in %(path)s; go there (`cd %(directory)s`), then run `bulletin check`, "
                         "and `bulletin serve` to see it in the browser", path=content, directory=args.name)))
            return 0
        if args.kind == "measure":
            if not args.programme:
                raise NewError(N_("say which programme: `bulletin new measure --programme ID`"))
            path = new_measure(args.content, args.programme, args.slug, args.number)
            print(say(N_("new: wrote %(path)s; fill in the titles and targets, then run `bulletin check`", path=path)))
            return 0
        if not args.name:
            raise NewError(N_("give the new id: `bulletin new %(kind)s ID`", kind=args.kind))
        ident = str(args.name)
        if args.kind == "programme":
            path = new_programme(args.content, ident, args.start, args.end, args.source)
        elif args.kind == "department":
            path = new_registry_item(args.content, "departments", ident)
        else:
            path = new_registry_item(args.content, "sources", ident)
        kind = {"programme": N_("the programme"), "department": N_("the department"), "source": N_("the source")}[args.kind]
        print(say(N_("new: added %(kind)s `%(id)s` to %(path)s; replace the example texts, then run `bulletin check`",
                     kind=kind, id=ident, path=path)))
        return 0
    except NewError as exc:
        message = exc.args[0]
        print(say(N_("new: ")) + say(message), file=sys.stderr)
        return 1


def register(sub, project_args, lang_args=None) -> None:
    p = sub.add_parser("new", help=N_("scaffold a new bulletin or content file with every field explained"))
    p.add_argument("kind", choices=["bulletin", "department", "source", "programme", "measure"], help=N_("what to create"))
    p.add_argument("name", nargs="?", type=Path, help=N_("DIR for a bulletin; the new id for a department, source or programme"))
    project_args(p)
    if lang_args:
        lang_args(p)
    p.add_argument("--programme", help=N_("programme id the measure belongs to"))
    p.add_argument("--number", type=int, help=N_("measure number, e.g. to fill a gap (default: the next one)"))
    p.add_argument("--slug", default="new-measure", help=N_("short English name for the measure file, e.g. elderly-care"))
    p.add_argument("--start", type=date_argument, help=N_("programme start, YYYY-MM-DD (default: 1 January of the as_of year)"))
    p.add_argument("--end", type=date_argument, help=N_("programme end, YYYY-MM-DD (default: 31 December of the as_of year)"))
    p.add_argument("--source", help=N_("source id of the programme (default: the first source)"))
    p.set_defaults(func=cmd_new)
