"""The search index: one Pagefind index per language, built with the site.

Each measure becomes one record per language, written from the content model rather
than scraped from the pages: title, programme and number, lead and supporting
departments, places, category, status, description, target titles and notes, progress
notes. Pagefind (the `pagefind` package; its extended build segments Chinese words)
turns the records into a static index under `pagefind/`, which the search page's script
(theme/search.js) loads from the same site: no other host, and no JavaScript on any
other page. Pagefind keeps one index per language; the search page's `<html lang>`
selects its own, so results come in the reader's language.

The index files come out of Pagefind byte-identical for the same records, except the
order of the languages in pagefind-entry.json, which is sorted here (tested), so the
build stays reproducible; the files are kept in memory between builds and rebuilt
only when a record changed.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .l10n import Lang
from .model import Content, Measure
from .problems import TemplateFailure

OUTPUT_DIR = "pagefind"


class SearchUnavailable(TemplateFailure):
    """Pagefind is not installed or failed; the message says which and what to do.

    Handled like a template failure: the message, exit 1, output/ left as it was."""


@dataclass(frozen=True)
class Record:
    url: str  # path from the site root, e.g. "zh/measures/huitian-2019-3/"
    html_lang: str  # the language of the search page that finds it: zh-CN, en…
    title: str
    context: str  # programme · number · status, shown under the title in results
    content: str  # the searchable text


def measure_records(site: Any, langs: dict[str, Lang], status_label) -> list[Record]:
    """One record per measure and language, in a stable order (language, then measure id)."""
    content: Content = site.content
    records = []
    for code, lang in langs.items():
        for mid in sorted(content.measures):
            records.append(_record(site, content, content.measures[mid], code, lang, status_label))
    return records


def _record(site: Any, content: Content, ms: Measure, code: str, lang: Lang, status_label) -> Record:
    from .site import measure_path

    text = lambda value: lang.text(value).text  # noqa: E731
    programme = content.programmes[ms.programme]
    number = lang.gettext("Measure %(n)s") % {"n": ms.number}
    status = status_label(site.status_of(ms.id), lang)
    departments = [text(d.name) for did in (*ms.lead, *ms.support) if (d := content.departments.get(did))]
    short_departments = [text(d.short_name) for did in (*ms.lead, *ms.support)
                         if (d := content.departments.get(did)) and getattr(d, "short_name", None)]
    category = content.categories.get(ms.category)
    # The title is the page's heading (weighted by Pagefind); programme, number and status
    # come last, so excerpts show the description or a note rather than them.
    parts = [text(ms.title), text(ms.description), *departments, *short_departments, *(text(p) for p in ms.places),
             text(category.name) if category else ""]
    for target in ms.targets:
        parts += [text(target.title), text(target.note)]
        parts += [text(entry.note) for entry in target.progress]
    parts += [text(programme.short_title or programme.title), number, status]
    body = "\n".join(p.strip() for p in parts if p and p.strip())
    return Record(url=f"{code}/{measure_path(ms.id)}".removesuffix("index.html"), html_lang=lang.html_lang,
                  title=text(ms.title), context=" · ".join((text(programme.short_title or programme.title), number, status)),
                  content=body)


def records_digest(records: list[Record]) -> str:
    material = json.dumps([r.__dict__ for r in records], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _executable() -> str:
    try:
        from pagefind.service import get_executable
    except ImportError as exc:
        raise SearchUnavailable("search: the pagefind package is not installed; run `pip install 'pagefind[extended]'`") from exc
    binary = get_executable()
    if binary is None:
        raise SearchUnavailable("search: Pagefind's program was not found; run `pip install 'pagefind[extended]'`")
    return str(binary)


def record_html(r: Record, html_lang: str) -> str:
    """The record as the small HTML page Pagefind indexes (never published)."""
    esc = html.escape
    title, *lines = r.content.splitlines()
    # Pagefind joins blocks that do not end a sentence with ". ": in Chinese each block ends
    # with 。 instead, so excerpts read 养老及残疾人福利设施。完成6所…
    if html_lang.lower().startswith("zh"):
        paragraphs = "".join(f"<p>{esc(_closed(line))}</p>" for line in lines)
        heading = (f'<h1>{esc(_closed(title))}</h1>'  # the title meta read from an attribute: as written, without the 。
                   f'<span data-pagefind-meta="title[data-title]" data-title="{esc(title)}" data-pagefind-ignore></span>')
    else:
        paragraphs = "".join(f"<p>{esc(line)}</p>" for line in lines)
        heading = f'<h1 data-pagefind-meta="title">{esc(title)}</h1>'
    return (f'<!doctype html><html lang="{esc(html_lang)}"><head><meta charset="utf-8"><title>{esc(r.title)}</title></head>'
            f'<body data-pagefind-body>{heading}'
            # meta only: Pagefind reads meta inside ignored elements but does not index their text
            f'<p data-pagefind-meta="context" data-pagefind-ignore>{esc(r.context)}</p>{paragraphs}</body></html>')


_SENTENCE_ENDS = tuple("。！？；：…”’」』）》.!?;:")


def _closed(text: str) -> str:
    """A Chinese block as a sentence: with 。 at its end unless it ends one already."""
    return text if text.endswith(_SENTENCE_ENDS) else text + "。"


def build_index(records: list[Record]) -> dict[str, bytes]:
    """The Pagefind bundle for these records, as {output path: bytes} under pagefind/.

    Records are written as small HTML files and indexed by one run of the Pagefind
    program: its Python service answers one request per 0.1 s, far too slow for
    thousands of records."""
    binary = _executable()
    with tempfile.TemporaryDirectory(prefix="bulletin-pagefind-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "out"
        for r in records:
            path = site / r.url / "index.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(record_html(r, r.html_lang), encoding="utf-8")
        try:
            proc = subprocess.run([binary, "--site", str(site), "--output-path", str(out)],
                                  capture_output=True, text=True, timeout=600, env=_quiet_env())
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchUnavailable(f"search: Pagefind could not run ({exc}); check that `python -m pagefind --version` runs") from exc
        if proc.returncode != 0:
            raise SearchUnavailable(f"search: Pagefind failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
        # Only what the search page uses: the API, its WebAssembly and the index, not
        # Pagefind's own UI bundles (the page has its own, accessible one).
        skip = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight")
        files = {f"{OUTPUT_DIR}/{p.relative_to(out).as_posix()}": p.read_bytes()
                 for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(skip)}
    entry = f"{OUTPUT_DIR}/pagefind-entry.json"
    if entry in files:
        files[entry] = _sorted_entry(files[entry])
    return files


# The files of an index that are data (read by Pagefind's own code in the browser, never run):
# fragments, indexes, filters and metadata, and the entry file that lists them.
DATA_FILE = re.compile(rf"{OUTPUT_DIR}/(?:(?:fragment|index|filter)/)?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?"
                       r"\.(?:pf_fragment|pf_index|pf_meta|pf_filter)|" rf"{OUTPUT_DIR}/pagefind-entry\.json")


@lru_cache(maxsize=8)
def code_files(html_langs: tuple[str, ...]) -> dict[str, bytes]:
    """Pagefind's scripts and WebAssembly for these languages, from one run of the installed
    Pagefind on a page per language (about 0.1 s). They do not depend on the records, so an
    index kept in the cache is completed with these: code the search page runs never comes
    from a cache, which may have been restored from elsewhere."""
    pages = [Record(url=f"{lang.lower()}/", html_lang=lang, title="x", context="x", content="x") for lang in html_langs]
    return {name: data for name, data in build_index(pages).items() if not DATA_FILE.fullmatch(name)}


def _sorted_entry(data: bytes) -> bytes:
    """Pagefind lists the languages in pagefind-entry.json in hash-map order, which differs
    from run to run (every other file is byte-identical): sort them, so the build is."""
    entry = json.loads(data)
    if isinstance(entry.get("languages"), dict):
        entry["languages"] = dict(sorted(entry["languages"].items()))
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _quiet_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}  # no stray config from the shell
