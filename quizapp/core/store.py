"""The score store: every answer, rating and session, kept in a local JSON store that is never lost.

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
import gc
import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast, get_args

from quizapp import __version__
from quizapp.core.model import StudyUnit
from quizapp.core.progress.aggregates import Aggregates
from quizapp.core.scheduling import (
    CardData,
    Rating,
    Scheduler,
    card_due,
    format_timestamp,
    parse_timestamp,
    to_utc,
    utc_now,
    validate_card,
)
from quizapp.core.scoring import cbm_mark, format_marks, rating_for

__all__ = [
    "BACKUPS_KEPT",
    "FORMAT",
    "Attempt",
    "ImportCounts",
    "ImportNotConfirmedError",
    "ImportPlan",
    "LockOwner",
    "Mode",
    "Session",
    "Store",
    "StoreError",
    "StoreFormatError",
    "StoreLockedError",
    "StoreUnsafeFileError",
    "UnitState",
]

#: The snapshot format this code writes. Older formats are migrated on load (see _MIGRATIONS).
FORMAT = 1
SNAPSHOT_NAME = "progress.json"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "quizapp.lock"
BACKUP_DIR = "backups"
PREVIOUS_NAME = "progress.previous.json"
BACKUPS_KEPT = 7
#: How many past scheduler states per unit are kept for undo.
UNDO_DEPTH = 10
#: The journal is compacted once it exceeds max(this, half the snapshot's size).
COMPACT_MIN_BYTES = 256 * 1024
#: The largest snapshot, backup, journal or import file quizapp reads (a million answers
#: take about 300 MB); a bigger one is not read at all, and never overwritten.
MAX_FILE_BYTES = 2 * 1024**3
#: The largest lock note read (it holds one short JSON object).
LOCK_MAX_BYTES = 64 * 1024

Mode = Literal["flashcards", "tutor", "exam"]
MODES: tuple[str, ...] = get_args(Mode)

Clock = Callable[[], datetime]


# --------------------------------------------------------------------------------------------
# Errors


class StoreError(Exception):
    """Base class of the store's errors."""


class StoreFormatError(StoreError):
    """A progress file (to import) is not a store this version can read; the message says why."""


class StoreUnsafeFileError(StoreError, OSError):
    """A file quizapp would read or write is a symbolic link, a FIFO, a device or another
    special file, or too large: quizapp does not use it (a link planted in a shared data folder
    must never make it overwrite a file elsewhere, and a FIFO or ``/dev/zero`` must not hang or
    fill memory). An :class:`OSError` too, so callers that handle I/O errors handle it."""


@dataclass(frozen=True, slots=True)
class LockOwner:
    """Who holds the data folder's lock, as written in ``quizapp.lock``."""

    pid: int | None
    host: str | None
    started: str | None
    app: str | None = None

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid is not None else "an unknown process"
        where = f" on computer {self.host!r}" if self.host else ""
        since = f", running since {self.started}" if self.started else ""
        return f"{self.app or 'quizapp'} ({who}{where}{since})"


class StoreLockedError(StoreError):
    """Another quizapp process is using the data folder.

    ``owner`` names it; ``other_host`` is true when it ran on another computer, in which case
    quizapp cannot tell whether it is still running and :meth:`Store.open` takes the lock only
    with ``break_lock=True`` (after asking the user).
    """

    def __init__(self, folder: Path, owner: LockOwner, *, other_host: bool = False) -> None:
        self.folder = folder
        self.owner = owner
        self.other_host = other_host
        if other_host:
            advice = (
                "If quizapp is no longer running there (for example the folder is on a USB "
                "stick that was unplugged without closing quizapp), you can take over."
            )
        else:
            advice = "Close the other quizapp window first, then try again."
        super().__init__(
            f"The progress folder {folder} is in use by {owner.describe()}. "
            f"Two copies of quizapp writing the same progress would overwrite each other. "
            f"{advice}"
        )


class _Invalid(Exception):
    """A problem found while validating stored data; the message names the field."""


# --------------------------------------------------------------------------------------------
# Public records


@dataclass(frozen=True, slots=True)
class Attempt:
    """One recorded answer or rating.

    ``answer`` is whatever JSON value the UI recorded: a list of option letters for a
    question, the rating name for a flashcard. ``rating`` is the rating that updated the
    scheduler (``None`` when the attempt was not scheduled).
    """

    id: str
    deck_id: str
    item_id: str
    part: str
    answer: Any
    correct: bool
    marks: float
    confidence: int | None
    mode: Mode
    time_ms: int
    timestamp: datetime
    session_id: str | None = None
    rating: Rating | None = None

    @property
    def unit(self) -> StudyUnit:
        return StudyUnit(self.deck_id, self.item_id, self.part)

    @property
    def stage(self) -> str | None:
        """The case stage id, for a question inside a case (``part == "STAGE/QUESTION"``)."""
        return self.part.split("/", 1)[0] if "/" in self.part else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in the snapshot and the journal."""
        return {
            "id": self.id,
            "deck_id": self.deck_id,
            "item_id": self.item_id,
            "part": self.part,
            "answer": self.answer,
            "correct": self.correct,
            "marks": self.marks,
            "confidence": self.confidence,
            "mode": self.mode,
            "time_ms": self.time_ms,
            "timestamp": format_timestamp(self.timestamp),
            "session_id": self.session_id,
            "rating": None if self.rating is None else int(self.rating),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attempt:
        """Build from the JSON form; the data must have passed validation."""
        rating = data.get("rating")
        answer = data["answer"]
        return cls(
            id=data["id"],
            deck_id=data["deck_id"],
            item_id=data["item_id"],
            part=data["part"],
            answer=copy.deepcopy(answer) if isinstance(answer, (list, dict)) else answer,
            correct=data["correct"],
            marks=float(data["marks"]),
            confidence=data["confidence"],
            mode=data["mode"],
            time_ms=data["time_ms"],
            timestamp=parse_timestamp(data["timestamp"]),
            session_id=data.get("session_id"),
            rating=None if rating is None else Rating(rating),
        )


@dataclass(frozen=True, slots=True)
class Session:
    """A study session: flashcard review, tutor-mode block or timed exam block."""

    id: str
    mode: Mode
    settings: dict[str, Any]
    deck_ids: tuple[str, ...]
    started: datetime
    ended: datetime | None = None
    score: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.ended is not None


@dataclass(frozen=True, slots=True)
class UnitState:
    """What the store knows about one study unit."""

    unit: StudyUnit
    due: datetime | None
    """When the scheduler wants to see it again; ``None`` for a new (never scheduled) unit."""
    stability: float | None
    difficulty: float | None
    flagged: bool
    last_correct: bool | None
    """Result of the latest attempt; ``None`` if never answered."""
    last_seen: datetime | None
    attempts: int
    correct: int

    @property
    def is_new(self) -> bool:
        return self.due is None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What :meth:`Store.import_json` merged."""

    attempts_added: int = 0
    attempts_skipped: int = 0
    attempts_undone: int = 0
    sessions_added: int = 0
    units_updated: int = 0
    units_reset: int = 0


