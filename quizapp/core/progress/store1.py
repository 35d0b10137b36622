"""The format-1 score store (:class:`Store`): every answer, rating and session, kept in a local
JSON store that is never lost.

On disk (all in the data folder; the format is documented in
``resources/score-store-format.md``)::

    progress.json          snapshot: {"format": 1, "seq": N, "attempts": [...], "items": {...}, ...}
    journal.jsonl          append-only JSON Lines, one record per change, seq > snapshot's seq
    quizapp.lock           pid, host and start time of the process writing the folder
    backups/progress-YYYY-mm-dd.json   at most one a day, the last 7 kept

Durability: each change is one journal line written with a single ``write`` and ``fsync``
before the call returns, so recording an answer costs the same with 10 or 100,000 answers of
history. The journal is compacted into the snapshot (temp file in the same folder, ``fsync``,
``os.replace``, ``fsync`` of the folder) on close, after an import, and when it grows past half
the snapshot's size (which keeps the amortised cost flat too). A record carries the state it
produced (e.g. the new scheduler memory), so replaying is deterministic despite FSRS fuzzing;
records at or below the snapshot's ``seq`` are skipped, so a crash between the two steps of a
compaction loses nothing and duplicates nothing. A torn last journal line is ignored.

Damage is never overwritten: a corrupt, truncated, empty, wrong-type, impossible-valued or
newer-format snapshot is kept aside byte-identical as ``progress.corrupt-<UTC time>.json``
(``progress.newer-<UTC time>.json``), the store starts from the newest backup that loads (or
empty) plus every record still readable in the damaged file, and a plain-language message is
added to :attr:`Store.warnings`. Journal records are placed by their content (attempts by id),
so records out of order, interleaved by two writers or numbered below a damaged snapshot
``seq`` are kept; only an unterminated last line is a torn write. A missing snapshot beside
backups is damage too. Every file is parsed with bounded size and depth. No store file is ever
a link or a special file (``O_NOFOLLOW``; refused with a message), and the folder itself is
locked so that deleting ``quizapp.lock`` cannot let a second writer in.

If the folder cannot be written (read-only, disk full), the store carries on in memory,
:attr:`Store.persistent` turns false and a warning says that progress is not being saved;
nothing raises into the session.

Not thread-safe: call it from one thread (the GUI thread).
"""


from __future__ import annotations

import contextlib
import copy
import csv
import errno
import io
import json
import math
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from quizapp.core.fileio import (
    atomic_open,
    atomic_write,
    check_regular,
    file_kind,
    fsync_dir,
    open_regular,
    truncate_file,
    unsafe_file_error,
    write_all,
)
from quizapp.core.model import MODES, Mode, StudyUnit
from quizapp.core.progress.aggregates import Aggregates
from quizapp.core.progress.device import load_device_id
from quizapp.core.progress.errors import (
    StoreDataError,
    StoreError,
    StoreFormatError,
    StoreLockedError,
    StoreUnsafeFileError,
)
from quizapp.core.progress.format1 import (
    ATTEMPT_LINE_ID,
    BACKUP_DIR,
    BACKUPS_KEPT,
    COMPACT_MIN_BYTES,
    FORMAT,
    FORMAT2_MARKS,
    JOURNAL_NAME,
    PREVIOUS_NAME,
    SNAPSHOT_NAME,
    NewerFormat,
    aside_path,
    dump_document,
    json_bytes,
    parse_document,
    read_store_file,
    salvage,
)
from quizapp.core.progress.lock import (
    LOCK_NAME,
    FolderLock,
)
from quizapp.core.progress.records import answer_from_attempt
from quizapp.core.progress.records1 import (
    Attempt,
    ImportCounts,
    ImportNotConfirmedError,
    ImportPlan,
    SessionRecord,
    UnitState,
    new_record_id,
    session_from_dict,
)
from quizapp.core.progress.state1 import (
    HotState,
    UnitEntry,
    merge_states,
)
from quizapp.core.progress.sync import DeviceStatus, SyncFolder, SyncNews
from quizapp.core.progress.validate1 import (
    load_json,
    want_field,
)
from quizapp.core.scheduling import (
    Rating,
    Scheduler,
    format_timestamp,
    parse_timestamp,
    to_utc,
    utc_now,
)
from quizapp.core.scoring import cbm_mark, format_marks, rating_for

Clock = Callable[[], datetime]


def _describe_os_error(exc: OSError, folder: Path) -> str:
    if isinstance(exc, StoreUnsafeFileError):
        return (
            f"Your progress is NOT being saved: {exc.strerror}. You can keep studying; "
            "answers are kept in memory until quizapp closes."
        )
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno == getattr(errno, "EDQUOT", -1):
        why = "the disk quota is used up"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "the folder is read-only or you do not have permission to write to it"
    else:
        why = exc.strerror or str(exc)
    return (
        f"Your progress is NOT being saved: quizapp cannot write to {folder} ({why}). "
        "You can keep studying; answers are kept in memory until quizapp closes."
    )


# --------------------------------------------------------------------------------------------
# The store


