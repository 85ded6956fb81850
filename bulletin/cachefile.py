"""Render stage, support: writing an entry of an on-disk cache (charts, their specs, report PDFs and workbooks)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def store(path: Path, data: bytes) -> None:
    """Write a cache entry whole or not at all: through a temporary file renamed into place,
    so a parallel build never reads half of one. A cache that cannot be written (a read-only
    or full disk) only costs time, so that is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass
