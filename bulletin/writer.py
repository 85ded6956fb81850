"""Stage 5: write a rendered site to disk, all or nothing, and only where it is ours to write.

The new site is assembled in a staging folder beside `output/` and swapped in only once
it is complete, so a failed build leaves the published site untouched. A file whose
bytes did not change is hard-linked from the previous output instead of written again,
so its modification time stays put (and so do caches that watch it).

The output folder belongs to the build, and the build makes sure of it before it
replaces anything (see the README, "The output folder"):

- every output carries a marker file, `.bulletin-output`; a non-empty folder without it
  is refused, so `--output docs` never deletes a hand-written file; an output written by
  a version before the marker is recognised by its shape (see `_legacy_output`);
- an output that is, contains or is inside the content, templates or theme, or that is
  or contains the project folder, is refused whatever it holds;
- builds into the same output are serialised by a lock file beside it (`fcntl.flock`);
  a second build waits, saying so, and gives up after LOCK_TIMEOUT seconds;
- staging folders are named per build (process id and a random part) and carry the
  marker; a build removes its own, and those of a build that was killed (its process
  is gone), never a folder it cannot prove is a bulletin staging folder;
- on Linux the swap is one `renameat2(RENAME_EXCHANGE)`, so `output/` never goes missing;
  elsewhere (or on a file system without it) it is two renames, and a kill between them
  leaves the previous site in `.output-old-*` beside it until the next build;
- folders are created with `os.mkdir`, so `output/` gets the umask's mode;
- the dev server keeps the site a swap replaced (`SpareTree`, named as its own staging
  folder) and brings it up to date on the next save, so a rebuild writes only the files
  that changed, and still swaps the whole site in at once.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

MARKER = ".bulletin-output"
MARKER_TEXT = ("This folder is written by `bulletin build`; each build replaces everything in it.\n"
               "Do not keep your own files here.\n"
               "本文件夹由 `bulletin build` 生成，每次构建都会整体替换，请勿在此存放其他文件。\n").encode("utf-8")
LOCK_TIMEOUT = 600.0  # seconds a build waits for another build into the same output


@dataclass
class WriteStats:
    written: list[str]
    unchanged: int
    removed: int


class OutputRefused(Exception):
    """The build will not write to this output; the message (Chinese, then English) says why and what to do."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh}\n{en}")


# --------------------------------------------------------------------------- is it ours?

def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(os.path.abspath(path)))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_cache(cache: Path | None, output: Path, protected: Iterable[Path] = ()) -> None:
    """OutputRefused when the cache folder is, contains or is inside the output, content,
    templates or theme: cached charts there would be published, read as content, or deleted."""
    if cache is None:
        return
    real, shown = _resolved(Path(cache)), str(cache)
    if os.path.lexists(real) and not real.is_dir():  # every chart would be drawn again, every build, without a word
        raise OutputRefused(f"缓存路径 {shown} 已存在且不是目录；请删除或改名，或用 --cache 指定一个目录，例如 .cache。",
                            f"the cache {shown} exists and is not a folder; move it away, or give --cache a folder, e.g. .cache")
    for folder in (output, *protected):
        folder_real = _resolved(Path(folder))
        if _inside(real, folder_real) or _inside(folder_real, real):
            raise OutputRefused(
                f"缓存目录 {shown} 与 {folder} 相同、包含它或位于它之中；缓存的图表会被发布、当作内容读取或被删除，因此拒绝构建。请用 --cache 指定一个单独的目录，例如 .cache。",
                f"the cache {shown} is, contains or is inside {folder}; cached charts there would be published, read as "
                "content or deleted, so the build refuses. Give --cache a folder of its own, e.g. .cache")


