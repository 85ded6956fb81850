"""Stage 5: write a rendered site to disk, all or nothing.

The new site is assembled in a temporary directory beside `output/` and swapped in
only once it is complete, so a failed build leaves the published site untouched.
A file whose bytes did not change is hard-linked from the previous output instead of
written again, so its modification time stays put (and so do caches that watch it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass
class WriteStats:
    written: list[str]
    unchanged: int
    removed: int


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def clean_leftovers(output: Path) -> None:
    """Remove temporary directories a killed build may have left beside the output."""
    for leftover in output.parent.glob(f".{output.name}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_site(files: dict[str, bytes], output: Path, *, background_cleanup: bool = False) -> WriteStats:
    output = output.absolute()
    output.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-new-", dir=output.parent))
    written: list[str] = []
    unchanged = 0
    try:
        for rel in sorted(files):
            data = files[rel]
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            previous = output / rel
            if _same(previous, data):
                try:
                    os.link(previous, dest)
                except OSError:
                    shutil.copy2(previous, dest)
                unchanged += 1
            else:
                dest.write_bytes(data)
                written.append(rel)
        old_files = {str(p.relative_to(output)) for p in output.rglob("*") if p.is_file()} if output.is_dir() else set()
        removed = len(old_files - set(files))
        _swap(staging, output, background_cleanup)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteStats(written, unchanged, removed)


def _swap(staging: Path, output: Path, background_cleanup: bool) -> None:
    if not output.exists():
        os.rename(staging, output)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
    retired.rmdir()
    os.rename(output, retired)
    try:
        os.rename(staging, output)
    except BaseException:
        os.rename(retired, output)  # put the previous site back
        raise
    if background_cleanup:  # the dev server: the new site is live, the old one can go later
        threading.Thread(target=shutil.rmtree, args=(retired,), kwargs={"ignore_errors": True}, daemon=True).start()
    else:
        shutil.rmtree(retired, ignore_errors=True)
