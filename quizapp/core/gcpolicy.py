"""When the cyclic garbage collector may run, decided in one place (Qt-free; the GUI's task
runner and the score store call here, no widget steers it).

* :func:`gc_paused`: not while a history or a hot state is read. Reading makes many small
  objects that are all kept, and each collection would walk all of them again (at a million
  answers most of a migration's time went there).
* :func:`work_started` / :func:`work_finished`: not while background work runs. A full
  collection holds the GIL, and so the window, for up to a tenth of a second once the work
  has made a few hundred thousand objects (measured in the CSV export of 100,000 answers). The
  work's objects are freed by reference counting as usual; cycles wait until the last piece
  of work is done.
* :func:`start_up_begins` / :func:`start_up_done`: not while ``quizapp`` imports Qt and builds
  its first window. That makes tens of thousands of objects that live as long as the app and
  almost no garbage, and the collections that would run meanwhile cost the first frame about
  5 ms (tests/benchmarks/bench_history.py). Once the window has been drawn, what start-up made
  is frozen (kept out of every later collection) and the collector runs again.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["gc_paused", "start_up_begins", "start_up_done", "work_finished",
           "work_started"]

_lock = threading.Lock()
_work = {"running": 0, "was_on": False}
_start_up = {"paused": False}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused meanwhile (see the module)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def work_started() -> None:
    """A piece of background work starts: the collector waits until the last one is done."""
    with _lock:
        if _work["running"] == 0:
            _work["was_on"] = gc.isenabled()
            gc.disable()
        _work["running"] += 1


def work_finished() -> None:
    """A piece of work announced with :func:`work_started` is done (finished, failed or
    cancelled): after the last one the collector runs again if it ran before."""
    with _lock:
        _work["running"] -= 1
        if _work["running"] == 0 and _work["was_on"]:
            gc.enable()


def start_up_begins() -> None:
    """``quizapp`` starts importing Qt and building its first window: the collector waits
    until :func:`start_up_done` (see the module)."""
    with _lock:
        if gc.isenabled() and not _start_up["paused"]:
            gc.disable()
            _start_up["paused"] = True


def start_up_done() -> None:
    """The first window has been drawn: what start-up made is frozen and the collector runs
    again (once the background work running now, if any, is done)."""
    with _lock:
        if not _start_up["paused"]:
            return
        _start_up["paused"] = False
        gc.freeze()
        if _work["running"]:
            _work["was_on"] = True  # work_finished turns it on after the last piece of work
        else:
            gc.enable()
