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
from quizapp.core.gcpolicy import gc_paused
from quizapp.core.model import StudyUnit, parse_unit_key, unit_key
from quizapp.core.progress import history_migration as _migration
from quizapp.core.progress import history_queries as _queries
from quizapp.core.progress import history_records as _records
from quizapp.core.progress import history_sync as _sync
from quizapp.core.progress.aggregates import Aggregates
from quizapp.core.progress.exchange import (
    HistoryImportPlan,
)
from quizapp.core.progress.history_migration import MIGRATION_MARK, MigrationRefusedError
from quizapp.core.progress.history_queries import attempt_of as _attempt
from quizapp.core.progress.history_queries import canonical as _canonical
from quizapp.core.progress.history_records import answer_order as _order
from quizapp.core.progress.hlc import Clock, Stamp
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
)
from quizapp.core.progress.records import encode, read_lines
from quizapp.core.progress.sync import DeviceStatus, SyncNews
from quizapp.core.progress.syncfolder import (
    DEVICES,
    MAX_FILE,
    FileRead,
    cut_torn_tail,
    device_folders,
    is_leftover,
)
from quizapp.core.scheduling import (
    format_timestamp,
    parse_timestamp,
    to_utc,
)
from quizapp.core.store import (
    COMPACT_MIN_BYTES,
    JOURNAL_NAME,
    LOCK_NAME,
    SNAPSHOT_NAME,
    Attempt,
    FolderLock,
    HotState,
    ImportCounts,
    ImportPlan,
    Store,
    StoreDataError,
    StoreLockedError,
    UnitEntry,
    aside_path,
    new_record_id,
)

__all__ = ["FORMAT", "HistoryImportPlan", "HistoryStore", "MigrationRefusedError",
           "folder_format", "open_store"]

STATE_NAME = "state.json"
AGGREGATES_NAME = "aggregates.json"
PENDING_NAME = "pending.json"
#: The largest hot state, aggregates or pending file read.
STATE_MAX_BYTES = 512 * 1024**2
#: Environment variable that switches new and format-1 folders to format 2 (see open_store).
FORMAT_ENV = "QUIZAPP_STORE_FORMAT"


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
        self._names: dict[str, tuple[Stamp, str]] = {}  # device -> its latest name
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
        self._catching_up = True  # problems found now are said by open or sync
        self._migrated = False
        self._pre_read: dict[str, FileRead] = {}
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
            with gc_paused():  # a migration or a rebuild reads the whole history
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
        self._name_this_computer()
        self._load_pending(now)
        for message in self._damage:
            self._warn(message)
        self._catching_up = False
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

    # -- the parts in other modules: the migration, the sync folder, queries and exchange ----

    _migrate_format1 = _migration.migrate_format1
    _migrate_sessions = _migration.migrate_sessions
    _move_format1 = _migration.move_format1
    _copy_local_history = _sync.copy_local_history
    _name_this_computer = _sync.name_this_computer
    _all_answers = _queries.all_answers
    _scan = _queries.scan

    def keep_history_locally(self) -> int:
        return _sync.keep_history_locally(self)

    def check_sync(self) -> SyncNews:
        return _sync.check_sync(self)

    def sync_status(self) -> list[DeviceStatus]:
        return _sync.sync_status(self)

    def iter_answers(self, since: datetime | None = None, until: datetime | None = None
                     ) -> Iterator[dict[str, Any]]:
        return _queries.iter_answers(self, since, until)

    def attempts(self, *, unit: Any = None, deck_id: str | None = None,
                 session_id: str | None = None, since: datetime | None = None
                 ) -> Iterator[Attempt]:
        return _queries.attempts(self, unit=unit, deck_id=deck_id, session_id=session_id,
                                 since=since)

    # export and import run on a worker while the window runs: with the collector paused,
    # no collection walking the whole history holds the GIL (a GUI stall) meanwhile
    def export_json(self, path: str | os.PathLike[str]) -> None:
        with gc_paused():
            _queries.export_json(self, path)

    def plan_import(self, path: str | os.PathLike[str]) -> ImportPlan:
        with gc_paused():
            return _queries.plan_import(self, path)

    def apply_import(self, plan: ImportPlan) -> ImportCounts:
        with gc_paused():
            return _queries.apply_import(self, plan)

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
        self._devices, self._answers, self._names = hot.devices, hot.answers, hot.names
        self._damage, self._agg_id = hot.damage, hot.aggregates_id

    def _state_document(self) -> dict[str, Any]:
        assert self._hlc is not None
        self._all_kept_undo(texts=False)  # a unit's undo text not read yet is kept as it is
        return hot_state_document(HotStateData(
            state=self._state, metas=self._meta, undone=self._undone, seen=self._seen,
            devices=self._devices, answers=self._answers, damage=self._damage, names=self._names,
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
        folders, problems = device_folders(self._root)
        for message in problems:
            self._problem(message)
        for dev, folder in folders:
            if others_only and dev == self.device:
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
        self._catching_up, was = True, self._catching_up
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
        self._catching_up = was

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
        self._names = {}
        self._answers = 0
        self._dirty = False
        self._aggregates = Aggregates()
        self._agg_loaded, self._agg_changed, self._agg_todo = True, True, []
        answers: dict[str, tuple[dict[str, Any], str]] = {}
        others: list[tuple[dict[str, Any], str]] = []
        pre_read, self._pre_read = self._pre_read, {}
        for dev, rel, path in self._history_files(others_only=False):
            got = _migration.read_for_rebuild(self, path, pre_read)
            if got is None:
                continue
            reading, self._seen[rel] = got
            for message in reading.problems:
                self._problem(message)
            for message in reading.warnings:
                self._warn(message)
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

    # -- merging one record (in .history_records) --------------------------------------------

    _take = _records.take
    _take_answer = _records.take_answer
    _take_undo = _records.take_undo
    _kept_undo, _all_kept_undo = _records.kept_undo, _records.all_kept_undo
    _take_set = _records.take_set
    _take_base = _records.take_base
    _take_session = _records.take_session
    _count = _records.count
    _figures = _records.figures

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
        self._kept_undo(unit.key)
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

def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")
