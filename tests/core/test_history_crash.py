"""SIGKILL a process using a format-2 Store at random moments -- while it records answers,
undoes and flags (each one write + fsync), compacts its hot state (often: a tiny threshold),
starts a new month's file (sealing the last one) and migrates a format-1 folder -- and check
after every kill: every acknowledged answer survives, none twice, none that was undone comes
back, and the store equals a model (a Replica) of its history.

``QUIZAPP_CRASH_KILLS`` (default 200) and ``QUIZAPP_CRASH_SEED`` tune and reproduce a run.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from quizapp.core.model import StudyUnit
from quizapp.core.progress.history_store import HistoryStore
from quizapp.core.store import Store
from tests.benchmarks.gen import write_format1_history
from tests.crash import KILLS, folder_model, run_and_kill

WRITER = r"""
import os, random, sys
from datetime import datetime, timedelta, timezone
from quizapp.core.model import StudyUnit
from quizapp.core.progress.history_store import open_store

folder, seed, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
now = [datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=9 * start)]
def clock():
    now[0] += timedelta(hours=rng.choice([1, 1, 1, 200]))  # now and then a new month
    return now[0]
store = open_store(folder, store_format=2, clock=clock, compact_min_bytes=3000)
os.write(1, b"open\n")
while True:
    unit = StudyUnit("d", f"q{rng.randrange(20)}")
    r = rng.random()
    if r < 0.15:
        last = store.state(unit).attempts and list(store.attempts(unit=unit))
        if last:
            os.write(1, f"u? {last[-1].id}\n".encode())
            store.undo_last(unit)
    elif r < 0.25:
        store.set_flagged(unit, rng.random() < 0.5)
    else:
        a = store.record_attempt(unit, answer=["A"] * rng.randint(1, 40),
                                 correct=rng.random() < 0.6, mode="tutor")
        os.write(1, f"ack {a.id}\n".encode())
"""


def _kill_loop(folder: Path, kills: int, seed: int, *, migrate_first: bool) -> None:
    rng = random.Random(seed)
    acked: set[str] = set()
    undoing: set[str] = set()  # undo asked for (done or in flight at a kill)
    for k in range(kills):
        migrating = migrate_first and k < 3
        lines = run_and_kill(WRITER, [str(folder), str(k), str(len(acked))],
                             rng.uniform(0.0, 1.5 if migrating else 0.3),
                             first_line=not migrating)
        for line in lines:
            word, _, rid = line.partition(" ")
            if word == "ack":
                acked.add(rid)
            elif word == "u?":
                undoing.add(rid)
        if migrating and not os.path.exists(folder / "devices"):
            continue
        with HistoryStore.open(folder) as store:
            ids = [a.id for a in store.attempts()]
            assert len(ids) == len(set(ids)) == store.attempt_count, f"kill {k}: doubled"
            lost = acked - set(ids) - undoing
            assert not lost, f"kill {k}: {len(lost)} acknowledged answers lost"
            model = folder_model(folder)
            assert set(ids) == model.live() and not (model.live() & model.tombstones)
            for i in range(20):
                unit = StudyUnit("d", f"q{i}")
                view, got = model.unit(unit.key), store.state(unit)
                assert (got.attempts, got.correct, got.flagged) == (
                    view.attempts, view.correct, view.flagged), f"kill {k}: {unit.key}"
            assert not [w for w in store.warnings if "damage" in w or "line" in w]
    assert len(acked) >= kills // 2  # the writer got going before most kills
    months = os.listdir(folder / "devices" / os.listdir(folder / "devices")[0])
    assert len(months) > 2  # several month files, the older ones sealed


def test_a_format2_writer_survives_sigkill_quick(tmp_path: Path) -> None:
    _kill_loop(tmp_path, 8, int(os.environ.get("QUIZAPP_CRASH_SEED", "11")),
               migrate_first=False)


@pytest.mark.slow
@pytest.mark.soak
def test_a_format2_writer_survives_sigkill(tmp_path: Path) -> None:
    _kill_loop(tmp_path, KILLS, int(os.environ.get("QUIZAPP_CRASH_SEED", "12")),
               migrate_first=False)


@pytest.mark.slow
@pytest.mark.soak
def test_migration_then_writing_survives_sigkill(tmp_path: Path) -> None:
    write_format1_history(tmp_path, 20_000, units=20)
    with Store.open(tmp_path, read_only=True) as f1:
        before = {a.id for a in f1.attempts()}
    _kill_loop(tmp_path, max(KILLS // 4, 12), int(os.environ.get("QUIZAPP_CRASH_SEED", "13")),
               migrate_first=True)
    with HistoryStore.open(tmp_path) as store:
        assert before <= {a.id for a in store.attempts()} | store._undone
