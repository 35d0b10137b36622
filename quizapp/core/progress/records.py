"""The records of a computer's history: one JSON object per line (JSON Lines).

Every line is one of:

``{"t": "answer", "id", "unit", "at", "rating", "correct", "marks", "confidence", "mode",
"time_ms", "answer", "session"}``
    an answer: ``id`` 32 lowercase hex digits, unique; ``unit`` the unit key
    (``deck::item`` or ``deck::item::part``); ``at`` when (UTC ISO 8601); ``rating`` 1-4, or
    null when the answer did not update the scheduler; ``correct`` boolean; ``marks`` a
    number; ``confidence`` 1-3 or null; ``mode`` ``flashcards``, ``tutor`` or ``exam``;
    ``time_ms`` a whole number >= 0; ``answer`` what was answered (any JSON, at most 16
    levels deep); ``session`` a session id or null.
``{"t": "undo", "id", "at", "unit"}``
    the answer ``id`` is undone (a tombstone: it stays undone whatever arrives later).
    ``unit`` (optional; format-2 stores always write it) is the answer's unit key, so a
    reader can find the answer without searching.
``{"t": "base", "unit", "card", "at", "hlc"}``
    a unit's scheduler state as it stood at ``at`` (written by the migration from format 1,
    whose states hold fuzz that a replay would draw differently): replay starts from ``card``
    (``fsrs.Card.to_dict()``, as in format 1) and applies only the answers made after ``at``.
    Last writer wins per unit by ``hlc``.
``{"t": "session", "id", "mode", "settings", "deck_ids", "started", "ended", "score", "at"}``
    a study session as it stood at ``at`` (written when it starts and again when it ends):
    ``id`` at most 64 characters; ``mode`` as for an answer; ``settings`` an object;
    ``deck_ids`` a list of strings; ``started`` a timestamp; ``ended`` a timestamp or null;
    ``score`` an object or null. The same id written twice: an ended one wins over an open
    one, then the later ``ended``, then the canonical JSON that sorts last.
``{"t": "set", "unit", "field", "value", "hlc"}``
    a per-unit setting, last writer wins per field by ``hlc`` (:mod:`.hlc`). Fields:
    ``flagged`` and ``suspended`` (booleans).

Reading rules: a last line without its final newline is a write cut short (by a crash or a
sync tool still copying) and is ignored; a record whose ``t`` (or a ``set`` whose ``field``)
this quizapp does not know is skipped with a warning, so an older quizapp can read a newer
history; every other line that cannot be read is damage, reported with its file and line and
never silently dropped. Lines longer than :data:`MAX_LINE` bytes are not parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from quizapp.core.model import MODES, is_unit_key, unit_key
from quizapp.core.progress.hlc import parse_stamp
from quizapp.core.scheduling import parse_timestamp, validate_card

__all__ = ["FIELDS", "MAX_LINE", "Reading", "answer_from_attempt", "check_record", "depth_ok",
           "encode",
           "read_lines"]

MAX_LINE = 64 * 1024
MAX_DEPTH = 16
#: the per-unit settings a ``set`` record may change, and the type of each
FIELDS: dict[str, type] = {"flagged": bool, "suspended": bool}
KNOWN = ("answer", "undo", "set", "base", "session", "device")
#: The longest computer name a ``device`` record may give.
MAX_NAME = 64
_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class Reading:
    """What :func:`read_lines` found in one file."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # damage, each naming file and line
    warnings: list[str] = field(default_factory=list)  # records skipped as unknown
    torn: bool = False  # the last line had no newline and was left out


class _Bad(ValueError):
    pass


def encode(record: Mapping[str, Any]) -> bytes:
    """One record as a line, ending in a newline."""
    text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


def answer_from_attempt(a: Mapping[str, Any]) -> dict[str, Any]:
    """The ``answer`` record standing for a format-1 attempt (its JSON form, as in
    ``progress.json``): ``timestamp`` -> ``at``, ``session_id`` -> ``session``, the unit key
    from ``deck_id``, ``item_id`` and ``part``; the other fields as they are."""
    return {"t": "answer", "id": a["id"], "unit": unit_key(a["deck_id"], a["item_id"], a["part"]),
            "at": a["timestamp"], "rating": a["rating"], "correct": a["correct"],
            "marks": a["marks"], "confidence": a["confidence"], "mode": a["mode"],
            "time_ms": a["time_ms"], "answer": a["answer"], "session": a["session_id"]}


