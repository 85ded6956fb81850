#!/usr/bin/env python3
"""Memory of the dev server over many edits: RSS growth after the first full build.

    python benchmarks/serve_soak.py [--edits 200] [--content content]

Makes `--edits` edits of mixed kinds, one after another, each followed by the rebuild
`bulletin serve` would make (through its DevState, so the served snapshot and error
panel are included) and a request for a page through the preview's WSGI app: measure
titles and progress figures (new charts), programme and bulletin.yaml fields, a
Markdown page, a template, the theme's CSS, a translation catalogue (`.po`), a measure
added and removed, and broken YAML that is then fixed. Prints the resident memory after
the first build and every 20 edits, and the growth at the end; the target is under
20 MB. Runs on copies of the content, templates, theme and of the `bulletin` package
itself (so catalogue edits never touch the checkout), in a temporary directory.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Edits:
    """Each call makes one edit of the next kind and says which."""

    def __init__(self, root: Path, package: Path):
        self.root, self.n = root, 0
        content = root / "content"
        self.measures = sorted((content / "measures").rglob("*.yaml"))
        self.programme = sorted((content / "programmes").glob("*.yaml"))[0]
        self.bulletin = content / "bulletin.yaml"
        self.page = sorted((content / "pages").glob("*.en.md"))[0]
        self.template = root / "templates" / "measure.html"
        self.css = root / "theme" / "style.css"
        self.po = package / "locale" / "zh" / "LC_MESSAGES" / "messages.po"
        self.extra = self.measures[0].with_name("99-soak.yaml")
        self.broken: tuple[Path, str] | None = None
        self.kinds = [self.measure_title, self.progress_value, self.programme_field, self.template_edit,
                      self.catalogue, self.css_edit, self.page_edit, self.bulletin_field, self.add_or_remove,
                      self.break_or_fix]

    def __call__(self) -> str:
        if self.broken:  # a broken file is always fixed by the next edit
            return self.break_or_fix()
        kind = self.kinds[self.n % len(self.kinds)]
        self.n += 1
        return kind()

    def _replace(self, path: Path, pattern: str, repl, count: int = 1) -> None:
        text = path.read_text(encoding="utf-8")
        new, done = re.subn(pattern, repl, text, count=count, flags=re.M)
        if not done:
            raise SystemExit(f"soak: no match for {pattern!r} in {path}")
        path.write_text(new, encoding="utf-8")

    def measure_title(self) -> str:
        candidates = [p for p in self.measures if re.search(r"^title: \{zh: ", p.read_text(encoding="utf-8"), re.M)]
        path = candidates[self.n % len(candidates)]
        self._replace(path, r"^(title: \{zh: )(\d+·)?", lambda m: f"{m[1]}{self.n}·")
        return "measure title"

    def progress_value(self) -> str:
        candidates = [p for p in self.measures if re.search(r"^\s+value: \d+$", p.read_text(encoding="utf-8"), re.M)]
        path = candidates[self.n % len(candidates)]
        self._replace(path, r"^(\s+value: )(\d+)$", lambda m: f"{m[1]}{int(m[2]) + 1}")
        return "progress figure"

    def programme_field(self) -> str:
        self._replace(self.programme, r"^(short_title: \{zh: )(\d+·)?", lambda m: f"{m[1]}{self.n}·")
        return "programme short title"

    def bulletin_field(self) -> str:
        self._replace(self.bulletin, r"^(stale_after_days: )(\d+)$", lambda m: f"{m[1]}{int(m[2]) + 1}")
        return "bulletin.yaml"

    @staticmethod
    def _append(path: Path, text: str) -> None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)

    def page_edit(self) -> str:
        self._append(self.page, f"\nEdit {self.n}.\n")
        return "Markdown page"

    def template_edit(self) -> str:
        self._append(self.template, f"{{# soak {self.n} #}}\n")
        return "template"

    def css_edit(self) -> str:
        self._append(self.css, f"/* soak {self.n} */\n")
        return "theme CSS"

    def catalogue(self) -> str:
        self._replace(self.po, r'^(msgid "Status"\nmsgstr ")([^"]*)"$', lambda m: f'{m[1]}{m[2].split("·")[0]}·{self.n}"')
        return "catalogue (.po)"

    def add_or_remove(self) -> str:
        if self.extra.exists():
            self.extra.unlink()
            return "measure removed"
        source = self.measures[0].read_text(encoding="utf-8")
        self.extra.write_text(re.sub(r"^number: \d+$", "number: 99", source, count=1, flags=re.M), encoding="utf-8")
        return "measure added"

    def break_or_fix(self) -> str:
        if self.broken:
            path, text = self.broken
            path.write_text(text, encoding="utf-8")
            self.broken = None
            return "broken YAML fixed"
        path = self.measures[self.n % len(self.measures)]
        text = path.read_text(encoding="utf-8")
        path.write_text("number: [oops\n" + text, encoding="utf-8")
        self.broken = (path, text)
        return "broken YAML"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(args.content, root / "content")
        for name in ("templates", "theme"):
            shutil.copytree(ROOT / name, root / name)
        shutil.copytree(ROOT / "bulletin", root / "bulletin", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        cache = root / ".cache"  # seeded from the checkout's chart cache, so the first build is not all rendering
        if (ROOT / ".cache" / "charts").is_dir():
            shutil.copytree(ROOT / ".cache" / "charts", cache / "charts")
        sys.path.insert(0, str(root))

        from bulletin.serve import DevState, make_app, preview_builder

        builder = preview_builder(root / "content", root / "templates", root / "theme", root / "output", cache=cache)
        state = DevState(builder, log=lambda line: None)
        app = make_app(state, "127.0.0.1", 8000)

        def visit() -> None:
            environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/zh/", "HTTP_HOST": "127.0.0.1:8000"}
            b"".join(app(environ, lambda status, headers: None))

        import contextlib
        import io

        quiet = contextlib.redirect_stdout(io.StringIO())
        with quiet:
            assert state.rebuild(), state.problems or state.error
        visit()
        gc.collect()
        start = rss_mb()
        print(f"after the first build: {start:.1f} MB", flush=True)
        edits = Edits(root, root / "bulletin")
        kinds: dict[str, int] = {}
        failed = 0
        started = time.perf_counter()
        for i in range(1, args.edits + 1):
            kind = edits()
            kinds[kind] = kinds.get(kind, 0) + 1
            with contextlib.redirect_stdout(io.StringIO()):
                ok = state.rebuild()
            if not ok and kind != "broken YAML":
                failed += 1
                print(f"edit {i} ({kind}) failed to build: {state.problems[:2] or state.error}", file=sys.stderr)
            visit()
            if i % 20 == 0:
                gc.collect()
                print(f"after {i:3} edits: {rss_mb():.1f} MB ({rss_mb() - start:+.1f} MB)", flush=True)
        gc.collect()
        growth = rss_mb() - start
        print("edits: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        print(f"{args.edits} edits in {time.perf_counter() - started:.0f} s; RSS growth after the first build: "
              f"{growth:+.1f} MB (target < 20 MB){'; ' + str(failed) + ' unexpected failures' if failed else ''}")
        return 0 if growth < 20 and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
