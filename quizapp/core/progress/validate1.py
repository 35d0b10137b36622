"""The checks of format-1 records: bounded JSON, timestamps, attempts, sessions and scores,
each failing with a message that names the field."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, cast

from quizapp.core.model import MODES
from quizapp.core.progress.errors import (
    StoreDataError,
)
from quizapp.core.scheduling import (
    CardData,
    parse_timestamp,
    validate_card,
)

# --------------------------------------------------------------------------------------------
# Validation of stored data (snapshot, journal records, imports)


#: The deepest nesting accepted inside a stored value (an answer, session settings or score,
#: a paused block). Deeper values are damage: copying or drawing them would exhaust the stack.
MAX_DEPTH = 64


def depth_ok(value: object, limit: int = MAX_DEPTH) -> bool:
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


def load_json(raw: bytes | str) -> Any:
    """Parse JSON the store reads (snapshot, backup, journal line, lock note, import file).

    Every way a parse can fail is one :class:`StoreDataError`: not UTF-8, not JSON, ``NaN`` or
    ``Infinity`` (which Python's json would accept), nesting so deep that the parser runs out
    of stack, an integer with more digits than Python converts. Never a traceback.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise StoreDataError("the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise StoreDataError(f"it is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise StoreDataError("it is nested too deeply to be a quizapp file") from None
    except ValueError as exc:  # e.g. an integer longer than 4300 digits, or NaN
        raise StoreDataError(f"it holds a value quizapp cannot read ({exc})") from None


def want_field(obj: Mapping[str, Any], key: str, typ: type[Any], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise StoreDataError(f"{where}.{key}: expected {typ.__name__}, got {value!r:.60}")
    return value


def optional_field(obj: Mapping[str, Any], key: str, typ: type[Any], where: str) -> Any:
    return None if obj.get(key) is None else want_field(obj, key, typ, where)


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


def check_ts(value: object, where: str) -> str:
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise StoreDataError(
            f"{where}: expected an ISO 8601 timestamp with a zone, got {value!r:.60}"
        )
    if not _day_ok(value):
        raise StoreDataError(f"{where}: not a valid timestamp: {value!r:.60}")
    return value


def _check_attempt_ts(value: object, where: str) -> None:
    check_ts(value, where)


def check_card_or_none(value: object, where: str) -> CardData | None:
    if value is None:
        return None
    try:
        card = validate_card(value)
    except (ValueError, OverflowError) as exc:
        raise StoreDataError(f"{where}: {exc}") from None
    _check_card_ranges(card, where)
    if len(card) > 7 and not depth_ok(card):  # keys beyond fsrs.Card's seven are kept as-is
        raise StoreDataError(f"{where}: nested more than {MAX_DEPTH} levels deep")
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
            raise StoreDataError(
                f"{where}.{key}: expected a number from {low} to {high}, got {v!r:.60}"
            )

    state = card.get("state")
    if isinstance(state, bool) or state not in (1, 2, 3):
        raise StoreDataError(f"{where}.state: expected 1, 2 or 3, got {state!r:.60}")
    step = card.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 0):
        raise StoreDataError(
            f"{where}.step: expected a whole number >= 0 or null, got {step!r:.60}"
        )
    number("stability", 1e-9, 1e15)
    number("difficulty", 1.0, 10.0)
    # what the scheduler needs in each state (fsrs asserts these when reviewing)
    if state in (2, 3) and (card.get("stability") is None or card.get("difficulty") is None):
        raise StoreDataError(
            f"{where}: a card in review or relearning needs stability and difficulty"
        )
    if state in (1, 3) and step is None:
        raise StoreDataError(f"{where}.step: a card in learning or relearning needs a step")
    check_ts(card.get("due"), f"{where}.due")
    if card.get("last_review") is not None:
        check_ts(card["last_review"], f"{where}.last_review")


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


def attempt_ok(v: object) -> bool:
    """The fast check used for every attempt on load; :func:`check_attempt` explains failures.

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
             or depth_ok(answer))
        and (len(v) == _N_ATTEMPT_KEYS or depth_ok(v))
        and (v["session_id"] is None or type(v["session_id"]) is str)
        and type(v["rating"]) is not bool and v["rating"] in _RATINGS
    )  # fmt: skip


def check_attempt(value: object, where: str) -> dict[str, Any]:
    """Return ``value`` if it is a valid attempt, else raise StoreDataError naming the field."""
    if attempt_ok(value):
        return cast(dict[str, Any], value)
    if not isinstance(value, dict):
        raise StoreDataError(f"{where}: expected an object, got {type(value).__name__}")
    missing = _ATTEMPT_KEYS.difference(value)
    if missing:
        raise StoreDataError(f"{where}: missing {', '.join(sorted(missing))}")
    for key in ("id", "deck_id", "item_id"):
        v = value[key]
        if not isinstance(v, str) or not v:
            raise StoreDataError(f"{where}.{key}: expected a non-empty string, got {v!r:.60}")
    if not isinstance(value["part"], str):
        raise StoreDataError(f"{where}.part: expected a string")
    if not isinstance(value["correct"], bool):
        raise StoreDataError(f"{where}.correct: expected true or false")
    marks = value["marks"]
    if isinstance(marks, bool) or not isinstance(marks, (int, float)) or not math.isfinite(marks):
        raise StoreDataError(f"{where}.marks: expected a number, got {marks!r:.60}")
    if value["confidence"] not in (None, 1, 2, 3) or isinstance(value["confidence"], bool):
        raise StoreDataError(f"{where}.confidence: expected 1, 2, 3 or null")
    if value["mode"] not in MODES:
        raise StoreDataError(f"{where}.mode: expected one of {', '.join(MODES)}")
    t = value["time_ms"]
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise StoreDataError(f"{where}.time_ms: expected a whole number >= 0")
    _check_attempt_ts(value["timestamp"], f"{where}.timestamp")
    if value["session_id"] is not None and not isinstance(value["session_id"], str):
        raise StoreDataError(f"{where}.session_id: expected a string or null")
    if value["rating"] not in (None, 1, 2, 3, 4) or isinstance(value["rating"], bool):
        raise StoreDataError(f"{where}.rating: expected 1..4 or null")
    if not depth_ok(value["answer"]):
        raise StoreDataError(f"{where}.answer: nested more than {MAX_DEPTH} levels deep")
    if not depth_ok(value):
        raise StoreDataError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    raise StoreDataError(f"{where}: not a valid attempt")


def check_session(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise StoreDataError(f"{where}: expected an object")
    want_field(value, "id", str, where)
    if value.get("mode") not in MODES:
        raise StoreDataError(f"{where}.mode: expected one of {', '.join(MODES)}")
    want_field(value, "settings", dict, where)
    decks = want_field(value, "deck_ids", list, where)
    if not all(isinstance(d, str) for d in decks):
        raise StoreDataError(f"{where}.deck_ids: expected a list of strings")
    check_ts(value.get("started"), f"{where}.started")
    if value.get("ended") is not None:
        check_ts(value["ended"], f"{where}.ended")
    score = optional_field(value, "score", dict, where)
    if score is not None:
        check_score(score, f"{where}.score")
    if not depth_ok(value):
        raise StoreDataError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    return value


def check_score(score: Mapping[str, Any], where: str) -> None:
    """The numbers Statistics reads from a session's score must be finite and not negative."""
    if not depth_ok(score):
        raise StoreDataError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    for key in _SCORE_NUMBERS:
        v = score.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise StoreDataError(f"{where}.{key}: expected a number, got {v!r:.60}")
        if key in _SCORE_COUNTS and v < 0:
            raise StoreDataError(f"{where}.{key}: expected a number >= 0, got {v!r:.60}")
    cards = score.get("flashcards")
    if isinstance(cards, dict):
        for label, n in cards.items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise StoreDataError(f"{where}.flashcards.{label}: expected a count >= 0")


#: Numbers a session score may hold (what Statistics reads), and those that are counts.
_SCORE_NUMBERS = ("correct", "total", "questions", "answered", "marks", "max_marks",
                  "percent", "time_ms")
_SCORE_COUNTS = ("correct", "total", "questions", "answered", "max_marks", "time_ms")
