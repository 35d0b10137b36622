"""Format 1 on disk: file names and limits, the parse / salvage / migration of a progress
document and its dump, and the bounded reading of the store's files."""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from quizapp import __version__
from quizapp.core.fileio import (
    MAX_READ_BYTES,
    read_regular,
)
from quizapp.core.progress.errors import (
    StoreDataError,
)
from quizapp.core.progress.state1 import (
    HotState,
    check_unit_entry,
)
from quizapp.core.progress.validate1 import (
    MAX_DEPTH,
    attempt_ok,
    check_attempt,
    check_session,
    depth_ok,
    load_json,
)
from quizapp.core.scheduling import (
    format_timestamp,
    to_utc,
    utc_now,
)

#: The snapshot format this code writes. Older formats are migrated on load (see _MIGRATIONS).
FORMAT = 1
SNAPSHOT_NAME = "progress.json"
JOURNAL_NAME = "journal.jsonl"
BACKUP_DIR = "backups"
PREVIOUS_NAME = "progress.previous.json"
BACKUPS_KEPT = 7
#: Files that only a format-2 folder holds (quizapp.core.progress.history_store).
FORMAT2_MARKS = ("state.json", "migration.json")
#: The journal is compacted once it exceeds max(this, half the snapshot's size).
COMPACT_MIN_BYTES = 256 * 1024
#: The largest snapshot, backup, journal or import file quizapp reads (a million answers
#: take about 300 MB); a bigger one is not read at all, and never overwritten.
MAX_FILE_BYTES = MAX_READ_BYTES


#: format N -> function turning a format-N document into a format-(N+1) one. Format 1 is the
#: first, so there is nothing to migrate yet; add an entry with every format bump.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class NewerFormat(StoreDataError):
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


def parse_document(raw: bytes) -> tuple[HotState, int]:
    """Parse and validate a snapshot/export; returns the state and the format it was in."""
    if not raw.strip():
        raise StoreDataError("the file is empty")
    # Parsing a big history allocates millions of small objects that are all kept: pausing
    # the cyclic garbage collector meanwhile makes loading about a quarter faster.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _parse_document_gc_off(raw)
    finally:
        if gc_was_on:
            gc.enable()


def _parse_document_gc_off(raw: bytes) -> tuple[HotState, int]:
    doc = load_json(raw)
    if not isinstance(doc, dict):
        raise StoreDataError(f"expected a JSON object at the top, found {type(doc).__name__}")
    version = doc.get("format")
    if isinstance(version, bool) or not isinstance(version, int):
        raise StoreDataError("it has no valid \"format\" number; is it a quizapp progress file?")
    if version > FORMAT:
        if _written_by_this_or_older(doc.get("app")):
            # A quizapp no newer than this one wrote it, so it cannot be a newer format: a
            # damaged "format" (one bit turns 1 into 9). Read what can be read from it.
            raise StoreDataError(
                f"it claims store format {version}, but {doc['app']} writes format {FORMAT}"
            )
        raise NewerFormat(version)
    found = version
    while version < FORMAT:
        migrate = _MIGRATIONS.get(version)
        if migrate is None:
            raise StoreDataError(f"store format {version} is not one quizapp ever wrote")
        doc = migrate(doc)
        version += 1
    state = HotState()
    seq = doc.get("seq", 0)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise StoreDataError("seq: expected a whole number >= 0")
    state.seq = seq
    attempts = doc.get("attempts", [])
    if not isinstance(attempts, list):
        raise StoreDataError("attempts: expected a list")
    for i, a in enumerate(attempts):
        if not attempt_ok(a):
            check_attempt(a, f"attempts[{i}]")
        state.attempts[a["id"]] = a
    sessions = doc.get("sessions", {})
    if not isinstance(sessions, dict):
        raise StoreDataError("sessions: expected an object")
    for sid, s in sessions.items():
        check_session(s, f"sessions[{sid!r}]")
        state.sessions[sid] = s
    items = doc.get("items", {})
    if not isinstance(items, dict):
        raise StoreDataError("items: expected an object")
    for key, value in items.items():
        state.items[key] = check_unit_entry(value, f"items[{key!r}]")
    undone = doc.get("undone", [])
    if not isinstance(undone, list) or not all(isinstance(u, str) for u in undone):
        raise StoreDataError("undone: expected a list of attempt ids")
    state.undone = set(undone)
    pending = doc.get("pending_session")
    if pending is not None and not isinstance(pending, dict):
        raise StoreDataError("pending_session: expected an object or null")
    if not depth_ok(pending):
        raise StoreDataError(f"pending_session: nested more than {MAX_DEPTH} levels deep")
    state.pending = pending
    missing = [k for k in _DOCUMENT_KEYS if k not in doc]
    if missing:
        # quizapp always writes them all: a missing one is a damaged name, never "empty"
        raise StoreDataError(f"it has no {', '.join(repr(k) for k in missing)}")
    state.recount()
    return state, found


