"""The hot state of score-store format 2 (``state.json``): what a start needs, rebuilt from
the history whenever it is missing or damaged (see ``resources/score-store-format.md``).

:func:`parse_hot_state` checks every field (a damaged or impossible one raises
:class:`ValueError` naming it; a newer format :class:`NewerFormatError`; a hot state of
another device or history root :class:`OtherFolderError`), :func:`hot_state_document` is the
JSON written back. Its size is O(units + sessions + undone answers), never O(answers).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from quizapp import __version__
from quizapp.core.gcpolicy import gc_paused
from quizapp.core.model import MODES, is_unit_key, parse_unit_key
from quizapp.core.progress.hlc import DEVICE_ID, Stamp, parse_stamp
from quizapp.core.progress.records import FIELDS, MAX_DEPTH, MAX_NAME, check_record, depth_ok
from quizapp.core.scheduling import CardData, parse_timestamp, to_utc
from quizapp.core.store import (
    UNDO_DEPTH,
    HotState,
    StoreDataError,
    UnitEntry,
    check_session,
    check_unit_entry,
)

__all__ = ["FORMAT", "STATE_FORMAT", "TAIL_BYTES", "UNDO_KEPT", "Coverage", "HotStateData",
           "NewerFormatError",
           "OtherFolderError", "UnitMeta", "hot_state_document", "parse_hot_state",
           "tail_hash", "take_kept_undo", "tkey"]

#: The score-store format (history records, exports, aggregates.json, pending.json).
FORMAT = 2
#: The hot state's own version, which this code writes (2, one object per unit, is still
#: read): bumped without the store's format, since the hot state is a local cache.
STATE_FORMAT = 4
#: The columns of ``units`` (formats 3 and 4).
UNIT_COLUMNS = ("key", "card", "flagged", "last_correct", "last_seen", "updated", "last",
                "base", "sets", "n", "ok", "undo")
#: A card's keys, in the order of its list form.
CARD_KEYS = ("card_id", "state", "step", "stability", "difficulty", "due", "last_review")
#: An answer record's keys (beside ``t`` and ``unit``), in the order of its list form.
ANSWER_KEYS = ("id", "at", "rating", "correct", "marks", "confidence", "mode", "time_ms",
               "answer", "session")
#: How many bytes before a covered offset are hashed to recognise the same file content.
TAIL_BYTES = 4096
#: Undo entries per unit kept in state.json (in memory: up to UNDO_DEPTH); an undo beyond
#: them reads the unit's answers from the history again.
UNDO_KEPT = 1

_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class Coverage:
    """How much of one history file the hot state covers."""

    ino: int
    size: int  # bytes up to and including the last complete line taken in
    lines: int
    tail: str  # sha256 of the TAIL_BYTES bytes before ``size``


@dataclass
class UnitMeta:
    """Per-unit bookkeeping of format 2 beside the format-1 unit entry."""

    last: tuple[str, str] | None = None  # (at, id) of the unit's latest live answer
    base: tuple[Stamp, str, CardData | None] | None = None  # the card only until saved
    sets: dict[str, tuple[Stamp, Any]] = field(default_factory=dict)
    #: The unit's undo entries as ``state.json`` holds them, not yet checked: checked and
    #: put in front of ``UnitEntry.undo`` by :func:`take_kept_undo` when first used.
    undo_raw: Any = None


@dataclass
class HotStateData:
    """Everything ``state.json`` holds, in memory."""

    state: HotState
    metas: dict[str, UnitMeta]
    undone: set[str]
    seen: dict[str, Coverage]
    devices: dict[str, list[Any]]
    answers: int
    damage: list[str] = field(default_factory=list)
    clock: Stamp | None = None
    aggregates_id: str | None = None
    names: dict[str, tuple[Stamp, str]] = field(default_factory=dict)  # device -> name


class NewerFormatError(ValueError):
    def __init__(self, found: int) -> None:
        super().__init__(f"format {found}")
        self.found = found


class OtherFolderError(ValueError):
    """The hot state belongs to another device id or history root: rebuilt silently."""


def parse_hot_state(raw: bytes, device: str, root: str) -> HotStateData:
    """The hot state in ``raw``, every field checked (see the module): the compact form this
    code writes (format 4: the units as columns, each undo list as a JSON text), or those
    before it (format 3: the undo lists as JSON; format 2: one object per unit)."""
    with gc_paused():
        try:
            return _parse(raw, device, root)
        finally:
            _TIMES.clear()


def _parse(raw: bytes, device: str, root: str) -> HotStateData:
    doc = json.loads(raw, parse_constant=_no_constant)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    fmt = doc.get("format")
    if type(fmt) is int and fmt > STATE_FORMAT:
        raise NewerFormatError(fmt)
    if fmt not in (STATE_FORMAT, 3, 2):
        raise ValueError(f"format {fmt!r:.20} is not {STATE_FORMAT}")
    if not isinstance(doc.get("device"), str) or not isinstance(doc.get("root"), str):
        raise ValueError("device or root is missing")
    if doc["device"] != device or doc["root"] != root:
        raise OtherFolderError
    state = HotState()
    metas: dict[str, UnitMeta] = {}
    totals: dict[str, list[int]] = {}
    if fmt == 2:  # the hot state's version 2
        _units_v2(doc["units"], state, metas, totals)
    else:
        _units(doc["units"], state, metas, totals)
    return _rest(doc, state, metas, totals)


def _rest(doc: dict[str, Any], state: HotState, metas: dict[str, UnitMeta],
          totals: dict[str, list[int]]) -> HotStateData:
    sessions = doc["sessions"]
    if not isinstance(sessions, dict):
        raise ValueError("sessions is not an object")
    for sid, s in sessions.items():
        state.sessions[sid] = check_session(s, f"sessions[{sid!r:.40}]")
    undone = doc["undone"]
    if not isinstance(undone, list) or not all(isinstance(u, str) for u in undone):
        raise ValueError("undone is not a list of ids")
    seen: dict[str, Coverage] = {}
    for rel, v in doc["offsets"].items():
        ino, size, lines, tail = v
        if not (type(ino) is int and type(size) is int and type(lines) is int
                and isinstance(tail, str) and size >= 0 and lines >= 0):
            raise ValueError(f"offsets[{rel!r:.60}]: not an offset")
        seen[rel] = Coverage(ino, size, lines, tail)
    devices = doc["devices"]
    for dev, (count, last) in devices.items():
        if type(count) is not int or count < 0 or not DEVICE_ID.fullmatch(dev):
            raise ValueError("devices: impossible counts")
        if last is not None:
            parse_timestamp(last)
    answers = doc["answers"]
    if type(answers) is not int or answers != sum(t[0] for t in totals.values()):
        raise ValueError("answers does not add up")
    damage = doc.get("damage", [])
    if not isinstance(damage, list) or not all(isinstance(d, str) for d in damage):
        raise ValueError("damage is not a list of messages")
    clock = None if doc.get("clock") is None else parse_stamp(doc["clock"])
    agg = doc.get("aggregates_id")
    if agg is not None and not isinstance(agg, str):
        raise ValueError("aggregates_id is not an id")
    names: dict[str, tuple[Stamp, str]] = {}
    for dev, pair in (doc.get("names") or {}).items():
        if not (DEVICE_ID.fullmatch(dev) and isinstance(pair, list) and len(pair) == 2
                and isinstance(pair[1], str) and 0 < len(pair[1]) <= MAX_NAME
                and pair[1].isprintable()):
            raise ValueError("names: not a computer name")
        names[dev] = (parse_stamp(pair[0]), pair[1])
    state.totals = totals
    return HotStateData(state=state, metas=metas, undone=set(undone), seen=seen,
                        devices={d: list(v) for d, v in devices.items()}, answers=answers,
                        damage=list(damage), clock=clock, aggregates_id=agg, names=names)


def _units(units: object, state: HotState, metas: dict[str, UnitMeta],
           totals: dict[str, list[int]]) -> None:
    """Formats 3 and 4: one list per field ("column"), the i-th value of each for the i-th key. Each
    column is checked with a few type tests per value; a value is parsed further only where
    the unit's state needs it (timestamps, cards)."""
    if not isinstance(units, dict) or set(units) != set(UNIT_COLUMNS):
        raise ValueError("units is not an object of the columns " + ", ".join(UNIT_COLUMNS))
    keys = units["key"]
    if not isinstance(keys, list):
        raise ValueError("units.key is not a list")
    for name in UNIT_COLUMNS:
        if not isinstance(units[name], list) or len(units[name]) != len(keys):
            raise ValueError(f"units.{name} is not a list as long as units.key")
    if len(set(keys)) != len(keys):
        raise ValueError("units.key names a unit twice")
    for key in keys:
        if type(key) is not str:
            raise ValueError("units.key holds something other than unit keys")
        if not is_unit_key(key):
            parse_unit_key(key)  # says what is wrong
    _column(units, "flagged", lambda v: type(v) is bool)
    _column(units, "last_correct", lambda v: v is None or type(v) is bool)
    _column(units, "n", lambda v: type(v) is int and v >= 0)
    _column(units, "ok", lambda v: type(v) is int and v >= 0)
    # where a value is wrong is said by the except clauses: the text naming a unit or a
    # position is made only then (not for each of thousands of values read)
    for name in ("last_seen", "updated"):
        i = 0
        try:
            for i, v in enumerate(units[name]):  # noqa: B007 (i is said in the except)
                if v is not None:
                    _when(v, "")
        except ValueError as exc:
            raise ValueError(f"units.{name}[{i}]{exc}") from None
    items, times, key = state.items, _TIMES, ""
    try:
        for key, card, flagged, lc, ls, upd, last, base, sets, undo, n, ok in zip(
                keys, units["card"], units["flagged"], units["last_correct"],
                units["last_seen"], units["updated"], units["last"], units["base"],
                units["sets"], units["undo"], units["n"], units["ok"], strict=True):
            entry = UnitEntry()
            if card is not None:
                entry.card, entry.due = _card(card, ".card")
            entry.flagged, entry.last_correct, entry.last_seen, entry.updated = (
                flagged, lc, ls, upd)
            if (type(last) is list and len(last) == 2 and type(last[0]) is str
                    and last[0] in times and type(last[1]) is str):
                meta = UnitMeta(last=(last[0], last[1]))  # its time read above (last_seen)
            else:
                meta = UnitMeta(last=_pair(last, ".last", checked=False))
            if undo is not None:  # checked when first used (take_kept_undo)
                meta.undo_raw = undo
            if base is not None:  # [hlc, at]: the card itself stays in the history
                if not (isinstance(base, list) and len(base) == 2):
                    raise ValueError(".base: not [hlc, time]")
                meta.base = (parse_stamp(base[0]), _text_time(base[1], ".base"), None)
            if sets is not None:
                if not isinstance(sets, dict):
                    raise ValueError(".sets: not an object")
                for name, pair in sets.items():
                    if not (isinstance(pair, list) and len(pair) == 2 and name in FIELDS
                            and type(pair[1]) is FIELDS[name]):
                        raise ValueError(f".sets.{name!s:.40}: not a setting")
                    meta.sets[name] = (parse_stamp(pair[0]), pair[1])
            if ok > n:
                raise ValueError(": impossible counts")
            if n:
                totals[key] = [n, ok]
            items[key] = entry
            metas[key] = meta
    except (ValueError, StoreDataError) as exc:  # the same error, naming the unit
        kind = StoreDataError if isinstance(exc, StoreDataError) else ValueError
        said = str(exc)
        raise kind(f"units[{key!r:.60}]{'' if said.startswith(('.', ':')) else ': '}{said}"
                   ) from None


