"""Score-store format 2, one record taken into the hot state of
:class:`~.history_store.HistoryStore` (incrementally, or marking the state for a rebuild
when the record is older than what the unit holds; see ``resources/score-store-format.md``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from quizapp.core.progress.hlc import parse_stamp
from quizapp.core.progress.hotstate import (
    UnitMeta,
    take_kept_undo,
    tkey,
)
from quizapp.core.scheduling import (
    Rating,
    parse_timestamp,
)
from quizapp.core.store import (
    UNDO_DEPTH,
    StoreDataError,
    check_session,
)

if TYPE_CHECKING:
    from quizapp.core.progress.history_store import HistoryStore


def answer_order(at: str, rid: str) -> tuple[str, str]:
    return tkey(at), rid


def session_rank(s: Mapping[str, Any]) -> tuple[bool, datetime, str]:
    ended = s.get("ended")
    when = parse_timestamp(ended) if ended else datetime.min.replace(tzinfo=None)
    return (ended is not None, when.replace(tzinfo=None),
            json.dumps(s, sort_keys=True, separators=(",", ":")))


def take(self: HistoryStore, rec: Mapping[str, Any], device: str) -> int:
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
    elif kind == "device":
        take_device(self, rec, device)
    return 0


def take_answer(self: HistoryStore, rec: dict[str, Any], device: str) -> int:
    rid, key = rec["id"], rec["unit"]
    if rid in self._undone:
        return 0
    meta = self._meta.get(key)
    if meta is not None and meta.undo_raw is not None:
        self._kept_undo(key)
    when = tkey(rec["at"])
    if meta is not None and meta.last is not None and (when, rid) <= answer_order(*meta.last):
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


def kept_undo(self: HistoryStore, key: str) -> None:
    """Check the unit's undo entries kept in the hot state before they are first used (an
    undo, an answer, a merge, a save); a damaged one is reported and dropped."""
    meta = self._meta.get(key)
    if meta is None or meta.undo_raw is None:
        return
    entry = self._state.items.get(key)
    if entry is None:
        meta.undo_raw = None
        return
    message = take_kept_undo(key, entry, meta)
    if message is not None and message not in self._damage:
        self._problem(message)
        if not self._catching_up:
            self._warn(message)


def all_kept_undo(self: HistoryStore, texts: bool = True) -> None:
    """Check every unit's kept undo entries; with ``texts`` False, those still in the JSON
    text the hot state was read with are left as they are (a save writes them back)."""
    for key in [k for k, m in self._meta.items()
                if m.undo_raw is not None and (texts or type(m.undo_raw) is not str)]:
        kept_undo(self, key)


def take_undo(self: HistoryStore, rec: Mapping[str, Any]) -> None:
    rid = rec["id"]
    if rid in self._undone:
        return
    self._undone.add(rid)
    if "unit" in rec:
        self._kept_undo(rec["unit"])
    else:
        self._all_kept_undo()
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


def take_set(self: HistoryStore, rec: Mapping[str, Any]) -> None:
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


def take_base(self: HistoryStore, rec: Mapping[str, Any]) -> None:
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


def take_session(self: HistoryStore, rec: Mapping[str, Any]) -> None:
    s = {k: rec[k] for k in ("id", "mode", "settings", "deck_ids", "started", "ended",
                             "score")}
    try:
        check_session(s, f"session {s['id']!r:.40}")
    except StoreDataError as exc:
        self._problem(f"a session record was set aside: {exc}")
        return
    held = self._state.sessions.get(s["id"])
    if held is None or session_rank(s) > session_rank(held):
        self._state.sessions[s["id"]] = s


def count(self: HistoryStore, key: str, correct: bool, sign: int) -> None:
    t = self._state.totals.get(key)
    if t is None:
        t = self._state.totals[key] = [0, 0]
    t[0] += sign
    t[1] += sign if correct else 0
    if not t[0]:
        del self._state.totals[key]


def figures(self: HistoryStore, sign: int, rec: dict[str, Any]) -> None:
    if self._agg_loaded:
        assert self._aggregates is not None
        (self._aggregates.add if sign > 0 else self._aggregates.remove)(rec)
        self._agg_changed = True
    else:
        self._agg_todo.append((sign, rec))


def take_device(self: HistoryStore, rec: Mapping[str, Any], device: str) -> None:
    """A computer's name, the latest (by clock) of the records in its own folder."""
    stamp = parse_stamp(rec["hlc"])
    held = self._names.get(device)
    if held is None or held[0] < stamp:
        self._names[device] = (stamp, rec["name"])
