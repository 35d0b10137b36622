"""Rolled-up answer figures (quizapp.core.progress.aggregates): add/remove are exact inverses,
the JSON form reads back as it was, and a damaged JSON form is always a ValueError."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.progress.aggregates import (
    Aggregates,
    answer_place,
    hour_start,
    month_of_hour,
    month_start,
)
from quizapp.core.scheduling import format_timestamp

BASE = datetime(2019, 1, 1, tzinfo=timezone.utc)

records = st.builds(
    lambda unit, minutes, ok, conf, mode, ms: {
        "t": "answer", "id": "0" * 32, "unit": unit,
        "at": format_timestamp(BASE + timedelta(minutes=minutes)), "rating": None,
        "correct": ok, "marks": 1, "confidence": conf, "mode": mode, "time_ms": ms,
        "answer": None, "session": None,
    },
    st.sampled_from(["a::1", "a::2::rev", "b::x", "b::c/s1/q1"]),
    st.integers(0, 4 * 365 * 24 * 60),
    st.booleans(),
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from(["flashcards", "tutor", "exam"]),
    st.one_of(st.just(0), st.integers(0, 400_000)),
)


def _build(recs: list[dict[str, Any]]) -> Aggregates:
    agg = Aggregates()
    for r in recs:
        agg.add(r)
    return agg


@settings(max_examples=150, deadline=None)
@given(st.lists(records, max_size=40), st.data())
def test_remove_is_the_exact_inverse_of_add(recs: list[dict[str, Any]], data: Any) -> None:
    agg = _build(recs)
    gone = data.draw(st.sets(st.integers(0, max(0, len(recs) - 1)), max_size=len(recs)))
    for i in sorted(gone, reverse=True):
        if i < len(recs):
            agg.remove(recs[i])
    kept = [r for i, r in enumerate(recs) if i not in gone]
    assert agg.to_json() == _build(kept).to_json()
    assert agg.total == len(kept)
    if not kept:
        assert agg.to_json() == Aggregates().to_json()


@settings(max_examples=100, deadline=None)
@given(st.lists(records, max_size=40))
def test_json_form_reads_back_unchanged(recs: list[dict[str, Any]]) -> None:
    doc = _build(recs).to_json()
    again = Aggregates.from_json(json.loads(json.dumps(doc)))
    assert again.to_json() == doc
    for key in {r["unit"] for r in recs}:
        assert again.unit_totals(key) == (sum(r["unit"] == key for r in recs),
                                          sum(r["unit"] == key and r["correct"] for r in recs))


def _mutate(doc: Any, path: list[Any], value: Any) -> Any:
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


def _paths(node: Any, prefix: list[Any]) -> list[list[Any]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, [*prefix, k])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, [*prefix, i])
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(records, min_size=1, max_size=10), st.data())
def test_damaged_json_is_a_value_error(recs: list[dict[str, Any]], data: Any) -> None:
    """Any one value changed to another type or count is either still a consistent document
    or a ValueError; never another exception, never figures that do not add up."""
    doc = json.loads(json.dumps(_build(recs).to_json()))
    path = data.draw(st.sampled_from(_paths(doc, [])))
    value = data.draw(st.one_of(st.none(), st.booleans(), st.integers(-3, 10**13),
                                st.text(max_size=3), st.just([]), st.just({}),
                                st.floats(allow_nan=True)))
    _mutate(doc, path, value)
    try:
        agg = Aggregates.from_json(doc)
    except ValueError:
        return
    # accepted: then it must be self-consistent
    again = agg.to_json()
    assert Aggregates.from_json(json.loads(json.dumps(again))).to_json() == again


@pytest.mark.parametrize("doc", [
    None, [], {}, {"format": 2, "total": 0, "hours": {}, "months": {}, "units": {}},
    {"format": 1, "total": 1, "hours": {}, "months": {}, "units": {}},
    {"format": 1, "total": -1, "hours": {}, "months": {}, "units": {}},
    {"format": 1, "total": 0, "hours": {"a::b": []}, "months": {}, "units": {}},
    {"format": 1, "total": 1, "hours": {"a": [[1], [1], [0], [0], [0], [0], [0], [0], [0]]},
     "months": {}, "units": {"a::1": [1, 0]}},  # hour 1 is before year 1
    {"format": 1, "total": 1, "hours": {"a": [[17_000_000], [1], [2], [0], [0], [0], [0], [0],
                                              [0]]},
     "months": {}, "units": {"a::1": [1, 0]}},  # more right than answered
    {"format": 1, "total": 2, "hours": {"a": [[17_000_001, 17_000_000], [1, 1], [0, 0], [0, 0],
                                              [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]},
     "months": {}, "units": {"a::1": [2, 0]}},  # hours out of order
    {"format": 1, "total": 1, "hours": {"a": [[17_000_000], [1], [1], [0], [0], [0], [0], [0],
                                              [True]]},
     "months": {}, "units": {"a::1": [1, 1]}},  # not a count
])
def test_impossible_documents_are_refused(doc: Any) -> None:
    with pytest.raises(ValueError, match=r"aggregates"):
        Aggregates.from_json(doc)


def test_places_and_months() -> None:
    hour, quarter = answer_place("2025-03-30T01:47:12.345Z")
    assert hour_start(hour) == datetime(2025, 3, 30, 1, tzinfo=timezone.utc)
    assert quarter == 3
    assert answer_place("2025-03-30T03:47:12+02:00") == (hour, quarter)
    assert month_start(month_of_hour(hour)) == datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert month_start(month_of_hour(hour) + 1) == datetime(2025, 4, 1, tzinfo=timezone.utc)


def test_size_stays_small() -> None:
    """A year of 300 answers a day over 2,000 units: the JSON form stays well under 1 MB."""
    agg = Aggregates()
    rec: dict[str, Any] = {"unit": "", "at": "", "correct": True, "confidence": 2,
                           "mode": "tutor", "time_ms": 0}
    for i in range(365 * 300):
        moment = BASE + timedelta(days=i // 300, hours=8 + (i % 300) // 60, minutes=i % 60)
        rec.update(unit=f"deck::i{i % 2000}", at=format_timestamp(moment),
                   correct=i % 3 != 0, time_ms=(i * 7919) % 120_000)
        agg.add(rec)
    assert len(json.dumps(agg.to_json())) < 1_000_000