#: The keys every snapshot, backup and export holds (besides "format").
_DOCUMENT_KEYS = ("seq", "attempts", "sessions", "items", "undone", "pending_session")


def salvage(raw: bytes) -> tuple[HotState, int]:
    """Every record that can still be read from a damaged snapshot: returns the state they
    make and how many attempts it holds.

    If the file is still JSON, each attempt, session and item is checked on its own and the
    bad ones left out. If it is not (a flipped byte in a quote or a brace), quizapp's own
    layout of one attempt, session or item per line lets each line be read on its own.
    """
    state = HotState()
    try:
        doc = load_json(raw)
    except StoreDataError:
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
                    value = load_json(text)
                    if isinstance(value, dict) and "deck_id" in value:
                        _salvage_attempt(state, value)
                elif text.startswith(b'"'):
                    value = load_json(b"{" + text + b"}")
                    if isinstance(value, dict):
                        for key, v in value.items():
                            if key != "pending_session":
                                _salvage_pair(state, key, v)
                        _salvage_head(state, value)
            except StoreDataError:
                continue
    state.recount()
    return state, len(state.attempts)


def _salvage_attempt(state: HotState, a: object) -> None:
    if attempt_ok(a):
        a = cast(dict[str, Any], a)
        state.attempts[a["id"]] = a


def _salvage_pair(state: HotState, key: str, value: object) -> None:
    """One ``"key": {...}`` entry of the sessions or the items (told apart by their fields)."""
    if not isinstance(value, dict):
        return
    try:
        if "started" in value and "mode" in value:
            state.sessions[key] = check_session(value, "session")
        elif "fsrs" in value or "undo" in value or "flagged" in value:
            state.items[key] = check_unit_entry(value, "item")
    except StoreDataError:
        pass


def _salvage_head(state: HotState, doc: Mapping[str, Any]) -> None:
    seq = doc.get("seq")
    if type(seq) is int and seq >= 0:
        state.seq = max(state.seq, seq)
    undone = doc.get("undone")
    if isinstance(undone, list):
        state.undone.update(u for u in undone if isinstance(u, str))
    for u in state.undone:
        state.attempts.pop(u, None)
    pending = doc.get("pending_session")
    if isinstance(pending, dict) and depth_ok(pending):
        state.pending = pending


def json_bytes(value: object, **options: Any) -> bytes:
    """``value`` as UTF-8 JSON. Strings that are not valid Unicode (lone surrogates, which
    JSON ``\\u`` escapes can carry) cannot be UTF-8 encoded; then non-ASCII is escaped."""
    try:
        return json.dumps(value, ensure_ascii=False, **options).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options).encode("ascii")


#: The id at the start of an attempt's line in a snapshot quizapp wrote (see _dump_text).
ATTEMPT_LINE_ID = re.compile(rb'^\{"id": "([^"\\]+)", "deck_id": ', re.MULTILINE)


def dump_document(state: HotState, now: datetime, *, exported: bool = False) -> bytes:
    """Serialise ``state`` as a snapshot: valid JSON, one attempt/session/item per line."""
    try:
        return _dump_text(state, now, exported=exported, ascii_only=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: escape all non-ASCII instead
        return _dump_text(state, now, exported=exported, ascii_only=True).encode("ascii")


def _dump_text(state: HotState, now: datetime, *, exported: bool, ascii_only: bool) -> str:
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


def read_store_file(
    path: Path, limit: int | None = None, *, follow_links: bool = False
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default MAX_FILE_BYTES); never
    a link, FIFO or device, nor a bigger file: StoreUnsafeFileError. FileNotFoundError if it
    does not exist."""
    return read_regular(path, MAX_FILE_BYTES if limit is None else limit,
                        follow_links=follow_links)


def _stamp(now: datetime) -> str:
    return to_utc(now).strftime("%Y%m%dT%H%M%S")


def aside_path(folder: Path, stem: str, suffix: str, now: datetime) -> Path:
    base = f"{stem}-{_stamp(now)}"
    path = folder / f"{base}{suffix}"
    n = 1
    while os.path.lexists(path):
        path = folder / f"{base}-{n}{suffix}"
        n += 1
    return path


def read_progress_document(raw: bytes) -> dict[str, Any]:
    """A format-1 progress file (as *Export progress* writes it) checked by every rule of
    this module and returned in its exported JSON form; :class:`StoreDataError` saying what
    and where otherwise."""
    state, _found = parse_document(raw)
    doc: dict[str, Any] = json.loads(dump_document(state, utc_now(), exported=True))
    return doc
