"""Score-store format 2: the answer history is the truth, the hot state a compacted cache.

On disk (``resources/score-store-format.md`` describes every file and field)::

    <data folder>/
        quizapp.lock        the local lock (as in format 1; never in a sync folder)
        device-id           this computer's id (32 hex digits)
        state.json          the hot state: per-unit state, sessions, undone ids, and for
                            every history file the bytes it covers (rewritten atomically)
        aggregates.json     the rolled-up figures (:mod:`.aggregates`), same coverage
        pending.json        a paused exam block, if any
        format1-<UTC time>/ the format-1 files, moved aside by the migration (never deleted)
    <history root>/devices/<device-id>/history-YYYY-MM.jsonl
                            each computer's records (:mod:`.records`), append-only

The history root is the sync folder when one is given, else the data folder. This computer
appends only to its own folder, one ``write`` + ``fsync`` per record, to the file of the
current UTC month (or of the record's month if that is later), so a month's file is never
written again once the month is over (sealed).

Start-up reads ``state.json`` and only the bytes appended to each history file after the
offset it covers; the common case -- an answer newer than the unit's last one -- is applied
incrementally (the scheduler state replayed from the unit's previous state, fuzz seeded by
the answer id, exactly as :class:`~quizapp.core.progress.merge.Replica` derives it). Anything
else (an answer older than the unit's last one arriving from another computer, an undo beyond
the kept states, a conflict copy, a file replaced with different content, a missing or
damaged hot state) makes the store rebuild the hot state by reading the history once: the
history is the truth, so nothing can be lost that way.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core import fileio
from quizapp.core.model import StudyUnit, parse_unit_key, unit_key
from quizapp.core.progress.aggregates import Aggregates
from quizapp.core.progress.exchange import (
    HistoryImportPlan,
    export_document,
    plan_from_records,
    read_progress_records,
)
from quizapp.core.progress.hlc import DEVICE_ID, Clock, parse_stamp
from quizapp.core.progress.hotstate import (
    FORMAT,
    TAIL_BYTES,
    Coverage,
    HotStateData,
    NewerFormatError,
    OtherFolderError,
    UnitMeta,
    hot_state_document,
    parse_hot_state,
    tail_hash,
    tkey,
)
from quizapp.core.progress.migrate import migrate
from quizapp.core.progress.records import encode, read_lines
from quizapp.core.progress.sync import DeviceStatus, SyncNews
from quizapp.core.progress.syncfolder import (
    DEVICES,
    MAX_FILE,
    copy_history,
    cut_torn_tail,
    is_leftover,
)
from quizapp.core.scheduling import (
    Rating,
    format_timestamp,
    parse_timestamp,
    to_utc,
)
from quizapp.core.store import (
    BACKUP_DIR,
    COMPACT_MIN_BYTES,
    JOURNAL_NAME,
    LOCK_NAME,
    PREVIOUS_NAME,
    SNAPSHOT_NAME,
    UNDO_DEPTH,
    Attempt,
    FolderLock,
    HotState,
    ImportCounts,
    ImportPlan,
    Store,
    StoreDataError,
    StoreError,
    StoreLockedError,
    UnitEntry,
    aside_path,
    check_session,
    new_record_id,
)

__all__ = ["FORMAT", "HistoryImportPlan", "HistoryStore", "MigrationRefusedError",
           "folder_format", "open_store"]

STATE_NAME = "state.json"
AGGREGATES_NAME = "aggregates.json"
PENDING_NAME = "pending.json"
MIGRATION_MARK = "migration.json"
#: What of this computer's local history was last copied into which sync folder.
LOCAL_COPIED_NAME = "local-copied.json"
#: The largest hot state, aggregates or pending file read.
STATE_MAX_BYTES = 512 * 1024**2
#: Environment variable that switches new and format-1 folders to format 2 (see open_store).
FORMAT_ENV = "QUIZAPP_STORE_FORMAT"


class MigrationRefusedError(StoreError):
    """The migration from format 1 found a difference; the folder stays in format 1."""


def folder_format(folder: Path) -> int:
    """2 if ``folder`` holds format 2 (or a migration to it), 1 if format 1, 0 if neither."""
    if any(os.path.lexists(folder / n) for n in (STATE_NAME, MIGRATION_MARK, DEVICES)):
        return 2
    if any(os.path.lexists(folder / n) for n in (SNAPSHOT_NAME, JOURNAL_NAME)):
        return 1
    return 0


def open_store(folder: str | os.PathLike[str], *, store_format: int | None = None,
               read_only: bool = False, **options: Any) -> Store:
    """Open the data folder for the app and the command line: format 2, the format quizapp
    writes. A new folder starts in format 2; a format-1 folder opened for writing is migrated
    first (a migration that finds a difference leaves it in format 1, with a warning); one
    opened read-only is read as it is. ``store_format=1`` (or ``QUIZAPP_STORE_FORMAT=1`` in the
    environment) keeps a folder in format 1. Takes the keywords of :meth:`Store.open`, and
    ``on_migrating`` of :meth:`HistoryStore.open`."""
    path = Path(folder)
    found = folder_format(path)
    wanted = store_format or (1 if os.environ.get(FORMAT_ENV, "").strip() == "1" else 2)
    on_migrating = options.pop("on_migrating", None)
    if found == 2 or (wanted == 2 and not (found == 1 and read_only)):
        try:
            return HistoryStore.open(path, read_only=read_only, on_migrating=on_migrating,
                                     **options)
        except MigrationRefusedError as exc:
            store = Store.open(path, read_only=read_only, **options)
            store.warnings.append(str(exc))
            return store
    return Store.open(path, read_only=read_only, **options)


def _order(at: str, rid: str) -> tuple[str, str]:
    return tkey(at), rid


def _session_rank(s: Mapping[str, Any]) -> tuple[bool, datetime, str]:
    ended = s.get("ended")
    when = parse_timestamp(ended) if ended else datetime.min.replace(tzinfo=None)
    return (ended is not None, when.replace(tzinfo=None),
            json.dumps(s, sort_keys=True, separators=(",", ":")))


def _month_key(name: str) -> str:
    return name[len("history-"):len("history-") + 7] if name.startswith("history-") else ""


class HistoryStore(Store):
    """The format-2 store (see the module). Open it with :func:`open_store` or
    :meth:`HistoryStore.open`; it answers every call of :class:`Store`."""

    def __init__(self, folder: Path, *, clock: Callable[[], datetime] | None, read_only: bool,
                 on_warning: Callable[[str], None] | None, compact_min_bytes: int,
                 sync_dir: Path | None) -> None:
        super().__init__(folder, clock=clock, read_only=read_only, on_warning=on_warning,
                         compact_min_bytes=compact_min_bytes)
        self._sync_dir = sync_dir
        self._root = sync_dir if sync_dir is not None else folder
        self._meta: dict[str, UnitMeta] = {}
        self._undone: set[str] = set()
        self._seen: dict[str, Coverage] = {}
        self._devices: dict[str, list[Any]] = {}  # device -> [answers, last answer at]
        self._answers = 0
        self._hlc: Clock | None = None
        self._own_fd: int | None = None
        self._own_rel: str | None = None
        self._uncovered = 0
        self._state_bytes = 0
        self._dirty = False
        self._damage: list[str] = []
        self._agg_id: str | None = None
        self._agg_loaded = False
        self._agg_changed = False
        self._agg_todo: list[tuple[int, dict[str, Any]]] = []
        self._news: dict[str, int] = {}
        self._fresh_problems: list[str] = []
        self._migrated = False
        self._unsaved: list[dict[str, Any]] = []
        self._on_migrating: Callable[[int | None], object] | None = None

    # -- opening and closing --------------------------------------------------------------

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        read_only: bool = False,
        break_lock: bool = False,
        on_warning: Callable[[str], None] | None = None,
        compact_min_bytes: int = COMPACT_MIN_BYTES,
        sync_dir: str | os.PathLike[str] | None = None,
        on_migrating: Callable[[int | None], object] | None = None,
    ) -> HistoryStore:
        """Open (creating, or migrating from format 1, if needed) the format-2 store in
        ``folder``; keywords as :meth:`Store.open`. Raises :class:`StoreLockedError` if
        another quizapp holds the folder, :class:`MigrationRefusedError` if the migration
        from format 1 found a difference (nothing then changed in format 1).
        ``on_migrating`` is called (on this thread) when a migration from format 1 starts,
        with None, and again with the number of answers being moved once it is known."""
        store = cls(Path(folder), clock=clock, read_only=read_only, on_warning=on_warning,
                    compact_min_bytes=compact_min_bytes,
                    sync_dir=None if sync_dir is None else Path(sync_dir))
        store._on_migrating = on_migrating
        try:
            store._open2(break_lock=break_lock)
        except BaseException:
            store._release()
            raise
        return store

    def _open2(self, *, break_lock: bool) -> None:
        now = self._now()
        if not self._read_only:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._lock = FolderLock.acquire(self.folder / LOCK_NAME, now,
                                                break_lock=break_lock)
            except StoreLockedError:
                raise
            except OSError as exc:
                self._go_memory_only(exc)
        self._hlc = Clock(self.device)
        if self._persistent:
            self._migrate_format1(now)
            if self._sync_dir is not None:
                self._copy_local_history()
        why = self._load_state(now)
        if why is None:
            self._catch_up(others_only=False)
            if self._dirty:
                self._rebuild(None)
        else:
            self._rebuild(why or None)
        self._load_pending(now)
        for message in self._damage:
            self._warn(message)
        if self._persistent and (why is not None or self._uncovered > self._compact_threshold()):
            self._save_state()

    def close(self) -> None:
        """Save the hot state (when anything changed) and release the folder."""
        if self._closed:
            return
        try:
            if self._persistent and self._uncovered:
                self._save_state()
        finally:
            self._closed = True
            self._release()

    def _release(self) -> None:
        if self._own_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._own_fd)
            self._own_fd = None
        super()._release()

    def _compact_threshold(self) -> int:
        return max(self._compact_min, self._state_bytes // 2)

    def retry_persist(self) -> bool:
        """After a write error: write what was recorded meanwhile to the history and save
        the hot state. Only while this store still holds the folder's lock (see
        :meth:`Store.retry_persist`)."""
        self._check_open()
        if self._persistent or self._read_only:
            return self._persistent
        if self._lock is None or self._lock_lost:
            return False
        self._persistent = True
        try:
            if self._unsaved:
                self._write_own(self._unsaved)
                self._unsaved = []
            self._save_pending(self._state.pending)
        except OSError as exc:
            self._go_memory_only(exc)
            return False
        self._save_state()
        if self._persistent:
            self._warn(f"Progress is being saved again in {self.folder}.")
        return self._persistent

    # -- the local history and the sync folder ---------------------------------------------

    def _copy_local_history(self) -> None:
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

    def keep_history_locally(self) -> int:
        """Before syncing stops: copy every computer's history from the sync folder into the
        data folder (merged by id), so that this computer keeps everything it saw. Returns
        the number of records copied."""
        if self._sync_dir is None or self._read_only or not self._persistent:
            return 0
        try:
            devices = [d for d in os.listdir(self._sync_dir / DEVICES) if DEVICE_ID.fullmatch(d)]
        except OSError:
            return 0
        added, problems = copy_history(self._sync_dir, self.folder, sorted(devices))
        for message in problems:
            self._problem(message)
        return added

    # -- the migration from format 1 ------------------------------------------------------

    def _migrate_format1(self, now: datetime) -> None:
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
        result = migrate(self.folder, self._root, self.device, now=now,
                         on_count=self._on_migrating)
        if not result.ok:
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

    def _migrate_sessions(self, old: Mapping[str, Any], pending: dict[str, Any] | None
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

    def _move_format1(self, aside: Path) -> None:
        aside.mkdir(exist_ok=True)
        for name in (SNAPSHOT_NAME, JOURNAL_NAME, PREVIOUS_NAME, BACKUP_DIR):
            if os.path.lexists(self.folder / name):
                os.replace(self.folder / name, aside / name)
        fileio.fsync_dir(aside)
        fileio.fsync_dir(self.folder)

    # -- the hot state ----------------------------------------------------------------------

    def _set_aside(self, path: Path, kind: str, now: datetime) -> Path | None:
        target = aside_path(self.folder, f"{path.stem}.{kind}", path.suffix, now)
        try:
            os.replace(path, target)
        except OSError:
            return None
        return target

    def _load_state(self, now: datetime) -> str | None:
        """None when the hot state was loaded; else why it must be rebuilt ("" = silently)."""
        path = self.folder / STATE_NAME
        try:
            raw = fileio.read_regular(path, STATE_MAX_BYTES)
        except FileNotFoundError:
            # damage only if this computer wrote history before: a computer that joins a
            # sync folder starts from the other computers' files, which is no loss
            own = [root / DEVICES / self.device for root in {self._root, self.folder}]
            return "" if self._migrated or not any(map(os.path.lexists, own)) else (
                f"The hot state {path} was missing; it was rebuilt from the history.")
        except OSError as exc:
            aside = None if self._read_only else self._set_aside(path, "corrupt", now)
            return (f"The hot state {path} could not be read ({exc.strerror or exc})"
                    + (f"; kept aside as {aside.name}" if aside else "")
                    + "; it was rebuilt from the history.")
        try:
            self._parse_state(raw)
        except NewerFormatError as exc:
            aside = None if self._read_only else self._set_aside(path, "newer", now)
            return (f"The hot state {path} was written by a newer quizapp (format "
                    f"{exc.found}); " + (f"kept aside as {aside.name}; " if aside else "")
                    + "it was rebuilt from the history.")
        except OtherFolderError:
            return ""
        except (ValueError, TypeError, KeyError, StoreDataError, RecursionError) as exc:
            aside = None if self._read_only else self._set_aside(path, "corrupt", now)
            return (f"The hot state {path} was damaged ({str(exc)[:160]})"
                    + (f"; kept aside as {aside.name}" if aside else "")
                    + "; it was rebuilt from the history.")
        self._state_bytes = len(raw)
        return None

    def _parse_state(self, raw: bytes) -> None:
        assert self._hlc is not None
        hot = parse_hot_state(raw, self.device, str(self._root))
        if hot.clock is not None:
            self._hlc.observe(hot.clock)
        self._state, self._meta, self._undone, self._seen = (hot.state, hot.metas, hot.undone,
                                                             hot.seen)
        self._devices, self._answers = hot.devices, hot.answers
        self._damage, self._agg_id = hot.damage, hot.aggregates_id

    def _state_document(self) -> dict[str, Any]:
        assert self._hlc is not None
        return hot_state_document(HotStateData(
            state=self._state, metas=self._meta, undone=self._undone, seen=self._seen,
            devices=self._devices, answers=self._answers, damage=self._damage,
            clock=self._hlc.last, aggregates_id=self._agg_id), self.device, str(self._root))

    def _save_state(self) -> None:
        """Rewrite the hot state (and the aggregates, if changed) atomically: compaction."""
        if not self._persistent or self._read_only:
            return
        try:
            if self._agg_todo or (self._agg_loaded and self._agg_changed):
                figures = self.aggregates
                self._agg_id = new_record_id()
                fileio.atomic_write(self.folder / AGGREGATES_NAME, json.dumps(
                    {"format": FORMAT, "id": self._agg_id, "figures": figures.to_json()},
                    separators=(",", ":")).encode("utf-8"))
                self._agg_changed = False
            data = json.dumps(self._state_document(), ensure_ascii=False, allow_nan=False,
                              separators=(",", ":")).encode("utf-8")
            fileio.atomic_write(self.folder / STATE_NAME, data)
        except OSError as exc:
            self._go_memory_only(exc)
            return
        self._state_bytes = len(data)
        self._uncovered = 0

    def _load_pending(self, now: datetime) -> None:
        path = self.folder / PENDING_NAME
        try:
            doc = json.loads(fileio.read_regular(path, STATE_MAX_BYTES),
                             parse_constant=_no_constant)
            if not isinstance(doc, dict) or not (doc.get("pending") is None
                                                 or isinstance(doc["pending"], dict)):
                raise ValueError("not a paused block")
            self._state.pending = doc["pending"]
        except FileNotFoundError:
            self._state.pending = None
        except (OSError, ValueError, RecursionError) as exc:
            aside = None if self._read_only else self._set_aside(path, "corrupt", now)
            self._state.pending = None
            self._warn(f"The paused block in {path} could not be read ({str(exc)[:120]})"
                       + (f"; it is kept aside as {aside.name}." if aside else "."))

    # -- reading the history ----------------------------------------------------------------

    def _history_files(self, others_only: bool) -> Iterator[tuple[str, str, Path]]:
        """(device, path relative to the root, path) of every history file, links and
        leftovers of sync tools left out (a link is reported)."""
        base = self._root / DEVICES
        try:
            devices = sorted(os.listdir(base))
        except FileNotFoundError:
            return
        except OSError as exc:
            self._problem(f"{base}: cannot be read ({exc.strerror or exc})")
            return
        for dev in devices:
            if not DEVICE_ID.fullmatch(dev) or (others_only and dev == self.device):
                continue
            folder = base / dev
            try:
                info = os.lstat(folder)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                self._problem(f"{folder}: a symbolic link; not followed")
                continue
            if not stat.S_ISDIR(info.st_mode):
                continue
            try:
                names = sorted(os.listdir(folder))
            except OSError as exc:
                self._problem(f"{folder}: cannot be read ({exc.strerror or exc})")
                continue
            for name in names:
                if not is_leftover(name):
                    yield dev, f"{DEVICES}/{dev}/{name}", folder / name

    def _problem(self, message: str) -> None:
        if message not in self._damage:
            self._damage.append(message)
            self._fresh_problems.append(message)

    def _read_file(self, path: Path) -> tuple[bytes, os.stat_result] | None:
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISDIR(info.st_mode):
            return None
        if stat.S_ISLNK(info.st_mode):
            self._problem(f"{path}: a symbolic link; not followed")
            return None
        try:
            data = fileio.read_regular(path, MAX_FILE)
        except OSError as exc:
            self._problem(f"{path}: not read ({exc.strerror or exc})")
            return None
        return data, info

    def _catch_up(self, *, others_only: bool) -> None:
        """Take in what was appended to the history files after the covered offsets."""
        self._fresh_problems = []
        present = set()
        for dev, rel, path in self._history_files(others_only):
            present.add(rel)
            seen = self._seen.get(rel)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if seen is not None and seen.ino == info.st_ino and seen.size == info.st_size:
                continue
            got = self._read_file(path)
            if got is None:
                continue
            data, info = got
            start, lines = 0, 0
            if seen is not None and len(data) >= seen.size and \
                    tail_hash(data[:seen.size]) == seen.tail:
                start, lines = seen.size, seen.lines  # the same file, longer
            elif seen is not None:
                self._dirty = True  # replaced by different content: read it all again
            self._take_bytes(dev, rel, data, info.st_ino, start, lines, str(path))
        for rel in self._seen:
            dev = rel.split("/")[1]
            if rel not in present and not (others_only and dev == self.device):
                self._problem(f"{self._root / rel}: a history file quizapp has read is "
                              "missing; the answers it held are kept in the hot state")

    def _take_bytes(self, dev: str, rel: str, data: bytes, ino: int, start: int,
                    lines: int, source: str) -> None:
        end = data.rfind(b"\n") + 1
        if end <= start:
            return
        reading = read_lines(data[start:end], source, lines + 1)
        for message in reading.problems:
            self._problem(message)
        for message in reading.warnings:
            self._warn(message)
        self._seen[rel] = Coverage(ino, end, lines + data.count(b"\n", start, end),
                                tail_hash(data[:end]))
        self._uncovered += end - start
        for rec in reading.records:
            self._take(rec, dev)

    def _rebuild(self, why: str | None) -> None:
        """Build the hot state again by reading every history file once."""
        if why:
            self._warn(why)
        self._fresh_problems = []
        pending = self._state.pending
        self._state = HotState()
        self._state.pending = pending
        self._meta, self._undone, self._seen, self._devices = {}, set(), {}, {}
        self._answers = 0
        self._dirty = False
        self._aggregates = Aggregates()
        self._agg_loaded, self._agg_changed, self._agg_todo = True, True, []
        answers: dict[str, tuple[dict[str, Any], str]] = {}
        others: list[tuple[dict[str, Any], str]] = []
        for dev, rel, path in self._history_files(others_only=False):
            got = self._read_file(path)
            if got is None:
                continue
            data, info = got
            end = data.rfind(b"\n") + 1
            reading = read_lines(data[:end], str(path))
            for message in reading.problems:
                self._problem(message)
            for message in reading.warnings:
                self._warn(message)
            self._seen[rel] = Coverage(info.st_ino, end, data.count(b"\n", 0, end),
                                    tail_hash(data[:end]))
            for rec in reading.records:
                if rec["t"] == "answer":
                    held = answers.get(rec["id"])
                    if held is not None and held[0] != rec:
                        self._problem(f"two different answers carry the id {rec['id']}; "
                                      "kept one of them")
                        if _canonical(held[0]) <= _canonical(rec):
                            continue
                    answers[rec["id"]] = (rec, dev)
                elif rec["t"] == "undo":
                    self._undone.add(rec["id"])
                else:
                    others.append((rec, dev))
        for rec, dev in others:
            self._take(rec, dev)
        for rec, dev in sorted(answers.values(), key=lambda p: _order(p[0]["at"], p[0]["id"])):
            self._take(rec, dev)
        self._uncovered = max(self._uncovered, 1)  # save the rebuilt state

    # -- merging one record ---------------------------------------------------------------------

    def _take(self, rec: Mapping[str, Any], device: str) -> int:
        """Merge one checked record; 1 if it added a live answer."""
        kind = rec["t"]
        if kind == "answer":
            return self._take_answer(dict(rec), device)
        if kind == "undo":
            self._take_undo(rec)
        elif kind == "set":
            self._take_set(rec)
        elif kind == "base":
            self._take_base(rec)
        elif kind == "session":
            self._take_session(rec)
        return 0

    def _take_answer(self, rec: dict[str, Any], device: str) -> int:
        rid, key = rec["id"], rec["unit"]
        if rid in self._undone:
            return 0
        meta = self._meta.get(key)
        when = tkey(rec["at"])
        if meta is not None and meta.last is not None and (when, rid) <= _order(*meta.last):
            entry = self._state.items.get(key)
            if rid != meta.last[1] and not (
                    entry and any(u["attempt"] == rid for u in entry.undo)):
                self._dirty = True  # older than the unit's last answer: replay the unit
            return 0
        if meta is None:
            meta = self._meta[key] = UnitMeta()
        entry = self._state.item(key)
        entry.undo.append({"attempt": rid, "fsrs": entry.card,
                           "last_correct": entry.last_correct, "last_seen": entry.last_seen,
                           "last": None if meta.last is None else list(meta.last),
                           "rec": rec})
        del entry.undo[:-UNDO_DEPTH]
        if rec["rating"] is not None and (meta.base is None or when > tkey(meta.base[1])):
            entry.set_card(self._scheduler.review(entry.card, Rating(rec["rating"]),
                                                  parse_timestamp(rec["at"]), seed=rid))
        entry.last_correct = rec["correct"]
        entry.last_seen = rec["at"]
        meta.last = (rec["at"], rid)
        self._count(key, rec["correct"], 1)
        self._answers += 1
        row = self._devices.setdefault(device, [0, None])
        row[0] += 1
        if row[1] is None or when > tkey(row[1]):
            row[1] = rec["at"]
        self._news[device] = self._news.get(device, 0) + 1
        self._figures(1, rec)
        return 1

    def _take_undo(self, rec: Mapping[str, Any]) -> None:
        rid = rec["id"]
        if rid in self._undone:
            return
        self._undone.add(rid)
        keys = [rec["unit"]] if "unit" in rec else [
            k for k, e in self._state.items.items() if any(u["attempt"] == rid for u in e.undo)]
        for key in keys:
            entry = self._state.items.get(key)
            if entry is not None and entry.undo and entry.undo[-1]["attempt"] == rid:
                u = entry.undo.pop()
                entry.set_card(u["fsrs"])
                entry.last_correct, entry.last_seen = u["last_correct"], u["last_seen"]
                self._meta[key].last = None if u["last"] is None else tuple(u["last"])
                self._count(key, u["rec"]["correct"], -1)
                self._answers -= 1
                self._figures(-1, u["rec"])
                return
            meta = self._meta.get(key)
            if meta is not None and meta.last is not None:
                self._dirty = True  # an older answer of the unit, or not here yet

    def _take_set(self, rec: Mapping[str, Any]) -> None:
        stamp = parse_stamp(rec["hlc"])
        assert self._hlc is not None
        self._hlc.observe(stamp)
        meta = self._meta.setdefault(rec["unit"], UnitMeta())
        held = meta.sets.get(rec["field"])
        if held is not None and held[0] >= stamp:
            return
        meta.sets[rec["field"]] = (stamp, rec["value"])
        if rec["field"] == "flagged":
            self._state.item(rec["unit"]).flagged = rec["value"]

    def _take_base(self, rec: Mapping[str, Any]) -> None:
        stamp = parse_stamp(rec["hlc"])
        assert self._hlc is not None
        self._hlc.observe(stamp)
        meta = self._meta.setdefault(rec["unit"], UnitMeta())
        if meta.base is not None and meta.base[0] >= stamp:
            return
        meta.base = (stamp, rec["at"], dict(rec["card"]))
        if meta.last is None:
            self._state.item(rec["unit"]).set_card(dict(rec["card"]))
        else:
            self._dirty = True

    def _take_session(self, rec: Mapping[str, Any]) -> None:
        s = {k: rec[k] for k in ("id", "mode", "settings", "deck_ids", "started", "ended",
                                 "score")}
        try:
            check_session(s, f"session {s['id']!r:.40}")
        except StoreDataError as exc:
            self._problem(f"a session record was set aside: {exc}")
            return
        held = self._state.sessions.get(s["id"])
        if held is None or _session_rank(s) > _session_rank(held):
            self._state.sessions[s["id"]] = s

    def _count(self, key: str, correct: bool, sign: int) -> None:
        t = self._state.totals.get(key)
        if t is None:
            t = self._state.totals[key] = [0, 0]
        t[0] += sign
        t[1] += sign if correct else 0
        if not t[0]:
            del self._state.totals[key]

    def _figures(self, sign: int, rec: dict[str, Any]) -> None:
        if self._agg_loaded:
            assert self._aggregates is not None
            (self._aggregates.add if sign > 0 else self._aggregates.remove)(rec)
            self._agg_changed = True
        else:
            self._agg_todo.append((sign, rec))

    # -- writing this computer's records --------------------------------------------------------

    def _append(self, records: list[dict[str, Any]]) -> None:
        """Write records to this computer's history (one write + fsync), then merge them."""
        if self._persistent:
            self._check_lock()
        if self._persistent:
            try:
                self._write_own(records)
            except OSError as exc:
                self._go_memory_only(exc)
        if not self._persistent:
            self._unsaved.extend(records)  # written by retry_persist, if it can
        for rec in records:
            self._take(rec, self.device)
        if self._dirty:
            self._rebuild(None)
        if self._persistent and self._uncovered > self._compact_threshold():
            self._save_state()

    def _write_own(self, records: list[dict[str, Any]]) -> None:
        now = to_utc(self._now())
        month = max([f"{now.year:04d}-{now.month:02d}"] + [
            format_timestamp(parse_timestamp(r["at"]))[:7] for r in records if "at" in r])
        name = f"history-{month}.jsonl"
        rel = f"{DEVICES}/{self.device}/{name}"
        if self._own_rel != rel or self._own_fd is None:
            if self._own_fd is not None:
                os.close(self._own_fd)  # the previous month's file: sealed from now on
                self._own_fd = None
            folder = self._root / DEVICES / self.device
            for part in (self._root / DEVICES, folder):
                try:
                    os.mkdir(part)
                    fileio.fsync_dir(part.parent)
                except FileExistsError:
                    if not stat.S_ISDIR(os.lstat(part).st_mode):
                        raise fileio.unsafe_file_error(part, "not a folder") from None
            path = folder / name
            new_file = not os.path.lexists(path)
            fd = fileio.open_regular(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
            if new_file:
                fileio.fsync_dir(folder)
            cut_torn_tail(fd, os.fstat(fd).st_size)
            self._own_fd, self._own_rel = fd, rel
            self._cover_own(fd, rel)
        assert self._own_fd is not None
        data = b"".join(encode(r) for r in records)
        size = os.fstat(self._own_fd).st_size
        fileio.write_all(self._own_fd, data)
        os.fsync(self._own_fd)
        seen = self._seen.get(rel)
        if seen is not None and seen.size == size:
            start = max(0, size + len(data) - TAIL_BYTES)
            tail = os.pread(self._own_fd, size + len(data) - start, start)
            self._seen[rel] = Coverage(seen.ino, size + len(data),
                                    seen.lines + data.count(b"\n"), tail_hash(tail))
            self._uncovered += len(data)

    def _cover_own(self, fd: int, rel: str) -> None:
        """Make the offset of this computer's current file match its size (the file is new,
        or lines written before a crash were not taken in yet)."""
        info = os.fstat(fd)
        seen = self._seen.get(rel)
        if seen is None and info.st_size == 0:
            self._seen[rel] = Coverage(info.st_ino, 0, 0, tail_hash(b""))
        elif seen is None or seen.size != info.st_size:
            data = os.pread(fd, info.st_size, 0)
            start, lines = (seen.size, seen.lines) if seen is not None else (0, 0)
            self._take_bytes(self.device, rel, data, info.st_ino, start, lines,
                             str(self._root / rel))

    def _stamp(self) -> list[object]:
        assert self._hlc is not None
        return self._hlc.tick(int(self._now().timestamp() * 1000)).to_json()

    def _commit(self, record: dict[str, Any]) -> None:
        """The format-1 changes of :class:`Store`'s methods, written as format-2 records."""
        self._check_open()
        op = record["op"]
        if op == "attempt":
            a = record["attempt"]
            unit = unit_key(a["deck_id"], a["item_id"], a["part"])
            try:
                if parse_unit_key(unit) != StudyUnit(a["deck_id"], a["item_id"], a["part"]):
                    raise ValueError(f"unit {unit!r:.60} does not name its unit")
            except ValueError as exc:
                raise ValueError(f"cannot record this: {exc}") from None
            self._append([{"t": "answer", "id": a["id"], "unit": unit, "at": a["timestamp"],
                           "rating": a["rating"],
                           "correct": a["correct"], "marks": a["marks"],
                           "confidence": a["confidence"], "mode": a["mode"],
                           "time_ms": a["time_ms"], "answer": a["answer"],
                           "session": a["session_id"]}])
        elif op == "flag":
            self._append([{"t": "set", "unit": record["unit"], "field": "flagged",
                           "value": record["flagged"], "hlc": self._stamp()}])
        elif op == "session":
            s = record["session"]
            self._append([{"t": "session", **s, "at": s["started"]}])
        elif op == "session_end":
            s = {**self._state.sessions[record["id"]], "ended": record["ended"],
                 "score": record["score"]}
            self._append([{"t": "session", **s, "at": record["ended"]}])
        elif op == "pending":
            self._save_pending(record["state"])
        else:  # pragma: no cover - every op of Store is handled above
            raise ValueError(f"unknown change {op!r}")

    def _save_pending(self, state: dict[str, Any] | None) -> None:
        value = json.loads(json.dumps(state, allow_nan=False))
        if self._persistent:
            try:
                if value is None:
                    with contextlib.suppress(FileNotFoundError):
                        fileio.check_regular(self.folder / PENDING_NAME)
                        os.unlink(self.folder / PENDING_NAME)
                        fileio.fsync_dir(self.folder)
                else:
                    fileio.atomic_write(self.folder / PENDING_NAME, json.dumps(
                        {"format": FORMAT, "pending": value}, ensure_ascii=False,
                        separators=(",", ":")).encode("utf-8"))
            except OSError as exc:
                self._go_memory_only(exc)
        self._state.pending = value

    # -- the Store calls that read or change answers ------------------------------------------

    def undo_last(self, unit: Any) -> Attempt | None:
        """Undo the unit's most recent answer (up to the last 10 of the unit); see
        :meth:`Store.undo_last`."""
        self._check_open()
        entry = self._state.items.get(unit.key)
        if entry is not None and not entry.undo and self._state.totals.get(unit.key):
            self._reload_unit(unit.key)
            entry = self._state.items.get(unit.key)
        if entry is None or not entry.undo:
            return None
        rec = entry.undo[-1]["rec"]
        self._append([{"t": "undo", "id": rec["id"], "at": format_timestamp(self._now()),
                       "unit": unit.key}])
        return _attempt(rec)

    def _reload_unit(self, key: str) -> None:
        """Rebuild one unit's undo entries from its answers in the history (an undo beyond
        the entries the hot state keeps)."""
        mine: dict[str, dict[str, Any]] = {}
        for _dev, _rel, path in self._history_files(others_only=False):
            got = self._read_file(path)
            if got is not None:
                data = got[0]
                for rec in read_lines(data[:data.rfind(b"\n") + 1], str(path)).records:
                    if rec["t"] == "answer" and rec["unit"] == key \
                            and rec["id"] not in self._undone:
                        mine.setdefault(rec["id"], rec)
        entry, meta = self._state.items[key], self._meta.get(key) or UnitMeta()
        flagged = entry.flagged
        fresh = UnitEntry()
        fresh.flagged = flagged
        before = (entry.card, entry.last_correct, entry.last_seen, meta.last)
        self._state.items[key] = fresh
        self._meta[key] = UnitMeta(base=meta.base, sets=meta.sets)
        if meta.base is not None:
            card = meta.base[2] or self._scan(bases=True)[1][key]["card"]
            fresh.set_card(dict(card))
        totals = self._state.totals.pop(key, None)
        answers, news, todo = self._answers, dict(self._news), self._agg_loaded
        self._agg_loaded = True  # replaying changes no figures
        saved_agg, self._aggregates = self._aggregates, Aggregates()
        try:
            for rec in sorted(mine.values(), key=lambda r: _order(r["at"], r["id"])):
                self._take_answer(rec, "")
        finally:
            self._agg_loaded, self._aggregates = todo, saved_agg
            self._answers, self._news = answers, news
            self._devices.pop("", None)
        after = (fresh.card, fresh.last_correct, fresh.last_seen, self._meta[key].last)
        if after != before or self._state.totals.get(key) != totals:
            self._dirty = True  # the hot state disagreed with the history: trust the history
            self._rebuild(None)

    def iter_answers(self, since: datetime | None = None, until: datetime | None = None
                     ) -> Iterator[dict[str, Any]]:
        """The live answers with ``since <= at < until`` in time order, reading only the
        monthly files that can hold them (a record goes to the file of its own month or a
        later one)."""
        low = None if since is None else to_utc(since)
        high = None if until is None else to_utc(until)
        first = "" if low is None else f"{low.year:04d}-{low.month:02d}"
        found: dict[str, dict[str, Any]] = {}
        for _dev, _rel, path in self._history_files(others_only=False):
            month = _month_key(path.name)
            if month and month < first:
                continue
            got = self._read_file(path)
            if got is None:
                continue
            data = got[0]
            for rec in read_lines(data[:data.rfind(b"\n") + 1], str(path)).records:
                if rec["t"] != "answer" or rec["id"] in self._undone:
                    continue
                at = parse_timestamp(rec["at"])
                if (low is not None and at < low) or (high is not None and at >= high):
                    continue
                held = found.get(rec["id"])
                if held is None or _canonical(rec) < _canonical(held):
                    found[rec["id"]] = rec
        # in time order; the same time in the order written (files are read in order)
        yield from sorted(found.values(), key=lambda r: parse_timestamp(r["at"]))

    def attempts(self, *, unit: Any = None, deck_id: str | None = None,
                 session_id: str | None = None, since: datetime | None = None
                 ) -> Iterator[Attempt]:
        """Recorded answers (undone ones excluded) in time order, optionally filtered."""
        for rec in self.iter_answers(since):
            if unit is not None and rec["unit"] != unit.key:
                continue
            a = _attempt(rec)
            if deck_id is not None and a.deck_id != deck_id:
                continue
            if session_id is not None and a.session_id != session_id:
                continue
            yield a

    @property
    def attempt_count(self) -> int:
        return self._answers

    def _attempt_rows(self) -> Iterable[Mapping[str, Any]]:
        return (_attempt(rec).to_dict() for rec in self.iter_answers())

    @property
    def aggregates(self) -> Aggregates:
        """The rolled-up figures, loaded on first use from ``aggregates.json`` (rebuilt from
        the history, with a warning, if it is damaged)."""
        if not self._agg_loaded:
            figures = None
            path = self.folder / AGGREGATES_NAME
            try:
                doc = json.loads(fileio.read_regular(path, STATE_MAX_BYTES))
                if doc.get("id") != self._agg_id:
                    raise LookupError("older than the hot state")
                figures = Aggregates.from_json(doc["figures"])
            except FileNotFoundError:
                if self._agg_id is None and not self._seen:
                    figures = Aggregates()
            except LookupError:
                pass
            except (OSError, ValueError, TypeError, AttributeError, RecursionError) as exc:
                self._warn(f"The rolled-up figures in {path} were damaged ({str(exc)[:100]});"
                           " they were rebuilt from the history.")
            if figures is None:
                figures = Aggregates()
                for rec in self.iter_answers():
                    figures.add(rec)
                self._agg_changed = True
            else:
                for sign, rec in self._agg_todo:
                    (figures.add if sign > 0 else figures.remove)(rec)
                self._agg_changed = bool(self._agg_todo)
            self._agg_todo = []
            self._aggregates = figures
            self._agg_loaded = True
        assert self._aggregates is not None
        return self._aggregates

    # -- sync -------------------------------------------------------------------------------------

    def check_sync(self) -> SyncNews:
        """Take in what the other computers wrote since the last call (see the module)."""
        self._check_open()
        if self._sync_dir is None:
            return SyncNews()
        before = self._answers
        self._news = {}
        self._catch_up(others_only=True)
        problems = tuple(self._fresh_problems)
        news = {d: n for d, n in self._news.items() if d != self.device and n}
        if self._dirty:
            self._rebuild(None)
            added = max(0, self._answers - before)
        else:
            added = sum(news.values())
        for message in problems:
            self._warn(message)
        if self._persistent and self._uncovered > self._compact_threshold():
            self._save_state()
        return SyncNews(added, tuple(sorted(news)), problems)

    def sync_status(self) -> list[DeviceStatus]:
        rows = dict(self._devices)
        rows.setdefault(self.device, [0, None])
        last = {d: None if r[1] is None else parse_timestamp(r[1]) for d, r in rows.items()}
        newest = max((t for t in last.values() if t is not None), default=None)
        return [DeviceStatus(
            device=d, answers=rows[d][0], last_answer=last[d],
            behind=None if newest is None or last[d] is None else newest - last[d],  # type: ignore[operator]
            this_computer=d == self.device) for d in sorted(rows)]

    # -- export and import ------------------------------------------------------------------------

    def export_json(self, path: str | os.PathLike[str]) -> None:
        """Write every record (answers, undos, flags, bases, sessions) as one JSON Lines file
        that another quizapp imports; the first line is ``{"quizapp_progress": 2, ...}``."""
        self._check_open()
        answers, bases = self._scan(bases=True)
        fileio.atomic_write(Path(path), export_document(
            answers.values(), bases, self._undone,
            {k: m.sets for k, m in self._meta.items()}, self._state.sessions.values(),
            self.device, self._now()))

    def _all_answers(self) -> dict[str, dict[str, Any]]:
        return self._scan()[0]

    def _scan(self, *, bases: bool = False
              ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Every answer in the history by id, and (with ``bases``) the winning ``base``
        record of every unit."""
        found: dict[str, dict[str, Any]] = {}
        won: dict[str, dict[str, Any]] = {}
        for _dev, _rel, path in self._history_files(others_only=False):
            got = self._read_file(path)
            if got is not None:
                data = got[0]
                for rec in read_lines(data[:data.rfind(b"\n") + 1], str(path)).records:
                    if rec["t"] == "answer":
                        found.setdefault(rec["id"], rec)
                    elif bases and rec["t"] == "base":
                        held = won.get(rec["unit"])
                        if held is None or parse_stamp(held["hlc"]) < parse_stamp(rec["hlc"]):
                            won[rec["unit"]] = rec
        return found, won

    def plan_import(self, path: str | os.PathLike[str]) -> ImportPlan:
        """Read a progress file (format 2 export, or format 1) and say what importing it
        would change; merged as sync merges (answers by id, undo tombstones, last writer wins
        per setting)."""
        self._check_open()
        source = Path(path)
        records = read_progress_records(source, self.device, self._warn)
        return plan_from_records(source, records, set(self._all_answers()), self._undone,
                                 set(self._state.sessions), set(self._meta))

    def apply_import(self, plan: ImportPlan) -> ImportCounts:
        self._check_open()
        if not isinstance(plan, HistoryImportPlan):
            plan = self.plan_import(plan.source)
        assert isinstance(plan, HistoryImportPlan)
        records = [dict(r) for r in plan.records]
        if self._persistent:
            try:
                self._check_lock()
                self._write_own(records)
            except OSError as exc:
                raise StoreError(f"The import was not saved, and nothing changed: "
                                 f"{exc.strerror or exc}") from None
        for rec in records:
            self._take(rec, self.device)
        if self._dirty:
            self._rebuild(None)
        self._save_state()
        return ImportCounts(attempts_added=plan.attempts_added,
                            attempts_skipped=plan.attempts_skipped,
                            attempts_undone=len(plan.attempts_undone),
                            sessions_added=plan.sessions_added,
                            units_updated=plan.units_added + len(plan.units_replaced))


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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _canonical(rec: Mapping[str, Any]) -> str:
    return json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _attempt(rec: Mapping[str, Any]) -> Attempt:
    unit = parse_unit_key(rec["unit"])
    return Attempt.from_dict({
        "id": rec["id"], "deck_id": unit.deck_id, "item_id": unit.item_id, "part": unit.part,
        "answer": rec["answer"], "correct": rec["correct"], "marks": rec["marks"],
        "confidence": rec["confidence"], "mode": rec["mode"], "time_ms": rec["time_ms"],
        "timestamp": rec["at"], "session_id": rec["session"], "rating": rec["rating"]})