@dataclass(frozen=True)
class ImportPlan:
    """What importing a progress file would change (:meth:`Store.plan_import`), to show the
    user before anything happens."""

    source: Path
    attempts_added: int
    """Answers in the file that this store does not have."""
    attempts_skipped: int
    """Answers already here (or undone here)."""
    attempts_undone: tuple[str, ...]
    """Ids of answers recorded here that the file's ``undone`` list would remove."""
    sessions_added: int
    units_added: int
    """Units the file has state for and this store does not."""
    units_replaced: tuple[str, ...]
    """Unit keys whose state here (scheduling, flag, last result) the file's later-changed
    entry replaces."""
    units_reset: tuple[str, ...]
    """Of those, the units whose replacement discards scheduling: the file's entry has no
    scheduler state or an older last review than ours, or claims a change in the future."""
    _merge: _Merge = field(repr=False, compare=False)
    _base_seq: int = field(repr=False, compare=False)
    _base_count: int = field(repr=False, compare=False)

    @property
    def needs_confirmation(self) -> bool:
        """Whether the import would remove answers or discard scheduling (ask first)."""
        return bool(self.attempts_undone or self.units_reset)

    def describe(self) -> str:
        """The plan in plain words, e.g. for a confirmation dialog."""
        lines = [
            f"{self.attempts_added} answer(s) added, {self.attempts_skipped} already here, "
            f"{self.sessions_added} session(s) added."
        ]
        if self.units_replaced:
            lines.append(
                f"{len(self.units_replaced)} item(s) take the file's more recent state "
                "(scheduling, flag, last result)."
            )
        if self.attempts_undone:
            lines.append(
                f"{len(self.attempts_undone)} answer(s) recorded here would be REMOVED: the "
                "file says they were undone."
            )
        if self.units_reset:
            lines.append(
                f"{len(self.units_reset)} item(s) would LOSE their scheduling here (the file's "
                "state for them is older, empty, or dated in the future)."
            )
        return "\n".join(lines)


