"""Migration of format-1 folders to format-2 history records, every attempt counted before
and after (issue 15): empty, small (written by the real store, with undo and flags), 100,000
answers (generated), damaged; run twice (as after a crash) nothing is written twice."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from quizapp.core.model import StudyUnit
from quizapp.core.progress.merge import Replica
from quizapp.core.progress.migrate import migrate
from quizapp.core.progress.syncfolder import read_folder
from quizapp.core.store import Store
from tests.benchmarks.gen import write_format1_history

NOW = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def merged(root: Path) -> Replica:
    devices, problems = read_folder(root)
    assert not problems
    r = Replica()
    for d in devices.values():
        assert not d.problems, d.problems
        r.add_all(d.records)
    return r


def test_empty_folder(tmp_path: Path) -> None:
    m = migrate(tmp_path / "data", tmp_path / "sync", "laptop", now=NOW)
    assert m.ok and m.answers == m.answers_read_back == 0


def test_small_store_written_by_the_app(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(5)
    clock_now = [NOW - timedelta(days=200)]

    def clock() -> datetime:
        clock_now[0] += timedelta(hours=rng.randint(1, 60))
        return clock_now[0]

    units = [StudyUnit("d", f"q{i}", p) for i in range(12) for p in ("", "reverse")]
    with Store.open(data, clock=clock) as store:
        sid = store.start_session("tutor", {}, ["d"])
        for _ in range(300):
            unit = rng.choice(units)
            store.record_attempt(unit, answer=["A"], correct=rng.random() < 0.7,
                                 mode=rng.choice(("flashcards", "tutor", "exam")),
                                 confidence=rng.choice((None, 1, 2, 3)), session_id=sid)
            if rng.random() < 0.1:
                store.undo_last(unit)
            if rng.random() < 0.05:
                store.set_flagged(unit, rng.random() < 0.6)
        ids = {a.id for a in store.attempts()}
        flagged = {u.key for u in units if store.is_flagged(u)}
        states = {u.key: store.state(u) for u in units}
    before = tree_digest(data)
    m = migrate(data, tmp_path / "sync", "laptop", now=NOW)
    assert m.ok, m.problems[:5]
    assert m.answers == m.answers_read_back == len(ids) > 200
    assert m.undone > 0 and m.flags == len(flagged) > 0
    assert tree_digest(data) == before  # the old files are kept as they were
    r = merged(tmp_path / "sync")
    assert r.live() == ids
    for key, st in states.items():
        view = r.unit(key)
        assert (view.attempts, view.correct, view.flagged) == (st.attempts, st.correct,
                                                               st.flagged)
    # run again, as after a crash in the middle: nothing written twice
    again = migrate(data, tmp_path / "sync", "laptop", now=NOW + timedelta(minutes=1))
    assert again.ok and again.written == 0 and again.answers_read_back == len(ids)


@pytest.mark.slow
def test_100k_generated_answers(tmp_path: Path) -> None:
    write_format1_history(tmp_path / "data", 100_000)
    m = migrate(tmp_path / "data", tmp_path / "sync", "desktop", now=NOW)
    assert m.ok, m.problems[:5]
    assert m.answers == m.answers_read_back == 100_000


def test_generated_history(tmp_path: Path) -> None:
    write_format1_history(tmp_path / "data", 3_000, units=400)
    m = migrate(tmp_path / "data", tmp_path / "sync", "desktop", now=NOW)
    assert m.ok, m.problems[:5]
    assert m.answers == m.answers_read_back == 3_000 and m.bases == 400


def test_damaged_snapshot_migrates_every_answer_that_can_be_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_format1_history(data, 500, units=50)
    lines = path.read_bytes().split(b"\n")
    lines[10] = b'{"id": "broken'  # one attempt line damaged: the file is no longer JSON
    path.write_bytes(b"\n".join(lines))
    before = tree_digest(data)
    m = migrate(data, tmp_path / "sync", "laptop", now=NOW)
    assert m.ok, m.problems[:5]
    assert m.answers == m.answers_read_back == 499  # every other answer read and kept
    assert any("damaged" in w or "corrupt" in w for w in m.warnings), m.warnings
    assert tree_digest(data) == before  # read-only: the damaged file is not touched


def test_a_format1_folder_whose_answers_are_newer_than_its_scheduler_state_migrates(
        tmp_path: Path) -> None:
    """A format-1 import keeps the item state of the side with the newer ``updated`` but every
    answer, so an answer can be newer than the state (the benchmark's folders are like that):
    the migration refused every such folder, leaving it in format 1 for good. The state the
    student had is kept: no due date moves."""
    from quizapp.core.progress.history_store import HistoryStore, open_store
    from tests.benchmarks.bench_store import write_history

    write_history(tmp_path / "d", 600, 40)
    with Store.open(tmp_path / "d", read_only=True) as old:
        cards = {k: it.card for k, it in old._state.items.items()}
        count = old.attempt_count
    with open_store(tmp_path / "d") as s:
        assert isinstance(s, HistoryStore), s.warnings
        assert s.attempt_count == count
        assert {k: it.card for k, it in s._state.items.items() if it.card} == \
            {k: c for k, c in cards.items() if c}