def _reject_constant(name: str) -> Any:
    raise _Bad(f"{name} is not a number JSON allows")


#: ``json.loads(text, parse_constant=_reject_constant)``, made once (not once per line).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _depth_ok(value: object, limit: int) -> bool:
    if not isinstance(value, (list, dict)):
        return True
    if limit >= 1 and isinstance(value, list) and not any(
            isinstance(c, (list, dict)) for c in value):
        return True  # most answers: a text, a number or a list of option letters
    todo: list[tuple[object, int]] = [(value, 0)]
    while todo:
        v, depth = todo.pop()
        if isinstance(v, (list, dict)):
            if depth >= limit:
                return False
            todo.extend((c, depth + 1) for c in (v.values() if isinstance(v, dict) else v))
    return True


depth_ok = _depth_ok


def _unit_ok(value: object) -> bool:
    return is_unit_key(value)


def _ts(value: object, name: str) -> None:
    if type(value) is str and len(value) == 24 and value[23] == "Z" and value[10] == "T" \
            and value[19] == ".":
        # quizapp's own form, YYYY-MM-DDTHH:MM:SS.mmmZ: checked without the general parser
        # (every history line holds one; a history is read whole at a migration or rebuild)
        try:
            datetime.fromisoformat(value[:23])
        except ValueError:
            pass
        else:
            return
    try:
        parse_timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError):
        raise _Bad(f"{name} {value!r:.60} is not a timestamp") from None


def _check(rec: dict[str, Any]) -> str | None:
    """Raise :class:`_Bad` for a damaged known record; return a warning for an unknown one."""
    kind = rec.get("t")
    if not isinstance(kind, str):
        raise _Bad("the record has no type (\"t\")")
    if kind not in KNOWN:
        return f"a record of type {kind!r:.40} that this quizapp does not know"
    if kind in ("answer", "undo"):
        if not isinstance(rec.get("id"), str) or not _ID.fullmatch(rec["id"]):
            raise _Bad("id is not 32 hex digits")
        _ts(rec.get("at"), "at")
    if kind == "undo":
        if "unit" in rec and not _unit_ok(rec["unit"]):
            raise _Bad(f"unit {rec.get('unit')!r:.60} is not a unit key")
        return None
    if kind == "session":
        _check_session(rec)
        return None
    if kind == "device":  # the name of the computer whose folder holds the record
        name = rec.get("name")
        if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not name.isprintable():
            raise _Bad(f"name is not a computer name of 1-{MAX_NAME} printable characters")
        try:
            parse_stamp(rec.get("hlc"))
        except ValueError as exc:
            raise _Bad(str(exc)) from None
        return None
    if not _unit_ok(rec.get("unit")):
        raise _Bad(f"unit {rec.get('unit')!r:.60} is not a unit key")
    if kind in ("set", "base"):
        try:
            parse_stamp(rec.get("hlc"))
        except ValueError as exc:
            raise _Bad(str(exc)) from None
    if kind == "base":
        _ts(rec.get("at"), "at")
        try:
            validate_card(rec.get("card"))
        except ValueError as exc:
            raise _Bad(f"card: {exc}"[:200]) from None
        return None
    if kind == "set":
        name = rec.get("field")
        if not isinstance(name, str):
            raise _Bad("field is not a name")
        if name not in FIELDS:
            return f"a setting {name!r:.40} that this quizapp does not know"
        if type(rec.get("value")) is not FIELDS[name]:
            raise _Bad(f"value of {name} is not a {FIELDS[name].__name__}")
        return None
    rating, conf = rec.get("rating"), rec.get("confidence")
    if rating is not None and (type(rating) is not int or not 1 <= rating <= 4):
        raise _Bad("rating is not 1-4 or null")
    if conf is not None and (type(conf) is not int or not 1 <= conf <= 3):
        raise _Bad("confidence is not 1-3 or null")
    if type(rec.get("correct")) is not bool:
        raise _Bad("correct is not true or false")
    marks = rec.get("marks")
    if not isinstance(marks, (int, float)) or isinstance(marks, bool) \
            or not -1e6 <= marks <= 1e6:
        raise _Bad("marks is not a number")
    if rec.get("mode") not in MODES:
        raise _Bad(f"mode {rec.get('mode')!r:.40} is not one of {', '.join(MODES)}")
    ms = rec.get("time_ms")
    if type(ms) is not int or not 0 <= ms < 2**53:
        raise _Bad("time_ms is not a whole number >= 0")
    if "answer" not in rec or not _depth_ok(rec["answer"], MAX_DEPTH):
        raise _Bad("answer is missing or nested too deeply")
    session = rec.get("session")
    if session is not None and (not isinstance(session, str) or len(session) > 64):
        raise _Bad("session is not an id or null")
    return None


