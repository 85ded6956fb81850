"""The stage rule: a module imports only its own stage or earlier ones (README, "Design").

The table of stages is read from the README, so the rule and its documentation are one
thing; every module of `bulletin/` must be in it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bulletin"


def stages() -> dict[str, tuple[int, str]]:
    """Module name → its stage (position, name), from the README's table under "## Design"."""
    design = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Design\n", 1)[1]
    table = re.search(r"\| stage \| module \| what it does \|\n\| --- .*\n((?:\|.*\n)+)", design).group(1)
    order: dict[str, tuple[int, str]] = {}
    for position, row in enumerate(table.splitlines()):
        stage, modules = (cell.strip() for cell in row.split("|")[1:3])
        for name in re.findall(r"`(?:bulletin/)?([\w]+)\.py`", modules):
            assert name not in order, f"{name}.py is in two stages of the README's table"
            order[name] = (position, stage)
    return order


def imports_of(source: str) -> set[str]:
    """The `bulletin` modules a module's source imports, anywhere in it, except under `if TYPE_CHECKING:`."""
    tree = ast.parse(source)
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").split(".")[0] == "bulletin"):
            inside = node.module.split(".", 1)[1] if node.level == 0 and "." in (node.module or "") else \
                (node.module if node.level == 1 else None)
            found |= {inside.split(".")[0]} if inside else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("bulletin.")}
    return {name for name in found if (PACKAGE / f"{name}.py").exists()}


def test_every_module_has_a_stage_in_the_readme():
    order = stages()
    missing = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in order)
    assert missing == [], f"add these modules to the README's table of stages: {missing}"
    gone = sorted(name for name in order if not (PACKAGE / f"{name}.py").exists())
    assert gone == [], f"the README's table of stages names modules that do not exist: {gone}"


def test_no_module_imports_a_later_stage():
    order = stages()
    wrong = []
    for path in sorted(PACKAGE.glob("*.py")):
        for imported in sorted(imports_of(path.read_text(encoding="utf-8"))):
            if order[imported] > order[path.stem]:
                wrong.append(f"{path.stem}.py ({order[path.stem][1]}) imports {imported}.py ({order[imported][1]}, a later stage)")
    assert wrong == []


def test_the_import_reader_sees_lazy_relative_and_absolute_imports_but_not_type_checking_ones():
    source = '''
from typing import TYPE_CHECKING
from .model import Measure
from . import charts, site
import bulletin.render
if TYPE_CHECKING:
    from .builder import Builder
def later():
    from .writer import write_site
    from bulletin.status import Status
'''
    assert imports_of(source) == {"model", "charts", "site", "render", "writer", "status"}


# Site queries a template may make: each reads one entity (a measure's deadline, due date, history or status).
PER_ENTITY_QUERIES = {"deadline_of", "due_date", "history_of", "status_of"}
# Pages still querying the whole site: none.
STILL_QUERYING: set[str] = set()


def test_templates_present_what_their_page_was_given():
    """A template asks the site nothing site-wide: the page's context (Site._shown) holds it."""
    asked = {}
    for path in sorted((ROOT / "templates").glob("*.*")):
        queries = set(re.findall(r"\bsite\.(\w+)\(", path.read_text(encoding="utf-8"))) - PER_ENTITY_QUERIES
        if queries and path.name not in STILL_QUERYING:
            asked[path.name] = sorted(queries)
    assert asked == {}, "pass these in the page's context instead (bulletin/site.py, Site._shown)"