class ImportNotConfirmedError(StoreError):
    """An import that would remove answers or discard scheduling was not confirmed; nothing
    changed. ``plan`` says what it would have done."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        super().__init__(
            f"{plan.source} was not imported, because it would change progress recorded "
            f"here:\n{plan.describe()}"
        )


# --------------------------------------------------------------------------------------------
# In-memory state


@dataclass(slots=True)
class _Item:
    card: CardData | None = None
    due: datetime | None = None
    flagged: bool = False
    last_correct: bool | None = None
    last_seen: str | None = None
    updated: str | None = None
    undo: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fsrs": self.card,
            "flagged": self.flagged,
            "last_correct": self.last_correct,
            "last_seen": self.last_seen,
            "updated": self.updated,
            "undo": self.undo,
        }

    def set_card(self, card: CardData | None) -> None:
        self.card = card
        self.due = None if card is None else card_due(card)


@dataclass(slots=True)
class _State:
    """Everything the store holds; snapshots and journal records are applied to this."""

    seq: int = 0
    attempts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, _Item] = field(default_factory=dict)
    undone: set[str] = field(default_factory=set)
    pending: dict[str, Any] | None = None
    # derived: unit key -> [attempts, correct]
    totals: dict[str, list[int]] = field(default_factory=dict)

    def item(self, key: str) -> _Item:
        it = self.items.get(key)
        if it is None:
            it = self.items[key] = _Item()
        return it

    def count(self, attempt: Mapping[str, Any], sign: int) -> None:
        key = _unit_key(attempt["deck_id"], attempt["item_id"], attempt["part"])
        t = self.totals.get(key)
        if t is None:
            t = self.totals[key] = [0, 0]
        t[0] += sign
        if attempt["correct"]:
            t[1] += sign

    def recount(self) -> None:
        self.totals = {}
        for a in self.attempts.values():
            self.count(a, 1)

    # -- applying changes (used live and when replaying the journal) -------------------------

    def apply(
        self, rec: Mapping[str, Any], *, check_only: bool = False, only_new: bool = False
    ) -> bool:
        """Apply one journal record; raises _Invalid for a malformed one, leaving the state
        unchanged. With ``check_only`` it only validates.

        Records are placed by their content, not only by their ``seq``: an attempt already
        present (or undone) is not added twice. With ``only_new`` (a record whose ``seq`` says
        the snapshot already holds it) it changes only what the state does not hold yet: an
        unknown attempt or session, an undo not yet applied, a flag newer than the unit's last
        change; a paused block cannot be placed and is left out. Returns whether it changed
        anything.
        """
        op = rec.get("op")
        if op == "attempt":
            attempt = _check_attempt(rec.get("attempt"), "attempt")
            card = _check_card_or_none(rec.get("fsrs"), "fsrs")
            key = _unit_key(attempt["deck_id"], attempt["item_id"], attempt["part"])
            if check_only or attempt["id"] in self.attempts or attempt["id"] in self.undone:
                return False
            it = self.item(key)
            it.undo.append(
                {
                    "attempt": attempt["id"],
                    "fsrs": it.card,
                    "last_correct": it.last_correct,
                    "last_seen": it.last_seen,
                }
            )
            del it.undo[:-UNDO_DEPTH]
            it.set_card(card)
            it.last_correct = attempt["correct"]
            it.last_seen = it.updated = attempt["timestamp"]
            self.attempts[attempt["id"]] = attempt
            self.count(attempt, 1)
        elif op == "undo":
            attempt_id = _want(rec, "attempt_id", str, "undo")
            key = _want(rec, "unit", str, "undo")
            restore = _want(rec, "restore", dict, "undo")
            card = _check_card_or_none(restore.get("fsrs"), "undo.restore.fsrs")
            last_correct = _opt(restore, "last_correct", bool, "undo.restore")
            last_seen = restore.get("last_seen")
            if last_seen is not None:
                _check_ts(last_seen, "undo.restore.last_seen")
            at = _check_ts(rec.get("at"), "undo.at")
            if check_only:
                return False
            if only_new and attempt_id in self.undone and attempt_id not in self.attempts:
                return False
            it = self.item(key)
            it.undo = [u for u in it.undo if u.get("attempt") != attempt_id]
            it.set_card(card)
            it.last_correct = last_correct
            it.last_seen = last_seen
            it.updated = at
            self.undone.add(attempt_id)
            removed = self.attempts.pop(attempt_id, None)
            if removed is not None:
                self.count(removed, -1)
        elif op == "flag":
            key = _want(rec, "unit", str, "flag")
            flagged = _want(rec, "flagged", bool, "flag")
            at = _check_ts(rec.get("at"), "flag.at")
            if check_only:
                return False
            if only_new:
                known = self.items.get(key)
                if known is not None and not _newer(at, known.updated):
                    return False
            it = self.item(key)
            it.flagged = flagged
            it.updated = at
        elif op == "session":
            session = _check_session(rec.get("session"), "session")
            if check_only or (only_new and session["id"] in self.sessions):
                return False
            self.sessions[session["id"]] = session
        elif op == "session_end":
            sid = _want(rec, "id", str, "session_end")
            ended = _check_ts(rec.get("ended"), "session_end.ended")
            score = _want(rec, "score", dict, "session_end")
            _check_score(score, "session_end.score")
            if sid not in self.sessions:
                raise _Invalid(f"session_end: unknown session {sid!r}")
            if check_only or (only_new and self.sessions[sid].get("ended") is not None):
                return False
            self.sessions[sid] = {**self.sessions[sid], "ended": ended, "score": score}
        elif op == "pending":
            state = rec.get("state")
            if state is not None and not isinstance(state, dict):
                raise _Invalid("pending.state: expected an object or null")
            if not _depth_ok(state):
                raise _Invalid(f"pending.state: nested more than {MAX_DEPTH} levels deep")
            if check_only or only_new:
                return False
            self.pending = state
        else:
            raise _Invalid(f"unknown record type {op!r}")
        return True


def _unit_key(deck_id: str, item_id: str, part: str) -> str:
    """``StudyUnit(deck_id, item_id, part).key`` without building the object (hot on load)."""
    return f"{deck_id}::{item_id}::{part}" if part else f"{deck_id}::{item_id}"


# --------------------------------------------------------------------------------------------
# Validation of stored data (snapshot, journal records, imports)


#: The deepest nesting accepted inside a stored value (an answer, session settings or score,
#: a paused block). Deeper values are damage: copying or drawing them would exhaust the stack.
MAX_DEPTH = 64


def _depth_ok(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` (parsed JSON) nests at most ``limit`` levels; iterative, and quick
    for the usual flat values (a string, a list of option letters)."""
    if not isinstance(value, (list, dict)):
        return True
    if type(value) is list and all(type(x) is str for x in value):
        return True  # the usual answer: option letters
    todo: list[tuple[object, int]] = [(value, 1)]
    while todo:
        v, depth = todo.pop()
        if depth > limit:
            return False
        children = v.values() if isinstance(v, dict) else v
        for c in children:  # type: ignore[attr-defined]
            if isinstance(c, (list, dict)):
                todo.append((c, depth + 1))
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _loads(raw: bytes | str) -> Any:
    """Parse JSON the store reads (snapshot, backup, journal line, lock note, import file).

    Every way a parse can fail is one :class:`_Invalid`: not UTF-8, not JSON, ``NaN`` or
    ``Infinity`` (which Python's json would accept), nesting so deep that the parser runs out
    of stack, an integer with more digits than Python converts. Never a traceback.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise _Invalid("the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Invalid(f"it is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise _Invalid("it is nested too deeply to be a quizapp file") from None
    except ValueError as exc:  # e.g. an integer longer than 4300 digits, or NaN
        raise _Invalid(f"it holds a value quizapp cannot read ({exc})") from None


def _want(obj: Mapping[str, Any], key: str, typ: type[Any], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise _Invalid(f"{where}.{key}: expected {typ.__name__}, got {value!r:.60}")
    return value


def _opt(obj: Mapping[str, Any], key: str, typ: type[Any], where: str) -> Any:
    return None if obj.get(key) is None else _want(obj, key, typ, where)


#: An ISO 8601 timestamp with a zone, every field in range (month 01-12, day 01-31, hour
#: 00-23, minute and second 00-59, offset up to 23:59). Days 29-31 and the years 0001 and 9999
#: (where converting to UTC can leave the calendar) are then checked by parsing: see _ts_ok.
_TIMESTAMP = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d"
    r"(:[0-5]\d(\.\d{1,6})?)?(Z|z|[+-]([01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)


#: The same, for the timestamps no further test is needed for (days 01-28, years 0002-9998):
#: one match decides almost every attempt on load.
_TIMESTAMP_SURE = re.compile(
    r"(?!0000|0001|9999)\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d"
    r"(:[0-5]\d(\.\d{1,6})?)?(Z|z|[+-]([01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)


def _ts_ok(value: object) -> bool:
    """Whether ``value`` is a timestamp the store can read back (the fast check used for
    every attempt on load: a pattern, and a real parse only for the rare days it cannot
    decide, so a bit flip that makes a month 13 or a 30 February is caught on load)."""
    if type(value) is not str or not _TIMESTAMP.fullmatch(value):
        return False
    return _day_ok(value)


#: Months with 31 days ("MM" as in a timestamp).
_LONG_MONTHS = frozenset(("01", "03", "05", "07", "08", "10", "12"))


def _day_ok(value: str) -> bool:
    """After _TIMESTAMP matched: whether the day exists (the 29th of February only in a leap
    year, the 31st only in long months) and the time converts to UTC. Parses only the few
    values plain string tests cannot decide."""
    day = value[8:10]
    if "0001" < value[:4] < "9999" and (
        day <= "28"
        or (day != "31" and value[5:7] != "02")
        or (day == "31" and value[5:7] in _LONG_MONTHS)
    ):
        return True
    try:
        parse_timestamp(value)
    except (ValueError, OverflowError):
        return False
    return True


def _check_ts(value: object, where: str) -> str:
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise _Invalid(f"{where}: expected an ISO 8601 timestamp with a zone, got {value!r:.60}")
    if not _day_ok(value):
        raise _Invalid(f"{where}: not a valid timestamp: {value!r:.60}")
    return value


def _check_attempt_ts(value: object, where: str) -> None:
    _check_ts(value, where)


def _check_card_or_none(value: object, where: str) -> CardData | None:
    if value is None:
        return None
    try:
        card = validate_card(value)
    except (ValueError, OverflowError) as exc:
        raise _Invalid(f"{where}: {exc}") from None
    _check_card_ranges(card, where)
    if len(card) > 7 and not _depth_ok(card):  # keys beyond fsrs.Card's seven are kept as-is
        raise _Invalid(f"{where}: nested more than {MAX_DEPTH} levels deep")
    return card


def _check_card_ranges(card: Mapping[str, Any], where: str) -> None:
    """Values that parse but that no scheduler wrote (a bit flip, a hand edit): caught on
    load, so that answering the unit or drawing Statistics never meets them."""

    def number(key: str, low: float, high: float) -> None:
        v = card.get(key)
        if v is None:
            return
        if (
            isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not math.isfinite(v)
            or not low <= v <= high
        ):
            raise _Invalid(f"{where}.{key}: expected a number from {low} to {high}, got {v!r:.60}")

    state = card.get("state")
    if isinstance(state, bool) or state not in (1, 2, 3):
        raise _Invalid(f"{where}.state: expected 1, 2 or 3, got {state!r:.60}")
    step = card.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 0):
        raise _Invalid(f"{where}.step: expected a whole number >= 0 or null, got {step!r:.60}")
    number("stability", 1e-9, 1e15)
    number("difficulty", 1.0, 10.0)
    # what the scheduler needs in each state (fsrs asserts these when reviewing)
    if state in (2, 3) and (card.get("stability") is None or card.get("difficulty") is None):
        raise _Invalid(f"{where}: a card in review or relearning needs stability and difficulty")
    if state in (1, 3) and step is None:
        raise _Invalid(f"{where}.step: a card in learning or relearning needs a step")
    _check_ts(card.get("due"), f"{where}.due")
    if card.get("last_review") is not None:
        _check_ts(card["last_review"], f"{where}.last_review")


_ATTEMPT_KEYS = frozenset(
    (
        "id", "deck_id", "item_id", "part", "answer", "correct", "marks", "confidence",
        "mode", "time_ms", "timestamp", "session_id", "rating",
    )
)  # fmt: skip


_N_ATTEMPT_KEYS = len(_ATTEMPT_KEYS)
_IS_STR = str.__instancecheck__
_CONFIDENCES = (None, 1, 2, 3)
_RATINGS = (None, 1, 2, 3, 4)


def _attempt_ok(v: object) -> bool:
    """The fast check used for every attempt on load; :func:`_check_attempt` explains failures.

    ``type(x) is T`` rather than isinstance keeps ``True`` out of the int fields.
    """
    if type(v) is not dict or not _ATTEMPT_KEYS.issubset(v):
        return False
    marks = v["marks"]
    answer = v["answer"]
    ts = v["timestamp"]
    t = v["time_ms"]
    return bool(
        type(v["id"]) is str and v["id"]
        and type(v["deck_id"]) is str and v["deck_id"]
        and type(v["item_id"]) is str and v["item_id"]
        and type(v["part"]) is str
        and type(v["correct"]) is bool
        and (type(marks) is float or type(marks) is int) and math.isfinite(marks)
        and type(v["confidence"]) is not bool and v["confidence"] in _CONFIDENCES
        and v["mode"] in MODES
        and type(t) is int and t >= 0
        and type(ts) is str and (_TIMESTAMP_SURE.fullmatch(ts) or _ts_ok(ts))
        and (type(answer) is str or (type(answer) is list and all(map(_IS_STR, answer)))
             or _depth_ok(answer))
        and (len(v) == _N_ATTEMPT_KEYS or _depth_ok(v))
        and (v["session_id"] is None or type(v["session_id"]) is str)
        and type(v["rating"]) is not bool and v["rating"] in _RATINGS
    )  # fmt: skip


def _check_attempt(value: object, where: str) -> dict[str, Any]:
    """Return ``value`` if it is a valid attempt, else raise _Invalid naming the field."""
    if _attempt_ok(value):
        return cast(dict[str, Any], value)
    if not isinstance(value, dict):
        raise _Invalid(f"{where}: expected an object, got {type(value).__name__}")
    missing = _ATTEMPT_KEYS.difference(value)
    if missing:
        raise _Invalid(f"{where}: missing {', '.join(sorted(missing))}")
    for key in ("id", "deck_id", "item_id"):
        v = value[key]
        if not isinstance(v, str) or not v:
            raise _Invalid(f"{where}.{key}: expected a non-empty string, got {v!r:.60}")
    if not isinstance(value["part"], str):
        raise _Invalid(f"{where}.part: expected a string")
    if not isinstance(value["correct"], bool):
        raise _Invalid(f"{where}.correct: expected true or false")
    marks = value["marks"]
    if isinstance(marks, bool) or not isinstance(marks, (int, float)) or not math.isfinite(marks):
        raise _Invalid(f"{where}.marks: expected a number, got {marks!r:.60}")
    if value["confidence"] not in (None, 1, 2, 3) or isinstance(value["confidence"], bool):
        raise _Invalid(f"{where}.confidence: expected 1, 2, 3 or null")
    if value["mode"] not in MODES:
        raise _Invalid(f"{where}.mode: expected one of {', '.join(MODES)}")
    t = value["time_ms"]
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise _Invalid(f"{where}.time_ms: expected a whole number >= 0")
    _check_attempt_ts(value["timestamp"], f"{where}.timestamp")
    if value["session_id"] is not None and not isinstance(value["session_id"], str):
        raise _Invalid(f"{where}.session_id: expected a string or null")
    if value["rating"] not in (None, 1, 2, 3, 4) or isinstance(value["rating"], bool):
        raise _Invalid(f"{where}.rating: expected 1..4 or null")
    if not _depth_ok(value["answer"]):
        raise _Invalid(f"{where}.answer: nested more than {MAX_DEPTH} levels deep")
    if not _depth_ok(value):
        raise _Invalid(f"{where}: nested more than {MAX_DEPTH} levels deep")
    raise _Invalid(f"{where}: not a valid attempt")


def _check_session(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{where}: expected an object")
    _want(value, "id", str, where)
    if value.get("mode") not in MODES:
        raise _Invalid(f"{where}.mode: expected one of {', '.join(MODES)}")
    _want(value, "settings", dict, where)
    decks = _want(value, "deck_ids", list, where)
    if not all(isinstance(d, str) for d in decks):
        raise _Invalid(f"{where}.deck_ids: expected a list of strings")
    _check_ts(value.get("started"), f"{where}.started")
    if value.get("ended") is not None:
        _check_ts(value["ended"], f"{where}.ended")
    score = _opt(value, "score", dict, where)
    if score is not None:
        _check_score(score, f"{where}.score")
    if not _depth_ok(value):
        raise _Invalid(f"{where}: nested more than {MAX_DEPTH} levels deep")
    return value


def _check_score(score: Mapping[str, Any], where: str) -> None:
    """The numbers Statistics reads from a session's score must be finite and not negative."""
    if not _depth_ok(score):
        raise _Invalid(f"{where}: nested more than {MAX_DEPTH} levels deep")
    for key in _SCORE_NUMBERS:
        v = score.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise _Invalid(f"{where}.{key}: expected a number, got {v!r:.60}")
        if key in _SCORE_COUNTS and v < 0:
            raise _Invalid(f"{where}.{key}: expected a number >= 0, got {v!r:.60}")
    cards = score.get("flashcards")
    if isinstance(cards, dict):
        for label, n in cards.items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise _Invalid(f"{where}.flashcards.{label}: expected a count >= 0")


