"""Following a sync folder while quizapp runs: this computer's writes, the other computers'
new files and lines, and a status of every computer seen (``quizapp sync --status``).

:meth:`SyncFolder.refresh` reads only what changed since the last call: for a file that grew
(same file), the lines after the last complete one already read; a file that was replaced or
shrank (sync tools replace files by renaming a temporary copy over them) or a new file is
read whole. Reading a record again is harmless -- the merge is by id -- so nothing depends on
catching every change in the right order.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from quizapp.core.progress.hlc import DEVICE_ID
from quizapp.core.progress.merge import Replica
from quizapp.core.progress.records import read_lines
from quizapp.core.progress.syncfolder import (
    DEVICES,
    MAX_FILE,
    append,
    is_leftover,
    open_regular,
)
from quizapp.core.scheduling import parse_timestamp

__all__ = ["DeviceStatus", "Refresh", "SyncFolder", "SyncNews", "format_status"]


@dataclass
class Refresh:
    """What one :meth:`SyncFolder.refresh` found."""

    changed: int = 0  # records that changed the merged state
    devices: set[str] = field(default_factory=set)  # other computers with new records
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SyncNews:
    """What :meth:`quizapp.core.store.Store.check_sync` took in from the other computers."""

    new_answers: int = 0
    computers: tuple[str, ...] = ()  # names/ids of the computers whose files brought news
    problems: tuple[str, ...] = ()  # damage, each naming file and line

    def __bool__(self) -> bool:
        return bool(self.new_answers or self.computers or self.problems)


@dataclass(frozen=True)
class DeviceStatus:
    device: str
    answers: int  # answers this computer wrote (undone ones included)
    last_answer: datetime | None
    behind: timedelta | None  # newest answer of any computer minus this one's newest
    this_computer: bool
    name: str = ""  # the name the computer gave itself (a ``device`` record), or ""


@dataclass
class _Seen:
    ino: int
    offset: int  # bytes up to and including the last complete line read
    lines: int


class SyncFolder:
    """The sync folder ``root`` as seen by the computer ``device``."""

    def __init__(self, root: Path, device: str | None, replica: Replica | None = None
                 ) -> None:
        """``device`` None: only reading (``quizapp sync --status`` on a computer that has not
        written there)."""
        if device is not None and not DEVICE_ID.fullmatch(device):
            raise ValueError(f"{device!r} is not a device id")
        self.root = Path(root)
        self.device = device
        self.replica = replica or Replica()
        self._seen: dict[Path, _Seen] = {}
        self._last: dict[str, datetime] = {}
        self._count: dict[str, set[str]] = {}

    def record(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Write this computer's records (durably) and merge them."""
        recs = list(records)
        if self.device is None:
            raise ValueError("this computer has no device id: it only reads the sync folder")
        append(self.root, self.device, recs)
        self._take(self.device, recs)

    def _take(self, device: str, records: Iterable[Mapping[str, Any]]) -> int:
        changed = 0
        for rec in records:
            changed += self.replica.add(rec)
            if rec["t"] == "answer":
                self._count.setdefault(device, set()).add(rec["id"])
                when = parse_timestamp(rec["at"])
                if device not in self._last or when > self._last[device]:
                    self._last[device] = when
        return changed

    def refresh(self) -> Refresh:
        out = Refresh()
        base = self.root / DEVICES
        try:
            devices = sorted(os.listdir(base))
        except FileNotFoundError:
            return out
        except OSError as exc:
            out.problems.append(f"{base}: cannot be read ({exc.strerror or exc})")
            return out
        for device in devices:
            folder = base / device
            if not DEVICE_ID.fullmatch(device) or not _is_real_dir(folder, out):
                continue
            try:
                names = sorted(os.listdir(folder))
            except OSError as exc:
                out.problems.append(f"{folder}: cannot be read ({exc.strerror or exc})")
                continue
            for name in names:
                if not is_leftover(name):
                    n = self._read_new(folder / name, device, out)
                    if n and device != self.device:
                        out.devices.add(device)
        return out

    def _read_new(self, path: Path, device: str, out: Refresh) -> int:
        try:
            info = os.lstat(path)
        except OSError:
            return 0
        if stat.S_ISDIR(info.st_mode):
            return 0  # a newer format's subfolder
        if stat.S_ISLNK(info.st_mode):
            out.problems.append(f"{path}: a symbolic link; not followed")
            return 0
        seen = self._seen.get(path)
        if seen is not None and seen.ino == info.st_ino and seen.offset == info.st_size:
            return 0
        if seen is None or seen.ino != info.st_ino or info.st_size < seen.offset:
            seen = _Seen(info.st_ino, 0, 0)
        try:
            fd = open_regular(path)
        except OSError as exc:
            out.problems.append(f"{path}: not read ({exc.strerror or exc})")
            return 0
        try:
            size = os.fstat(fd).st_size
            if size > MAX_FILE:
                out.problems.append(f"{path}: larger than {MAX_FILE // 2**20} MiB; not read")
                return 0
            data = os.pread(fd, size - seen.offset, seen.offset)
        finally:
            os.close(fd)
        end = data.rfind(b"\n") + 1
        reading = read_lines(data[:end], str(path), seen.lines + 1)
        out.problems.extend(reading.problems)
        out.warnings.extend(reading.warnings)
        self._seen[path] = _Seen(info.st_ino, seen.offset + end,
                                 seen.lines + data.count(b"\n", 0, end))
        changed = self._take(device, reading.records)
        out.changed += changed
        return changed

    def status(self) -> list[DeviceStatus]:
        newest = max(self._last.values(), default=None)
        devices = sorted(set(self._count) | ({self.device} if self.device else set()))
        return [DeviceStatus(
            device=d, answers=len(self._count.get(d, ())), last_answer=self._last.get(d),
            behind=None if newest is None or d not in self._last else newest - self._last[d],
            this_computer=d == self.device) for d in devices]