def _check_answer(rec: dict[str, Any], where: str) -> None:
    """The checks a history line's answer gets (:func:`records.check_record`), done inline:
    the one of each unit is checked at every start."""
    rating, conf, marks, ms, session = (rec.get("rating"), rec.get("confidence"),
                                        rec.get("marks"), rec.get("time_ms"), rec.get("session"))
    if not (type(rec.get("id")) is str and _ID.fullmatch(rec["id"])
            and (rating is None or (type(rating) is int and 1 <= rating <= 4))
            and (conf is None or (type(conf) is int and 1 <= conf <= 3))
            and type(rec.get("correct")) is bool
            and type(marks) in (int, float) and -1e6 <= marks <= 1e6  # type: ignore[operator]
            and rec.get("mode") in MODES and type(ms) is int and 0 <= ms < 2**53
            and (session is None or (type(session) is str and len(session) <= 64))
            and "answer" in rec):
        check_record(rec)  # names what is wrong
        raise ValueError(f"{where}: not a usable answer")
    if not (type(rec["answer"]) is str or depth_ok(rec["answer"], MAX_DEPTH)):
        raise ValueError(f"{where}: the answer is nested too deeply")
    _when(rec.get("at"), f"{where}.at")


def _column(units: dict[str, Any], name: str, ok: Callable[[Any], bool]) -> None:
    if not all(map(ok, units[name])):
        i = next(i for i, v in enumerate(units[name]) if not ok(v))
        raise ValueError(f"units.{name}[{i}]: impossible value {units[name][i]!r:.40}"
                         + (" (impossible counts)" if name in ("n", "ok") else ""))


