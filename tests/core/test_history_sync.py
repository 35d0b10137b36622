"""Several computers, each a real format-2 Store with its own data folder and its own copy of
the sync folder, answering, flagging and undoing at random while a simulated sync tool copies
their files to each other in random order, with delays, partial copies (a file still being
copied) and conflict copies. Property: once every file reached every computer, every store
holds the same answers (none lost, none twice), scheduling states, flags and counts -- the
same as a model (a Replica) fed every record."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.model import StudyUnit
from quizapp.core.progress.history_store import HistoryStore
from quizapp.core.progress.merge import Replica
from quizapp.core.progress.syncfolder import DEVICES, read_folder
from tests.helpers import examples

T0 = datetime(2026, 1, 30, 8, 0, tzinfo=timezone.utc)
UNITS = [StudyUnit("d", "u0"), StudyUnit("d", "u1", "reverse"), StudyUnit("e", "u2")]


class Computer:
    def __init__(self, base: Path, n: int) -> None:
        self.data, self.sync = base / f"pc{n}" / "data", base / f"pc{n}" / "sync"
        self.sync.mkdir(parents=True)
        self.now = T0 + timedelta(seconds=n)  # the computers' clocks disagree a little
        self.store = self.open()

    def clock(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now

    def open(self) -> HistoryStore:
        return HistoryStore.open(self.data, clock=self.clock, sync_dir=self.sync,
                                 compact_min_bytes=2000)


def _copy(src: Computer, dst: Computer, how: str, cut: float) -> None:
    """What a sync tool does: bring src's files (its own and those it received) to dst."""
    base = src.sync / DEVICES
    if not base.exists():
        return
    for device in sorted(os.listdir(base)):
        if device == dst.store.device:
            continue  # nobody else ever writes a computer's own folder
        for name in sorted(os.listdir(base / device)):
            if "conflict" in name:
                continue
            data = (base / device / name).read_bytes()
            target = dst.sync / DEVICES / device / name
            target.parent.mkdir(parents=True, exist_ok=True)
            have = target.read_bytes() if target.exists() else b""
            if len(have) >= len(data):
                continue
            if how == "partial":  # still being copied: the bytes so far, in place
                end = len(have) + max(1, int((len(data) - len(have)) * cut))
                with target.open("ab") as fh:
                    fh.write(data[len(have):end])
            elif how == "conflict":  # the new version lands beside the old one
                stem = name.removesuffix(".jsonl")
                (target.parent / f"{stem}.sync-conflict-20260201-000000-ABC.jsonl"
                 ).write_bytes(data)
            else:  # whole, by renaming a temporary file over it (a new inode)
                tmp = target.parent / f".syncthing.{name}.tmp"
                tmp.write_bytes(data)
                os.replace(tmp, target)


def _model(computers: list[Computer]) -> Replica:
    r = Replica()
    for c in computers:
        devices, problems = read_folder(c.sync)
        assert not problems
        for d in devices.values():
            assert not d.problems, d.problems[:3]
            r.add_all(d.records)
    return r


def _picture(store: HistoryStore) -> list[Any]:
    return [[store.state(u) for u in UNITS], store.attempt_count,
            sorted(a.id for a in store.attempts()),
            {u.key: store._state.items[u.key].card for u in UNITS  # a unit whose every
             if u.key in store._state.items  # answer was undone may be kept without a card
             and store._state.items[u.key].card is not None}]


op = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 2), st.integers(0, 2), st.booleans(),
              st.integers(0, 30)),
    st.tuples(st.just("undo"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("flag"), st.integers(0, 2), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("copy"), st.integers(0, 2), st.integers(0, 2),
              st.sampled_from(["whole", "partial", "conflict"]), st.floats(0, 1)),
    st.tuples(st.just("check"), st.integers(0, 2)),
    st.tuples(st.just("reopen"), st.integers(0, 2)),
)


@settings(max_examples=examples(100), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(st.integers(2, 3), st.lists(op, max_size=40))
def test_computers_sharing_a_sync_folder_converge(tmp_path_factory: Any, n: int,
                                                  ops: list[tuple[Any, ...]]) -> None:
    base = tmp_path_factory.mktemp("sync")
    pcs = [Computer(base, i) for i in range(n)]
    try:
        for o in ops:
            pc = pcs[o[1] % n]
            if o[0] == "answer":
                pc.now += timedelta(hours=o[4])
                pc.store.record_attempt(UNITS[o[2]], answer=o[2], correct=o[3],
                                        mode="flashcards")
            elif o[0] == "undo":
                pc.store.undo_last(UNITS[o[2]])
            elif o[0] == "flag":
                pc.store.set_flagged(UNITS[o[2]], o[3])
            elif o[0] == "copy":
                if pc is not pcs[o[2] % n]:
                    _copy(pc, pcs[o[2] % n], o[3], o[4])
            elif o[0] == "check":
                news = pc.store.check_sync()
                assert not news.problems
            elif o[0] == "reopen":
                pc.store.close()
                pc.store = pc.open()
        for _round in range(2):  # every file reaches every computer
            for src in pcs:
                for dst in pcs:
                    if src is not dst:
                        _copy(src, dst, "whole", 1.0)
        for pc in pcs:
            pc.store.check_sync()
        model = _model(pcs)
        pictures = [_picture(pc.store) for pc in pcs]
        assert all(p == pictures[0] for p in pictures[1:])
        first = pcs[0].store
        assert first.attempt_count == len(model.live())
        assert set(pictures[0][2]) == model.live()
        for u in UNITS:
            v, got = model.unit(u.key), first.state(u)
            assert (got.attempts, got.correct, got.flagged) == (v.attempts, v.correct,
                                                                 v.flagged)
            assert pictures[0][3].get(u.key) == v.card
        for pc in pcs:  # and after a restart
            pc.store.close()
            pc.store = pc.open()
            assert _picture(pc.store) == pictures[0]
            assert not [w for w in pc.store.warnings if "damage" in w]
    finally:
        for pc in pcs:
            pc.store.close()
        shutil.rmtree(base)


def test_check_sync_says_which_computer_brought_how_many_answers(tmp_path: Path) -> None:
    one, two = Computer(tmp_path, 0), Computer(tmp_path, 1)
    try:
        assert not one.store.check_sync()
        for u in UNITS:
            two.store.record_attempt(u, answer=1, correct=True, mode="tutor")
        _copy(two, one, "whole", 1.0)
        news = one.store.check_sync()
        # named as the computer names itself (a "device" record), or by its id; both
        # simulated computers run here, so they share a name: the start of the id says which
        from quizapp.core.progress.history_sync import computer_name

        name = computer_name()
        assert (news.new_answers, news.computers) == (
            3, (f"{name} ({two.store.device[:8]})" if name else two.store.device,))
        assert not one.store.check_sync()  # nothing new: stat only
        rows = {r.device: r for r in one.store.sync_status()}
        assert rows[two.store.device].answers == 3 and rows[one.store.device].this_computer
        (two.sync / DEVICES / two.store.device / "evil.jsonl").write_bytes(b"{oops\n")
        _copy(two, one, "whole", 1.0)
        news = one.store.check_sync()
        assert news.problems and "evil.jsonl, line 1: not JSON" in news.problems[0]
    finally:
        one.store.close()
        two.store.close()