def check_output(output: Path, protected: Iterable[Path] = (), project: Iterable[Path] = ()) -> Path:
    """The real path to write the site to, or OutputRefused when it is not the build's to replace.

    `protected` (content, templates, theme) may not be, contain or be inside the output;
    `project` folders (the working directory, the folder holding the content) may not be
    or be inside it. Paths are compared after resolving symlinks."""
    real = _resolved(output)
    shown = str(output)
    for folder in protected:
        folder_real = _resolved(folder)
        if _inside(real, folder_real) or _inside(folder_real, real):
            raise OutputRefused(
                f"输出目录 {shown} 与 {folder} 相同、包含它或位于它之中；构建会替换输出目录的全部内容，因此拒绝写入。请用 --output 指定一个单独的目录，例如 output。",
                f"the output {shown} is, contains or is inside {folder}; a build replaces everything in its output, "
                "so it refuses. Give --output a folder of its own, e.g. output")
    for folder in project:
        folder_real = _resolved(folder)
        if _inside(folder_real, real):
            raise OutputRefused(
                f"输出目录 {shown} 是项目目录 {folder} 或包含它；构建会替换输出目录的全部内容，因此拒绝写入。请用 --output 指定项目中的一个子目录，例如 output。",
                f"the output {shown} is or contains the project folder {folder}; a build replaces everything in its "
                "output, so it refuses. Give --output a folder of its own, e.g. output")
    if real == Path(real.anchor) or real == _resolved(Path.home()):
        raise OutputRefused(f"拒绝把网站写入 {shown}：请用 --output 指定一个单独的目录，例如 output。",
                            f"refusing to write the site to {shown}; give --output a folder of its own, e.g. output")
    if real.is_dir() and os.path.ismount(real):  # the swap renames the folder, which a mount point refuses (EBUSY)
        raise OutputRefused(f"输出目录 {shown} 是一个挂载点（例如 Docker 卷）；构建会整体替换输出目录，挂载点不能被替换。"
                            f"请用 --output 指定其中的一个子目录，例如 {shown}/site。",
                            f"the output {shown} is a mount point (a Docker volume, for example); a build replaces its output "
                            f"folder whole, which a mount point does not allow. Give --output a folder inside it, e.g. {shown}/site")
    if os.path.lexists(real) and not real.is_dir():
        raise OutputRefused(f"输出路径 {shown} 已存在且不是目录；请删除或改名后再构建，或用 --output 指定其他目录。",
                            f"the output {shown} exists and is not a folder; move it away, or give --output another folder")
    if real.is_dir() and not _ours(real):
        raise OutputRefused(
            f"输出目录 {shown} 不是空目录，也不是本程序生成的（其中没有 {MARKER} 标记文件）；构建会替换其中的全部内容，因此拒绝写入。"
            f"请确认其中没有需要保留的文件后删除或清空它，或用 --output 指定其他目录。",
            f"the output {shown} is not empty and was not written by bulletin (it has no {MARKER} marker file); "
            "a build replaces everything in it, so it refuses. Check nothing in it is needed, then delete or empty it, "
            "or give --output another folder")
    return real


def _ours(folder: Path) -> bool:
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise OutputRefused(f"无法读取输出目录 {folder}：{exc.strerror}", f"cannot read the output {folder}: {exc.strerror}") from exc
    return not names or MARKER in names or _legacy_output(folder, names)


# Names at the top of an output written before the marker existed (version 0.1.0).
_LEGACY_FILES = {"index.html", "404.html", "sitemap.xml", "robots.txt"}
_LEGACY_FOLDERS = {"assets", "sources"}


def _legacy_output(folder: Path, names: list[str]) -> bool:
    """An output from before the marker: our root files and assets/status.css, and nothing at the top
    that a build does not write (every other folder is a language root with its own index and feed)."""
    if not {"index.html", "sitemap.xml"} <= set(names) or not (folder / "assets" / "status.css").is_file():
        return False
    for name in names:
        path = folder / name
        if path.is_symlink():
            return False
        if name in _LEGACY_FILES and path.is_file() or name in _LEGACY_FOLDERS and path.is_dir():
            continue
        if path.is_dir() and (path / "index.html").is_file() and (path / "feed.xml").is_file():
            continue
        return False
    return True


# --------------------------------------------------------------------------- one build at a time

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not serialised (documented in the README)
    fcntl = None  # type: ignore[assignment]


