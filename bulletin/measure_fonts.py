"""Small fonts for vl-convert to measure chart text with: the same glyphs, a fraction of the file.

vl-convert (1.9) measures every text of a chart (each axis label, legend label, title and
text mark, several times per chart) by laying it out in a throw-away SVG with the font
file of its family, and the cost of one measurement grows with the size of that file:
about 2.9 ms with Noto Sans CJK SC (a 19 MB collection), under 1 ms with a subset of it
holding only the characters the charts use. Text measurement is most of the CPU time of a
cold build, so before a large batch of charts is drawn, the measuring fonts
(`charts.MEASURE_FONT`) are cut down with fontTools to the characters of those charts
(plus ASCII and what Vega's number and date formats can write) and registered with
vl-convert under another family name, which the specs name while they are drawn; the
drawn SVG names the original family again. The glyphs, advances and kerning are the
original font's, so the SVG is byte-identical to one measured with the full font
(tested, and checked on every chart of a 300-measure bulletin); the browser draws with
the page's CSS fonts in any case.

Everything here is an optimisation: without fontconfig, fontTools or the font, or for a
character the font lacks, charts are measured with the installed fonts as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

# Below this many drawings, cutting the fonts (about a second) costs more than it saves.
MIN_DRAWINGS = 200
ALIAS_PREFIX = "bulletin-measure-"
# Characters Vega's d3 number and time formats may write besides the specs' own text.
_FORMAT_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0\u2212\u2026\u00b5\u2009\u202f"
_VERSION = "1"  # bumped when the way fonts are cut changes


def _text_of(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.update(value)
    elif isinstance(value, dict):
        for item in value.values():
            _text_of(item, out)
    elif isinstance(value, list):
        for item in value:
            _text_of(item, out)


def _font_keys(spec: Any, found: set[str]) -> None:
    """Families named by the spec's font properties (font, labelFont, titleFont, …)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if isinstance(value, str) and (key == "font" or key.endswith("Font")):
                found.add(value)
            else:
                _font_keys(value, found)
    elif isinstance(spec, list):
        for item in spec:
            _font_keys(item, found)


def _source_faces(family: str) -> list[tuple[str, int, int]]:
    """(file, face index, weight) of the regular and bold faces of `family`, as fontconfig finds them."""
    faces = []
    for style in ("regular", "bold"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{family}", f"{family}:{style}"],
                                 capture_output=True, text=True, timeout=10, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        path, _, rest = out.partition("|")
        index, _, families = rest.partition("|")
        if family not in families.split(",") or not Path(path).is_file():
            return []  # fontconfig would substitute another family: measure with what vl-convert finds
        faces.append((path, int(index or 0), 700 if style == "bold" else 400))
    return faces


def _cut(path: str, index: int, characters: str, alias: str, weight: int, out: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]  # kerning and every feature the shaper may apply: widths as in the full font
    options.name_IDs = [1, 2, 4, 6, 16, 17]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing to measure with
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(ch) for ch in characters}))
    subsetter.subset(font)
    style = "Bold" if weight >= 700 else "Regular"
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (16, 17):
            name.removeNames(nameID=record.nameID)
    name.setName(alias, 1, 3, 1, 0x409)
    name.setName(style, 2, 3, 1, 0x409)
    name.setName(f"{alias} {style}", 4, 3, 1, 0x409)
    name.setName(f"{alias}-{style}", 6, 3, 1, 0x409)
    for record in list(name.names):  # only the names set above: no other platform keeps the old family
        if not (record.platformID == 3 and record.langID == 0x409):
            name.names.remove(record)
    font.save(str(out))


def _needs(specs: list[dict]) -> tuple[dict[str, list], dict[str, str], str] | None:
    """(source faces by family, each family's stamp of its files and the tools, the characters) these specs measure with."""
    families: set[str] = set()
    characters: set[str] = set(_FORMAT_CHARACTERS)
    for spec in specs:
        _font_keys(spec, families)
        _text_of(spec, characters)
    characters = {ch for ch in characters if ch.isprintable() or ch == " "}
    sources = {family: _source_faces(family) for family in sorted(families)}
    sources = {family: faces for family, faces in sources.items() if faces}
    if not sources:
        return None
    try:
        from fontTools import version as fonttools_version
    except ImportError:
        return None
    stamps = {family: json.dumps([_VERSION, fonttools_version,
                                  [(p, i, w, os.path.getsize(p), int(os.path.getmtime(p))) for p, i, w in faces]])
              for family, faces in sources.items()}
    return sources, stamps, "".join(sorted(characters))