#: Numbers a session score may hold (what Statistics reads), and those that are counts.
_SCORE_NUMBERS = ("correct", "total", "questions", "answered", "marks", "max_marks",
                  "percent", "time_ms")
_SCORE_COUNTS = ("correct", "total", "questions", "answered", "max_marks", "time_ms")


def _check_item(value: object, where: str) -> _Item:
    if not isinstance(value, dict):
        raise _Invalid(f"{where}: expected an object")
    it = _Item()
    it.set_card(_check_card_or_none(value.get("fsrs"), f"{where}.fsrs"))
    it.flagged = bool(_opt(value, "flagged", bool, where) or False)
    it.last_correct = _opt(value, "last_correct", bool, where)
    if value.get("last_seen") is not None:
        it.last_seen = _check_ts(value["last_seen"], f"{where}.last_seen")
    if value.get("updated") is not None:
        it.updated = _check_ts(value["updated"], f"{where}.updated")
    undo = _opt(value, "undo", list, where) or []
    for i, u in enumerate(undo):
        if not isinstance(u, dict) or not isinstance(u.get("attempt"), str):
            raise _Invalid(f"{where}.undo[{i}]: expected an object with an attempt id")
        _check_card_or_none(u.get("fsrs"), f"{where}.undo[{i}].fsrs")
        # what undoing that attempt restores must be recordable then
        _opt(u, "last_correct", bool, f"{where}.undo[{i}]")
        if u.get("last_seen") is not None:
            _check_ts(u["last_seen"], f"{where}.undo[{i}].last_seen")
        if len(u) > 4 and not _depth_ok(u):
            raise _Invalid(f"{where}.undo[{i}]: nested more than {MAX_DEPTH} levels deep")
    it.undo = undo[-UNDO_DEPTH:]
    return it


#: format N -> function turning a format-N document into a format-(N+1) one. Format 1 is the
#: first, so there is nothing to migrate yet; add an entry with every format bump.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class _NewerFormat(_Invalid):
    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(
            f"it was written by a newer quizapp (store format {found}; this version reads "
            f"up to {FORMAT})"
        )


def _version_tuple(text: str) -> tuple[int, ...] | None:
    parts = re.match(r"(\d+(?:\.\d+)*)", text)
    return tuple(int(x) for x in parts.group(1).split(".")[:4]) if parts else None


