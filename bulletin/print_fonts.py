"""Stage 4b (render): compact fonts for the report PDFs, the same glyphs in a fraction of the bytes.

WeasyPrint embeds each font a PDF uses as a subset that keeps every glyph number up to
the highest one used (HarfBuzz's `RETAIN_GIDS`, so the PDF's text needs no renumbering).
For a CJK collection such as Noto Sans CJK SC, whose ideographs sit at glyph numbers in
the tens of thousands, that is about 140 kB a face even for an English page: a 3-page
department report was 297 kB, of which 282 kB were its two fonts.

So before a page is printed, each large font its stylesheets name is cut down (HarfBuzz,
a few milliseconds) to the characters of that page, keeping everything else (layout
tables, metrics, names), so text is shaped and laid out exactly as with the installed
font; the stylesheets name the cut face, under an alias, in front of its family. A
character the cut lacks falls through to the installed family as before. The cut depends
on the page alone (its text, its stylesheets and the installed fonts), never on the
other reports of the build, so a PDF is the same printed alone or in a batch.

Everything here is an optimisation: without uharfbuzz or fontconfig, or for a font that
cannot be cut, the page is printed with the installed fonts as before.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import subprocess
from dataclasses import dataclass
from typing import Callable

# A face smaller than this is embedded small already (its glyph numbers are few).
LARGE_FONT = 1_000_000
# Characters a printed page may show without their being in its HTML or CSS: printable
# ASCII (page counters, list numbers), list bullets, the hyphens WeasyPrint inserts, ellipses.
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0\u00ad\u2010\u2011\u2013\u2014\u2022\u2026\u25aa\u25e6"
_VERSION = "1"  # bumped when the way fonts are cut changes: part of the PDF cache key
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-sans-serif", "ui-serif",
            "ui-monospace", "ui-rounded", "math", "emoji", "fangsong", "-apple-system", "inherit", "initial", "unset"}
# CSS weights for fontconfig's (FC_WEIGHT_*), to declare each cut face as the installed one is.
_CSS_WEIGHT = {0: 100, 40: 200, 50: 300, 55: 350, 75: 400, 80: 400, 100: 500, 180: 600, 200: 700, 205: 800, 210: 900, 215: 950}


@dataclass(frozen=True)
class Face:
    path: str
    index: int
    weight: int  # CSS
    italic: bool


def stamp() -> str:
    """What the cut fonts depend on besides the page, for the PDF cache key."""
    try:
        import uharfbuzz
    except ImportError:
        return "installed fonts"
    return f"cut {_VERSION} uharfbuzz {uharfbuzz.__version__}"


def _css_weight(fc_weight: int) -> int:
    return _CSS_WEIGHT.get(fc_weight) or min(_CSS_WEIGHT.items(), key=lambda kv: abs(kv[0] - fc_weight))[1]


@functools.lru_cache(maxsize=256)
def _faces(family: str) -> tuple[Face, ...]:
    """Every installed face of `family` (exactly that family, as fontconfig lists it), or ()."""
    pattern = "".join("\\" + ch if ch in "\\-:,=" else ch for ch in family)
    try:
        out = subprocess.run(["fc-list", "--format", "%{file}|%{index}|%{weight}|%{slant}|%{family}\n", pattern],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    faces = []
    for line in sorted(out.splitlines()):
        path, index, weight, slant, families = (line.split("|") + [""] * 5)[:5]
        if family.casefold() not in (name.casefold() for name in families.split(",")):
            continue
        try:
            faces.append(Face(path, int(index or 0), _css_weight(int(float(weight or 80))), int(float(slant or 0)) > 0))
        except ValueError:
            return ()
    return tuple(faces)


def _large(faces: tuple[Face, ...]) -> bool:
    """Whether every face is large: a family is cut whole or not at all, so a style the cut
    would lack (an italic face, a medium weight) is never replaced by a synthesised one."""
    try:
        return bool(faces) and all(os.path.getsize(face.path) >= LARGE_FONT for face in faces)
    except OSError:
        return False


def _cut(face: Face, characters: str) -> bytes | None:
    import uharfbuzz as hb

    blob = hb.Blob.from_file_path(face.path)
    source = hb.Face(blob, face.index)
    request = hb.SubsetInput()
    request.keep_everything()  # every table, layout feature and name: shaped and measured as the full font
    request.unicode_set.clear()  # … but only the page's characters (and the glyphs they reach), not every one
    request.glyph_set.clear()
    request.unicode_set.update(ord(ch) for ch in characters)
    cut = hb.subset(source, request)
    return bytes(cut.blob.data) if cut is not None else None


# --------------------------------------------------------------------------- stylesheets

def _family_of(item: list) -> str | None:
    """The family an item of a font list names: a quoted string, or identifiers with spaces between."""
    parts = [token for token in item if token.type != "whitespace"]
    if len(parts) == 1 and parts[0].type == "string":
        return parts[0].value
    if parts and all(token.type == "ident" for token in parts):
        return " ".join(token.value for token in parts)
    return None


def _split(tokens: list) -> list[list]:
    items: list[list] = [[]]
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            items.append([])
        else:
            items[-1].append(token)
    return items


def _font_value(tokens: list, aliases: dict[str, str]) -> str:
    """A font list (or a `font` shorthand, or a custom property holding one) with each cut
    family preceded by its alias."""
    import tinycss2

    out = []
    for item in _split(tokens):
        family = _family_of(item)
        text = tinycss2.serialize(item)
        if family is None:  # a shorthand's "600 1rem \"Family\"": the family is its last token
            last = next((t for t in reversed(item) if t.type != "whitespace"), None)
            if last is not None and last.type == "string" and last.value.casefold() in aliases:
                i = max(i for i, t in enumerate(item) if t is last)
                text = tinycss2.serialize(item[:i]) + f'"{aliases[last.value.casefold()]}", ' + tinycss2.serialize(item[i:])
        elif family.casefold() in aliases:
            lead = len(text) - len(text.lstrip())
            text = text[:lead] + f'"{aliases[family.casefold()]}", ' + text[lead:]
        out.append(text)
    return ",".join(out)


def _is_font_property(name: str) -> bool:
    return name in ("font-family", "font") or name.startswith("--")


def _families_in(value: list) -> set[str]:
    """The families a font declaration's value names: the items of a list, a shorthand's last string."""
    return {f for f in (_family_of(item) for item in _split(value)) if f} | {t.value for t in value if t.type == "string"}


def _rewrite(tokens: list, edit: Callable[[list], str]) -> str:
    """CSS text of `tokens` with the value of every font declaration (`font-family`, `font`, a
    custom property) replaced by `edit(value tokens)`. Declarations are recognised as `name :`
    after the start of a block or a `;`; a selector such as `a:hover` is read as one and left alone."""
    import tinycss2

    out: list[str] = []
    i, start = 0, True
    while i < len(tokens):
        token = tokens[i]
        if start and token.type == "ident":
            j = i + 1
            while j < len(tokens) and tokens[j].type == "whitespace":
                j += 1
            if j < len(tokens) and tokens[j].type == "literal" and tokens[j].value == ":" \
                    and _is_font_property(token.lower_value if not token.value.startswith("--") else token.value):
                end = j + 1
                while end < len(tokens) and not (tokens[end].type == "literal" and tokens[end].value == ";") \
                        and tokens[end].type != "{} block":
                    end += 1
                out.append(tinycss2.serialize(tokens[i:j + 1]) + edit(tokens[j + 1:end]))
                i, start = end, False
                continue
        if token.type == "{} block":
            out.append("{" + _rewrite(token.content, edit) + "}")
        else:
            out.append(tinycss2.serialize([token]))
        if token.type not in ("whitespace", "comment"):
            start = token.type == "{} block" or (token.type == "literal" and token.value in (";", "}"))
        i += 1
    return "".join(out)


def _parse(css: bytes) -> list:
    import tinycss2

    return tinycss2.parse_component_value_list(css.decode("utf-8", "replace"))


# --------------------------------------------------------------------------- printing with them

def for_page(page: bytes, assets: dict[str, bytes], origin: str) -> tuple[dict[str, bytes], str] | None:
    """(the assets with their stylesheets naming cut fonts and the cut fonts added, and the
    @font-face rules to print with), or None to print with the installed fonts."""
    try:
        return _for_page(page, assets, origin)
    except Exception:  # noqa: BLE001 - a font HarfBuzz cannot read, a stylesheet tinycss2 chokes on: print as before
        return None


def _for_page(page: bytes, assets: dict[str, bytes], origin: str) -> tuple[dict[str, bytes], str] | None:
    try:
        import tinycss2  # noqa: F401 - WeasyPrint's own CSS parser
        import uharfbuzz  # noqa: F401
    except ImportError:
        return None
    sheets = {rel: _parse(data) for rel, data in assets.items() if rel.endswith(".css")}
    families: set[str] = set()
    for tokens in sheets.values():
        _rewrite(tokens, lambda value: families.update(_families_in(value)) or "")
    cut = {family: faces for family in sorted(families, key=str.casefold)
           if family.casefold() not in _GENERIC and _large(faces := _faces(family))}
    if not cut:
        return None
    text = html.unescape(page.decode("utf-8", "replace")) + "".join(data.decode("utf-8", "replace")
                                                                   for rel, data in assets.items() if rel.endswith(".css"))
    characters = "".join(sorted(set(text + _ALWAYS) - {"\n", "\r", "\t"}))
    digest = hashlib.sha256(characters.encode("utf-8")).hexdigest()[:12]
    aliases: dict[str, str] = {}
    files: dict[str, bytes] = {}
    rules = []
    for family, faces in cut.items():
        alias = f"bulletin-print-{hashlib.sha256(family.encode()).hexdigest()[:8]}-{digest}"
        made = [(face, _cut(face, characters)) for face in faces]
        if any(data is None for _, data in made):
            continue
        aliases[family.casefold()] = alias
        for n, (face, data) in enumerate(made):
            rel = f"_print-fonts/{alias}-{n}.otf"
            files[rel] = data
            rules.append(f'@font-face {{ font-family: "{alias}"; src: url("{origin}{rel}"); '
                         f'font-weight: {face.weight}; font-style: {"italic" if face.italic else "normal"}; }}')
    if not aliases:
        return None
    rewritten = {rel: _rewrite(tokens, lambda value: _font_value(value, aliases)).encode("utf-8") for rel, tokens in sheets.items()}
    return {**assets, **rewritten, **files}, "\n".join(rules)
