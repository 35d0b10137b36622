"""The sync folder: ``devices/<device-id>/history-YYYY-MM.jsonl``, one folder per computer.

Each computer appends only to the files in its own folder, one file per month (named by the
UTC month of the record), so a sync tool never sees two computers write one file, and a
month's file is never written again once the month is over. Every computer reads every
folder and merges the records by id (:mod:`.merge`).

Whatever a sync tool leaves behind is harmless:

* conflict copies (Syncthing ``*.sync-conflict-*``, Dropbox/Nextcloud ``* (conflicted
  copy ...)``) end in ``.jsonl`` too and are read like any other file: their records are the
  same records again, merged by id, so none is lost and none counted twice;
* temporary files (``.syncthing.*.tmp``, ``~syncthing~*.tmp``, ``*.tmp``, ``*.part``,
  ``*.partial``, hidden files) are ignored;
* a file still being copied ends in a cut-short line, which is ignored until it is whole.

A file from the sync folder is untrusted input: symbolic links are never followed (a link is
reported and skipped), only regular files are read, at most :data:`MAX_FILE` bytes each, and
folders whose names are not device ids are ignored.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core import fileio
from quizapp.core.progress.hlc import DEVICE_ID
from quizapp.core.progress.records import MAX_LINE, Reading, encode, read_lines
from quizapp.core.scheduling import parse_timestamp

__all__ = ["MAX_FILE", "DeviceReading", "append", "cut_torn_tail", "is_leftover", "open_regular",
           "read_device", "read_folder", "segment_name"]

MAX_FILE = 512 * 1024 * 1024
DEVICES = "devices"


def is_leftover(name: str) -> bool:
    """Whether ``name`` is a sync tool's temporary file (never read)."""
    lower = name.lower()
    return (lower.startswith((".", "~"))
            or lower.endswith((".tmp", ".part", ".partial", ".crdownload"))
            or not lower.endswith(".jsonl"))


def segment_name(at: str) -> str:
    """The file a record made at ``at`` goes to: ``history-YYYY-MM.jsonl`` (UTC month)."""
    moment = parse_timestamp(at)
    return f"history-{moment.year:04d}-{moment.month:02d}.jsonl"


@dataclass
class DeviceReading:
    device: str
    files: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def last_answer(self) -> datetime | None:
        times = [parse_timestamp(r["at"]) for r in self.records if r["t"] == "answer"]
        return max(times, default=None)


def open_regular(path: Path) -> int:
    """A descriptor for reading a regular file, never through a link (nor hanging on a
    FIFO); :class:`OSError` otherwise (:func:`quizapp.core.fileio.open_regular`)."""
    return fileio.open_regular(path, os.O_RDONLY)


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file, never through a link; :class:`OSError` otherwise."""
    return fileio.read_regular(path, MAX_FILE)


KEEP_TAIL = 64 * 1024


@dataclass(frozen=True)
class FileRead:
    """One history file as :func:`read_device` read it, for a reader that would read the
    same file again (the store's rebuild after a migration): valid while the file's inode,
    size and modification time are these."""

    info: os.stat_result
    lines: int  # newlines in the file (every line complete)
    last: bytes  # its last KEEP_TAIL bytes (for the store's tail hash)
    reading: Reading

    def still(self, now: os.stat_result) -> bool:
        """Whether ``now`` (an ``lstat`` of the same path) is the file that was read."""
        return (stat.S_ISREG(now.st_mode) and now.st_ino == self.info.st_ino
                and now.st_dev == self.info.st_dev and now.st_size == self.info.st_size
                and now.st_mtime_ns == self.info.st_mtime_ns)


def read_device(folder: Path, device: str, keep: dict[str, FileRead] | None = None
                ) -> DeviceReading:
    """Every record in one computer's folder, with what could not be read; each file that
    ends with a complete line is also put in ``keep`` (by its path), if given."""
    out = DeviceReading(device)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        out.problems.append(f"{folder}: cannot be read ({exc.strerror or exc})")
        return out
    for name in names:
        if is_leftover(name):
            continue
        path = folder / name
        try:
            info = os.lstat(path)
        except OSError:
            continue  # removed meanwhile, e.g. a sync tool renaming a temporary file
        if stat.S_ISLNK(info.st_mode):
            out.problems.append(f"{path}: a symbolic link; not followed")
            continue
        if stat.S_ISDIR(info.st_mode):
            continue  # left for a newer format (see resources/score-store-format.md)
        if not stat.S_ISREG(info.st_mode):
            out.problems.append(f"{path}: not a regular file; not read")
            continue
        try:
            data = _read_regular(path)
        except OSError as exc:
            out.problems.append(f"{path}: not read ({exc.strerror or exc})")
            continue
        reading: Reading = read_lines(data, str(path))
        if keep is not None and len(data) == info.st_size and data[-1:] in (b"", b"\n"):
            keep[str(path)] = FileRead(info, data.count(b"\n"), data[-KEEP_TAIL:], reading)
        out.files.append(name)
        out.records.extend(reading.records)
        out.problems.extend(reading.problems)
        out.warnings.extend(reading.warnings)
    return out


def device_folders(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """(device id, folder) of every computer's folder under ``root/devices``, sorted, and the
    problems found there: a link is reported and never followed; a sync tool's own folders
    (``.stfolder``, ``.dropbox.cache``) and stray names are passed over."""
    base = root / DEVICES
    try:
        names = sorted(os.listdir(base))
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"{base}: cannot be read ({exc.strerror or exc})"]
    folders: list[tuple[str, Path]] = []
    problems: list[str] = []
    for name in names:
        if not DEVICE_ID.fullmatch(name):
            continue
        path = base / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode):
            problems.append(f"{path}: a symbolic link; not followed")
        elif stat.S_ISDIR(info.st_mode):
            folders.append((name, path))
    return folders, problems


def read_folder(root: Path) -> tuple[dict[str, DeviceReading], list[str]]:
    """Every computer's records under ``root/devices``; and problems outside them."""
    folders, problems = device_folders(root)
    return {name: read_device(path, name) for name, path in folders}, problems


def append(root: str | os.PathLike[str], device: str,
           records: Iterable[Mapping[str, Any]]) -> None:
    """Append records to this computer's files, each file ``fsync``-ed before returning."""
    root = Path(root)
    if not DEVICE_ID.fullmatch(device):
        raise ValueError(f"{device!r} is not a device id")
    folder = root / DEVICES / device
    for part in (root / DEVICES, folder):
        try:
            os.mkdir(part)
            _fsync_dir(part.parent)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(part).st_mode):
                raise OSError(f"{part} is not a folder") from None
    by_file: dict[str, list[bytes]] = {}
    for rec in records:
        at = rec["at"] if "at" in rec else _stamp_time(rec)
        by_file.setdefault(segment_name(at), []).append(encode(rec))
    for name, lines in by_file.items():
        path = folder / name
        new_file = not os.path.lexists(path)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o644)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{path} is not a regular file")
            cut_torn_tail(fd, info.st_size)
            fileio.write_all(fd, b"".join(lines))
            os.fsync(fd)
        finally:
            os.close(fd)
        if new_file:  # a new month's file: its name must survive a power cut too
            _fsync_dir(folder)


