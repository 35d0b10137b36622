"""The Store API shared by format 1 and format 2 (prompts' contract): device id, sync folder,
rolled-up figures kept current, answers by time window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from quizapp.core.model import StudyUnit
from quizapp.core.progress.aggregates import Aggregates
from quizapp.core.progress.sync import SyncFolder, SyncNews
from quizapp.core.store import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
A, B = StudyUnit("deck", "a"), StudyUnit("deck", "b", "reverse")


def test_the_device_id_is_kept_in_the_data_folder_only(tmp_path: Path) -> None:
    sync = tmp_path / "sync"
    sync.mkdir()
    with Store.open(tmp_path / "data", sync_dir=sync) as store:
        device = store.device
        assert len(device) == 32 and int(device, 16) >= 0
        assert store.sync_dir == sync
        assert store.check_sync() == SyncNews() and not store.check_sync()
        assert any("format 1" in w for w in store.warnings)
    assert (tmp_path / "data" / "device-id").read_text().strip() == device
    assert not list(sync.rglob("device-id"))
    with Store.open(tmp_path / "data") as store:
        assert store.device == device and store.sync_dir is None
        assert store.sync_status() == []


def test_a_damaged_device_id_is_kept_aside_with_a_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "device-id").write_text("not an id")
    with Store.open(data) as store:
        device = store.device
        assert any("device-id: not a device id" in w for w in store.warnings)
    assert (data / "device-id.damaged").read_text() == "not an id"
    with Store.open(data) as store:
        assert store.device == device


def test_read_only_opening_writes_no_device_id(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with Store.open(tmp_path / "data", read_only=True) as store:
        assert len(store.device) == 32
    assert not (tmp_path / "data" / "device-id").exists()


def test_sync_status_lists_the_computers_in_the_sync_folder(tmp_path: Path) -> None:
    sync = tmp_path / "sync"
    sync.mkdir()
    other = SyncFolder(sync, "f" * 32)
    other.record([{"t": "answer", "id": "1" * 32, "unit": A.key, "at": "2026-03-01T12:00:00Z",
                   "rating": 3, "correct": True, "marks": 1, "confidence": None,
                   "mode": "tutor", "time_ms": 5, "answer": ["A"], "session": None}])
    with Store.open(tmp_path / "data", sync_dir=sync) as store:
        rows = {r.device: r for r in store.sync_status()}
        assert rows["f" * 32].answers == 1 and not rows["f" * 32].this_computer
        assert rows[store.device].this_computer and rows[store.device].answers == 0


def _figures(store: Store) -> dict:
    fresh = Aggregates()
    for rec in store.iter_answers():
        fresh.add(rec)
    return fresh.to_json()


def test_aggregates_follow_answers_undos_and_imports(tmp_path: Path) -> None:
    clock = [T0]
    with Store.open(tmp_path / "data", clock=lambda: clock[0]) as store:
        empty = store.aggregates.to_json()
        for i in range(5):
            clock[0] = T0 + timedelta(days=i)
            store.record_attempt(A if i % 2 else B, answer="x", correct=i % 3 == 0,
                                 mode="tutor")
        assert store.aggregates.to_json() == _figures(store) != empty
        store.undo_last(A)
        assert store.aggregates.to_json() == _figures(store)
        store.export_json(tmp_path / "progress.json")
    with Store.open(tmp_path / "other") as other:
        other.record_attempt(A, answer="y", correct=True, mode="exam")
        before = other.aggregates.to_json()
        other.import_json(tmp_path / "progress.json", confirm=True)
        assert other.aggregates.to_json() == _figures(other) != before
        assert len(list(other.iter_answers())) == 5


def test_iter_answers_gives_the_answers_in_a_time_window(tmp_path: Path) -> None:
    clock = [T0]
    with Store.open(tmp_path / "data", clock=lambda: clock[0]) as store:
        ids = []
        for i in range(4):
            clock[0] = T0 + timedelta(days=31 * i)
            ids.append(store.record_attempt(A, answer=i, correct=True, mode="tutor").id)
        got = [r["id"] for r in store.iter_answers(T0 + timedelta(days=31),
                                                   T0 + timedelta(days=93))]
        assert got == ids[1:3]
        rec = next(store.iter_answers())
        assert rec["t"] == "answer" and rec["unit"] == "deck::a" and rec["answer"] == 0
        assert rec["at"] == "2026-03-01T12:00:00.000Z" or rec["at"].startswith("2026-03-01")
