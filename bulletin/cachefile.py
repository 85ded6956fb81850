"""Render stage, support: writing and reading an entry of an on-disk cache (charts, their specs, report PDFs,
workbooks and the search index)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
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


def read(path: Path, *, limit: int = 256 << 20) -> bytes | None:
    """A cache entry's bytes, or None: only a regular file (a symbolic link is never followed,
    so an entry cannot stand for a file elsewhere on the machine) of at most `limit` bytes. A
    cache may have been restored from elsewhere (CI restores it before every build), so what it
    holds is checked by its reader before use, as content is."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return fh.read(limit + 1)[:limit]


_HEADER = b"bulletin cache entry sha256="


def store_checked(path: Path, data: bytes) -> None:
    """`store` with the sha256 of the bytes on a first line, for `read_checked` to verify."""
    store(path, _HEADER + hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data)


def read_checked(path: Path) -> bytes | None:
    """The bytes `store_checked` wrote, or None when the entry is missing, not a regular file, or
    damaged (a torn write, a full disk, garbage): its hash does not match. A damaged entry is
    removed, so the caller makes it again and stores a good copy."""
    data = read(path)
    if data is None:
        return None
    header, _, body = data.partition(b"\n")
    if header == _HEADER + hashlib.sha256(body).hexdigest().encode("ascii"):
        return body
    with contextlib.suppress(OSError):
        path.unlink()
    return None
