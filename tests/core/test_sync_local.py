"""Sync details (issue 15): a sync folder missing at a start (a USB stick unplugged) and
stopping to sync. Two simulated computers with real stores sharing one sync folder."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from quizapp.core.model import StudyUnit
from quizapp.core.progress.history_store import HistoryStore

T0 = datetime(2026, 1, 30, 8, 0, tzinfo=timezone.utc)
UNITS = [StudyUnit("d", f"u{i}") for i in range(4)]


class Clock:
    def __init__(self, n: int) -> None:
        self.now = T0 + timedelta(seconds=n)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now


def _answer(s: HistoryStore, i: int, correct: bool = True) -> str:
    return s.record_attempt(UNITS[i % len(UNITS)], answer=["A"], correct=correct,
                            mode="tutor").id


def _ids(s: HistoryStore) -> set[str]:
    return {a.id for a in s.attempts()}


def test_answers_made_while_the_sync_folder_was_missing_reach_it_once_it_is_back(
        tmp_path: Path) -> None:
    stick, clock = tmp_path / "stick", Clock(0)
    stick.mkdir()
    with HistoryStore.open(tmp_path / "pc1", clock=clock, sync_dir=stick) as s:
        before = {_answer(s, i) for i in range(3)}
    shutil.move(stick, tmp_path / "unplugged")
    # the app opens on the local history (the sync folder is missing: no sync_dir)
    with HistoryStore.open(tmp_path / "pc1", clock=clock) as s:
        meanwhile = {_answer(s, i, correct=False) for i in range(3, 8)}
        s.undo_last(UNITS[7 % 4])
        meanwhile_live = _ids(s)
        assert len(meanwhile - meanwhile_live) == 1  # the one undone
    shutil.move(tmp_path / "unplugged", stick)
    with HistoryStore.open(tmp_path / "pc1", clock=clock, sync_dir=stick) as s:
        assert _ids(s) == before | meanwhile_live
        assert any("copied into it" in w for w in s.warnings), s.warnings
    # another computer sees them through the sync folder, and the undo too
    with HistoryStore.open(tmp_path / "pc2", clock=Clock(1), sync_dir=stick) as other:
        assert _ids(other) == before | meanwhile_live
    # copied once: opening again adds nothing and says nothing
    with HistoryStore.open(tmp_path / "pc1", clock=clock, sync_dir=stick) as s:
        assert _ids(s) == before | meanwhile_live
        assert not any("copied" in w for w in s.warnings)
        lines = sum(p.read_bytes().count(b"\n")
                    for p in (stick / "devices" / s.device).iterdir())
    with HistoryStore.open(tmp_path / "pc1", clock=clock, sync_dir=stick) as s:
        assert sum(p.read_bytes().count(b"\n")
                   for p in (stick / "devices" / s.device).iterdir()) == lines


def test_history_made_before_syncing_was_chosen_is_shared_too(tmp_path: Path) -> None:
    clock = Clock(0)
    with HistoryStore.open(tmp_path / "pc1", clock=clock) as s:
        mine = {_answer(s, i) for i in range(5)}
    (tmp_path / "sync").mkdir()
    with HistoryStore.open(tmp_path / "pc1", clock=clock, sync_dir=tmp_path / "sync") as s:
        assert _ids(s) == mine  # the count does not drop when syncing starts
    with HistoryStore.open(tmp_path / "pc2", clock=Clock(1),
                           sync_dir=tmp_path / "sync") as other:
        assert _ids(other) == mine


def test_stopping_to_sync_keeps_everything_this_computer_saw(tmp_path: Path) -> None:
    sync = tmp_path / "sync"
    sync.mkdir()
    a = HistoryStore.open(tmp_path / "pc1", clock=Clock(0), sync_dir=sync)
    b = HistoryStore.open(tmp_path / "pc2", clock=Clock(1), sync_dir=sync)
    ids_a = {_answer(a, i) for i in range(4)}
    ids_b = {_answer(b, i, correct=i % 2 == 0) for i in range(6)}
    b.set_flagged(UNITS[1])
    b.close()
    a.check_sync()
    seen = _ids(a)
    assert seen == ids_a | ids_b and a.is_flagged(UNITS[1])
    states = [a.state(u) for u in UNITS]
    a.keep_history_locally()  # File > Preferences > Stop syncing
    a.close()
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(2)) as alone:
        assert _ids(alone) == seen and alone.attempt_count == len(seen)
        assert alone.is_flagged(UNITS[1])
        assert [alone.state(u) for u in UNITS] == states
        more = _answer(alone, 0)
    # syncing again later: nothing twice, and the answer made alone reaches the folder
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(3), sync_dir=sync) as again:
        assert _ids(again) == seen | {more}
        assert again.attempt_count == len(seen) + 1


def test_computers_are_shown_by_their_names_not_their_ids(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizapp.core.progress import history_sync
    from quizapp.core.progress.sync import format_status

    sync = tmp_path / "sync"
    sync.mkdir()
    monkeypatch.setattr(history_sync, "computer_name", lambda: "laptop")
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(0), sync_dir=sync) as s:
        laptop = s.device
        for i in range(3):
            _answer(s, i)
        assert not s.warnings  # this quizapp knows the record it writes
    monkeypatch.setattr(history_sync, "computer_name", lambda: "desk")
    other = HistoryStore.open(tmp_path / "pc2", clock=Clock(1), sync_dir=sync)
    try:
        assert not other.warnings
        rows = {r.device: r for r in other.sync_status()}
        assert rows[laptop].name == "laptop" and rows[other.device].name == "desk"
        text = format_status(sync, other.sync_status())
        assert f"laptop ({laptop[:8]}): 3 answers" in text and laptop not in text
        assert f"desk ({other.device[:8]}) (this computer)" in text
        monkeypatch.setattr(history_sync, "computer_name", lambda: "old laptop")
        with HistoryStore.open(tmp_path / "pc1", clock=Clock(5), sync_dir=sync) as s:
            _answer(s, 3)  # renamed: the newer name wins
        news = other.check_sync()  # the first check also says the 3 read when it opened
        assert news.new_answers == 4 and news.computers == ("old laptop",)
    finally:
        other.close()
    # the name is written once, not at every start
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(9), sync_dir=sync) as s:
        before = sum(p.read_bytes().count(b'"device"') for p in (sync / "devices" / laptop)
                     .iterdir())
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(9), sync_dir=sync) as s:
        assert s.sync_status()
    assert sum(p.read_bytes().count(b'"device"')
               for p in (sync / "devices" / laptop).iterdir()) == before == 2


def test_two_computers_with_one_name_are_told_apart_by_the_start_of_their_ids(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two data folders on one computer (or two laptops both called "laptop"): the news
    names the other one with the start of its id, as ``sync --status`` does."""
    from quizapp.core.progress import history_sync

    sync = tmp_path / "sync"
    sync.mkdir()
    monkeypatch.setattr(history_sync, "computer_name", lambda: "vm")
    with HistoryStore.open(tmp_path / "a", clock=Clock(0), sync_dir=sync) as a:
        for i in range(3):
            _answer(a, i)
        first = a.device
    with HistoryStore.open(tmp_path / "b", clock=Clock(1), sync_dir=sync) as b:
        news = b.check_sync()
        assert news.new_answers == 3 and news.computers == (f"vm ({first[:8]})",)
    monkeypatch.setattr(history_sync, "computer_name", lambda: "desk")
    with HistoryStore.open(tmp_path / "c", clock=Clock(2), sync_dir=sync) as c:
        # "vm" is two other computers' name: told apart even where this one is not a "vm"
        assert c.check_sync().computers == (f"vm ({first[:8]})",)
        _answer(c, 3)
    monkeypatch.setattr(history_sync, "computer_name", lambda: "vm")
    with HistoryStore.open(tmp_path / "a", clock=Clock(3), sync_dir=sync) as a:
        assert a.check_sync().computers == ("desk",)  # a name nobody shares stays short