def _written_by_this_or_older(app: object) -> bool:
    """Whether an ``app`` field names a quizapp no newer than this one."""
    if not isinstance(app, str) or not app.startswith("quizapp ") or len(app) > 100:
        return False
    theirs = _version_tuple(app[len("quizapp ") :])
    ours = _version_tuple(__version__)
    return theirs is not None and ours is not None and theirs <= ours


def _parse_document(raw: bytes) -> tuple[_State, int]:
    """Parse and validate a snapshot/export; returns the state and the format it was in."""
    if not raw.strip():
        raise _Invalid("the file is empty")
    # Parsing a big history allocates millions of small objects that are all kept: pausing
    # the cyclic garbage collector meanwhile makes loading about a quarter faster.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _parse_document_gc_off(raw)
    finally:
        if gc_was_on:
            gc.enable()


def _parse_document_gc_off(raw: bytes) -> tuple[_State, int]:
    doc = _loads(raw)
    if not isinstance(doc, dict):
        raise _Invalid(f"expected a JSON object at the top, found {type(doc).__name__}")
    version = doc.get("format")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Invalid("it has no valid \"format\" number; is it a quizapp progress file?")
    if version > FORMAT:
        if _written_by_this_or_older(doc.get("app")):
            # A quizapp no newer than this one wrote it, so it cannot be a newer format: a
            # damaged "format" (one bit turns 1 into 9). Read what can be read from it.
            raise _Invalid(
                f"it claims store format {version}, but {doc['app']} writes format {FORMAT}"
            )
        raise _NewerFormat(version)
    found = version
    while version < FORMAT:
        migrate = _MIGRATIONS.get(version)
        if migrate is None:
            raise _Invalid(f"store format {version} is not one quizapp ever wrote")
        doc = migrate(doc)
        version += 1
    state = _State()
    seq = doc.get("seq", 0)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise _Invalid("seq: expected a whole number >= 0")
    state.seq = seq
    attempts = doc.get("attempts", [])
    if not isinstance(attempts, list):
        raise _Invalid("attempts: expected a list")
    for i, a in enumerate(attempts):
        if not _attempt_ok(a):
            _check_attempt(a, f"attempts[{i}]")
        state.attempts[a["id"]] = a
    sessions = doc.get("sessions", {})
    if not isinstance(sessions, dict):
        raise _Invalid("sessions: expected an object")
    for sid, s in sessions.items():
        _check_session(s, f"sessions[{sid!r}]")
        state.sessions[sid] = s
    items = doc.get("items", {})
    if not isinstance(items, dict):
        raise _Invalid("items: expected an object")
    for key, value in items.items():
        state.items[key] = _check_item(value, f"items[{key!r}]")
    undone = doc.get("undone", [])
    if not isinstance(undone, list) or not all(isinstance(u, str) for u in undone):
        raise _Invalid("undone: expected a list of attempt ids")
    state.undone = set(undone)
    pending = doc.get("pending_session")
    if pending is not None and not isinstance(pending, dict):
        raise _Invalid("pending_session: expected an object or null")
    if not _depth_ok(pending):
        raise _Invalid(f"pending_session: nested more than {MAX_DEPTH} levels deep")
    state.pending = pending
    missing = [k for k in _DOCUMENT_KEYS if k not in doc]
    if missing:
        # quizapp always writes them all: a missing one is a damaged name, never "empty"
        raise _Invalid(f"it has no {', '.join(repr(k) for k in missing)}")
    state.recount()
    return state, found


#: The keys every snapshot, backup and export holds (besides "format").
_DOCUMENT_KEYS = ("seq", "attempts", "sessions", "items", "undone", "pending_session")


def _salvage(raw: bytes) -> tuple[_State, int]:
    """Every record that can still be read from a damaged snapshot: returns the state they
    make and how many attempts it holds.

    If the file is still JSON, each attempt, session and item is checked on its own and the
    bad ones left out. If it is not (a flipped byte in a quote or a brace), quizapp's own
    layout of one attempt, session or item per line lets each line be read on its own.
    """
    state = _State()
    try:
        doc = _loads(raw)
    except _Invalid:
        doc = None
    if isinstance(doc, dict):
        # by what each value holds, not by its key (a damaged key name loses nothing)
        for key, value in doc.items():
            if key == "pending_session":
                continue
            if isinstance(value, list):
                for a in value:
                    _salvage_attempt(state, a)
            elif isinstance(value, dict):
                for name, v in value.items():
                    _salvage_pair(state, name, v)
        _salvage_head(state, doc)
    else:
        for line in raw.splitlines():
            text = line.strip().rstrip(b",").strip()
            if not text:
                continue
            try:
                if text.startswith(b"{"):
                    value = _loads(text)
                    if isinstance(value, dict) and "deck_id" in value:
                        _salvage_attempt(state, value)
                elif text.startswith(b'"'):
                    value = _loads(b"{" + text + b"}")
                    if isinstance(value, dict):
                        for key, v in value.items():
                            if key != "pending_session":
                                _salvage_pair(state, key, v)
                        _salvage_head(state, value)
            except _Invalid:
                continue
    state.recount()
    return state, len(state.attempts)


def _salvage_attempt(state: _State, a: object) -> None:
    if _attempt_ok(a):
        a = cast(dict[str, Any], a)
        state.attempts[a["id"]] = a


def _salvage_pair(state: _State, key: str, value: object) -> None:
    """One ``"key": {...}`` entry of the sessions or the items (told apart by their fields)."""
    if not isinstance(value, dict):
        return
    try:
        if "started" in value and "mode" in value:
            state.sessions[key] = _check_session(value, "session")
        elif "fsrs" in value or "undo" in value or "flagged" in value:
            state.items[key] = _check_item(value, "item")
    except _Invalid:
        pass


def _salvage_head(state: _State, doc: Mapping[str, Any]) -> None:
    seq = doc.get("seq")
    if type(seq) is int and seq >= 0:
        state.seq = max(state.seq, seq)
    undone = doc.get("undone")
    if isinstance(undone, list):
        state.undone.update(u for u in undone if isinstance(u, str))
    for u in state.undone:
        state.attempts.pop(u, None)
    pending = doc.get("pending_session")
    if isinstance(pending, dict) and _depth_ok(pending):
        state.pending = pending


@dataclass(slots=True)
class _Merge:
    """The result of merging another store's state into ours (import, or a salvaged file on
    top of a backup), and what it changes."""

    state: _State
    added: int = 0
    skipped: int = 0
    undone: list[str] = field(default_factory=list)
    sessions_added: int = 0
    units_added: list[str] = field(default_factory=list)
    units_replaced: list[str] = field(default_factory=list)
    units_reset: list[str] = field(default_factory=list)


