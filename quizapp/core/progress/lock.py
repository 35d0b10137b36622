"""The data folder's lock: ``quizapp.lock`` with its owner note, held with an OS lock so that
deleting the file cannot let a second writer in."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from quizapp import __version__
from quizapp.core.fileio import (
    open_regular,
    write_all,
)
from quizapp.core.progress.errors import (
    LockOwner,
    StoreDataError,
    StoreError,
    StoreLockedError,
)
from quizapp.core.progress.format1 import (
    read_store_file,
)
from quizapp.core.progress.validate1 import (
    load_json,
)
from quizapp.core.scheduling import (
    format_timestamp,
)

LOCK_NAME = "quizapp.lock"
#: The largest lock note read (it holds one short JSON object).
LOCK_MAX_BYTES = 64 * 1024


def _this_host() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename  # what socket.gethostname() gives, without importing socket
    import socket

    return socket.gethostname()


def _read_owner(raw: bytes) -> LockOwner | None:
    if len(raw) > LOCK_MAX_BYTES:
        return None
    try:
        info = load_json(raw)
    except StoreDataError:
        return None
    if not isinstance(info, dict):
        return None
    pid = info.get("pid")
    return LockOwner(
        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        host=info.get("host") if isinstance(info.get("host"), str) else None,
        started=info.get("started") if isinstance(info.get("started"), str) else None,
        app=info.get("app") if isinstance(info.get("app"), str) else None,
    )


def _read_fd(fd: int, limit: int = LOCK_MAX_BYTES) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    total = 0
    while total <= limit and (chunk := os.read(fd, 65536)):
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


# Windows locks a byte range mandatorily; lock one far past the text so others can read it.
_WIN_LOCK_OFFSET = 1 << 20


def _os_try_lock(fd: int) -> bool:
    """Take an exclusive OS lock on ``fd`` without waiting; False if another process holds it.

    The OS drops the lock when its holder dies, however it dies, so a lock file left behind by
    a crash or a SIGKILL never blocks the next start on the same computer.
    """
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _os_unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _try_lock_folder(folder: Path) -> int | None:
    """Take an exclusive OS lock on the data folder itself (POSIX): a folder, unlike
    ``quizapp.lock``, cannot be deleted while it holds files, so deleting the lock file can no
    longer let a second quizapp in. Returns the folder's fd holding the lock, None where
    folders cannot be locked (Windows, some network file systems: the lock file alone then
    guards the folder); raises StoreLockedError's cause, BlockingIOError, if it is held."""
    if sys.platform == "win32":
        return None
    import fcntl

    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise BlockingIOError(exc.errno, "the folder is locked") from None
        return None  # e.g. ENOLCK, EBADF on NFS: not supported here
    return fd


class FolderLock:
    """``quizapp.lock``: an OS lock held for the store's lifetime plus a note naming the owner,
    and (where possible) an OS lock on the folder itself that survives deleting the note."""

    def __init__(self, path: Path, fd: int, dir_fd: int | None = None) -> None:
        self.path = path
        self._fd: int | None = fd
        self._dir_fd = dir_fd
        self._started = ""

    @classmethod
    def acquire(cls, path: Path, now: datetime, *, break_lock: bool) -> FolderLock:
        """Take the lock or raise StoreLockedError (OSError if the folder is not writable)."""
        try:
            dir_fd = _try_lock_folder(path.parent)
        except BlockingIOError:
            owner = None
            with contextlib.suppress(OSError):
                owner = _read_owner(read_store_file(path, LOCK_MAX_BYTES))
            raise StoreLockedError(path.parent, owner or LockOwner(None, None, None)) from None
        try:
            lock = cls._acquire_file(path, now, break_lock=break_lock)
        except BaseException:
            if dir_fd is not None:
                os.close(dir_fd)
            raise
        lock._dir_fd = dir_fd
        return lock

    @classmethod
    def _acquire_file(cls, path: Path, now: datetime, *, break_lock: bool) -> FolderLock:
        for _ in range(10):
            fd = open_regular(path, os.O_RDWR | os.O_CREAT)
            try:
                if not _os_try_lock(fd):
                    owner = _read_owner(_read_fd(fd)) or LockOwner(None, None, None)
                    raise StoreLockedError(path.parent, owner)
                # The previous holder may have unlinked the file between our open and lock:
                # then we locked an orphan inode and must start again.
                try:
                    same = os.path.samestat(os.fstat(fd), os.lstat(path))
                except FileNotFoundError:
                    same = False
                if not same:
                    os.close(fd)
                    continue
                previous = _read_owner(_read_fd(fd))
                if (
                    previous is not None
                    and previous.host is not None
                    and previous.host != _this_host()
                    and not break_lock
                ):
                    # OS locks are not reliable across computers (network shares), and a
                    # process elsewhere may still be writing: only the user can decide.
                    raise StoreLockedError(path.parent, previous, other_host=True)
                lock = cls(path, fd)
                lock._started = format_timestamp(now)
                lock._write_note(fd)
                return lock
            except BaseException:
                with contextlib.suppress(OSError):
                    os.close(fd)
                raise
        raise StoreError(f"could not take the lock {path}: it keeps changing")

    def _write_note(self, fd: int) -> None:
        note = {
            "pid": os.getpid(),
            "host": _this_host(),
            "started": self._started,
            "app": f"quizapp {__version__}",
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        write_all(fd, json.dumps(note).encode("utf-8") + b"\n")
        os.fsync(fd)

    def intact(self) -> bool:
        """Whether ``quizapp.lock`` is still the file this store locked (someone may have
        deleted or replaced it while quizapp runs)."""
        if self._fd is None:
            return False
        try:
            return os.path.samestat(os.fstat(self._fd), os.lstat(self.path))
        except OSError:
            return False

    def restore(self) -> bool:
        """After :meth:`intact` said no: put the note back if this store still holds the lock
        on the folder itself (then no other quizapp can have got in). Returns False when the
        exclusion cannot be guaranteed any more (no folder lock on this system)."""
        if self._dir_fd is None or self._fd is None:
            return False
        try:
            fd = open_regular(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return True  # something else was put there; the folder lock still excludes
        except OSError:
            return True  # cannot write the note; the folder lock still excludes
        try:
            if not _os_try_lock(fd):
                os.close(fd)
                return True
            self._write_note(fd)
        except OSError:
            os.close(fd)
            return True
        old, self._fd = self._fd, fd
        with contextlib.suppress(OSError):
            _os_unlock(old)
        with contextlib.suppress(OSError):
            os.close(old)
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        dir_fd, self._dir_fd = self._dir_fd, None
        try:
            if fd is None:
                return
            if sys.platform == "win32":
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                _os_unlock(fd)
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
                return
            # Unlink while still holding the lock (only if it is still our file); a waiter that
            # opened the old inode notices (samestat) and retries on a fresh file.
            with contextlib.suppress(OSError):
                if os.path.samestat(os.fstat(fd), os.lstat(self.path)):
                    os.unlink(self.path)
            with contextlib.suppress(OSError):
                _os_unlock(fd)
            os.close(fd)
        finally:
            if dir_fd is not None:
                with contextlib.suppress(OSError):
                    os.close(dir_fd)  # closing drops the folder lock
