"""The demo bulletin invents no figures: every number in content/ is in the source it cites.

Each target value, baseline, interim milestone and progress value is looked up in the
text of its cited source (content/sources/<seed>), in the ways Chinese articles write
numbers: 1452, 1,452, 14.6万, 70余万, 1.3亿. A figure the article states in words rather
than digits must be listed in READINGS with the words that justify it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CONTENT = Path(__file__).resolve().parent.parent / "content"

# (measure file, target id, what, value) -> words in the cited source that state it.
READINGS = {
    ("huitian-youwo-2020/04-fifteen-minute-circle.yaml", "coverage", "target", 100): "全覆蓋",  # full coverage (Traditional)
    ("huitian-youwo-2020/08-property-management.yaml", "property-management-coverage", "target", 100): "全覆蓋",
}


def _written_forms(value: float) -> set[str]:
    """How an article may write `value` (in the target's unit)."""
    forms = {f"{value:,}".rstrip("0").rstrip(".") if "." in f"{value:,}" else f"{value:,}"}
    if float(value).is_integer():
        n = int(value)
        forms |= {str(n), f"{n:,}"}
    else:
        forms.add(repr(float(value)))
    for divisor, unit in ((10_000, "万"), (100_000_000, "亿")):
        scaled = round(value / divisor, 6)
        if scaled >= 0.01:
            text = f"{scaled:g}"
            forms |= {text + unit, text + "余" + unit, text + "多" + unit}
    # Amounts kept in 万元 in the content: 13000 (万元) is "1.3亿" in the text.
    forms |= {f"{round(value / 10_000, 6):g}亿", f"{value:g}万"}
    return forms


def _figures():
    sources = {s["id"]: s for s in yaml.safe_load((CONTENT / "sources.yaml").read_text(encoding="utf-8"))["sources"]}
    for path in sorted((CONTENT / "measures").rglob("*.yaml")):
        measure = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(CONTENT / "measures"))
        for t in measure.get("targets", []):
            values = [("target", t.get("target"), t["source"])]
            if t.get("baseline"):
                values.append(("baseline", t["baseline"]["value"], t["source"]))
            values += [("milestone", m["value"], t["source"]) for m in t.get("milestones", [])]
            values += [("progress", e["value"], e.get("source") or t["source"]) for e in t.get("progress", [])]
            for what, value, source in values:
                if value is None or isinstance(value, bool):
                    continue
                yield (name, t["id"], what, value), sources[source]


def _source_text(source: dict) -> str:
    assert source.get("seed"), f"source {source['id']} has no copy in content/sources/ to check against"
    # Seed 002 is in Traditional characters: 萬 is 万.
    return (CONTENT / "sources" / source["seed"]).read_text(encoding="utf-8").replace("萬", "万")


FIGURES = list(_figures())


def test_the_demo_has_figures_to_check():
    assert len(FIGURES) > 50


@pytest.mark.parametrize("key,source", FIGURES, ids=[":".join(map(str, k)) for k, _ in FIGURES])
def test_every_figure_is_in_its_cited_source(key, source):
    text = _source_text(source)
    if key in READINGS:
        assert READINGS[key] in text, f"{key}: the source no longer says {READINGS[key]!r}"
        return
    value = key[3]
    forms = _written_forms(value)
    assert any(form in text for form in forms), (
        f"{key[0]} target `{key[1]}`: {key[2]} {value} is not in source {source['id']} "
        f"(looked for {sorted(forms)}); cite the source that states it, or add the reading to READINGS with its words")
