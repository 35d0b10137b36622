"""The one way quizapp reads and writes its own files safely (no Qt, no knowledge of formats).

* :func:`atomic_write` (:func:`atomic_open` to write in parts) -- THE atomic write: a
  temporary file in the same folder created exclusively and without following links, every
  byte written, ``fsync``, ``os.replace``, ``fsync`` of the folder. On error the target is
  untouched and the temporary file removed. The store, the deck writer
  (:func:`quizapp.core.authoring.write_text_atomic`), the deck cache, deck packages, CSV
  exports and the sync folder all use it.
* :func:`open_regular` / :func:`read_regular` -- open or read a regular file, never through a
  symbolic link (``O_NOFOLLOW``), never a FIFO, device or socket (a FIFO is opened
  non-blocking, then refused), and read at most a given number of bytes: a planted link must
  never make quizapp write elsewhere, and ``/dev/zero`` must not fill memory.
  :class:`UnsafeFileError` (an :class:`OSError`) says what the file is instead.
* :func:`write_all`, :func:`fsync_dir`, :func:`truncate_file` -- the small durable steps.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "MAX_READ_BYTES",
    "UnsafeFileError",
    "atomic_open",
    "atomic_write",
    "atomic_write_text",
    "check_regular",
    "file_kind",
    "fsync_dir",
    "open_regular",
    "read_regular",
    "too_large_error",
    "truncate_file",
    "unsafe_file_error",
    "write_all",
]

#: The largest file :func:`read_regular` reads unless told otherwise (a million answers of
#: format-1 progress take about 300 MB).
MAX_READ_BYTES = 2 * 1024**3

O_BINARY = getattr(os, "O_BINARY", 0)
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class UnsafeFileError(OSError):
    """A file quizapp would read or write is a symbolic link, a FIFO, a device or another
    special file, or too large: quizapp does not use it (a link planted in a shared data folder
    must never make it overwrite a file elsewhere, and a FIFO or ``/dev/zero`` must not hang or
    fill memory). An :class:`OSError`, so callers that handle I/O errors handle it."""


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may write fewer)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def fsync_dir(folder: Path) -> None:
    """Make a rename/create in ``folder`` durable (no-op where folders cannot be opened)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words ("a symbolic link", "a device", ...)."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def unsafe_file_error(path: Path, what: str) -> UnsafeFileError:
    exc = UnsafeFileError(
        errno.EPERM,
        f"{path} is {what}; quizapp only uses regular files in its data folder (it never "
        "follows links there, so that a link cannot make it overwrite a file elsewhere). "
        "Move it away or replace it with the real file",
    )
    exc.filename = os.fspath(path)
    return exc


def too_large_error(path: Path, limit: int) -> UnsafeFileError:
    exc = UnsafeFileError(
        errno.EFBIG,
        f"{path} is larger than {limit / 1024**2:g} MB, more than any quizapp progress file; "
        "quizapp does not read it and never writes over it",
    )
    exc.filename = os.fspath(path)
    return exc


def check_regular(path: Path) -> bool:
    """True if ``path`` is a regular file, False if it does not exist; raises
    UnsafeFileError for a link or a special file (checked with lstat: never followed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode):
        raise unsafe_file_error(path, file_kind(st.st_mode))
    return True


def open_regular(path: Path, flags: int, mode: int = 0o644, *, follow_links: bool = False
                 ) -> int:
    """``os.open`` that never follows a symbolic link and never opens a special file (a FIFO
    is opened non-blocking, then refused); raises UnsafeFileError for those.
    ``follow_links`` allows a link to a regular file (a file the user chose to import)."""
    nofollow = 0 if follow_links else O_NOFOLLOW
    if not nofollow and not follow_links:  # Windows has no O_NOFOLLOW: check first
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(st.st_mode):
                raise unsafe_file_error(path, file_kind(st.st_mode))
    try:
        fd = os.open(path, flags | nofollow | O_NONBLOCK | O_BINARY, mode)
    except OSError as exc:
        if (nofollow and exc.errno in (errno.ELOOP, errno.EMLINK)) or (
            exc.errno == errno.ENXIO and not stat.S_ISREG(os.lstat(path).st_mode)
        ):
            raise unsafe_file_error(path, file_kind(os.lstat(path).st_mode)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise unsafe_file_error(path, file_kind(st.st_mode))
        if O_NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path, limit: int = MAX_READ_BYTES, *, follow_links: bool = False
                 ) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; never a link, FIFO or device,
    nor a bigger file: UnsafeFileError. FileNotFoundError if it does not exist."""
    fd = open_regular(path, os.O_RDONLY, follow_links=follow_links)
    try:
        if os.fstat(fd).st_size > limit:
            raise too_large_error(path, limit)
        chunks = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise too_large_error(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def truncate_file(path: Path, size: int) -> None:
    """Cut ``path`` to ``size`` bytes without following a link (os.truncate would)."""
    try:
        fd = open_regular(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: Path, *, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file to write that replaces ``path`` atomically and durably when the block
    ends without an error; on error ``path`` is untouched (for writing large files in parts).

    The temporary file is created exclusively and without following links (a link planted
    under its name is removed, never written through); ``os.replace`` then replaces a link at
    ``path`` itself, never the file it points to. ``mode``: the new file's permission bits
    exactly (default 0o644 less the umask).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_BINARY
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileExistsError:  # a leftover (or a planted link): remove the name, not its target
        os.unlink(tmp)
        fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            yield fh
            fh.flush()
            os.fsync(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically and durably (:func:`atomic_open`); on error
    ``path`` is untouched."""
    with atomic_open(path, mode=mode) as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """:func:`atomic_write` of ``text`` as UTF-8 with ``\\n`` line ends."""
    atomic_write(path, text.encode("utf-8"), mode=mode)