@pytest.mark.parametrize("name", ["", "x" * 65, "bad\nname", 7])
def test_a_damaged_computer_name_is_reported_by_file_and_line(tmp_path: Path,
                                                               name: object) -> None:
    import json

    sync = tmp_path / "sync"
    (sync / "devices" / ("b" * 32)).mkdir(parents=True)
    (sync / "devices" / ("b" * 32) / "history-2026-01.jsonl").write_text(json.dumps(
        {"t": "device", "name": name, "hlc": [1, 0, "b" * 32], "at": "2026-01-30T08:00:00.000Z"})
        + "\n")
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(0), sync_dir=sync) as s:
        assert any("history-2026-01.jsonl, line 1" in w and "name" in w for w in s.warnings)
        assert all(r.this_computer or not r.name for r in s.sync_status())


def test_an_import_never_renames_this_computer(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from quizapp.core.progress import history_sync

    sync = tmp_path / "sync"
    sync.mkdir()
    monkeypatch.setattr(history_sync, "computer_name", lambda: "laptop")
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(10_000), sync_dir=sync) as s:
        _answer(s, 0)  # named later than the desk below: its name would win if copied
        s.export_json(tmp_path / "laptop.jsonl")
        with (tmp_path / "laptop.jsonl").open("a") as fh:  # a file naming its computer
            fh.write(f'{{"t": "device", "name": "laptop", "hlc": [{2**52}, 0, "{s.device}"], '
                     '"at": "2026-01-30T09:00:00.000Z"}\n')
    monkeypatch.setattr(history_sync, "computer_name", lambda: "desk")
    other_sync = tmp_path / "sync2"
    other_sync.mkdir()
    with HistoryStore.open(tmp_path / "pc2", clock=Clock(1), sync_dir=other_sync) as s:
        s.apply_import(s.plan_import(tmp_path / "laptop.jsonl"))
        assert s.attempt_count == 1
        assert [r.name for r in s.sync_status() if r.this_computer] == ["desk"]


def test_answers_made_while_this_computer_was_off_are_said_at_the_first_check(
        tmp_path: Path) -> None:
    """The store takes in the other computer's answers when it opens; the first check says
    so once ("4 new answers from laptop" in the window), later checks say only what is new."""
    sync = tmp_path / "sync"
    sync.mkdir()
    with HistoryStore.open(tmp_path / "pc1", clock=Clock(0), sync_dir=sync) as laptop:
        for i in range(4):
            _answer(laptop, i)
    other = HistoryStore.open(tmp_path / "pc2", clock=Clock(1), sync_dir=sync)
    try:
        assert other.attempt_count == 4  # merged at the open
        news = other.check_sync()
        assert news.new_answers == 4 and len(news.computers) == 1
        assert other.check_sync().new_answers == 0  # said once
        _answer(other, 0)  # this computer's own answers are never news
        assert other.check_sync().new_answers == 0
    finally:
        other.close()
