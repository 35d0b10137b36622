"""When the cyclic garbage collector runs (quizapp.core.gcpolicy): not during background work,
not while a history is read, and afterwards exactly as before."""

from __future__ import annotations

import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core import gcpolicy


@pytest.fixture(autouse=True)
def _collector_back() -> object:
    was_on = gc.isenabled()
    yield
    (gc.enable if was_on else gc.disable)()


@given(st.booleans(), st.lists(st.booleans(), max_size=30))
def test_the_collector_waits_for_the_last_piece_of_work_then_is_as_before(
        was_on: bool, steps: list[bool]) -> None:
    """``steps``: True starts a piece of work, False finishes one (if any runs); paused
    reads may happen in between."""
    (gc.enable if was_on else gc.disable)()
    running = 0
    for start in steps:
        if start:
            gcpolicy.work_started()
            running += 1
        elif running:
            gcpolicy.work_finished()
            running -= 1
        with gcpolicy.gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() == (was_on and running == 0)
    for _ in range(running):
        gcpolicy.work_finished()
    assert gc.isenabled() == was_on
