"""JSON Schema of the content format, generated from the dataclasses in `model.py`.

Editors' YAML files point at these with a `# yaml-language-server: $schema=…` line, so
VS Code's YAML extension validates and completes while they type.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter

from .model import FILE_KINDS as SCHEMAS


def schema_text(name: str) -> str:
    schema = TypeAdapter(SCHEMAS[name]).json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"{name}.schema.json", **schema}
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path, *, check_only: bool = False) -> list[Path]:
    """Write every schema; with check_only, return the files that are missing or out of date."""
    directory.mkdir(parents=True, exist_ok=True) if not check_only else None
    stale = []
    for name in SCHEMAS:
        path = directory / f"{name}.schema.json"
        text = schema_text(name)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not check_only:
            path.write_text(text, encoding="utf-8")
    return stale