def cut_torn_tail(fd: int, size: int) -> None:
    """A last line cut short by a crash (no final newline) is removed before appending, so
    the next record starts on a line of its own instead of gluing onto it. Only this
    computer ever writes this file."""
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    start = max(0, size - MAX_LINE - 1)
    tail = os.pread(fd, size - start, start)
    cut = tail.rfind(b"\n")
    if cut < 0 and start > 0:  # not a record cut short: end the line, keep it (damage)
        os.write(fd, b"\n")
    else:
        os.ftruncate(fd, start + cut + 1)
    os.fsync(fd)


def _stamp_time(rec: Mapping[str, Any]) -> str:
    from datetime import timezone

    from quizapp.core.scheduling import format_timestamp

    wall_ms = rec["hlc"][0]
    return format_timestamp(datetime.fromtimestamp(wall_ms / 1000, timezone.utc))


def _fsync_dir(folder: Path) -> None:
    """:func:`quizapp.core.fileio.fsync_dir`, where a synced folder (some network or cloud
    file systems refuse to sync a folder) failing to is not an error."""
    with contextlib.suppress(OSError):
        fileio.fsync_dir(folder)


def _identity(rec: Mapping[str, Any]) -> object:
    if rec["t"] in ("answer", "undo", "session"):
        return rec["t"], rec["id"]
    return encode(rec)  # set, base, or a type a newer quizapp wrote: the whole line


def copy_history(src_root: Path, dst_root: Path, devices: Iterable[str]) -> tuple[int, list[str]]:
    """Append to ``dst_root/devices/<d>/`` every record of ``src_root/devices/<d>/`` that it
    does not hold yet (answers, undos and sessions by id, anything else by its line), for
    each device ``d``: the two copies then hold the same history, however often this runs.
    Each destination file is ``fsync``-ed once. Returns (records appended, problems found
    reading either side: damaged lines are reported, never copied)."""
    added, problems = 0, []
    for dev in devices:
        src = src_root / DEVICES / dev
        if not DEVICE_ID.fullmatch(dev) or not os.path.isdir(src) or os.path.islink(src):
            continue
        theirs = read_device(src, dev)
        problems.extend(theirs.problems)
        dst = dst_root / DEVICES / dev
        have = {_identity(r) for r in read_device(dst, dev).records} if os.path.isdir(dst) \
            else set()
        todo = []
        for rec in theirs.records:
            ident = _identity(rec)
            if ident not in have:
                have.add(ident)
                todo.append(rec)
        if todo:
            append(dst_root, dev, todo)
            added += len(todo)
    return added, problems
