"""One unit key for the whole of quizapp (issue 14): StudyUnit.key, unit_key, parse_unit_key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.model import StudyUnit, parse_unit_key, unit_key
from quizapp.core.progress.records import read_lines

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
parts = st.one_of(st.just(""), st.just("reverse"),
                  st.builds(lambda a, b: f"{a}/{b}", ids, ids))


@given(ids, ids, parts)
def test_a_key_names_its_unit_and_nothing_else(deck: str, item: str, part: str) -> None:
    unit = StudyUnit(deck, item, part)
    assert unit.key == unit_key(deck, item, part)
    assert parse_unit_key(unit.key) == unit


@pytest.mark.parametrize("bad", ["", "deck", "deck::", "::item", "a::b::c::d", "a::::b",
                                 "x" * 1025, 12, None])
def test_what_is_not_a_key_is_refused_with_a_message(bad: object) -> None:
    with pytest.raises(ValueError, match="not a unit key"):
        parse_unit_key(bad)


def test_history_records_use_the_same_rule() -> None:
    line = (b'{"t":"set","unit":"deck","field":"flagged","value":true,'
            b'"hlc":[1,0,"abc"]}\n')
    reading = read_lines(line, "h.jsonl")
    assert not reading.records and "h.jsonl, line 1" in reading.problems[0]
