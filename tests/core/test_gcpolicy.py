"""When the cyclic garbage collector runs (quizapp.core.gcpolicy): not during background work,
not while a history is read, not before the first window has been drawn, and afterwards
exactly as before."""

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
    gcpolicy._start_up["paused"] = False
    gc.unfreeze()  # start_up_done froze this process's objects
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


@given(st.booleans(), st.lists(st.sampled_from(["start", "finish", "begin", "done"]),
                               max_size=30))
def test_start_up_pauses_the_collector_until_the_first_frame_whatever_work_runs_meanwhile(
        was_on: bool, steps: list[str]) -> None:
    """The start-up pause (quizapp.cli.prepare_gui until the first paint) mixed with pieces of
    work in any order: the collector runs exactly when it ran before, no work runs and start-up
    is over; never left off for good."""
    (gc.enable if was_on else gc.disable)()
    running, paused = 0, False
    for step in steps:
        if step == "start":
            gcpolicy.work_started()
            running += 1
        elif step == "finish" and running:
            gcpolicy.work_finished()
            running -= 1
        elif step == "begin":
            gcpolicy.start_up_begins()
            paused = paused or (was_on and running == 0)  # a collector that is off stays off
        elif step == "done":
            gcpolicy.start_up_done()
            paused = False
        assert gc.isenabled() == (was_on and running == 0 and not paused), step
    for _ in range(running):
        gcpolicy.work_finished()
    gcpolicy.start_up_done()
    assert gc.isenabled() == was_on


def test_start_up_done_freezes_what_start_up_made() -> None:
    gc.enable()
    gcpolicy.start_up_begins()
    assert not gc.isenabled()
    kept = [[] for _ in range(100)]  # e.g. the window's objects
    gcpolicy.start_up_done()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    gcpolicy.start_up_done()  # once only
    assert gc.isenabled()
