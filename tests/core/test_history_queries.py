"""Score-store format 2, reading answers by time (quizapp.core.progress.history_queries): the
quick path (lines that cannot hold an answer passed over, times compared as text) gives
exactly the answers and the order that parsing every line and every time gives."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.model import StudyUnit, is_unit_key, parse_unit_key
from quizapp.core.progress.history_queries import time_key
from quizapp.core.progress.history_store import HistoryStore
from quizapp.core.progress.records import depth_ok
from quizapp.core.scheduling import format_timestamp, parse_timestamp

UTC = timezone.utc
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
UNIT = StudyUnit("deck", "a")


def _line(n: int, at: str, escaped: bool = False) -> bytes:
    rec = {"t": "answer", "id": f"{n:032x}", "unit": UNIT.key, "at": at, "rating": 3,
           "correct": n % 2 == 0, "marks": 1.0, "confidence": None, "mode": "tutor",
           "time_ms": 1000, "answer": ["A"], "session": None}
    text = json.dumps(rec, separators=(",", ":"))
    if escaped:  # the same record, "answer" written with a JSON escape
        text = text.replace('"answer"', '"\\u0061nswer"')
    return text.encode() + b"\n"


def test_answers_with_escapes_and_other_time_forms_are_read_in_time_order(
        tmp_path: Path) -> None:
    """Answers another program wrote (a type spelled with an escape, times with an offset or
    microseconds) are found by a time range and come in time order among quizapp's own."""
    with HistoryStore.open(tmp_path, clock=lambda: T0) as s:
        own = s.record_attempt(UNIT, answer=["A"], correct=True, mode="tutor",
                               at=T0 + timedelta(minutes=1)).id
        device = s.device
    (seg,) = (tmp_path / "devices" / device).iterdir()
    with seg.open("ab") as fh:
        fh.write(_line(1, "2026-03-10T11:00:30.000250+02:00", escaped=True))  # 09:00:30.00025Z
        fh.write(_line(2, "2026-03-10T09:00:30.000Z"))
        fh.write(_line(3, "2026-03-10T09:02:00.5Z"))
        fh.write(_line(4, "2026-03-10T10:00:00.000+01:00"))  # 09:00Z, the range's start
    with HistoryStore.open(tmp_path, clock=lambda: T0) as s:
        assert s.warnings == []
        got = [r["id"] for r in s.iter_answers(T0, T0 + timedelta(minutes=2))]
        assert got == [f"{4:032x}", f"{2:032x}", f"{1:032x}", own]
        later = [r["id"] for r in s.iter_answers(T0 + timedelta(seconds=30, microseconds=1))]
        assert later == [f"{1:032x}", own, f"{3:032x}"]
        assert len(list(s.iter_answers())) == 5


MOMENTS = st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def written(draw: st.DrawFn) -> str:
    """A timestamp as quizapp writes it, or as another program might (offset, microseconds)."""
    moment = draw(MOMENTS)
    if draw(st.booleans()):
        return format_timestamp(moment)
    return moment.astimezone(draw(OFFSETS)).isoformat(
        timespec=draw(st.sampled_from(["seconds", "milliseconds", "microseconds"])))


@given(written(), written())
def test_times_compared_as_text_compare_as_instants(a: str, b: str) -> None:
    ta, tb = parse_timestamp(a), parse_timestamp(b)
    assert (time_key(a) < time_key(b)) == (ta < tb)
    assert (time_key(a) == time_key(b)) == (ta == tb)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=2), inner, max_size=3), max_leaves=12)


@given(JSON, st.integers(0, 5))
def test_an_answer_nested_deeper_than_the_limit_is_refused(value: object, limit: int) -> None:
    """The nesting check on a line's answer (its quick path for flat answers included) agrees
    with counting the levels."""
    assert depth_ok(value, limit) == (_depth(value) <= limit)


KEYS = st.one_of(
    st.lists(st.sampled_from(["deck", "i1", "", ":", "s1/q1", "x" * 300]), max_size=4).map(
        "::".join),
    st.text(alphabet=":ab", max_size=8), st.none(), st.integers(), st.lists(st.text()))


@given(KEYS)
def test_a_unit_key_is_checked_as_it_is_read(key: object) -> None:
    """The quick check of a line's unit agrees with reading the unit."""
    try:
        parse_unit_key(key)
    except ValueError:
        readable = False
    else:
        readable = True
    assert is_unit_key(key) == readable