def _card(value: object, where: str) -> tuple[CardData, datetime]:
    """A stored card: ``[card_id, state, step, stability, difficulty, due, last_review]``
    (the usual seven keys, as a list) or the card object itself (any other keys)."""
    if not isinstance(value, list):
        entry = check_unit_entry({"fsrs": value}, where)
        assert entry.card is not None and entry.due is not None
        return entry.card, entry.due
    if len(value) != len(CARD_KEYS):
        raise ValueError(f"{where}: not {len(CARD_KEYS)} values")
    card_id, state, step, stability, difficulty, due, last_review = value
    if type(card_id) is not int or type(state) is not int or state not in (1, 2, 3):
        raise ValueError(f"{where}: impossible card id or state")
    if step is None:
        if state != 2:
            raise ValueError(f"{where}.step: a card in learning or relearning needs a step")
    elif type(step) is not int or step < 0:
        raise ValueError(f"{where}.step: not a whole number >= 0")
    for name, v, low, high in () if (  # the usual card: no need to say what is wrong
            type(stability) is float and 1e-9 <= stability <= 1e15
            and type(difficulty) is float and 1.0 <= difficulty <= 10.0) else (
            ("stability", stability, 1e-9, 1e15), ("difficulty", difficulty, 1.0, 10.0)):
        if v is None:
            if state != 1:
                raise ValueError(f"{where}: a card in review or relearning needs {name}")
        elif not (type(v) in (int, float) and low <= v <= high):  # NaN fails the range
            raise ValueError(f"{where}.{name}: not a number from {low} to {high}")
    when = _utc_time(due) or _when(due, f"{where}.due")
    if last_review is not None and _utc_time(last_review) is None:
        _when(last_review, f"{where}.last_review")
    return dict(zip(CARD_KEYS, value, strict=True)), when