def _root(cache_root: Path | None) -> Path:
    if cache_root is not None:
        return Path(cache_root)
    return Path(tempfile.gettempdir()) / f"bulletin-measure-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}"


def prepare(specs: list[dict], cache_root: Path | None) -> tuple[str, dict[str, str]] | None:
    """A directory of cut-down measuring fonts for these specs and {family: alias}, or None.

    Kept in `cache_root/<hash of the characters and the source fonts>/`, so a build with
    the same chart text reuses them; without a cache root (a build with its cache in
    memory only), under the system's temporary directory, where the next such build finds them."""
    needs = _needs(specs)
    if needs is None:
        return None
    sources, stamps, text = needs
    digest = hashlib.sha256(json.dumps([stamps, text], ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:20]
    # Named after the batch too: a process that registers the fonts of several batches (the
    # build process, `serve`) must never measure one batch's text with another's cut font.
    aliases = {family: f"{ALIAS_PREFIX}{digest[:10]}-{hashlib.sha256(family.encode()).hexdigest()[:6]}"
               for family in sources}
    root = _root(cache_root)
    target = root / digest
    if (target / "done").is_file():
        return str(target.resolve()), aliases
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        try:
            for family, faces in sources.items():
                for path, index, weight in faces:
                    _cut(path, index, text, aliases[family], weight, work / f"{aliases[family]}-{weight}.otf")
            # What the fonts cover, so a later small batch can use them (`covering`).
            (work / "covers.json").write_text(json.dumps({"stamps": stamps, "characters": text}, ensure_ascii=False),
                                              encoding="utf-8")
            (work / "done").write_text(json.dumps(aliases), encoding="utf-8")
            try:
                os.replace(work, target)  # atomic: a parallel build never sees half a directory
            except OSError:
                if not (target / "done").is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except Exception:  # noqa: BLE001 - any failure: measure with the installed fonts, as before
        return None
    return str(target.resolve()), aliases


def covering(specs: list[dict], cache_root: Path | None) -> tuple[str, dict[str, str]] | None:
    """Fonts an earlier batch had cut that hold every character these specs measure, or None.

    A small batch (an edit in `serve`, a CI build after a small change) is not worth cutting
    fonts for, but the last full build's fonts usually cover it: the same glyphs and widths
    as the installed fonts, so the same SVG, for a fraction of the measuring cost."""
    root = _root(cache_root)
    if not root.is_dir():
        return None
    needs = _needs(specs)
    if needs is None:
        return None
    sources, stamps, text = needs
    wanted = set(text)
    for folder in sorted(root.iterdir()):
        try:
            covers = json.loads((folder / "covers.json").read_text(encoding="utf-8"))
            aliases = json.loads((folder / "done").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        covered = covers.get("stamps", {})
        if all(covered.get(family) == stamp for family, stamp in stamps.items()) and set(sources) <= set(aliases) \
                and wanted <= set(covers.get("characters", "")):
            return str(folder.resolve()), aliases
    return None


# --------------------------------------------------------------------------- drawing with them

_REGISTERED: set[str] = set()


def register(directory: str) -> None:
    """Make the fonts in `directory` available to this process's vl-convert (once)."""
    if directory in _REGISTERED:
        return
    import vl_convert as vlc

    vlc.register_font_directory(directory)
    _REGISTERED.add(directory)


def aliased(spec: Any, aliases: dict[str, str]) -> Any:
    """The spec with every font property naming a measured family naming its alias."""
    if isinstance(spec, dict):
        return {key: (aliases.get(value, value) if isinstance(value, str) and (key == "font" or key.endswith("Font"))
                      else aliased(value, aliases)) for key, value in spec.items()}
    if isinstance(spec, list):
        return [aliased(item, aliases) for item in spec]
    return spec


def unaliased(svg: str, aliases: dict[str, str]) -> str:
    """The drawn SVG naming the original families again (the aliases contain no quotes or markup)."""
    for family, alias in aliases.items():
        svg = re.sub(f'(font-family=")([^"]*){re.escape(alias)}', lambda m: m.group(1) + m.group(2) + family, svg)
    return svg