def _is_real_dir(path: Path, out: Refresh) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode):
        out.problems.append(f"{path}: a symbolic link; not followed")
        return False
    return stat.S_ISDIR(info.st_mode)


def _ago(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "up to date"


def short_name(device: str) -> str:
    """How a computer is named on screen: its id shortened to 8 characters when it is a long
    hex id (a name given by the computer itself is shown whole)."""
    return device[:8] if len(device) > 12 and all(c in "0123456789abcdef" for c in device) \
        else device


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def format_status(root: Path, rows: list[DeviceStatus]) -> str:
    """``quizapp sync --status``: one line per computer seen in the sync folder ``root``."""
    lines = [f"Sync folder: {root}"]
    others = [r for r in rows if not r.this_computer and r.answers]
    if not any(r.answers for r in rows):
        if not (Path(root) / DEVICES).is_dir():
            lines.append("No computer has synced through this folder yet. Point quizapp at it "
                         "on each computer (Preferences > Sync folder, or --sync-dir).")
        else:
            lines.append("No answers from any computer here yet.")
    else:
        listed = [r for r in rows if r.answers or r.this_computer]  # the lines below
        lines.append(f"Computers seen: {len(listed)}"
                     + ("" if others else " (only this one so far)"))
    for r in rows:
        if not r.answers and not r.this_computer:
            continue
        me = " (this computer)" if r.this_computer else ""
        label = f"{r.name} ({short_name(r.device)})" if r.name else r.device
        if r.last_answer is None:
            lines.append(f"  {label}{me}: no answers here yet")
            continue
        ago = "" if r.behind is None else _ago(r.behind)
        behind = "" if r.behind is None else ", the newest" if not r.behind else \
            ", up to date" if ago == "up to date" else f", {ago} behind the newest"
        lines.append(f"  {label}{me}: {_plural(r.answers, 'answer')}, last answer "
                     f"{r.last_answer.strftime('%Y-%m-%d %H:%M')} UTC{behind}")
    return "\n".join(lines) + "\n"