def _undo(value: object, key: str, where: str) -> list[dict[str, Any]]:
    """``[[answer, card before, last_correct before, last_seen before, last before], ...]``;
    the answer as the list of :data:`ANSWER_KEYS` values or the record itself."""
    if not (isinstance(value, list) and len(value) <= UNDO_DEPTH):
        raise ValueError(f"{where}: not a list of undo entries")
    out = []
    for u in value:
        if not (isinstance(u, list) and len(u) == 5):
            raise ValueError(f"{where}: not [answer, card, last_correct, last_seen, last]")
        rec, card, lc, ls, last = u
        if isinstance(rec, list) and len(rec) == len(ANSWER_KEYS):
            rec = {"t": "answer", "unit": key, **dict(zip(ANSWER_KEYS, rec, strict=True))}
        if not (isinstance(rec, dict) and rec.get("t") == "answer" and rec.get("unit") == key):
            raise ValueError(f"{where}: not an answer of this unit")
        _check_answer(rec, where)
        if lc is not None and type(lc) is not bool:
            raise ValueError(f"{where}.last_correct: not true, false or null")
        if ls is not None:
            _when(ls, f"{where}.last_seen")
        _pair(last, f"{where}.last")
        out.append({"attempt": rec["id"], "fsrs": None if card is None else _card(card, where)[0],
                    "last_correct": lc, "last_seen": ls, "last": last, "rec": rec})
    return out