def check_record(rec: dict[str, Any]) -> None:
    """Raise :class:`ValueError` naming the problem when ``rec`` is not a usable record of a
    type this quizapp knows (the check a history line gets)."""
    if _check(rec) is not None:
        raise ValueError(f"a record of type {rec.get('t')!r:.40} that is not usable here")


def _check_session(rec: dict[str, Any]) -> None:
    sid = rec.get("id")
    if not isinstance(sid, str) or not 0 < len(sid) <= 64:
        raise _Bad("id is not a session id")
    if rec.get("mode") not in MODES:
        raise _Bad(f"mode {rec.get('mode')!r:.40} is not one of {', '.join(MODES)}")
    if not isinstance(rec.get("settings"), dict) or not _depth_ok(rec["settings"], MAX_DEPTH):
        raise _Bad("settings is not an object (at most 16 levels deep)")
    decks = rec.get("deck_ids")
    if not isinstance(decks, list) or not all(isinstance(d, str) for d in decks):
        raise _Bad("deck_ids is not a list of deck ids")
    _ts(rec.get("started"), "started")
    _ts(rec.get("at"), "at")
    if rec.get("ended") is not None:
        _ts(rec["ended"], "ended")
    score = rec.get("score")
    if score is not None and (not isinstance(score, dict) or not _depth_ok(score, MAX_DEPTH)):
        raise _Bad("score is not an object or null")


def read_lines(data: bytes, source: str, first_line: int = 1, *,
               answers_only: bool = False) -> Reading:
    """Every record in ``data`` (the bytes of the file ``source``, named in messages, from
    its line ``first_line`` on). With ``answers_only``, lines that cannot be an answer record
    (no ``answer`` and no escape in them: a base, set, session... record) are passed over
    unread, for a reader that wants only the answers."""
    out = Reading()
    lines = data.split(b"\n")
    if lines[-1]:
        out.torn = True  # no final newline: cut short; ignored, never damage
    decode = _DECODER.decode
    for number, raw in enumerate(lines[:-1], start=first_line):
        if answers_only and b'"answer"' not in raw and b"\\" not in raw:
            continue  # an answer record has "t": "answer" (unless written with escapes)
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE:
            out.problems.append(
                f"{source}, line {number}: longer than {MAX_LINE} bytes; not read")
            continue
        try:
            rec = decode(raw.decode("utf-8"))
            if not isinstance(rec, dict):
                raise _Bad("it is not a JSON object")
            warning = _check(rec)
        except UnicodeDecodeError:
            out.problems.append(f"{source}, line {number}: not UTF-8 text")
            continue
        except json.JSONDecodeError as exc:
            out.problems.append(f"{source}, line {number}: not JSON ({exc.msg})")
            continue
        except RecursionError:
            out.problems.append(f"{source}, line {number}: nested too deeply")
            continue
        except ValueError as exc:  # _Bad, or an integer too long to convert
            out.problems.append(f"{source}, line {number}: {exc}")
            continue
        if warning:
            out.warnings.append(f"{source}, line {number}: skipped {warning}")
        else:
            out.records.append(rec)
    return out