class Store:
    """The progress store for one data folder. Create it with :meth:`Store.open`."""

    def __init__(
        self,
        folder: Path,
        *,
        clock: Clock | None,
        read_only: bool,
        on_warning: Callable[[str], None] | None,
        compact_min_bytes: int,
    ) -> None:
        self.folder = folder
        self._clock: Clock = clock or utc_now
        self._read_only = read_only
        self._on_warning = on_warning
        self._compact_min = compact_min_bytes
        self._sync_dir: Path | None = None
        self._device: str | None = None
        self._aggregates: Aggregates | None = None
        self._scheduler = Scheduler()
        self._state = HotState()
        self._lock: FolderLock | None = None
        self._journal_fd: int | None = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._closed = False
        self._persistent = not read_only
        self._unread_snapshot = False
        self._lock_lost = False
        self._restored = False  # the state did not come from the snapshot (backup, salvage)
        self.warnings: list[str] = []
        """Messages for the user (damaged files set aside, progress not being saved, ...)."""
        self.last_error: OSError | None = None
        """The write error that switched the store to memory-only mode, if any."""

    # -- opening and closing -----------------------------------------------------------------

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        read_only: bool = False,
        break_lock: bool = False,
        on_warning: Callable[[str], None] | None = None,
        compact_min_bytes: int = COMPACT_MIN_BYTES,
        sync_dir: str | os.PathLike[str] | None = None,
    ) -> Store:
        """Open (creating if needed) the store in ``folder``.

        ``clock`` returns the current aware time (tests inject one). ``read_only`` opens
        without the lock and never writes (for ``quizapp stats`` while the GUI runs).
        ``break_lock`` takes over a lock left by quizapp on another computer.
        ``on_warning`` is called with each message also appended to :attr:`warnings`.

        ``sync_dir``: the folder a sync tool shares between computers (see
        :meth:`check_sync`). Format 1 cannot merge other computers' answers: the folder is
        only shown by :meth:`sync_status`, and a warning says so.

        Raises :class:`StoreLockedError` if another running quizapp holds the folder. Never
        raises for damaged files or an unwritable folder: see :attr:`warnings` and
        :attr:`persistent`.
        """
        store = cls(
            Path(folder),
            clock=clock,
            read_only=read_only,
            on_warning=on_warning,
            compact_min_bytes=compact_min_bytes,
        )
        try:
            store._open(break_lock=break_lock)
        except BaseException:
            store._release()
            raise
        if sync_dir is not None:
            store._sync_dir = Path(sync_dir)
            store._warn(
                f"Progress is not merged with the other computers through {store._sync_dir} "
                "yet: this quizapp keeps its progress in score-store format 1, which cannot "
                "sync. Export and import progress to move it meanwhile."
            )
        return store

    def _open(self, *, break_lock: bool) -> None:
        now = self._now()
        if not os.path.lexists(self.folder / SNAPSHOT_NAME) and any(
                os.path.lexists(self.folder / name) for name in FORMAT2_MARKS):
            # A folder moved to score-store format 2: never start an empty format-1 store
            # beside it (that would hide the student's progress and fork it).
            self._unread_snapshot = True
            self._persistent = False
            self._warn(
                f"{self.folder} holds progress in score-store format 2, which this way of "
                "opening it cannot read; progress is NOT being saved. Open it with "
                "quizapp.core.progress.history_store.open_store."
            )
        unsafe = self._unsafe_files()
        if unsafe:
            # Never write a folder holding a planted link or a special file: carry on in memory
            # (and never read through them either).
            self._unread_snapshot = True
            self._persistent = False
            self.last_error = unsafe[0]
            self._warn(
                f"Your progress is NOT being saved: {unsafe[0].strerror}. You can keep "
                "studying; answers are kept in memory until quizapp closes."
            )
        if not self._read_only and self._persistent:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._lock = FolderLock.acquire(
                    self.folder / LOCK_NAME, now, break_lock=break_lock
                )
            except StoreLockedError:
                raise
            except OSError as exc:
                self._go_memory_only(exc)
        if self._persistent:
            self._remove_stale_temp_files()
        snapshot_ok, needs_compaction = self._load(now)
        if not self._persistent:
            return
        if snapshot_ok:
            self._make_daily_backup(now)
        if needs_compaction or self._journal_bytes > self._compact_threshold():
            self._compact()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Compact the journal into the snapshot and release the folder. Safe to call twice."""
        if self._closed:
            return
        try:
            if self._persistent and self._journal_bytes > 0:
                self._compact()
        finally:
            self._closed = True
            self._release()

    def _release(self) -> None:
        if self._journal_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._journal_fd)
            self._journal_fd = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def persistent(self) -> bool:
        """True while changes reach the disk; false for read-only opens and after a write
        error (the store then keeps working in memory)."""
        return self._persistent

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def on_warning(self) -> Callable[[str], None] | None:
        """Called with every later warning (e.g. the GUI shows a banner); settable."""
        return self._on_warning

    @on_warning.setter
    def on_warning(self, callback: Callable[[str], None] | None) -> None:
        self._on_warning = callback

    @property
    def closed(self) -> bool:
        return self._closed

    def retry_persist(self) -> bool:
        """After a write error: try again to save everything (e.g. once disk space was freed).

        Only possible while this store still holds the folder's lock (the error came after a
        good start); a store that could not take the lock or read the snapshot at start-up
        might overwrite someone else's progress, so it stays in memory until restarted.
        Returns True if the store is persistent again.
        """
        self._check_open()
        if self._persistent or self._read_only:
            return self._persistent
        if self._lock is None or self._unread_snapshot or self._lock_lost:
            return False
        self._persistent = True
        self._compact()
        if self._persistent:
            self._warn(f"Progress is being saved again in {self.folder}.")
        return self._persistent

    # -- loading -----------------------------------------------------------------------------

    def _unsafe_files(self) -> list[StoreUnsafeFileError]:
        """Store files that are links, special files (FIFO, device) or folders (lstat only)."""
        found = []
        backups = self.folder / BACKUP_DIR
        names = [SNAPSHOT_NAME, JOURNAL_NAME, LOCK_NAME, PREVIOUS_NAME]
        candidates = [self.folder / n for n in names]
        try:
            st = os.lstat(backups)
        except OSError:
            st = None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            found.append(unsafe_file_error(backups, file_kind(st.st_mode)))
        elif st is not None:
            with contextlib.suppress(OSError):
                candidates.extend(backups.glob("progress-*.json"))
        for path in candidates:
            try:
                check_regular(path)
            except StoreUnsafeFileError as exc:
                found.append(exc)
            except OSError:
                pass  # unreadable: reported where it is read
        return found

    def _other_store_files(self) -> list[str]:
        """Names of backups and the previous snapshot present (a missing snapshot beside them
        is damage, not a fresh folder)."""
        names = []
        with contextlib.suppress(OSError):
            names = sorted(p.name for p in (self.folder / BACKUP_DIR).glob("progress-*.json"))
        if (self.folder / PREVIOUS_NAME).is_file():
            names.append(PREVIOUS_NAME)
        return names

    def _load(self, now: datetime) -> tuple[bool, bool]:
        """Load snapshot (or a backup) and replay the journal.

        Returns (snapshot loaded fine, a compaction is needed to repair something).
        """
        snap_path = self.folder / SNAPSHOT_NAME
        repair = False
        snapshot_ok = False
        try:
            raw = read_store_file(snap_path)
        except FileNotFoundError:
            raw = None
            others = self._other_store_files()
            if others:
                # A snapshot does not vanish by itself: starting from the journal alone would
                # hide every answer it held, and the backup rotation would later delete them.
                restored = self._restore_backup()
                start = (
                    f"Restored your progress from {restored} and the journal."
                    if restored
                    else "None of the backups could be read; starting from the journal alone."
                )
                self._warn(
                    f"The progress file {SNAPSHOT_NAME} is missing from {self.folder}, although "
                    f"other progress files are there ({', '.join(others[:3])}). {start}"
                )
                repair = True
        except OSError as exc:
            # Never write over a snapshot we could not read: carry on in memory.
            raw = None
            self._unread_snapshot = True
            self._restored = True  # the journal continues a snapshot we do not have
            if not isinstance(exc, StoreUnsafeFileError):
                self._warn(f"Could not read {snap_path} ({exc.strerror}); starting without it.")
            elif exc.errno == errno.EFBIG and not self._persistent:
                self._warn(f"Could not read the progress file: {exc.strerror}.")
            self._go_memory_only(exc)
        if raw is not None:
            try:
                self._state, found = parse_document(raw)
                self._snapshot_bytes = len(raw)
                snapshot_ok = True
                self._snapshot_good = True
                if found < FORMAT:
                    self._keep_copy(
                        raw, self.folder / f"progress.format-{found}.json",
                        f"Your progress was upgraded from store format {found} to {FORMAT}",
                    )  # fmt: skip
                    repair = True
            except StoreDataError as exc:
                self._set_aside_snapshot(raw, exc, now)
                repair = True
        journal_repair = self._replay_journal(now)
        return snapshot_ok, repair or journal_repair

    def _set_aside_snapshot(self, raw: bytes, problem: StoreDataError, now: datetime) -> None:
        newer = isinstance(problem, NewerFormat)
        stem = "progress.newer" if newer else "progress.corrupt"
        kept = ""
        if self._persistent:
            aside = aside_path(self.folder, stem, ".json", now)
            try:
                atomic_write(aside, raw)
                kept = f" It was kept unchanged as {aside.name}."
            except OSError as exc:
                self._go_memory_only(exc)
        restored = self._restore_backup()
        salvaged = 0
        if not newer:
            # Keep every record that can still be read from the damaged file, on top of the
            # backup (attempts by id, never twice; the later state of each unit wins).
            rescued, salvaged = salvage(raw)
            if salvaged or rescued.items or rescued.sessions:
                self._state = merge_states(self._state, rescued, now, take_pending=True).state
        start = f"Restored your progress from the backup {restored}." if restored else (
            "No usable backup was found, so quizapp starts with empty progress."
            if not salvaged
            else "No usable backup was found."
        )
        if salvaged:
            start += (
                f" {salvaged} answer(s) could still be read from the damaged file and were kept."
            )
        if newer:
            self._warn(
                f"The progress file {SNAPSHOT_NAME} in {self.folder} could not be used: "
                f"{problem}. Update quizapp to keep using it.{kept} {start}"
            )
        else:
            self._warn(
                f"The progress file {SNAPSHOT_NAME} in {self.folder} is damaged: {problem}."
                f"{kept} {start}"
            )

    def _restore_backup(self) -> str | None:
        """Load the newest readable copy: the snapshot before the last compaction, else the
        newest daily backup."""
        backups = sorted((self.folder / BACKUP_DIR).glob("progress-*.json"), reverse=True)
        best: tuple[HotState, str] | None = None
        for path in [*backups, self.folder / PREVIOUS_NAME]:
            try:
                state, _found = parse_document(read_store_file(path))
            except (OSError, StoreDataError):
                continue
            if best is None or state.seq > best[0].seq:  # the one holding the most recent
                best = (state, path.name)
        self._restored = True
        if best is None:
            return None
        self._state = best[0]
        return best[1]

    def _replay_journal(self, now: datetime) -> bool:
        """Apply the journal's records on top of the snapshot.

        Only an *unterminated* last line is an interrupted write: it is dropped silently (and
        cut off the file so the next record starts on a fresh line). Anything else unexpected
        is damage: a complete line that cannot be read, records out of order or with a gap in
        their ``seq``, records that the snapshot's ``seq`` claims to hold but whose content it
        lacks (a snapshot ``seq`` corrupted upward), two writers' records interleaved. Every
        readable record is still placed (by its content: attempts by id, never twice), a
        byte-identical copy of the journal is kept aside, and the user is told.
        Returns True if a compaction should repair the files.
        """
        path = self.folder / JOURNAL_NAME
        try:
            raw = read_store_file(path)
        except FileNotFoundError:
            return False
        except StoreUnsafeFileError as exc:
            # never compact (and so empty) a journal that could not be read
            self._unread_snapshot = True
            if exc.errno == errno.EFBIG and not self._persistent:
                # (links and special files were reported by _unsafe_files; when persistent,
                # _go_memory_only says it)
                self._warn(f"Could not read the journal: {exc.strerror}.")
            self._go_memory_only(exc)
            return False
        except OSError as exc:
            self._unread_snapshot = True  # do not compact (and so empty) an unread journal
            self._warn(f"Could not read {path} ({exc.strerror}); recent answers may be missing.")
            self._go_memory_only(exc)
            return False
        self._journal_bytes = len(raw)
        snap_seq = self._state.seq
        damage: list[str] = []  # problems inside the journal
        boundary: list[str] = []  # the journal does not continue the snapshot's seq
        placed_late = 0  # records at or below the snapshot's seq that it did not hold
        prev: int | None = None
        torn_at: int | None = None
        repair = False
        pos = 0
        lineno = 0
        while pos < len(raw):
            nl = raw.find(b"\n", pos)
            terminated = nl >= 0
            end = nl + 1 if terminated else len(raw)
            line = raw[pos:end]
            start_of_line = pos
            pos = end
            lineno += 1
            if not line.strip():
                if not terminated:
                    torn_at = start_of_line
                continue
            try:
                rec = load_json(line)
                if not isinstance(rec, dict):
                    raise StoreDataError("not a JSON object")
                seq = want_field(rec, "seq", int, "record")
                if seq <= 0:
                    raise StoreDataError(f"record.seq: expected a number >= 1, got {seq}")
                # apply() checks the whole record before changing anything
                if seq > snap_seq:
                    self._state.apply(rec)
                elif self._state.apply(rec, only_new=True):
                    placed_late += 1
            except StoreDataError as exc:
                if not terminated:
                    torn_at = start_of_line  # a write cut short by a crash: not damage
                else:
                    damage.append(f"line {lineno}: {exc}")
                continue
            expected = snap_seq + 1 if prev is None else prev + 1
            if prev is None and (seq <= snap_seq or self._restored):
                # leftovers of a compaction interrupted before emptying the journal; or the
                # snapshot was lost and an older backup stands in for it (that is reported)
                expected = seq
            if seq != expected:
                problem = f"line {lineno}: record {seq} where {expected} was expected"
                (boundary if prev is None else damage).append(problem)
            self._state.seq = max(self._state.seq, seq)
            prev = seq
            if not terminated:
                repair = True  # complete but unterminated: fold it into the snapshot now
        if placed_late and not self._restored:
            boundary.append(
                f"{placed_late} record(s) numbered at or below the snapshot's {snap_seq} "
                "were missing from it"
            )
        if not damage and not boundary:
            if torn_at is not None and self._persistent:
                try:
                    truncate_file(path, torn_at)
                    self._journal_bytes = torn_at
                except OSError as exc:
                    self._go_memory_only(exc)
            return repair
        problems = "; ".join(damage + boundary)
        if len(problems) > 300:
            problems = problems[:297] + "..."
        kept = ""
        if self._persistent:
            aside = aside_path(self.folder, "journal.corrupt", ".jsonl", now)
            try:
                atomic_write(aside, raw)
                kept = f" An unchanged copy of the journal was kept as {aside.name}."
            except OSError as exc:
                self._go_memory_only(exc)
        if damage:
            what = f"The progress journal {path} is damaged"
        else:  # the journal is whole, but does not continue the snapshot's record number
            what = (
                f"The record numbers of the progress file {SNAPSHOT_NAME} and of the journal "
                f"{path} do not match: one of them is damaged"
            )
        self._warn(f"{what} ({problems}). Every record that could be read was kept.{kept}")
        return True

    def _keep_copy(self, raw: bytes, path: Path, why: str) -> None:
        if os.path.lexists(path):
            return
        try:
            atomic_write(path, raw)
        except OSError as exc:
            self._go_memory_only(exc)
            return
        self._warn(f"{why}; the old file was kept as {path.name}.")

    def _remove_stale_temp_files(self) -> None:
        # Only the lock holder writes here, so any temp file is a leftover from a crash.
        for folder in (self.folder, self.folder / BACKUP_DIR):
            for tmp in folder.glob(".*.tmp-*"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    # -- writing -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return to_utc(self._clock())

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        if self._on_warning is not None:
            self._on_warning(message)

    def _go_memory_only(self, exc: OSError) -> None:
        was = self._persistent
        self._persistent = False
        self.last_error = exc
        if self._journal_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._journal_fd)
            self._journal_fd = None
        if was:  # one warning per switch to memory-only
            self._warn(_describe_os_error(exc, self.folder))

    # -- sync and rolled-up figures (the contract shared with format 2) ----------------------

    @property
    def sync_dir(self) -> Path | None:
        """The sync folder given to :meth:`open`, or ``None``."""
        return self._sync_dir

    @property
    def device(self) -> str:
        """This computer's id (32 hex digits), kept in the local data folder."""
        if self._device is None:
            write = self._persistent and not self._read_only
            self._device, warning = load_device_id(self.folder, write=write)
            if warning:
                self._warn(warning)
        return self._device

    def check_sync(self) -> SyncNews:
        """What is new from the other computers (always nothing in format 1: see
        :meth:`open`)."""
        self._check_open()
        return SyncNews()

    def sync_status(self) -> list[DeviceStatus]:
        """Every computer seen in the sync folder, with its answers and how far behind it is
        (empty without a sync folder)."""
        if self._sync_dir is None:
            return []
        folder = SyncFolder(self._sync_dir, self.device)
        folder.refresh()
        return folder.status()

    @property
    def aggregates(self) -> Aggregates:
        """Rolled-up figures of every live answer, kept current as answers are recorded and
        undone (format 1 builds them from the answers it holds, on first use)."""
        if self._aggregates is None:
            figures = Aggregates()
            for a in self._state.attempts.values():
                figures.add(answer_from_attempt(a))
            self._aggregates = figures
        return self._aggregates

    def iter_answers(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """The live answers (format-2 ``answer`` records, see
        :mod:`quizapp.core.progress.records`) made at ``since <= at < until``."""
        low = None if since is None else to_utc(since)
        high = None if until is None else to_utc(until)
        for a in list(self._state.attempts.values()):
            if low is not None or high is not None:
                at = parse_timestamp(a["timestamp"])
                if (low is not None and at < low) or (high is not None and at >= high):
                    continue
            yield answer_from_attempt(a)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the progress store is closed")

    def _commit(self, record: dict[str, Any]) -> None:
        """Make ``record`` durable (when persistent), then apply it in memory."""
        self._check_open()
        seq = self._state.seq + 1
        record = {"seq": seq, **record}
        line = json_bytes(record, separators=(",", ":"), allow_nan=False)
        # Apply the decoded line, not ``record``: memory then holds exactly what a replay of
        # the journal would, sharing nothing with the caller's objects. Check it first, so a
        # record that could not be read back is never written.
        decoded = json.loads(line)
        try:
            self._state.apply(decoded, check_only=True)
        except StoreDataError as exc:
            raise ValueError(f"cannot record this: {exc}") from None
        if self._persistent:
            self._check_lock()
        if self._persistent and self._journal_fd is not None and not self._journal_intact():
            # journal.jsonl was deleted or replaced while quizapp runs: what was appended since
            # the last compaction would be in a file nobody reads. Save it all in the snapshot
            # now, then start a fresh journal (never through a link put in its place).
            with contextlib.suppress(OSError):
                os.close(self._journal_fd)
            self._journal_fd = None
            self._warn(
                f"The journal {self.folder / JOURNAL_NAME} was deleted or replaced while "
                "quizapp was running; your progress was saved in the progress file instead."
            )
            self._compact()
        if self._persistent:
            try:
                if self._journal_fd is None:
                    path = self.folder / JOURNAL_NAME
                    existed = os.path.lexists(path)
                    self._journal_fd = open_regular(
                        path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                    )
                    if not existed:
                        fsync_dir(self.folder)
                # one write per record: a crash leaves a whole line or a torn last line
                write_all(self._journal_fd, line + b"\n")
                os.fsync(self._journal_fd)
                self._journal_bytes += len(line) + 1
            except OSError as exc:
                self._go_memory_only(exc)
        removed = None
        if self._aggregates is not None and decoded["op"] == "undo":
            removed = self._state.attempts.get(decoded["attempt_id"])
        if self._state.apply(decoded) and self._aggregates is not None:
            if decoded["op"] == "attempt":
                self._aggregates.add(answer_from_attempt(decoded["attempt"]))
            elif removed is not None:
                self._aggregates.remove(answer_from_attempt(removed))
        self._state.seq = seq
        if self._persistent and self._journal_bytes > self._compact_threshold():
            self._compact()

    def _journal_intact(self) -> bool:
        """Whether the open journal is still the file ``journal.jsonl`` names."""
        assert self._journal_fd is not None
        try:
            path = self.folder / JOURNAL_NAME
            return os.path.samestat(os.fstat(self._journal_fd), os.lstat(path))
        except OSError:
            return False

    def _check_lock(self) -> None:
        """Before every write: is ``quizapp.lock`` still ours? If it was deleted (or replaced)
        while quizapp runs, a second quizapp could start writing the same folder. Where the
        folder itself is locked, no second quizapp can get in: the note is put back. Elsewhere
        the exclusion is gone, so this store stops writing (the answers stay in memory) and
        says so, rather than let two writers overwrite each other."""
        lock = self._lock
        if lock is None or lock.intact():
            return
        if lock.restore():
            return
        self._lock_lost = True
        self._warn(
            f"The lock file {lock.path} was deleted or replaced while quizapp was running, so "
            "another copy of quizapp may be using this progress folder. To avoid the two "
            "overwriting each other's answers, this window stops saving; restart quizapp to "
            "save again."
        )
        self._go_memory_only(
            OSError(errno.EBUSY, "the lock file was deleted or replaced while quizapp ran")
        )

    def _compact_threshold(self) -> int:
        return max(self._compact_min, self._snapshot_bytes // 2)

    def _compact(self) -> None:
        """Write the whole state as the snapshot and empty the journal (atomic, durable)."""
        if not self._persistent:
            return
        self._check_lock()
        if not self._persistent:
            return
        data = dump_document(self._state, self._now())
        try:
            self._keep_previous_snapshot()
            atomic_write(self.folder / SNAPSHOT_NAME, data)
            self._snapshot_good = True
            self._snapshot_bytes = len(data)
            # Every journal record now has seq <= the snapshot's, so emptying it is safe even
            # if this step is lost in a crash: those records would be skipped on load.
            self._empty_journal()
        except OSError as exc:
            self._go_memory_only(exc)

    def _empty_journal(self) -> None:
        """Truncate the journal (durably), never through a link, once the snapshot holds all
        of its records."""
        if self._journal_fd is not None:
            os.ftruncate(self._journal_fd, 0)
            os.fsync(self._journal_fd)
        else:
            truncate_file(self.folder / JOURNAL_NAME, 0)
        self._journal_bytes = 0

    def _keep_previous_snapshot(self) -> None:
        """Before a compaction replaces the snapshot, keep the current one (a hard link: no
        copying) as progress.previous.json, so a snapshot damaged later can be recovered up to
        the last compaction rather than to the last daily backup."""
        snap = self.folder / SNAPSHOT_NAME
        prev = self.folder / PREVIOUS_NAME
        tmp = self.folder / (PREVIOUS_NAME + ".tmp")
        try:
            if not check_regular(snap) or not getattr(self, "_snapshot_good", False):
                return  # never keep a damaged or unread snapshot as "previous"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            try:
                os.link(snap, tmp, follow_symlinks=os.link not in os.supports_follow_symlinks)
            except OSError:  # no hard links here (some USB file systems): copy instead
                atomic_write(tmp, read_store_file(snap))
            os.replace(tmp, prev)
        except OSError:
            pass  # only a convenience: the daily backups remain

    def _make_daily_backup(self, now: datetime) -> None:
        """Copy the snapshot to backups/progress-<UTC date>.json once a day; keep the last 7."""
        snap = self.folder / SNAPSHOT_NAME
        backups = self.folder / BACKUP_DIR
        target = backups / f"progress-{to_utc(now):%Y-%m-%d}.json"
        try:
            if not check_regular(snap) or os.path.lexists(target):
                return
            backups.mkdir(exist_ok=True)
            atomic_write(target, read_store_file(snap))
            for old in sorted(backups.glob("progress-*.json"), reverse=True)[BACKUPS_KEPT:]:
                missing = self._answers_only_in(old)
                if missing:
                    self._warn(
                        f"The old backup {old.name} was kept (not rotated away) because it "
                        f"holds {missing} answer(s) that your current progress lacks. Use "
                        "File > Import progress on it to bring them back."
                    )
                    continue
                old.unlink()
        except OSError as exc:
            self._warn(f"Could not write the daily backup in {backups} ({exc.strerror}).")

    def _answers_only_in(self, path: Path) -> int:
        """How many attempts the backup ``path`` holds that the live store neither has nor
        undid (an unreadable backup counts as holding none: it is damaged, not a copy)."""
        try:
            raw = read_store_file(path)
        except OSError:
            return 0
        # quizapp writes one attempt per line: finding their ids there is a fraction of the cost
        # of parsing the whole file (this runs once a day, at start-up)
        found = [m.decode("utf-8", "replace") for m in ATTEMPT_LINE_ID.findall(raw)]
        if not found:
            try:
                found = list(parse_document(raw)[0].attempts)
            except StoreDataError:
                return 0
        mine = self._state
        return sum(1 for a in found if a not in mine.attempts and a not in mine.undone)

    # -- recording ---------------------------------------------------------------------------

    def record_attempt(
        self,
        unit: StudyUnit,
        *,
        answer: Any,
        correct: bool,
        mode: Mode,
        marks: float | None = None,
        confidence: int | None = None,
        rating: Rating | None = None,
        time_ms: int = 0,
        session_id: str | None = None,
        at: datetime | None = None,
        schedule: bool = True,
    ) -> Attempt:
        """Record one answer durably and reschedule the unit; returns the stored attempt.

        ``answer`` is any JSON value (option letters, the flashcard rating name, ...).
        ``marks`` defaults to the CBM mark when a ``confidence`` (1-3) is given, else 1 or 0.
        ``rating`` defaults to :func:`quizapp.core.scoring.rating_for` of ``correct`` and
        ``confidence``; flashcards pass the button the user pressed. With
        ``schedule=False`` the scheduler state is left alone (e.g. a cram session).
        When this returns, the attempt is on disk (unless :attr:`persistent` is false).
        """
        self._check_open()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if confidence is not None and (isinstance(confidence, bool) or confidence not in (1, 2, 3)):
            raise ValueError(f"confidence must be 1, 2, 3 or None, got {confidence!r}")
        if isinstance(time_ms, bool) or not isinstance(time_ms, int) or time_ms < 0:
            raise ValueError(f"time_ms must be a whole number >= 0, got {time_ms!r}")
        if marks is None:
            marks = float(cbm_mark(correct, confidence)) if confidence else float(bool(correct))
        elif not math.isfinite(marks):
            raise ValueError(f"marks must be a finite number, got {marks!r}")
        try:
            answer = json.loads(json.dumps(answer, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"answer must be a JSON value: {exc}") from None
        if not (isinstance(unit.deck_id, str) and unit.deck_id):
            raise ValueError("unit.deck_id must be a non-empty string")
        if not (isinstance(unit.item_id, str) and unit.item_id):
            raise ValueError("unit.item_id must be a non-empty string")
        if not isinstance(unit.part, str):
            raise ValueError("unit.part must be a string")
        if session_id is not None and not isinstance(session_id, str):
            raise ValueError("session_id must be a string or None")
        # stored with millisecond precision; schedule with exactly the stored time
        moment = parse_timestamp(format_timestamp(at if at is not None else self._now()))
        used: Rating | None = None
        if schedule:
            used = Rating(rating) if rating is not None else rating_for(correct, confidence)
        attempt = Attempt(
            id=new_record_id(),
            deck_id=unit.deck_id,
            item_id=unit.item_id,
            part=unit.part,
            answer=answer,
            correct=bool(correct),
            marks=marks,
            confidence=confidence,
            mode=mode,
            time_ms=time_ms,
            timestamp=moment,
            session_id=session_id,
            rating=used,
        )
        item = self._state.items.get(unit.key)
        card = item.card if item is not None else None
        if used is not None:
            try:
                card = self._scheduler.review(card, used, moment)
            except Exception as exc:  # a state no check foresaw must not cost the answer
                self._warn(
                    f"The spaced-repetition state of {unit.key} could not be used ({exc!r:.80}); "
                    "it starts again from this answer."
                )
                card = self._scheduler.review(None, used, moment)
        self._commit({"op": "attempt", "attempt": attempt.to_dict(), "fsrs": card})
        return attempt

    def undo_last(self, unit: StudyUnit) -> Attempt | None:
        """Undo the most recent attempt of ``unit``: the attempt is removed and the unit's
        scheduler state, last result and last-seen time are restored. Durable like an attempt.

        Repeated calls undo further back (up to the last 10 attempts of the unit). Returns the
        undone attempt, or ``None`` if there is nothing to undo.
        """
        self._check_open()
        item = self._state.items.get(unit.key)
        while item is not None and item.undo:
            entry = item.undo[-1]
            attempt = self._state.attempts.get(entry["attempt"])
            if attempt is None:  # already gone (e.g. removed by an import); drop the entry
                item.undo.pop()
                continue
            self._commit(
                {
                    "op": "undo",
                    "attempt_id": entry["attempt"],
                    "unit": unit.key,
                    "at": format_timestamp(self._now()),
                    "restore": {
                        "fsrs": entry.get("fsrs"),
                        "last_correct": entry.get("last_correct"),
                        "last_seen": entry.get("last_seen"),
                    },
                }
            )
            return Attempt.from_dict(attempt)
        return None

    def set_flagged(self, unit: StudyUnit, flagged: bool = True) -> None:
        """Flag (or unflag) a unit for later review."""
        self._check_open()
        if self.is_flagged(unit) == bool(flagged):
            return
        self._commit(
            {
                "op": "flag",
                "unit": unit.key,
                "flagged": bool(flagged),
                "at": format_timestamp(self._now()),
            }
        )

    def is_flagged(self, unit: StudyUnit) -> bool:
        item = self._state.items.get(unit.key)
        return item is not None and item.flagged

    def start_session(
        self,
        mode: Mode,
        settings: Mapping[str, Any],
        deck_ids: Sequence[str],
        *,
        at: datetime | None = None,
    ) -> str:
        """Record the start of a session; returns its id (pass it to record_attempt)."""
        self._check_open()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if isinstance(deck_ids, str):
            raise TypeError("deck_ids must be a sequence of deck ids, not a string")
        settings = dict(settings)
        try:
            json.dumps(settings, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"settings must be JSON values: {exc}") from None
        session = {
            "id": new_record_id(),
            "mode": mode,
            "settings": settings,
            "deck_ids": [str(d) for d in deck_ids],
            "started": format_timestamp(to_utc(at) if at is not None else self._now()),
            "ended": None,
            "score": None,
        }
        self._commit({"op": "session", "session": session})
        return str(session["id"])

    def finish_session(
        self, session_id: str, score: Mapping[str, Any], *, at: datetime | None = None
    ) -> None:
        """Record the end of a session and its score (any JSON object, e.g.
        ``{"correct": 8, "total": 10, "marks": 14, "max_marks": 30, "percent": 80.0}``)."""
        self._check_open()
        if session_id not in self._state.sessions:
            raise KeyError(f"no such session: {session_id!r}")
        score = dict(score)
        try:
            json.dumps(score, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"score must be JSON values: {exc}") from None
        self._commit(
            {
                "op": "session_end",
                "id": session_id,
                "ended": format_timestamp(to_utc(at) if at is not None else self._now()),
                "score": score,
            }
        )

    def save_pending(self, state: Mapping[str, Any] | None) -> None:
        """Keep (or with ``None`` clear) a paused exam block to resume after a restart."""
        self._check_open()
        value = None if state is None else dict(state)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"pending state must be JSON values: {exc}") from None
        self._commit({"op": "pending", "state": value})

    def has_pending(self) -> bool:
        """Whether a paused block is saved (without copying it, unlike :meth:`pending`)."""
        return self._state.pending is not None

    def pending(self) -> dict[str, Any] | None:
        """The paused block saved with :meth:`save_pending`, or ``None``."""
        return copy.deepcopy(self._state.pending)

    # -- queries -----------------------------------------------------------------------------

    def _due_of(self, unit: StudyUnit) -> datetime | None:
        item = self._state.items.get(unit.key)
        return None if item is None else item.due

    def due(self, units: Iterable[StudyUnit], now: datetime | None = None) -> list[StudyUnit]:
        """Units whose scheduled review time has come, most overdue first (new units are not
        due: see :meth:`new`)."""
        moment = to_utc(now) if now is not None else self._now()
        items = self._state.items
        found: list[tuple[datetime, int, StudyUnit]] = []
        for i, unit in enumerate(units):
            item = items.get(unit.key)
            if item is not None and item.due is not None and item.due <= moment:
                found.append((item.due, i, unit))
        found.sort(key=lambda t: (t[0], t[1]))
        return [u for _d, _i, u in found]

    def new(self, units: Iterable[StudyUnit]) -> list[StudyUnit]:
        """Units never scheduled (never answered, or every answer undone), in the given order."""
        return [u for u in units if self._due_of(u) is None]

    def wrong_last_time(self, units: Iterable[StudyUnit]) -> list[StudyUnit]:
        """Units whose latest attempt was wrong, in the given order."""
        items = self._state.items
        out = []
        for u in units:
            item = items.get(u.key)
            if item is not None and item.last_correct is False:
                out.append(u)
        return out

    def flagged(self, units: Iterable[StudyUnit]) -> list[StudyUnit]:
        """Flagged units, in the given order."""
        return [u for u in units if self.is_flagged(u)]

    def unused(self, units: Iterable[StudyUnit]) -> list[StudyUnit]:
        """Units with no attempt at all, in the given order."""
        totals = self._state.totals
        return [u for u in units if not totals.get(u.key, (0, 0))[0]]

    def next_intervals(
        self, unit: StudyUnit, now: datetime | None = None
    ) -> dict[Rating, timedelta]:
        """For the flashcard buttons: the interval until the next review for each rating
        (unfuzzed; the real interval may differ by a few percent)."""
        item = self._state.items.get(unit.key)
        moment = to_utc(now) if now is not None else self._now()
        return self._scheduler.preview(None if item is None else item.card, moment)

    def forecast(
        self, units: Iterable[StudyUnit], days: int = 30, now: datetime | None = None
    ) -> list[int]:
        """How many of ``units`` fall due on each of the next ``days`` days.

        Day 0 is today and includes everything overdue. Days run midnight to midnight in the
        time zone of ``now`` (pass a local aware time for local days; the default is UTC).
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        moment = now if now is not None else self._now()
        if moment.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        zone = moment.tzinfo
        today = moment.date()
        counts = [0] * days
        items = self._state.items
        for unit in units:
            item = items.get(unit.key)
            if item is None or item.due is None:
                continue
            index = max(0, (item.due.astimezone(zone).date() - today).days)
            if index < days:
                counts[index] += 1
        return counts

    def state(self, unit: StudyUnit) -> UnitState:
        """Everything known about one unit."""
        item = self._state.items.get(unit.key) or UnitEntry()
        n, ok = self._state.totals.get(unit.key, (0, 0))
        card = item.card or {}
        return UnitState(
            unit=unit,
            due=item.due,
            stability=card.get("stability"),
            difficulty=card.get("difficulty"),
            flagged=item.flagged,
            last_correct=item.last_correct,
            last_seen=None if item.last_seen is None else parse_timestamp(item.last_seen),
            attempts=n,
            correct=ok,
        )

    def attempts(
        self,
        *,
        unit: StudyUnit | None = None,
        deck_id: str | None = None,
        session_id: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[Attempt]:
        """Recorded attempts (undone ones excluded) in the order they were recorded,
        optionally filtered."""
        cutoff = None if since is None else to_utc(since)
        for raw in list(self._state.attempts.values()):
            if unit is not None and (
                raw["deck_id"] != unit.deck_id
                or raw["item_id"] != unit.item_id
                or raw["part"] != unit.part
            ):
                continue
            if deck_id is not None and raw["deck_id"] != deck_id:
                continue
            if session_id is not None and raw["session_id"] != session_id:
                continue
            attempt = Attempt.from_dict(raw)
            if cutoff is not None and attempt.timestamp < cutoff:
                continue
            yield attempt

    @property
    def attempt_count(self) -> int:
        return len(self._state.attempts)

    def unit_totals(self, unit: StudyUnit) -> tuple[int, int]:
        """(attempts, correct attempts) for a unit, without scanning the history."""
        n, ok = self._state.totals.get(unit.key, (0, 0))
        return n, ok

    def sessions(self) -> list[SessionRecord]:
        """All sessions, oldest first."""
        out = [session_from_dict(s) for s in self._state.sessions.values()]
        out.sort(key=lambda s: s.started)
        return out

    def session(self, session_id: str) -> SessionRecord:
        """One session by id (KeyError if unknown)."""
        return session_from_dict(self._state.sessions[session_id])

    # -- export and import -------------------------------------------------------------------

    CSV_COLUMNS = (
        "id", "timestamp", "deck_id", "item_id", "part", "stage", "mode", "session_id",
        "answer", "correct", "marks", "confidence", "rating", "time_ms",
    )  # fmt: skip

    def export_csv(self, path: str | os.PathLike[str]) -> int:
        """Write every attempt as one CSV row (header row, UTF-8); returns the row count.

        ``answer`` is JSON text, ``correct`` is 1 or 0, empty cells mean "not given".
        """
        self._check_open()
        rows = 0
        target = Path(path)
        with atomic_open(target) as raw:
            fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(fh)
            writer.writerow(self.CSV_COLUMNS)
            for a in self._attempt_rows():
                part = a["part"]
                writer.writerow(
                    [
                        a["id"], a["timestamp"], a["deck_id"], a["item_id"], part,
                        part.split("/", 1)[0] if "/" in part else "",
                        a["mode"], a["session_id"] or "",
                        json.dumps(a["answer"], ensure_ascii=False),
                        1 if a["correct"] else 0, format_marks(a["marks"]),
                        "" if a["confidence"] is None else a["confidence"],
                        "" if a["rating"] is None else a["rating"],
                        a["time_ms"],
                    ]
                )  # fmt: skip
                rows += 1
            fh.flush()
            fh.detach()  # atomic_open flushes, syncs and closes the file
        return rows

    def _attempt_rows(self) -> Iterable[Mapping[str, Any]]:
        """Every live attempt in its JSON form (format 2 reads them from its history)."""
        return self._state.attempts.values()

    def export_json(self, path: str | os.PathLike[str]) -> None:
        """Write the whole progress as one JSON file (the snapshot format) to move machines."""
        self._check_open()
        atomic_write(Path(path), dump_document(self._state, self._now(), exported=True))

    def plan_import(self, path: str | os.PathLike[str]) -> ImportPlan:
        """Read and validate the whole progress file ``path`` and say what importing it would
        change, without changing anything (show it, ask, then :meth:`apply_import`).

        Raises :class:`StoreFormatError` if the file is not a readable progress file, with a
        message naming the file and the problem (a field, a line of JSON).
        """
        self._check_open()
        source = Path(path)
        try:
            other, _found = parse_document(read_store_file(source, follow_links=True))
        except StoreDataError as exc:
            raise StoreFormatError(
                f"{source} is not a usable quizapp progress file: {exc}"
            ) from None
        except StoreUnsafeFileError as exc:
            raise StoreFormatError(f"cannot import {source}: {exc.strerror}") from None
        except OSError as exc:
            raise StoreFormatError(f"cannot read {source}: {exc.strerror}") from None
        merge = merge_states(self._state, other, self._now())
        return ImportPlan(
            source=source,
            attempts_added=merge.added,
            attempts_skipped=merge.skipped,
            attempts_undone=tuple(merge.undone),
            sessions_added=merge.sessions_added,
            units_added=len(merge.units_added),
            units_replaced=tuple(merge.units_replaced),
            units_reset=tuple(merge.units_reset),
            _merge=merge,
            _base_seq=self._state.seq,
            _base_count=len(self._state.attempts),
        )

    def apply_import(self, plan: ImportPlan) -> ImportCounts:
        """Apply a plan from :meth:`plan_import` as one atomic change: the merged progress is
        written as a new snapshot first; if that fails, :class:`StoreError` is raised and
        nothing changed. A plan made before a later change of this store is made again."""
        self._check_open()
        if plan._base_seq != self._state.seq or plan._base_count != len(self._state.attempts):
            plan = self.plan_import(plan.source)
        merged = plan._merge.state
        if self._persistent:
            self._check_lock()
        if self._persistent:
            data = dump_document(merged, self._now())
            try:
                self._keep_previous_snapshot()
                atomic_write(self.folder / SNAPSHOT_NAME, data)
            except OSError as exc:
                raise StoreError(
                    f"The import was not saved, and nothing changed: "
                    f"{_describe_os_error(exc, self.folder)}"
                ) from None
            self._snapshot_good = True
            self._snapshot_bytes = len(data)
            self._state = merged
            try:  # the journal's records are all in the new snapshot (seq <= its seq)
                self._empty_journal()
            except OSError as exc:
                self._go_memory_only(exc)
        else:
            self._state = merged
        self._aggregates = None  # rebuilt on next use from the merged answers
        return ImportCounts(
            attempts_added=plan.attempts_added,
            attempts_skipped=plan.attempts_skipped,
            attempts_undone=len(plan.attempts_undone),
            sessions_added=plan.sessions_added,
            units_updated=plan.units_added + len(plan.units_replaced),
            units_reset=len(plan.units_reset),
        )

    def import_json(
        self,
        path: str | os.PathLike[str],
        *,
        confirm: Callable[[ImportPlan], bool] | None = None,
    ) -> ImportCounts:
        """Merge progress exported on another machine (or a backup) into this store.

        Attempts are merged by id (never duplicated); attempts undone on either side stay
        undone; for each unit the scheduler state and flag most recently changed win; sessions
        are merged by id. The whole file is validated first and the result saved at once, as
        one atomic change. Raises :class:`StoreFormatError` if the file is not a readable
        progress file (this store is then unchanged).

        An import that would remove answers recorded here (the file's ``undone`` list names
        them) or discard a unit's scheduling (see :class:`ImportPlan`) happens only if
        ``confirm(plan)`` returns true; without ``confirm``, or if it says no,
        :class:`ImportNotConfirmedError` is raised and nothing changes.
        """
        plan = self.plan_import(path)
        if plan.needs_confirmation and (confirm is None or not confirm(plan)):
            raise ImportNotConfirmedError(plan)
        return self.apply_import(plan)