def take_kept_undo(key: str, entry: UnitEntry, meta: UnitMeta) -> str | None:
    """Check the unit's kept undo entries (``meta.undo_raw``, left unchecked when the hot
    state was read) and put them in front of ``entry.undo``. A damaged one is dropped and
    described in the message returned (else None): the history is the truth, and an undo
    of the unit then reads its answers from the history again."""
    raw, meta.undo_raw = meta.undo_raw, None
    if raw is None:
        return None
    try:
        if type(raw) is str:  # format 4: the entries as a JSON text, parsed only now
            raw = json.loads(raw, parse_constant=_no_constant)
        kept = _undo(raw, key, f"units[{key!r:.60}].undo")
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        return (f"The hot state's undo entry of {key!r:.60} was damaged ({str(exc)[:160]}); "
                "it was set aside: an undo of that item reads its answers from the history.")
    finally:
        _TIMES.clear()
    entry.undo[:0] = kept
    del entry.undo[:-UNDO_DEPTH]
    return None


def _units_v2(units: object, state: HotState, metas: dict[str, UnitMeta],
              totals: dict[str, list[int]]) -> None:
    """Format 2: one object per unit (read, never written)."""
    if not isinstance(units, dict):
        raise ValueError("units is not an object")
    for key, value in units.items():
        parse_unit_key(key)
        where = f"units[{key!r:.60}]"
        entry = check_unit_entry(value, where)
        for u in entry.undo:
            rec = u.get("rec")
            if not (isinstance(rec, dict) and rec.get("t") == "answer"
                    and rec.get("id") == u["attempt"] and rec.get("unit") == key):
                raise ValueError(f"{where}.undo: not an answer of this unit")
            _pair(u.get("last"), f"{where}.undo.last")
        state.items[key] = entry
        meta = UnitMeta(last=_pair(value.get("last"), f"{where}.last"))
        base = value.get("base")
        if base is not None:  # [hlc, at]: the card itself stays in the history
            stamp, at = base
            parse_timestamp(at)
            meta.base = (parse_stamp(stamp), at, None)
        for name, (stamp, v) in (value.get("sets") or {}).items():
            if name not in FIELDS or type(v) is not FIELDS[name]:
                raise ValueError(f"{where}.sets.{name!s:.40}: not a setting")
            meta.sets[name] = (parse_stamp(stamp), v)
        n, ok = value.get("n", 0), value.get("ok", 0)
        if type(n) is not int or type(ok) is not int or not 0 <= ok <= n:
            raise ValueError(f"{where}: impossible counts")
        if n:
            totals[key] = [n, ok]
        metas[key] = meta


def hot_state_document(hot: HotStateData, device: str, root: str) -> dict[str, Any]:
    """The JSON object ``state.json`` holds (format 4: the units as columns)."""
    cols: dict[str, list[Any]] = {name: [] for name in UNIT_COLUMNS}
    for key, entry in hot.state.items.items():
        meta = hot.metas.get(key) or UnitMeta()
        kept = meta.undo_raw  # a unit's undo text never read since it was loaded: as it was
        assert kept is None or (type(kept) is str and not entry.undo), "take_kept_undo first"
        n, ok = hot.state.totals.get(key, (0, 0))
        cols["key"].append(key)
        cols["card"].append(_compact_card(entry.card))
        cols["flagged"].append(entry.flagged)
        cols["last_correct"].append(entry.last_correct)
        cols["last_seen"].append(entry.last_seen)
        cols["updated"].append(entry.updated)
        cols["last"].append(None if meta.last is None else list(meta.last))
        cols["base"].append(None if meta.base is None
                            else [meta.base[0].to_json(), meta.base[1]])
        cols["sets"].append({k: [s.to_json(), v] for k, (s, v) in meta.sets.items()}
                            if meta.sets else None)
        cols["n"].append(n)
        cols["ok"].append(ok)
        undo = [[_compact_answer(u["rec"]), _compact_card(u["fsrs"]), u["last_correct"],
                 u["last_seen"], u["last"]] for u in entry.undo[-UNDO_KEPT:]]
        cols["undo"].append(kept if kept is not None else _undo_text(undo) if undo else None)
    return {
        "format": STATE_FORMAT, "app": __version__, "device": device,
        "root": root, "answers": hot.answers, "units": cols,
        "sessions": hot.state.sessions, "undone": sorted(hot.undone),
        "offsets": {rel: [s.ino, s.size, s.lines, s.tail]
                    for rel, s in sorted(hot.seen.items())},
        "devices": hot.devices, "damage": hot.damage[-200:],
        "clock": None if hot.clock is None else hot.clock.to_json(),
        "aggregates_id": hot.aggregates_id,
        "names": {d: [s.to_json(), name] for d, (s, name) in sorted(hot.names.items())},
    }


