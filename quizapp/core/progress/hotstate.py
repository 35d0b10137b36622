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
from dataclasses import dataclass, field
from typing import Any

from quizapp import __version__
from quizapp.core.model import parse_unit_key
from quizapp.core.progress.hlc import DEVICE_ID, Stamp, parse_stamp
from quizapp.core.progress.records import FIELDS
from quizapp.core.scheduling import CardData, parse_timestamp, to_utc
from quizapp.core.store import HotState, check_session, check_unit_entry

__all__ = ["FORMAT", "TAIL_BYTES", "UNDO_KEPT", "Coverage", "HotStateData", "NewerFormatError",
           "OtherFolderError", "UnitMeta", "hot_state_document", "parse_hot_state",
           "tail_hash", "tkey"]

#: The hot-state format this code writes.
FORMAT = 2
#: How many bytes before a covered offset are hashed to recognise the same file content.
TAIL_BYTES = 4096
#: Undo entries per unit kept in state.json (in memory: up to UNDO_DEPTH); an undo beyond
#: them reads the unit's answers from the history again.
UNDO_KEPT = 1


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


class NewerFormatError(ValueError):
    def __init__(self, found: int) -> None:
        super().__init__(f"format {found}")
        self.found = found


class OtherFolderError(ValueError):
    """The hot state belongs to another device id or history root: rebuilt silently."""


def parse_hot_state(raw: bytes, device: str, root: str) -> HotStateData:
    """The hot state in ``raw``, every field checked (see the module)."""
    doc = json.loads(raw, parse_constant=_no_constant)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    fmt = doc.get("format")
    if type(fmt) is int and fmt > FORMAT:
        raise NewerFormatError(fmt)
    if fmt != FORMAT:
        raise ValueError(f"format {fmt!r:.20} is not {FORMAT}")
    if not isinstance(doc.get("device"), str) or not isinstance(doc.get("root"), str):
        raise ValueError("device or root is missing")
    if doc["device"] != device or doc["root"] != root:
        raise OtherFolderError
    state = HotState()
    metas: dict[str, UnitMeta] = {}
    totals: dict[str, list[int]] = {}
    units = doc["units"]
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
    state.totals = totals
    return HotStateData(state=state, metas=metas, undone=set(undone), seen=seen,
                        devices={d: list(v) for d, v in devices.items()}, answers=answers,
                        damage=list(damage), clock=clock, aggregates_id=agg)


def hot_state_document(hot: HotStateData, device: str, root: str) -> dict[str, Any]:
    """The JSON object ``state.json`` holds."""
    units: dict[str, Any] = {}
    for key, entry in hot.state.items.items():
        meta = hot.metas.get(key) or UnitMeta()
        n, ok = hot.state.totals.get(key, (0, 0))
        units[key] = {
            **entry.to_dict(), "undo": entry.undo[-UNDO_KEPT:],
            "last": None if meta.last is None else list(meta.last),
            "base": None if meta.base is None else [meta.base[0].to_json(), meta.base[1]],
            "sets": {k: [s.to_json(), v] for k, (s, v) in meta.sets.items()},
            "n": n, "ok": ok,
        }
    return {
        "format": FORMAT, "app": __version__, "device": device,
        "root": root, "answers": hot.answers, "units": units,
        "sessions": hot.state.sessions, "undone": sorted(hot.undone),
        "offsets": {rel: [s.ino, s.size, s.lines, s.tail]
                    for rel, s in sorted(hot.seen.items())},
        "devices": hot.devices, "damage": hot.damage[-200:],
        "clock": None if hot.clock is None else hot.clock.to_json(),
        "aggregates_id": hot.aggregates_id,
    }


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


def _pair(value: object, where: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str)
                                                                for v in value)):
        raise ValueError(f"{where}: not [time, id]")
    parse_timestamp(value[0])
    return value[0], value[1]