class _Lock:
    def __init__(self, output: Path, timeout: float, notify: Callable[[str], None]):
        self.path = output.parent / f".{output.name}.lock"
        self.timeout, self.notify = timeout, notify
        self.fd: int | None = None

    def __enter__(self) -> "_Lock":
        if fcntl is None:
            return self
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if not told:
                    self.notify(f"另一个构建正在写入 {self.path.parent / self.path.name[1:-5]}，等待其完成……\n"
                                f"another build is writing {self.path.parent / self.path.name[1:-5]}; waiting for it to finish…")
                    told = True
                if time.monotonic() > deadline:
                    os.close(self.fd)
                    self.fd = None
                    raise OutputRefused(
                        f"另一个构建已占用输出目录超过 {self.timeout:.0f} 秒（锁文件 {self.path}）；请等它结束后重试。",
                        f"another build has held the output for more than {self.timeout:.0f} s (lock file {self.path}); "
                        "let it finish, then build again") from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- staging and swap

def _staging_name(output: Path, kind: str) -> str:
    return f".{output.name}-{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _make_dir(parent: Path, output: Path, kind: str) -> Path:
    """A new folder with a per-build name; os.mkdir honours the umask (mkdtemp would make it 0700)."""
    while True:
        path = parent / _staging_name(output, kind)
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def clean_leftovers(output: Path) -> None:
    """Remove staging folders of builds into `output` that were killed: named as ours, holding
    the marker, and whose process is gone. Anything else beside the output is left alone."""
    output = _resolved(output)
    pattern = re.compile(rf"^\.{re.escape(output.name)}-(?:new|old)-(\d+)-[0-9a-f]{{8}}$")
    try:
        entries = list(os.scandir(output.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False) or _alive(int(match.group(1))):
            continue
        if os.path.isfile(os.path.join(entry.path, MARKER)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _exchange_function():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _exchange_function()
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when the system or file system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _safe_relative(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and "\0" not in rel \
        and all(p not in ("", ".", "..") for p in parts) and parts[0] != MARKER


def _previous_files(output: Path) -> set[str]:
    if not output.is_dir():
        return set()
    found = set()
    for folder, _dirs, names in os.walk(output):  # does not follow symlinked folders
        for name in names:
            found.add(os.path.relpath(os.path.join(folder, name), output).replace(os.sep, "/"))
    found.discard(MARKER)
    return found


@dataclass
class SpareTree:
    """The site a swap replaced, kept beside the output by a builder that lives across builds
    (the dev server): its next build brings this tree up to date, writing only the files that
    differ from it, and swaps it in, instead of assembling every file of the site anew.

    `files` is what the kept tree holds and `live_files` what the output holds, as this builder
    wrote them; `live` is the identity of the output folder it swapped in, so that an output
    replaced by another build since (whose files it does not know) makes it start again from
    a whole new tree."""

    path: Path | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    live: tuple[int, int] | None = None  # (st_dev, st_ino) of the output folder after the last swap
    live_files: dict[str, bytes] = field(default_factory=dict)

    def discard(self) -> None:
        """Delete the kept tree (the output itself stays, and is still known)."""
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        self.path, self.files = None, {}


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def write_site(files: dict[str, bytes], output: Path, *, background_cleanup: bool = False,
               protected: Iterable[Path] = (), project: Iterable[Path] = (),
               lock_timeout: float = LOCK_TIMEOUT, notify: Callable[[str], None] = _tell,
               spare: SpareTree | None = None) -> WriteStats:
    """Write `files` (site-relative path → bytes) as the new content of `output`, or refuse (OutputRefused).

    With `spare` (a builder that lives across builds) the replaced site is kept there for the
    next build to bring up to date."""
    bad = [rel for rel in files if not _safe_relative(rel)]
    if bad:
        raise ValueError(f"refusing to write outside the output folder: {bad[0]!r}")
    protected, project = list(protected), list(project)
    output = check_output(output, protected, project)
    output.parent.mkdir(parents=True, exist_ok=True)
    with _Lock(output, lock_timeout, notify):
        output = check_output(output, protected, project)  # another build may have changed it while we waited
        clean_leftovers(output)
        known = spare is not None and spare.live is not None and _identity(output) == spare.live
        if spare is not None and not (known and spare.path is not None and os.path.isfile(spare.path / MARKER)):
            spare.discard()  # the output is not the one this builder left, or there is no tree to update
        updating = spare is not None and spare.path is not None
        if updating:
            try:
                written, unchanged, removed = _update(spare, files, output)
                staging = spare.path
            except BaseException as exc:
                spare.discard()  # half brought up to date: of no use
                if not isinstance(exc, OSError):
                    raise
                updating = False  # e.g. a file where a folder is now wanted: assemble a new tree instead
        if not updating:
            staging = _make_dir(output.parent, output, "new")
            try:
                written, unchanged, removed = _assemble(staging, files, output)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        try:
            retired = _swap(staging, output, background_cleanup, keep=spare is not None and known)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if spare is not None:
                spare.discard()
            raise
        if spare is not None:
            # The replaced site holds what this builder wrote last time: the next build's spare.
            spare.path, spare.files = (retired, spare.live_files) if retired is not None else (None, {})
            spare.live, spare.live_files = _identity(output), files
    return WriteStats(written, unchanged, removed)


def _assemble(staging: Path, files: dict[str, bytes], output: Path) -> tuple[list[str], int, int]:
    """Every file of the site into a new staging folder (unchanged ones hard-linked from the output)."""
    written: list[str] = []
    unchanged = 0
    made: set[Path] = {staging}  # folders made so far: one mkdir per folder, not one per file
    _put(output / MARKER, staging / MARKER, MARKER_TEXT)  # first, so a killed build's folder is recognisable
    for rel in sorted(files):
        dest = staging / rel
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        if _put(output / rel, dest, files[rel]):
            unchanged += 1
        else:
            written.append(rel)
    return written, unchanged, len(_previous_files(output) - set(files))


def _update(spare: SpareTree, files: dict[str, bytes], output: Path) -> tuple[list[str], int, int]:
    """Bring the spare tree from what it holds to `files`: only the files that differ are touched.
    A file is never written into: it may be the same inode as the live site's (hard links), so
    it is unlinked and made anew."""
    staging, held, previous = spare.path, spare.files, spare.live_files
    # Files that go, first: a theme folder that became a file (or the reverse) is then out of
    # the way when its new file (or folder) is written, instead of the file landing inside it.
    for rel in held.keys() - files.keys():
        path = staging / rel
        os.unlink(path)
        for folder in path.parents:  # folders left empty go too
            if folder == staging:
                break
            try:
                os.rmdir(folder)
            except OSError:
                break
    made: set[Path] = set()
    for rel in sorted(files):
        data = files[rel]
        old = held.get(rel)
        if old is data or old == data:
            continue
        dest = staging / rel
        if old is not None:
            os.unlink(dest)
        elif dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        _put(output / rel, dest, data)
    written = [rel for rel in sorted(files) if not (previous.get(rel) is files[rel] or previous.get(rel) == files[rel])]
    return written, len(files) - len(written), len(previous.keys() - files.keys())


def _put(previous: Path, dest: Path, data: bytes) -> bool:
    """Write `data` at `dest`, hard-linking the previous output's file when its bytes are the same
    (True then: its modification time stays put)."""
    if not previous.is_symlink() and _same(previous, data):
        try:
            os.link(previous, dest, follow_symlinks=False)
        except OSError:
            shutil.copy2(previous, dest)
        return True
    dest.write_bytes(data)
    return False


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _swap(staging: Path, output: Path, background_cleanup: bool, keep: bool = False) -> Path | None:
    """Put `staging` in place of `output`; the replaced site is deleted, or with `keep` returned."""
    if not os.path.lexists(output):
        os.rename(staging, output)
        return None
    if exchange(staging, output):
        retired = staging  # after the exchange, the staging name holds the previous site
    else:
        retired = _make_dir(output.parent, output, "old")
        os.rmdir(retired)
        os.rename(output, retired)
        try:
            os.rename(staging, output)
        except BaseException:
            os.rename(retired, output)  # put the previous site back
            raise
    if keep:
        return retired
    if background_cleanup:  # the dev server: the new site is live, the old one can go later
        threading.Thread(target=shutil.rmtree, args=(retired,), kwargs={"ignore_errors": True}, daemon=True).start()
    else:
        shutil.rmtree(retired, ignore_errors=True)
    return None