def _undo_text(entries: list[list[Any]]) -> str:
    """A unit's kept undo entries as the JSON text format 4 stores: the reader's JSON parser
    only skips over a string, where it builds every list of the entries (half the file)."""
    return json.dumps(entries, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _compact_card(card: CardData | None) -> Any:
    if card is not None and len(card) == len(CARD_KEYS) and all(k in card for k in CARD_KEYS):
        return [card[k] for k in CARD_KEYS]
    return card


def _compact_answer(rec: Mapping[str, Any]) -> Any:
    if (len(rec) == len(ANSWER_KEYS) + 2 and rec.get("t") == "answer" and "unit" in rec
            and all(k in rec for k in ANSWER_KEYS)):
        return [rec[k] for k in ANSWER_KEYS]
    return rec


def tkey(at: str) -> str:
    """A timestamp as a string that sorts as the time does (microseconds, UTC): quizapp's own
    ``YYYY-MM-DDTHH:MM:SS.mmmZ`` without parsing it, any other form parsed."""
    if len(at) == 24 and at[23] == "Z" and at[10] == "T" and at[19] == ".":
        return at[:23] + "000"
    return to_utc(parse_timestamp(at)).strftime("%Y-%m-%dT%H:%M:%S.%f")


def tail_hash(data: bytes) -> str:
    return hashlib.sha256(data[-TAIL_BYTES:]).hexdigest()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _pair(value: object, where: str, checked: bool = True) -> tuple[str, str] | None:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str)
                                                                for v in value)):
        raise ValueError(f"{where}: not [time, id]")
    if checked:
        parse_timestamp(value[0])
    else:
        _when(value[0], where)
    return value[0], value[1]


#: Times already checked while one hot state is read (a unit's answer time recurs in its
#: ``last_seen``, ``last`` and undo entry); emptied when it is read.
_TIMES: dict[str, datetime] = {}


def _when(value: object, where: str) -> datetime:
    """``value`` as an aware UTC time, or :class:`ValueError` naming ``where``: quick for
    the usual forms, :func:`parse_timestamp` for the rest."""
    if type(value) is str:
        known = _TIMES.get(value)
        if known is not None:
            return known
    if type(value) is str and 19 <= len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz"
                                            else value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                if moment.tzinfo is not timezone.utc:
                    moment = moment.astimezone(timezone.utc)
                _TIMES[value] = moment
                return moment
    try:
        return parse_timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"{where}: not a timestamp with a zone: {value!r:.40}") from None


def _utc_time(value: object) -> datetime | None:
    """``value`` as an aware UTC time when it is one in the form cards keep their times in
    (``+00:00``): the quick path for times read once each (not kept in ``_TIMES``); None
    leaves it to :func:`_when`, which says what is wrong."""
    if type(value) is str and 25 <= len(value) <= 40 and value.endswith("+00:00"):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo is timezone.utc else None
    return None


def _text_time(value: object, where: str) -> str:
    _when(value, where)
    return value  # type: ignore[return-value]