def _merge(mine: _State, other: _State, now: datetime, *, take_pending: bool = False) -> _Merge:
    """Merge ``other`` into a copy of ``mine`` (which is left unchanged): attempts by id,
    never twice; an attempt undone on either side stays undone; sessions by id; for each unit
    the entry changed later wins. ``units_reset`` lists the units whose replacement discards
    scheduling: the newer entry has no scheduler state or an older last review than ours, or
    claims a change in the future (a year-9999 ``updated``)."""
    state = _State(
        seq=max(mine.seq, other.seq),
        attempts=dict(mine.attempts),
        sessions=dict(mine.sessions),
        items=dict(mine.items),
        undone=set(mine.undone),
        pending=mine.pending,
    )
    result = _Merge(state)
    for attempt_id in sorted(other.undone - mine.undone):
        state.undone.add(attempt_id)
        if state.attempts.pop(attempt_id, None) is not None:
            result.undone.append(attempt_id)
    for attempt_id, a in other.attempts.items():
        if attempt_id in state.attempts or attempt_id in state.undone:
            result.skipped += 1
            continue
        state.attempts[attempt_id] = a
        result.added += 1
    if result.added:
        ordered = sorted(state.attempts.values(), key=lambda a: parse_timestamp(a["timestamp"]))
        state.attempts = {a["id"]: a for a in ordered}
    for sid, sess in other.sessions.items():
        current = state.sessions.get(sid)
        if current is None:
            result.sessions_added += 1
            state.sessions[sid] = sess
        elif current.get("ended") is None and sess.get("ended") is not None:
            state.sessions[sid] = sess
    soon = now + timedelta(days=1)
    for key, theirs in other.items.items():
        ours = state.items.get(key)
        if ours is None:
            state.items[key] = theirs
            result.units_added.append(key)
        elif _newer(theirs.updated, ours.updated):
            state.items[key] = theirs
            result.units_replaced.append(key)
            if (
                (theirs.updated is not None and parse_timestamp(theirs.updated) > soon)
                or (ours.card is not None and theirs.card is None)
                or (
                    ours.card is not None
                    and theirs.card is not None
                    and _newer(ours.card.get("last_review"), theirs.card.get("last_review"))
                )
            ):
                result.units_reset.append(key)
    if take_pending and other.pending is not None and state.pending is None:
        state.pending = other.pending
    state.recount()
    return result


def _json_bytes(value: object, **options: Any) -> bytes:
    """``value`` as UTF-8 JSON. Strings that are not valid Unicode (lone surrogates, which
    JSON ``\\u`` escapes can carry) cannot be UTF-8 encoded; then non-ASCII is escaped."""
    try:
        return json.dumps(value, ensure_ascii=False, **options).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options).encode("ascii")


#: The id at the start of an attempt's line in a snapshot quizapp wrote (see _dump_text).
_ATTEMPT_LINE_ID = re.compile(rb'^\{"id": "([^"\\]+)", "deck_id": ', re.MULTILINE)


def _dump_document(state: _State, now: datetime, *, exported: bool = False) -> bytes:
    """Serialise ``state`` as a snapshot: valid JSON, one attempt/session/item per line."""
    try:
        return _dump_text(state, now, exported=exported, ascii_only=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: escape all non-ASCII instead
        return _dump_text(state, now, exported=exported, ascii_only=True).encode("ascii")


def _dump_text(state: _State, now: datetime, *, exported: bool, ascii_only: bool) -> str:
    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=ascii_only, separators=(", ", ": "))

    def lines(pairs: Iterable[str]) -> str:
        body = ",\n".join(pairs)
        return f"\n{body}\n" if body else ""

    head = {
        "format": FORMAT,
        "app": f"quizapp {__version__}",
        "saved": format_timestamp(now),
        "seq": state.seq,
    }
    if exported:
        head["exported"] = True
    parts = [
        "{\n",
        ",\n".join(f"{dumps(k)}: {dumps(v)}" for k, v in head.items()),
        ',\n"attempts": [',
        lines(dumps(a) for a in state.attempts.values()),
        '],\n"sessions": {',
        lines(f"{dumps(k)}: {dumps(v)}" for k, v in state.sessions.items()),
        '},\n"items": {',
        lines(f"{dumps(k)}: {dumps(v.to_dict())}" for k, v in state.items.items()),
        '},\n"undone": ',
        dumps(sorted(state.undone)),
        ',\n"pending_session": ',
        dumps(state.pending),
        "\n}\n",
    ]
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Low-level durable file operations


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fsync_dir(folder: Path) -> None:
    """Make a rename/create in ``folder`` durable (no-op where folders cannot be opened)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_O_BINARY = getattr(os, "O_BINARY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _kind(mode: int) -> str:
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


def _unsafe(path: Path, what: str) -> StoreUnsafeFileError:
    exc = StoreUnsafeFileError(
        errno.EPERM,
        f"{path} is {what}; quizapp only uses regular files in its data folder (it never "
        "follows links there, so that a link cannot make it overwrite a file elsewhere). "
        "Move it away or replace it with the real file",
    )
    exc.filename = os.fspath(path)
    return exc


def _too_large(path: Path, limit: int) -> StoreUnsafeFileError:
    exc = StoreUnsafeFileError(
        errno.EFBIG,
        f"{path} is larger than {limit / 1024**2:g} MB, more than any quizapp progress file; "
        "quizapp does not read it and never writes over it",
    )
    exc.filename = os.fspath(path)
    return exc


def _check_regular(path: Path) -> bool:
    """True if ``path`` is a regular file, False if it does not exist; raises
    StoreUnsafeFileError for a link or a special file (checked with lstat: never followed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode):
        raise _unsafe(path, _kind(st.st_mode))
    return True


