"""The in-memory state of a format-1 store (attempts, sessions, per-unit entries) and the
merge of two such states (import, salvage on top of a backup)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from quizapp.core.model import unit_key
from quizapp.core.progress.errors import (
    StoreDataError,
)
from quizapp.core.progress.validate1 import (
    MAX_DEPTH,
    check_attempt,
    check_card_or_none,
    check_score,
    check_session,
    check_ts,
    depth_ok,
    optional_field,
    want_field,
)
from quizapp.core.scheduling import (
    CardData,
    card_due,
    parse_timestamp,
)

#: How many past scheduler states per unit are kept for undo.
UNDO_DEPTH = 10


# --------------------------------------------------------------------------------------------
# In-memory state


@dataclass(slots=True)
class UnitEntry:
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
class HotState:
    """Everything the store holds; snapshots and journal records are applied to this."""

    seq: int = 0
    attempts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, UnitEntry] = field(default_factory=dict)
    undone: set[str] = field(default_factory=set)
    pending: dict[str, Any] | None = None
    # derived: unit key -> [attempts, correct]
    totals: dict[str, list[int]] = field(default_factory=dict)

    def item(self, key: str) -> UnitEntry:
        it = self.items.get(key)
        if it is None:
            it = self.items[key] = UnitEntry()
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
        """Apply one journal record; raises StoreDataError for a malformed one, leaving the state
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
            attempt = check_attempt(rec.get("attempt"), "attempt")
            card = check_card_or_none(rec.get("fsrs"), "fsrs")
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
            attempt_id = want_field(rec, "attempt_id", str, "undo")
            key = want_field(rec, "unit", str, "undo")
            restore = want_field(rec, "restore", dict, "undo")
            card = check_card_or_none(restore.get("fsrs"), "undo.restore.fsrs")
            last_correct = optional_field(restore, "last_correct", bool, "undo.restore")
            last_seen = restore.get("last_seen")
            if last_seen is not None:
                check_ts(last_seen, "undo.restore.last_seen")
            at = check_ts(rec.get("at"), "undo.at")
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
            key = want_field(rec, "unit", str, "flag")
            flagged = want_field(rec, "flagged", bool, "flag")
            at = check_ts(rec.get("at"), "flag.at")
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
            session = check_session(rec.get("session"), "session")
            if check_only or (only_new and session["id"] in self.sessions):
                return False
            self.sessions[session["id"]] = session
        elif op == "session_end":
            sid = want_field(rec, "id", str, "session_end")
            ended = check_ts(rec.get("ended"), "session_end.ended")
            score = want_field(rec, "score", dict, "session_end")
            check_score(score, "session_end.score")
            if sid not in self.sessions:
                raise StoreDataError(f"session_end: unknown session {sid!r}")
            if check_only or (only_new and self.sessions[sid].get("ended") is not None):
                return False
            self.sessions[sid] = {**self.sessions[sid], "ended": ended, "score": score}
        elif op == "pending":
            state = rec.get("state")
            if state is not None and not isinstance(state, dict):
                raise StoreDataError("pending.state: expected an object or null")
            if not depth_ok(state):
                raise StoreDataError(f"pending.state: nested more than {MAX_DEPTH} levels deep")
            if check_only or only_new:
                return False
            self.pending = state
        else:
            raise StoreDataError(f"unknown record type {op!r}")
        return True


_unit_key = unit_key  # the model's one definition (hot on load: no object built)


def check_unit_entry(value: object, where: str) -> UnitEntry:
    if not isinstance(value, dict):
        raise StoreDataError(f"{where}: expected an object")
    it = UnitEntry()
    it.set_card(check_card_or_none(value.get("fsrs"), f"{where}.fsrs"))
    it.flagged = bool(optional_field(value, "flagged", bool, where) or False)
    it.last_correct = optional_field(value, "last_correct", bool, where)
    if value.get("last_seen") is not None:
        it.last_seen = check_ts(value["last_seen"], f"{where}.last_seen")
    if value.get("updated") is not None:
        it.updated = check_ts(value["updated"], f"{where}.updated")
    undo = optional_field(value, "undo", list, where) or []
    for i, u in enumerate(undo):
        if not isinstance(u, dict) or not isinstance(u.get("attempt"), str):
            raise StoreDataError(f"{where}.undo[{i}]: expected an object with an attempt id")
        check_card_or_none(u.get("fsrs"), f"{where}.undo[{i}].fsrs")
        # what undoing that attempt restores must be recordable then
        optional_field(u, "last_correct", bool, f"{where}.undo[{i}]")
        if u.get("last_seen") is not None:
            check_ts(u["last_seen"], f"{where}.undo[{i}].last_seen")
        if len(u) > 4 and not depth_ok(u):
            raise StoreDataError(f"{where}.undo[{i}]: nested more than {MAX_DEPTH} levels deep")
    it.undo = undo[-UNDO_DEPTH:]
    return it


@dataclass(slots=True)
class MergeResult:
    """The result of merging another store's state into ours (import, or a salvaged file on
    top of a backup), and what it changes."""

    state: HotState
    added: int = 0
    skipped: int = 0
    undone: list[str] = field(default_factory=list)
    sessions_added: int = 0
    units_added: list[str] = field(default_factory=list)
    units_replaced: list[str] = field(default_factory=list)
    units_reset: list[str] = field(default_factory=list)


def merge_states(
    mine: HotState, other: HotState, now: datetime, *, take_pending: bool = False
) -> MergeResult:
    """Merge ``other`` into a copy of ``mine`` (which is left unchanged): attempts by id,
    never twice; an attempt undone on either side stays undone; sessions by id; for each unit
    the entry changed later wins. ``units_reset`` lists the units whose replacement discards
    scheduling: the newer entry has no scheduler state or an older last review than ours, or
    claims a change in the future (a year-9999 ``updated``)."""
    state = HotState(
        seq=max(mine.seq, other.seq),
        attempts=dict(mine.attempts),
        sessions=dict(mine.sessions),
        items=dict(mine.items),
        undone=set(mine.undone),
        pending=mine.pending,
    )
    result = MergeResult(state)
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


def _newer(a: str | None, b: str | None) -> bool:
    if a is None:
        return False
    if b is None:
        return True
    return parse_timestamp(a) > parse_timestamp(b)
