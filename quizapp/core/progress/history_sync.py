"""Score-store format 2, the sync folder part of :class:`~.history_store.HistoryStore`:
the local history copied into the sync folder and back, news from the other computers, and
the status of every computer (see ``resources/score-store-format.md``)."""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from quizapp.core import fileio
from quizapp.core.progress.records import MAX_NAME
from quizapp.core.progress.sync import DeviceStatus, SyncNews, short_name
from quizapp.core.progress.syncfolder import (
    DEVICES,
    copy_history,
    device_folders,
    is_leftover,
)
from quizapp.core.scheduling import (
    format_timestamp,
    parse_timestamp,
)

if TYPE_CHECKING:
    from quizapp.core.progress.history_store import HistoryStore


#: What of this computer's local history was last copied into which sync folder.
LOCAL_COPIED_NAME = "local-copied.json"


def copy_local_history(self: HistoryStore) -> None:
    """Answers this computer made without the sync folder (it was missing at a start, a
    USB stick unplugged; or before syncing was chosen) are in the data folder's own
    history: append what the sync folder lacks to this computer's files there (by id, so
    nothing twice). Skipped while those local files are as they were at the last copy."""
    assert self._sync_dir is not None
    local = self.folder / DEVICES / self.device
    try:
        names = sorted(n for n in os.listdir(local) if not is_leftover(n))
        infos = [os.lstat(local / n) for n in names]
    except OSError:
        return  # no local history
    mark = self.folder / LOCAL_COPIED_NAME
    signature = [str(self._sync_dir.resolve()),
                 [[n, i.st_size, i.st_ino, i.st_mtime_ns] for n, i in zip(names, infos,
                                                                          strict=True)]]
    try:
        if json.loads(fileio.read_regular(mark, 1 << 20)) == signature:
            return
    except (OSError, ValueError):
        pass
    try:
        added, problems = copy_history(self.folder, self._sync_dir, [self.device])
        fileio.atomic_write(mark, json.dumps(signature).encode())
    except OSError as exc:
        self._warn(f"Answers made on this computer without the sync folder could not be "
                   f"copied into {self._sync_dir} ({exc.strerror or exc}); they stay in "
                   f"{local} and are copied at the next start.")
        return
    for message in problems:
        self._problem(message)
    if added:
        self._warn(f"{added:,} records made on this computer while the sync folder was "
                   f"not used were copied into it ({self._sync_dir}).")


def keep_history_locally(self: HistoryStore) -> int:
    """Before syncing stops: copy every computer's history from the sync folder into the
    data folder (merged by id), so that this computer keeps everything it saw. Returns
    the number of records copied."""
    if self._sync_dir is None or self._read_only or not self._persistent:
        return 0
    folders, problems = device_folders(self._sync_dir)
    added, copy_problems = copy_history(self._sync_dir, self.folder, [d for d, _p in folders])
    for message in problems + copy_problems:
        self._problem(message)
    return added


def check_sync(self: HistoryStore) -> SyncNews:
    """Take in what the other computers wrote since the last call (see the module)."""
    self._check_open()
    if self._sync_dir is None:
        return SyncNews()
    before = self._answers
    # answers of other computers taken in since the last check without being said: at the
    # first check, those read when the store opened (made while quizapp was closed)
    unsaid = {d: n for d, n in self._news.items() if d != self.device and n}
    self._news = {}
    self._catch_up(others_only=True)
    problems = tuple(self._fresh_problems)
    news = {d: n for d, n in self._news.items() if d != self.device and n}
    self._news = {}
    for d, n in unsaid.items():
        news[d] = news.get(d, 0) + n
    names = _labels(self, news)
    if self._dirty:
        self._rebuild(None)
        added = max(0, self._answers - before) + sum(unsaid.values())
    else:
        added = sum(news.values())
    for message in problems:
        self._warn(message)
    if self._persistent and self._uncovered > self._compact_threshold():
        self._save_state()
    return SyncNews(added, tuple(sorted(names.values())), problems)


def _labels(self: HistoryStore, devices: Iterable[str]) -> dict[str, str]:
    """How the status bar names each of ``devices``: by its computer's name, with the start
    of its id when another computer in the folder (this one included) has the same name (two
    data folders on one computer, or two laptops both called "laptop"); by its id if
    unnamed."""
    held = {d: n for d, (_stamp, n) in self._names.items()}
    if self.device not in held:
        held[self.device] = computer_name()
    uses = Counter(held.values())
    return {d: d if d not in self._names else
            f"{held[d]} ({short_name(d)})" if uses[held[d]] > 1 else held[d]
            for d in devices}


def sync_status(self: HistoryStore) -> list[DeviceStatus]:
    rows = dict(self._devices)
    rows.setdefault(self.device, [0, None])
    last = {d: None if r[1] is None else parse_timestamp(r[1]) for d, r in rows.items()}
    newest = max((t for t in last.values() if t is not None), default=None)
    return [DeviceStatus(
        device=d, answers=rows[d][0], last_answer=last[d],
        behind=None if newest is None or last[d] is None else newest - last[d],  # type: ignore[operator]
        this_computer=d == self.device,
        name=self._names[d][1] if d in self._names else "") for d in sorted(rows)]


def computer_name() -> str:
    """This computer's name as the other computers are shown it ("" if it has none usable):
    the host name, without a ``.local``/``.lan`` ending, at most MAX_NAME characters."""
    name = socket.gethostname().strip()
    for ending in (".local", ".lan", ".localdomain"):
        name = name.removesuffix(ending)
    name = name[:MAX_NAME]
    return name if name and name.isprintable() else ""


def name_this_computer(self: HistoryStore) -> None:
    """With a sync folder: write a ``device`` record when this computer's name is not the
    one its folder last gave (so the other computers show "laptop", not 32 hex digits)."""
    if self._sync_dir is None or self._read_only or not self._persistent:
        return
    name = computer_name()
    held = self._names.get(self.device)
    if not name or (held is not None and held[1] == name):
        return
    self._append([{"t": "device", "name": name, "hlc": self._stamp(),
                   "at": format_timestamp(self._now())}])