def _open_regular(path: Path, flags: int, mode: int = 0o644, *, follow_links: bool = False) -> int:
    """``os.open`` that never follows a symbolic link and never opens a special file (a FIFO
    is opened non-blocking, then refused); raises StoreUnsafeFileError for those.
    ``follow_links`` allows a link to a regular file (a file the user chose to import)."""
    nofollow = 0 if follow_links else _O_NOFOLLOW
    if not nofollow and not follow_links:  # Windows has no O_NOFOLLOW: check first
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(st.st_mode):
                raise _unsafe(path, _kind(st.st_mode))
    try:
        fd = os.open(path, flags | nofollow | _O_NONBLOCK | _O_BINARY, mode)
    except OSError as exc:
        if (nofollow and exc.errno in (errno.ELOOP, errno.EMLINK)) or (
            exc.errno == errno.ENXIO and not stat.S_ISREG(os.lstat(path).st_mode)
        ):
            raise _unsafe(path, _kind(os.lstat(path).st_mode)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _unsafe(path, _kind(st.st_mode))
        if _O_NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_regular(
    path: Path, limit: int | None = None, *, follow_links: bool = False
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default MAX_FILE_BYTES); never
    a link, FIFO or device, nor a bigger file: StoreUnsafeFileError. FileNotFoundError if it
    does not exist."""
    if limit is None:
        limit = MAX_FILE_BYTES
    fd = _open_regular(path, os.O_RDONLY, follow_links=follow_links)
    try:
        if os.fstat(fd).st_size > limit:
            raise _too_large(path, limit)
        chunks = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise _too_large(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _truncate_file(path: Path, size: int) -> None:
    """Cut ``path`` to ``size`` bytes without following a link (os.truncate would)."""
    try:
        fd = _open_regular(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably; on error ``path`` is untouched.

    The temporary file is created exclusively and without following links (a link planted
    under its name is removed, never written through); ``os.replace`` then replaces a link at
    ``path`` itself, never the file it points to.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_BINARY
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileExistsError:  # a leftover (or a planted link): remove the name, not its target
        os.unlink(tmp)
        fd = os.open(tmp, flags, 0o644)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _stamp(now: datetime) -> str:
    return to_utc(now).strftime("%Y%m%dT%H%M%S")


def _aside_path(folder: Path, stem: str, suffix: str, now: datetime) -> Path:
    base = f"{stem}-{_stamp(now)}"
    path = folder / f"{base}{suffix}"
    n = 1
    while os.path.lexists(path):
        path = folder / f"{base}-{n}{suffix}"
        n += 1
    return path


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
# The lock file


def _new_id() -> str:
    import uuid  # here, not at the top: start-up does not need it

    return uuid.uuid4().hex


def _this_host() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename  # what socket.gethostname() gives, without importing socket
    import socket

    return socket.gethostname()


def _read_owner(raw: bytes) -> LockOwner | None:
    if len(raw) > LOCK_MAX_BYTES:
        return None
    try:
        info = _loads(raw)
    except _Invalid:
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


class _FolderLock:
    """``quizapp.lock``: an OS lock held for the store's lifetime plus a note naming the owner,
    and (where possible) an OS lock on the folder itself that survives deleting the note."""

    def __init__(self, path: Path, fd: int, dir_fd: int | None = None) -> None:
        self.path = path
        self._fd: int | None = fd
        self._dir_fd = dir_fd
        self._started = ""

    @classmethod
    def acquire(cls, path: Path, now: datetime, *, break_lock: bool) -> _FolderLock:
        """Take the lock or raise StoreLockedError (OSError if the folder is not writable)."""
        try:
            dir_fd = _try_lock_folder(path.parent)
        except BlockingIOError:
            owner = None
            with contextlib.suppress(OSError):
                owner = _read_owner(_read_regular(path, LOCK_MAX_BYTES))
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
    def _acquire_file(cls, path: Path, now: datetime, *, break_lock: bool) -> _FolderLock:
        for _ in range(10):
            fd = _open_regular(path, os.O_RDWR | os.O_CREAT)
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
        _write_all(fd, json.dumps(note).encode("utf-8") + b"\n")
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
            fd = _open_regular(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
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
        self._scheduler = Scheduler()
        self._state = _State()
        self._lock: _FolderLock | None = None
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
    ) -> Store:
        """Open (creating if needed) the store in ``folder``.

        ``clock`` returns the current aware time (tests inject one). ``read_only`` opens
        without the lock and never writes (for ``quizapp stats`` while the GUI runs).
        ``break_lock`` takes over a lock left by quizapp on another computer.
        ``on_warning`` is called with each message also appended to :attr:`warnings`.

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
        return store

    def _open(self, *, break_lock: bool) -> None:
        now = self._now()
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
                self._lock = _FolderLock.acquire(
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
            found.append(_unsafe(backups, _kind(st.st_mode)))
        elif st is not None:
            with contextlib.suppress(OSError):
                candidates.extend(backups.glob("progress-*.json"))
        for path in candidates:
            try:
                _check_regular(path)
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
            raw = _read_regular(snap_path)
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
                self._state, found = _parse_document(raw)
                self._snapshot_bytes = len(raw)
                snapshot_ok = True
                self._snapshot_good = True
                if found < FORMAT:
                    self._keep_copy(
                        raw, self.folder / f"progress.format-{found}.json",
                        f"Your progress was upgraded from store format {found} to {FORMAT}",
                    )  # fmt: skip
                    repair = True
            except _Invalid as exc:
                self._set_aside_snapshot(raw, exc, now)
                repair = True
        journal_repair = self._replay_journal(now)
        return snapshot_ok, repair or journal_repair

    def _set_aside_snapshot(self, raw: bytes, problem: _Invalid, now: datetime) -> None:
        newer = isinstance(problem, _NewerFormat)
        stem = "progress.newer" if newer else "progress.corrupt"
        kept = ""
        if self._persistent:
            aside = _aside_path(self.folder, stem, ".json", now)
            try:
                _atomic_write(aside, raw)
                kept = f" It was kept unchanged as {aside.name}."
            except OSError as exc:
                self._go_memory_only(exc)
        restored = self._restore_backup()
        salvaged = 0
        if not newer:
            # Keep every record that can still be read from the damaged file, on top of the
            # backup (attempts by id, never twice; the later state of each unit wins).
            rescued, salvaged = _salvage(raw)
            if salvaged or rescued.items or rescued.sessions:
                self._state = _merge(self._state, rescued, now, take_pending=True).state
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
        best: tuple[_State, str] | None = None
        for path in [*backups, self.folder / PREVIOUS_NAME]:
            try:
                state, _found = _parse_document(_read_regular(path))
            except (OSError, _Invalid):
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
            raw = _read_regular(path)
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
                rec = _loads(line)
                if not isinstance(rec, dict):
                    raise _Invalid("not a JSON object")
                seq = _want(rec, "seq", int, "record")
                if seq <= 0:
                    raise _Invalid(f"record.seq: expected a number >= 1, got {seq}")
                # apply() checks the whole record before changing anything
                if seq > snap_seq:
                    self._state.apply(rec)
                elif self._state.apply(rec, only_new=True):
                    placed_late += 1
            except _Invalid as exc:
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
                    _truncate_file(path, torn_at)
                    self._journal_bytes = torn_at
                except OSError as exc:
                    self._go_memory_only(exc)
            return repair
        problems = "; ".join(damage + boundary)
        if len(problems) > 300:
            problems = problems[:297] + "..."
        kept = ""
        if self._persistent:
            aside = _aside_path(self.folder, "journal.corrupt", ".jsonl", now)
            try:
                _atomic_write(aside, raw)
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
            _atomic_write(path, raw)
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

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the progress store is closed")

    def _commit(self, record: dict[str, Any]) -> None:
        """Make ``record`` durable (when persistent), then apply it in memory."""
        self._check_open()
        seq = self._state.seq + 1
        record = {"seq": seq, **record}
        line = _json_bytes(record, separators=(",", ":"), allow_nan=False)
        # Apply the decoded line, not ``record``: memory then holds exactly what a replay of
        # the journal would, sharing nothing with the caller's objects. Check it first, so a
        # record that could not be read back is never written.
        decoded = json.loads(line)
        try:
            self._state.apply(decoded, check_only=True)
        except _Invalid as exc:
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
                    self._journal_fd = _open_regular(
                        path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                    )
                    if not existed:
                        _fsync_dir(self.folder)
                # one write per record: a crash leaves a whole line or a torn last line
                _write_all(self._journal_fd, line + b"\n")
                os.fsync(self._journal_fd)
                self._journal_bytes += len(line) + 1
            except OSError as exc:
                self._go_memory_only(exc)
        self._state.apply(decoded)
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
        data = _dump_document(self._state, self._now())
        try:
            self._keep_previous_snapshot()
            _atomic_write(self.folder / SNAPSHOT_NAME, data)
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
            _truncate_file(self.folder / JOURNAL_NAME, 0)
        self._journal_bytes = 0

    def _keep_previous_snapshot(self) -> None:
        """Before a compaction replaces the snapshot, keep the current one (a hard link: no
        copying) as progress.previous.json, so a snapshot damaged later can be recovered up to
        the last compaction rather than to the last daily backup."""
        snap = self.folder / SNAPSHOT_NAME
        prev = self.folder / PREVIOUS_NAME
        tmp = self.folder / (PREVIOUS_NAME + ".tmp")
        try:
            if not _check_regular(snap) or not getattr(self, "_snapshot_good", False):
                return  # never keep a damaged or unread snapshot as "previous"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            try:
                os.link(snap, tmp, follow_symlinks=os.link not in os.supports_follow_symlinks)
            except OSError:  # no hard links here (some USB file systems): copy instead
                _atomic_write(tmp, _read_regular(snap))
            os.replace(tmp, prev)
        except OSError:
            pass  # only a convenience: the daily backups remain

    def _make_daily_backup(self, now: datetime) -> None:
        """Copy the snapshot to backups/progress-<UTC date>.json once a day; keep the last 7."""
        snap = self.folder / SNAPSHOT_NAME
        backups = self.folder / BACKUP_DIR
        target = backups / f"progress-{to_utc(now):%Y-%m-%d}.json"
        try:
            if not _check_regular(snap) or os.path.lexists(target):
                return
            backups.mkdir(exist_ok=True)
            _atomic_write(target, _read_regular(snap))
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
            raw = _read_regular(path)
        except OSError:
            return 0
        # quizapp writes one attempt per line: finding their ids there is a fraction of the cost
        # of parsing the whole file (this runs once a day, at start-up)
        found = [m.decode("utf-8", "replace") for m in _ATTEMPT_LINE_ID.findall(raw)]
        if not found:
            try:
                found = list(_parse_document(raw)[0].attempts)
            except _Invalid:
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
            id=_new_id(),
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
        record = attempt.to_dict()
        self._commit({"op": "attempt", "attempt": record, "fsrs": card})
        self._aggregates_change(record, 1)
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
            self._aggregates_change(attempt, -1)
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
            "id": _new_id(),
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
        item = self._state.items.get(unit.key) or _Item()
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

    def sessions(self) -> list[Session]:
        """All sessions, oldest first."""
        out = [_session_from_dict(s) for s in self._state.sessions.values()]
        out.sort(key=lambda s: s.started)
        return out

    def session(self, session_id: str) -> Session:
        """One session by id (KeyError if unknown)."""
        return _session_from_dict(self._state.sessions[session_id])

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
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(self.CSV_COLUMNS)
                for a in self._state.attempts.values():
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
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return rows

    def export_json(self, path: str | os.PathLike[str]) -> None:
        """Write the whole progress as one JSON file (the snapshot format) to move machines."""
        self._check_open()
        _atomic_write(Path(path), _dump_document(self._state, self._now(), exported=True))

    def plan_import(self, path: str | os.PathLike[str]) -> ImportPlan:
        """Read and validate the whole progress file ``path`` and say what importing it would
        change, without changing anything (show it, ask, then :meth:`apply_import`).

        Raises :class:`StoreFormatError` if the file is not a readable progress file, with a
        message naming the file and the problem (a field, a line of JSON).
        """
        self._check_open()
        source = Path(path)
        try:
            other, _found = _parse_document(_read_regular(source, follow_links=True))
        except _Invalid as exc:
            raise StoreFormatError(
                f"{source} is not a usable quizapp progress file: {exc}"
            ) from None
        except StoreUnsafeFileError as exc:
            raise StoreFormatError(f"cannot import {source}: {exc.strerror}") from None
        except OSError as exc:
            raise StoreFormatError(f"cannot read {source}: {exc.strerror}") from None
        merge = _merge(self._state, other, self._now())
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
            data = _dump_document(merged, self._now())
            try:
                self._keep_previous_snapshot()
                _atomic_write(self.folder / SNAPSHOT_NAME, data)
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

    # -- adapter: the format-2 statistics API over format 1 (replaced by format 2) ----------

    _aggregates: Aggregates | None = None
    _aggregates_of: tuple[int, int] = (0, -1)  # (id of the state, its attempts) they count
    _by_month: dict[str, list[dict[str, Any]]]  # "YYYY-MM" -> attempts, for iter_answers

    @property
    def aggregates(self) -> Aggregates:
        """Rolled-up answer figures (:class:`Aggregates`), built from the attempts in memory
        on first use, then kept current by :meth:`record_attempt` and :meth:`undo_last`
        (rebuilt if the attempts changed any other way, e.g. an import)."""
        of = (id(self._state), len(self._state.attempts))
        if self._aggregates is None or self._aggregates_of != of:
            agg = Aggregates()
            self._by_month = {}
            for a in self._state.attempts.values():
                agg.add(_answer_record(a))
                self._by_month.setdefault(_month_key(a["timestamp"]), []).append(a)
            self._aggregates, self._aggregates_of = agg, of
        return self._aggregates

    def _aggregates_change(self, attempt: Mapping[str, Any], sign: int) -> None:
        if self._aggregates is not None and self._aggregates_of[0] == id(self._state):
            rec = _answer_record(attempt)
            if sign > 0:
                self._aggregates.add(rec)
                self._by_month.setdefault(_month_key(attempt["timestamp"]), []).append(
                    self._state.attempts[attempt["id"]])
            else:
                self._aggregates.remove(rec)
            self._aggregates_of = (id(self._state), self._aggregates_of[1] + sign)

    def iter_answers(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """The live answers (format-2 ``answer`` records) with ``since <= at < until``."""
        lo = None if since is None else format_timestamp(since)
        hi = None if until is None else format_timestamp(until)
        live = self._state.attempts
        self.aggregates  # noqa: B018  (builds the month index)
        months = sorted(m for m in self._by_month
                        if (lo is None or m >= lo[:7]) and (hi is None or m <= hi[:7]))
        for a in [a for m in months for a in self._by_month[m]]:
            if live.get(a["id"]) is not a:
                continue  # undone (or replaced)
            ts: str = a["timestamp"]
            if len(ts) != 24 or ts[-1] != "Z":  # not in format_timestamp's form
                ts = format_timestamp(parse_timestamp(ts))
            if (lo is None or ts >= lo) and (hi is None or ts < hi):
                yield _answer_record(a)


def _answer_record(a: Mapping[str, Any]) -> dict[str, Any]:
    """A format-1 attempt as a format-2 ``answer`` record (adapter, replaced by format 2)."""
    return {
        "t": "answer", "id": a["id"],
        "unit": _unit_key(a["deck_id"], a["item_id"], a["part"]),
        "at": a["timestamp"], "rating": a.get("rating"), "correct": a["correct"],
        "marks": a["marks"], "confidence": a["confidence"], "mode": a["mode"],
        "time_ms": a["time_ms"], "answer": a["answer"], "session": a.get("session_id"),
    }


def _month_key(timestamp: str) -> str:
    """``YYYY-MM`` of a stored timestamp, in UTC (adapter, replaced by format 2)."""
    if len(timestamp) == 24 and timestamp[-1] == "Z":
        return timestamp[:7]
    return format_timestamp(parse_timestamp(timestamp))[:7]


def _newer(a: str | None, b: str | None) -> bool:
    if a is None:
        return False
    if b is None:
        return True
    return parse_timestamp(a) > parse_timestamp(b)


def _session_from_dict(s: Mapping[str, Any]) -> Session:
    return Session(
        id=s["id"],
        mode=cast(Mode, s["mode"]),
        settings=copy.deepcopy(s["settings"]),
        deck_ids=tuple(s["deck_ids"]),
        started=parse_timestamp(s["started"]),
        ended=None if s.get("ended") is None else parse_timestamp(s["ended"]),
        score=copy.deepcopy(s.get("score")),
    )
