"""Score-store format 2, the migration driver of :class:`~.history_store.HistoryStore`:
a format-1 folder moved to format 2 (once, at a start; :mod:`.migrate` writes and compares
the records), its sessions and paused block carried over, the old files kept aside."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core import fileio
from quizapp.core.progress.hotstate import TAIL_BYTES, Coverage, tail_hash
from quizapp.core.progress.migrate import migrate
from quizapp.core.progress.records import Reading, read_lines
from quizapp.core.progress.syncfolder import FileRead
from quizapp.core.store import (
    BACKUP_DIR,
    JOURNAL_NAME,
    PREVIOUS_NAME,
    SNAPSHOT_NAME,
    StoreError,
    aside_path,
)

if TYPE_CHECKING:
    from quizapp.core.progress.history_store import HistoryStore


#: Written while the format-1 files are moved aside (see the format document).
MIGRATION_MARK = "migration.json"


class MigrationRefusedError(StoreError):
    """The migration from format 1 found a difference; the folder stays in format 1."""


def migrate_format1(self: HistoryStore, now: datetime) -> None:
    mark = self.folder / MIGRATION_MARK
    if os.path.lexists(mark):
        try:
            aside = self.folder / str(json.loads(fileio.read_regular(mark, 4096))["aside"])
            if aside.parent != self.folder or not aside.name.startswith("format1-"):
                raise ValueError("not a format1- folder")
        except (OSError, ValueError, KeyError, TypeError):
            aside = aside_path(self.folder, "format1", "", now)
        self._move_format1(aside)
        mark.unlink()
        return
    if not any(os.path.lexists(self.folder / n) for n in (SNAPSHOT_NAME, JOURNAL_NAME)):
        return
    if self._on_migrating is not None:
        self._on_migrating(None)
    self._pre_read = {}
    result = migrate(self.folder, self._root, self.device, now=now,
                     on_count=self._on_migrating, keep=self._pre_read)
    if not result.ok:
        self._pre_read = {}
        raise MigrationRefusedError(
            "Your progress was NOT moved to score-store format 2, because a check after "
            f"copying it found a difference ({'; '.join(result.problems[:3])}). It stays "
            "in format 1, as before; nothing was lost.")
    self._migrate_sessions(result.sessions, result.pending)
    aside = aside_path(self.folder, "format1", "", now)
    fileio.atomic_write(mark, json.dumps({"aside": aside.name}).encode())
    self._move_format1(aside)
    mark.unlink()
    fileio.fsync_dir(self.folder)
    self._migrated = True
    self._warn(migrated_message(result.answers, result.undone, result.flags, aside))
    for message in result.warnings:
        self._warn(message)


def migrate_sessions(self: HistoryStore, old: Mapping[str, Any], pending: dict[str, Any] | None
                      ) -> None:
    """Sessions travel as ``session`` records; a paused block goes to ``pending.json``
    (both idempotent: a rerun after a kill writes the same again)."""
    sessions = [{"t": "session", **x, "at": x.get("ended") or x["started"]}
                for x in old.values()]
    if sessions:
        self._write_own(sessions)
        self._uncovered = 0  # taken in by the rebuild that follows the migration
    if pending is not None:
        self._save_pending(pending)


def move_format1(self: HistoryStore, aside: Path) -> None:
    aside.mkdir(exist_ok=True)
    for name in (SNAPSHOT_NAME, JOURNAL_NAME, PREVIOUS_NAME, BACKUP_DIR):
        if os.path.lexists(self.folder / name):
            os.replace(self.folder / name, aside / name)
    fileio.fsync_dir(aside)
    fileio.fsync_dir(self.folder)


def migrated_message(answers: int, undone: int, flags: int, aside: Path) -> str:
    """What the one banner after a migration from format 1 says: good news, not damage."""
    what = [f"{answers:,} answer{'s' if answers != 1 else ''}"]
    if undone:
        what.append(f"{undone:,} undone")
    if flags:
        what.append(f"{flags:,} flagged item{'s' if flags != 1 else ''}")
    return (f"Done: your progress now uses quizapp's new storage format (a one-time move; "
            f"nothing was lost). Moved and checked, counted before and after: "
            f"{', '.join(what)}. The old files are kept, untouched, in {aside}; you may "
            f"delete that folder once you are happy.")


def read_for_rebuild(self: HistoryStore, path: Path, pre_read: Mapping[str, FileRead]
                     ) -> tuple[Reading, Coverage] | None:
    """One history file for :meth:`HistoryStore._rebuild`: as the migration's check has
    just read it (``pre_read``, by path) if it is unchanged since (same inode, size and
    modification time), else read now; None if it cannot be read (reported)."""
    done = pre_read.get(str(path))
    try:
        same = done is not None and done.still(os.lstat(path)) and \
            len(done.last) >= min(TAIL_BYTES, done.info.st_size)
    except OSError:
        same = False
    if done is not None and same:
        return done.reading, Coverage(done.info.st_ino, done.info.st_size, done.lines,
                                      tail_hash(done.last))
    got = self._read_file(path)
    if got is None:
        return None
    data, info = got
    end = data.rfind(b"\n") + 1
    return read_lines(data[:end], str(path)), Coverage(
        info.st_ino, end, data.count(b"\n", 0, end), tail_hash(data[:end]))
