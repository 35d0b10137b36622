"""The JSON score store: recording, queries, undo, sessions, export/import, damage, locks,
I/O errors.

Crash-at-random-moments tests are in test_store_crash.py. "Crash images" here are copies of
the data folder taken while a store is open, which is what a kill would leave on disk.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import store as store_mod
from quizapp.core.model import StudyUnit, unit_key
from quizapp.core.progress import format1, lock, store1
from quizapp.core.scheduling import Rating
from quizapp.core.store import (
    Attempt,
    ImportNotConfirmedError,
    Store,
    StoreError,
    StoreFormatError,
    StoreLockedError,
)
from tests.helpers import examples

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)

Q1 = StudyUnit("asps", "q1")
Q2 = StudyUnit("asps", "q2")
CARD = StudyUnit("asps", "fc1")
CARD_REV = StudyUnit("asps", "fc1", "reverse")
CASE_Q = StudyUnit("vignettes", "case1", "s2/q1")


class Clock:
    """A settable clock for the store."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "progress"


@pytest.fixture
def store(folder: Path, clock: Clock) -> Iterator[Store]:
    s = Store.open(folder, clock=clock)
    yield s
    s.close()


def answer(s: Store, unit: StudyUnit = Q1, correct: bool = True, **kw: Any) -> Attempt:
    kw.setdefault("answer", ["A"])
    kw.setdefault("mode", "tutor")
    kw.setdefault("time_ms", 1234)
    return s.record_attempt(unit, correct=correct, **kw)


def crash_image(src: Path, dst: Path) -> Path:
    """Copy what is on disk now (as a kill would leave it), without the lock file."""
    dst.mkdir(parents=True)
    for p in src.iterdir():
        if p.name == store_mod.LOCK_NAME:
            continue
        if p.is_dir():
            shutil.copytree(p, dst / p.name)
        else:
            shutil.copy2(p, dst / p.name)
    return dst


def attempt_ids(s: Store) -> list[str]:
    return [a.id for a in s.attempts()]


# --------------------------------------------------------------------------------------------
# Recording and reading back


def test_new_folder_is_created_and_empty(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        assert folder.is_dir()
        assert s.persistent and not s.read_only
        assert s.warnings == []
        assert s.attempt_count == 0
        assert s.pending() is None
    assert not (folder / store_mod.LOCK_NAME).exists()


def test_attempt_fields_round_trip(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        sid = s.start_session("exam", {"timed": True, "n": 20}, ["vignettes"])
        a = s.record_attempt(
            CASE_Q,
            answer=["B", "D"],
            correct=False,
            mode="exam",
            confidence=3,
            time_ms=45_000,
            session_id=sid,
        )
    assert len(a.id) == 32 and int(a.id, 16) >= 0
    assert (a.deck_id, a.item_id, a.part, a.stage) == ("vignettes", "case1", "s2/q1", "s2")
    assert a.unit == CASE_Q
    assert a.marks == -6.0  # CBM: wrong at confidence 3
    assert a.rating is Rating.AGAIN
    assert a.timestamp == T0
    with Store.open(folder, clock=clock) as s:
        (b,) = list(s.attempts())
        assert b == a
        raw = json.loads((folder / "progress.json").read_text("utf-8"))
        stored = raw["attempts"][0]
        assert stored["timestamp"] == "2025-03-01T09:00:00.000Z"
        assert stored["deck_id"] == "vignettes" and stored["part"] == "s2/q1"
        assert stored["answer"] == ["B", "D"] and stored["confidence"] == 3
        assert stored["mode"] == "exam" and stored["time_ms"] == 45_000
        assert stored["session_id"] == sid


def test_marks_default_and_explicit(store: Store) -> None:
    assert answer(store, correct=True).marks == 1.0
    assert answer(store, correct=False).marks == 0.0
    assert answer(store, correct=True, confidence=2).marks == 2.0
    assert answer(store, correct=True, marks=0.6).marks == 0.6


def test_answer_is_on_disk_before_record_returns(store: Store, folder: Path) -> None:
    a = answer(store)
    journal = (folder / "journal.jsonl").read_bytes()
    assert a.id.encode() in journal
    assert journal.endswith(b"\n")
    rec = json.loads(journal.splitlines()[-1])
    assert rec["op"] == "attempt" and rec["attempt"]["id"] == a.id


def test_every_change_survives_a_crash(store: Store, folder: Path, tmp_path: Path) -> None:
    sid = store.start_session("flashcards", {}, ["asps"])
    a = answer(store, CARD, answer="Good", mode="flashcards", rating=Rating.GOOD, session_id=sid)
    store.set_flagged(Q2)
    store.save_pending({"block": [1, 2, 3], "position": 1})
    store.finish_session(sid, {"correct": 1, "total": 1})
    image = crash_image(folder, tmp_path / "image")
    with Store.open(image) as s:
        assert s.warnings == []
        assert attempt_ids(s) == [a.id]
        assert s.is_flagged(Q2)
        assert s.pending() == {"block": [1, 2, 3], "position": 1}
        (session,) = s.sessions()
        assert session.finished and session.score == {"correct": 1, "total": 1}
        assert s.state(CARD).due == store.state(CARD).due


def test_replay_equals_live_state(store: Store, folder: Path, tmp_path: Path, clock: Clock) -> None:
    for i in range(30):
        answer(store, StudyUnit("asps", f"q{i % 7}"), correct=i % 3 != 0, confidence=1 + i % 3)
        clock.advance(minutes=7)
    units = [StudyUnit("asps", f"q{i}") for i in range(7)]
    with Store.open(crash_image(folder, tmp_path / "image"), clock=clock) as s:
        assert attempt_ids(s) == attempt_ids(store)
        for u in units:
            assert s.state(u) == store.state(u)
        assert s.due(units) == store.due(units)


def test_input_validation(store: Store, folder: Path) -> None:
    with pytest.raises(ValueError, match="mode"):
        store.record_attempt(Q1, answer="A", correct=True, mode="cram")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence"):
        answer(store, confidence=4)
    with pytest.raises(ValueError, match="JSON"):
        answer(store, answer={1, 2})
    with pytest.raises(ValueError, match="time_ms"):
        answer(store, time_ms=-1)
    with pytest.raises(ValueError, match="marks"):
        answer(store, marks=float("nan"))
    with pytest.raises(ValueError, match="deck_id"):
        answer(store, StudyUnit("", "x"))
    assert store.attempt_count == 0
    assert not (folder / "journal.jsonl").exists()


def test_caller_objects_are_not_shared(store: Store) -> None:
    given_answer = ["A"]
    a = answer(store, answer=given_answer)
    given_answer.append("B")
    assert a.answer == ["A"]
    (b,) = store.attempts()
    b.answer.append("C")
    assert next(store.attempts()).answer == ["A"]
    state = {"q": [1]}
    store.save_pending(state)
    state["q"].append(2)
    assert store.pending() == {"q": [1]}


def test_closed_store_refuses_work(folder: Path) -> None:
    s = Store.open(folder)
    s.close()
    s.close()  # twice is fine
    assert s.closed
    with pytest.raises(StoreError, match="closed"):
        answer(s)


# --------------------------------------------------------------------------------------------
# Scheduling and queries


def test_questions_are_scheduled_from_result_and_confidence(store: Store) -> None:
    sure = answer(store, Q1, correct=True, confidence=3)
    wrong = answer(store, Q2, correct=False, confidence=3)
    assert sure.rating is Rating.EASY and wrong.rating is Rating.AGAIN
    assert card_due_of(store, Q1) - T0 >= timedelta(days=1)
    assert card_due_of(store, Q2) - T0 == timedelta(minutes=1)


def test_flashcard_ratings_schedule(store: Store) -> None:
    for unit, rating in [(CARD, Rating.AGAIN), (CARD_REV, Rating.EASY)]:
        a = store.record_attempt(
            unit, answer=rating.label, correct=rating is not Rating.AGAIN, mode="flashcards",
            rating=rating,
        )
        assert a.rating is rating
    assert store.state(CARD).due == T0 + timedelta(minutes=1)
    assert card_due_of(store, CARD_REV) > T0 + timedelta(days=1)


def test_schedule_false_leaves_scheduler_alone(store: Store) -> None:
    a = answer(store, Q1, schedule=False)
    assert a.rating is None
    assert store.state(Q1).is_new
    assert store.state(Q1).attempts == 1
    assert store.new([Q1]) == [Q1]
    assert store.unused([Q1, Q2]) == [Q2]


def test_due_new_wrong_flagged(store: Store, clock: Clock) -> None:
    units = [Q1, Q2, CARD, CARD_REV, CASE_Q]
    assert store.new(units) == units
    assert store.due(units) == []
    answer(store, Q1, correct=False)  # due in 1 minute
    clock.advance(seconds=10)
    answer(store, Q2, correct=False)  # due 10 s later than Q1
    answer(store, CASE_Q, correct=True, confidence=3)  # days away
    store.set_flagged(CARD)
    assert store.new(units) == [CARD, CARD_REV]
    assert store.wrong_last_time(units) == [Q1, Q2]
    assert store.flagged(units) == [CARD]
    assert store.due(units) == []
    later = T0 + timedelta(minutes=5)
    assert store.due(list(reversed(units)), now=later) == [Q1, Q2]  # most overdue first
    store.set_flagged(CARD, False)
    assert store.flagged(units) == []
    answer(store, Q1, correct=True)
    assert store.wrong_last_time(units) == [Q2]


def test_next_intervals(store: Store) -> None:
    new = store.next_intervals(Q1, now=T0)
    assert new[Rating.AGAIN] == timedelta(minutes=1)
    assert new[Rating.GOOD] == timedelta(minutes=10)
    answer(store, Q1, correct=True, confidence=3)
    due = store.state(Q1).due
    assert due is not None
    later = store.next_intervals(Q1, now=due)
    assert list(later) == list(Rating)
    assert later[Rating.AGAIN] < later[Rating.HARD] <= later[Rating.GOOD] <= later[Rating.EASY]
    assert later[Rating.EASY] > timedelta(days=2)


def test_forecast(store: Store, clock: Clock) -> None:
    units = [StudyUnit("d", f"u{i}") for i in range(6)]
    answer(store, units[0], correct=False)  # due today (in 1 minute)
    answer(store, units[1], correct=True, confidence=3)  # a few days away
    forecast = store.forecast(units, days=30, now=T0)
    assert len(forecast) == 30 and sum(forecast) == 2
    assert forecast[0] == 1
    days_to_u1 = (card_due_of(store, units[1]).date() - T0.date()).days
    assert forecast[days_to_u1] == 1
    # overdue units count in day 0
    far = T0 + timedelta(days=days_to_u1 + 3)
    assert store.forecast(units, days=5, now=far) == [2, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        store.forecast(units, days=0)


def test_forecast_uses_the_time_zone_of_now(store: Store) -> None:
    answer(store, Q1, correct=False, at=datetime(2025, 3, 1, 23, 30, tzinfo=timezone.utc))
    # due 23:31 UTC: still 1 March in UTC, already 2 March in UTC+2
    assert store.forecast([Q1], days=2, now=T0) == [1, 0]
    plus2 = timezone(timedelta(hours=2))
    assert store.forecast([Q1], days=2, now=T0.astimezone(plus2)) == [0, 1]


def card_due_of(s: Store, unit: StudyUnit) -> datetime:
    due = s.state(unit).due
    assert due is not None
    return due


def test_unit_state_and_totals(store: Store) -> None:
    answer(store, Q1, correct=True)
    answer(store, Q1, correct=False)
    st_ = store.state(Q1)
    assert (st_.attempts, st_.correct) == (2, 1)
    assert store.unit_totals(Q1) == (2, 1)
    assert st_.last_correct is False and st_.last_seen == T0
    assert st_.stability is not None and st_.difficulty is not None
    assert store.state(Q2) == store_mod.UnitState(Q2, None, None, None, False, None, None, 0, 0)


def test_attempts_filters(store: Store, clock: Clock) -> None:
    sid = store.start_session("tutor", {}, ["asps"])
    a1 = answer(store, Q1, session_id=sid)
    clock.advance(hours=1)
    a2 = answer(store, Q2)
    a3 = answer(store, CASE_Q)
    assert [a.id for a in store.attempts()] == [a1.id, a2.id, a3.id]
    assert [a.id for a in store.attempts(unit=Q1)] == [a1.id]
    assert [a.id for a in store.attempts(deck_id="asps")] == [a1.id, a2.id]
    assert [a.id for a in store.attempts(session_id=sid)] == [a1.id]
    assert [a.id for a in store.attempts(since=T0 + timedelta(minutes=1))] == [a2.id, a3.id]


# --------------------------------------------------------------------------------------------
# Undo


def test_undo_restores_previous_state(store: Store, folder: Path, clock: Clock) -> None:
    first = answer(store, Q1, correct=True, confidence=3)
    before = store.state(Q1)
    clock.advance(days=5)
    second = answer(store, Q1, correct=False)
    assert store.state(Q1).last_correct is False
    undone = store.undo_last(Q1)
    assert undone == second
    assert store.state(Q1) == before
    assert attempt_ids(store) == [first.id]
    assert store.undo_last(Q1) == first
    assert store.state(Q1).is_new and store.new([Q1]) == [Q1]
    assert store.undo_last(Q1) is None
    assert store.undo_last(Q2) is None
    store.close()
    with Store.open(folder, clock=clock) as s:
        assert s.attempt_count == 0
        assert s.state(Q1).is_new


def test_undo_is_durable_before_compaction(store: Store, folder: Path, tmp_path: Path) -> None:
    keep = answer(store, Q2)
    answer(store, Q1)
    store.undo_last(Q1)
    with Store.open(crash_image(folder, tmp_path / "image")) as s:
        assert attempt_ids(s) == [keep.id]
        assert s.state(Q1).is_new
        assert s.undo_last(Q1) is None


def test_undo_depth_is_bounded(store: Store) -> None:
    for _ in range(store_mod.UNDO_DEPTH + 5):
        answer(store, Q1)
    undone = 0
    while store.undo_last(Q1) is not None:
        undone += 1
    assert undone == store_mod.UNDO_DEPTH
    assert store.attempt_count == 5


# --------------------------------------------------------------------------------------------
# Sessions and pending blocks


def test_sessions(store: Store, folder: Path, clock: Clock) -> None:
    sid = store.start_session("exam", {"minutes": 30, "tags": ["red-flags"]}, ["asps", "vig"])
    clock.advance(minutes=25)
    store.finish_session(sid, {"correct": 8, "total": 10, "percent": 80.0})
    other = store.start_session("tutor", {}, ["asps"])
    with pytest.raises(KeyError):
        store.finish_session("nope", {})
    with pytest.raises(TypeError):
        store.start_session("tutor", {}, "asps")
    store.close()
    with Store.open(folder, clock=clock) as s:
        done, open_ = s.sessions()
        assert done.id == sid and done.mode == "exam"
        assert done.settings == {"minutes": 30, "tags": ["red-flags"]}
        assert done.deck_ids == ("asps", "vig")
        assert done.started == T0 and done.ended == T0 + timedelta(minutes=25)
        assert done.score == {"correct": 8, "total": 10, "percent": 80.0}
        assert open_.id == other and not open_.finished
        assert s.session(sid) == done


def test_pending_block_survives_restart(store: Store, folder: Path) -> None:
    block = {"session_id": "s1", "units": ["asps::q1", "asps::q2"], "index": 1, "left_ms": 900}
    store.save_pending(block)
    store.close()
    with Store.open(folder) as s:
        assert s.pending() == block
        s.save_pending(None)
    with Store.open(folder) as s:
        assert s.pending() is None


# --------------------------------------------------------------------------------------------
# Export and import


def test_export_csv(store: Store, tmp_path: Path) -> None:
    answer(store, Q1, answer=["A", "C"], confidence=2)
    answer(store, CASE_Q, answer="Ödem – “quoted”, comma", correct=False)
    out = tmp_path / "attempts.csv"
    assert store.export_csv(out) == 2
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == list(Store.CSV_COLUMNS)
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["deck_id"] == "asps" and first["item_id"] == "q1" and first["part"] == ""
    assert json.loads(first["answer"]) == ["A", "C"]
    assert first["correct"] == "1" and first["confidence"] == "2" and first["marks"] == "2"
    assert first["timestamp"] == "2025-03-01T09:00:00.000Z" and first["time_ms"] == "1234"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["stage"] == "s2" and second["part"] == "s2/q1"
    assert json.loads(second["answer"]) == "Ödem – “quoted”, comma"
    assert second["correct"] == "0" and second["confidence"] == ""


def test_export_csv_marks_are_the_numbers_the_screens_show(store: Store, tmp_path: Path
                                                           ) -> None:
    """A partly right select-all answer (5 of 6 judged right) exports 0.8, as the feedback,
    the results and quizapp stats show it, not 0.8333333333333334."""
    answer(store, Q1, answer=["A"], correct=False, marks=5 / 6)
    out = tmp_path / "attempts.csv"
    store.export_csv(out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0]["marks"] == "0.8"


def test_export_import_merges_without_duplicates(tmp_path: Path, clock: Clock) -> None:
    home, laptop = tmp_path / "home", tmp_path / "laptop"
    with Store.open(home, clock=clock) as a:
        shared = answer(a, Q1)
        sid = a.start_session("tutor", {}, ["asps"])
        a.finish_session(sid, {"percent": 100})
        a.export_json(tmp_path / "home.json")
    with Store.open(laptop, clock=clock) as b:
        counts = b.import_json(tmp_path / "home.json")
        assert counts.attempts_added == 1 and counts.sessions_added == 1
        clock.advance(days=2)
        mine = answer(b, Q2, correct=False)
        b.set_flagged(Q1)
        again = b.import_json(tmp_path / "home.json")
        assert again.attempts_added == 0 and again.attempts_skipped == 1
        assert again.sessions_added == 0
        b.export_json(tmp_path / "laptop.json")
    with Store.open(home, clock=clock) as a:
        counts = a.import_json(tmp_path / "laptop.json")
        assert counts.attempts_added == 1 and counts.attempts_skipped == 1
        assert sorted(attempt_ids(a)) == sorted([shared.id, mine.id])
        assert a.is_flagged(Q1)  # changed later on the laptop: the laptop's state wins
        assert a.wrong_last_time([Q1, Q2]) == [Q2]
        assert len(a.sessions()) == 1
    with Store.open(home) as a:  # the merge was saved
        assert a.attempt_count == 2


def test_import_respects_undo_on_either_side(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a") as a:
        x = answer(a, Q1)
        answer(a, Q2)
        a.export_json(tmp_path / "before.json")
        a.undo_last(Q1)
        a.export_json(tmp_path / "after.json")
    with Store.open(tmp_path / "b") as b:
        b.import_json(tmp_path / "before.json")
        assert b.attempt_count == 2
        # removing an answer recorded here happens only when confirmed
        with pytest.raises(ImportNotConfirmedError, match=r"1 answer.* REMOVED"):
            b.import_json(tmp_path / "after.json")
        assert b.attempt_count == 2
        counts = b.import_json(tmp_path / "after.json", confirm=lambda plan: True)
        assert counts.attempts_undone == 1
        assert x.id not in attempt_ids(b)
    with Store.open(tmp_path / "a") as a:
        a.import_json(tmp_path / "before.json")  # does not bring back the undone attempt
        assert x.id not in attempt_ids(a) and a.attempt_count == 1


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[]", b'{"format": 99}', b'{"format": 1, "attempts": [{"id": 1}]}'],
)
def test_import_refuses_bad_files(store: Store, tmp_path: Path, content: bytes) -> None:
    answer(store)
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(StoreFormatError, match=r"bad\.json"):
        store.import_json(bad)
    assert store.attempt_count == 1
    with pytest.raises(StoreFormatError, match="cannot read"):
        store.import_json(tmp_path / "missing.json")


def test_export_is_the_documented_format(store: Store, tmp_path: Path) -> None:
    answer(store, Q1)
    store.set_flagged(Q2)
    store.export_json(tmp_path / "x.json")
    doc = json.loads((tmp_path / "x.json").read_text("utf-8"))
    assert doc["format"] == 1 and doc["exported"] is True
    assert set(doc) >= {"format", "seq", "attempts", "sessions", "items", "undone"}
    item = doc["items"]["asps::q1"]
    assert set(item) == {"fsrs", "flagged", "last_correct", "last_seen", "updated", "undo"}
    assert set(item["fsrs"]) == {
        "card_id", "state", "step", "stability", "difficulty", "due", "last_review",
    }  # fmt: skip
    assert doc["items"]["asps::q2"]["flagged"] is True


# --------------------------------------------------------------------------------------------
# Journal, compaction, crash windows


def test_compaction_keeps_journal_small_and_loses_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    with Store.open(folder, compact_min_bytes=2_000) as s:
        ids = [answer(s, StudyUnit("d", f"q{i % 9}")).id for i in range(60)]
        assert (folder / "journal.jsonl").stat().st_size < 4_000
        assert (folder / "progress.json").exists()
        image = crash_image(folder, tmp_path / "image")
    with Store.open(image) as s:
        assert attempt_ids(s) == ids and s.warnings == []
    with Store.open(folder) as s:
        assert attempt_ids(s) == ids


def test_crash_between_snapshot_and_journal_reset(tmp_path: Path, store: Store) -> None:
    folder = store.folder
    ids = [answer(store, StudyUnit("d", f"q{i}")).id for i in range(5)]
    journal = (folder / "journal.jsonl").read_bytes()
    store.close()  # compaction: the snapshot now has all 5, the journal is empty
    assert (folder / "journal.jsonl").read_bytes() == b""
    (folder / "journal.jsonl").write_bytes(journal)  # as if the reset never reached the disk
    with Store.open(folder) as s:
        assert attempt_ids(s) == ids  # old records are skipped by seq, not duplicated
        assert s.warnings == []
        more = answer(s, Q1)
    with Store.open(folder) as s:
        assert attempt_ids(s) == [*ids, more.id]


def test_torn_last_line_is_ignored_and_cut(store: Store, tmp_path: Path) -> None:
    ids = [answer(store, StudyUnit("d", f"q{i}")).id for i in range(3)]
    image = crash_image(store.folder, tmp_path / "image")
    with (image / "journal.jsonl").open("ab") as fh:
        fh.write(b'{"seq":99,"op":"attempt","attempt":{"id":"dead')
    with Store.open(image) as s:
        assert attempt_ids(s) == ids and s.warnings == []
        assert (image / "journal.jsonl").read_bytes().endswith(b"}\n")
        extra = answer(s, Q2)
        image2 = crash_image(image, tmp_path / "image2")
    with Store.open(image2) as s:
        assert attempt_ids(s) == [*ids, extra.id] and s.warnings == []


def test_damaged_middle_of_journal_is_reported_and_kept(store: Store, tmp_path: Path) -> None:
    ids = [answer(store, StudyUnit("d", f"q{i}")).id for i in range(4)]
    image = crash_image(store.folder, tmp_path / "image")
    lines = (image / "journal.jsonl").read_bytes().splitlines(keepends=True)
    lines[1] = b"\x00\x00garbage\n"
    (image / "journal.jsonl").write_bytes(b"".join(lines))
    with Store.open(image) as s:
        assert attempt_ids(s) == [ids[0], ids[2], ids[3]]
        assert len(s.warnings) == 1 and "damaged" in s.warnings[0]
        assert "line 2" in s.warnings[0]
        kept = list(image.glob("journal.corrupt-*.jsonl"))
        assert len(kept) == 1 and kept[0].read_bytes() == b"".join(lines)
    with Store.open(image) as s:  # repaired: no more warnings
        assert s.warnings == [] and s.attempt_count == 3


@st.composite
def _ops(draw: st.DrawFn) -> list[tuple[str, int]]:
    return draw(
        st.lists(
            st.tuples(st.sampled_from(["attempt", "attempt", "flag", "undo", "pending"]),
                      st.integers(0, 3)),
            min_size=1,
            max_size=12,
        )
    )


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops(), cut=st.floats(0, 1))
def test_any_journal_truncation_loads_a_prefix(ops: list[tuple[str, int]], cut: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        # expected state after each journal record: (bytes so far, attempt ids, flags)
        history: list[tuple[int, list[str], set[str], Any]] = [(0, [], set(), None)]
        with Store.open(folder) as s:
            for op, n in ops:
                unit = StudyUnit("d", f"q{n}")
                if op == "attempt":
                    answer(s, unit, correct=n % 2 == 0)
                elif op == "flag":
                    s.set_flagged(unit, not s.is_flagged(unit))
                elif op == "undo":
                    s.undo_last(unit)
                else:
                    s.save_pending({"n": n})
                journal = folder / "journal.jsonl"
                size = journal.stat().st_size if journal.exists() else 0
                flags = {u.key for u in s.flagged([StudyUnit("d", f"q{i}") for i in range(4)])}
                if size != history[-1][0]:
                    history.append((size, attempt_ids(s), flags, s.pending()))
            image = crash_image(folder, Path(tmp) / "image")
        path = image / "journal.jsonl"
        data = path.read_bytes() if path.exists() else b""
        offset = int(len(data) * cut)
        path.write_bytes(data[:offset])
        # a record whose line is complete but for its newline still counts
        expected = max((h for h in history if h[0] - 1 <= offset), key=lambda h: h[0])
        with Store.open(image) as s:
            assert s.warnings == []
            assert attempt_ids(s) == expected[1]
            assert {u.key for u in s.flagged([StudyUnit("d", f"q{i}") for i in range(4)])} == (
                expected[2]
            )
            assert s.pending() == expected[3]
            answer(s, StudyUnit("d", "after"))
        with Store.open(image) as s:
            assert s.warnings == [] and s.attempt_count == len(expected[1]) + 1


_json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
                                                                   allow_infinity=False) | st.text()
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=8,
)
_ident = st.text(min_size=1, max_size=12)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {
                "unit": st.builds(StudyUnit, _ident, _ident, st.sampled_from(["", "reverse"])
                                  | st.text(max_size=8)),
                "answer": _json,
                "correct": st.booleans(),
                "mode": st.sampled_from(["flashcards", "tutor", "exam"]),
                "confidence": st.sampled_from([None, 1, 2, 3]),
                "time_ms": st.integers(0, 10**9),
                "seconds": st.integers(0, 10**8),
            }
        ),
        max_size=8,
    )
)
def test_random_attempts_round_trip(records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        with Store.open(folder) as s:
            made = [
                s.record_attempt(
                    r["unit"], answer=r["answer"], correct=r["correct"], mode=r["mode"],
                    confidence=r["confidence"], time_ms=r["time_ms"],
                    at=T0 + timedelta(seconds=r["seconds"]),
                )
                for r in records
            ]
            image = crash_image(folder, Path(tmp) / "image")  # journal only
        for where in (folder, image):  # compacted snapshot, and journal replay
            with Store.open(where) as s:
                assert s.warnings == []
                assert list(s.attempts()) == made


# --------------------------------------------------------------------------------------------
# Damaged, empty, wrong-type and newer-format snapshots


def _write_snapshot(folder: Path, content: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "progress.json").write_bytes(content)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'{"format": 1, "attempts": [{"id": "x"', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"[1, 2, 3]", "JSON object"),
        (b'"progress"', "JSON object"),
        (b'{"attempts": []}', "format"),
        (b'{"format": "1"}', "format"),
        (b'{"format": 0}', "format 0"),
        (b'{"format": 1, "attempts": {}}', "attempts"),
        (b'{"format": 1, "attempts": [{"id": "a"}]}', "attempts[0]"),
        (b'{"format": 1, "items": {"d::q": {"fsrs": {"due": 3}}}}', "items"),
    ],
)
def test_damaged_snapshot_is_set_aside(folder: Path, clock: Clock, content: bytes,
                                       reason: str) -> None:
    _write_snapshot(folder, content)
    with Store.open(folder, clock=clock) as s:
        assert s.persistent
        assert s.attempt_count == 0
        assert len(s.warnings) == 1
        warning = s.warnings[0]
        assert "damaged" in warning and reason in warning
        assert "progress.corrupt-20250301T090000.json" in warning
        assert "empty progress" in warning
        assert (folder / "progress.corrupt-20250301T090000.json").read_bytes() == content
        answer(s)
    with Store.open(folder, clock=clock) as s:
        assert s.warnings == [] and s.attempt_count == 1
    assert len(list(folder.glob("progress.corrupt-*"))) == 1


def test_newer_format_is_kept_and_reported(folder: Path, clock: Clock) -> None:
    content = b'{"format": 2, "attempts": [], "something": "new"}'
    _write_snapshot(folder, content)
    with Store.open(folder, clock=clock) as s:
        (warning,) = s.warnings
        assert "newer quizapp" in warning and "format 2" in warning
        assert "Update quizapp" in warning
        assert (folder / "progress.newer-20250301T090000.json").read_bytes() == content


def test_damaged_snapshot_restores_latest_backup(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        first = answer(s, Q1)
    clock.advance(days=1)
    with Store.open(folder, clock=clock) as s:  # backs up yesterday's snapshot today
        second = answer(s, Q2)
    assert (folder / "backups" / "progress-2025-03-02.json").exists()
    clock.advance(days=1)
    with Store.open(folder, clock=clock) as s:  # backup of the 3rd has both attempts
        third = answer(s, CASE_Q)
        image_journal = (folder / "journal.jsonl").read_bytes()
    (folder / "progress.json").write_bytes(b'{"format": 1, "attempts": [')
    # a journal written after the last snapshot is still replayed on top of the backup
    (folder / "journal.jsonl").write_bytes(image_journal)
    with Store.open(folder, clock=clock) as s:
        (warning,) = s.warnings
        assert "progress-2025-03-03.json" in warning
        assert attempt_ids(s) == [first.id, second.id, third.id]


def test_broken_backups_are_skipped(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        first = answer(s, Q1)
    clock.advance(days=1)
    Store.open(folder, clock=clock).close()
    (folder / "backups" / "progress-2025-03-09.json").write_text("{broken")
    _write_snapshot(folder, b"")
    with Store.open(folder, clock=clock) as s:
        assert "progress-2025-03-02.json" in s.warnings[0]
        assert attempt_ids(s) == [first.id]


def test_migration_path(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(folder) as s:
        kept = answer(s, Q1)
    old = (folder / "progress.json").read_bytes()

    def one_to_two(doc: dict[str, Any]) -> dict[str, Any]:
        doc = dict(doc)
        doc["format"] = 2
        return doc

    monkeypatch.setattr(format1, "FORMAT", 2)
    monkeypatch.setattr(store1, "FORMAT", 2)
    monkeypatch.setitem(format1._MIGRATIONS, 1, one_to_two)
    with Store.open(folder) as s:
        (note,) = s.warnings
        assert "upgraded from store format 1 to 2" in note
        assert attempt_ids(s) == [kept.id]
    assert (folder / "progress.format-1.json").read_bytes() == old
    assert json.loads((folder / "progress.json").read_bytes())["format"] == 2


# --------------------------------------------------------------------------------------------
# Backups


def test_backups_one_a_day_keep_seven(folder: Path, clock: Clock) -> None:
    for day in range(10):
        for _ in range(2):  # two runs a day make one backup
            with Store.open(folder, clock=clock) as s:
                answer(s, StudyUnit("d", f"q{day}"))
            clock.advance(hours=1)
        clock.advance(days=1, hours=-2)
    names = sorted(p.name for p in (folder / "backups").iterdir())
    assert names == [f"progress-2025-03-{d:02d}.json" for d in range(4, 11)]
    # each backup is a loadable snapshot of the day it was made
    latest = json.loads((folder / "backups" / names[-1]).read_bytes())
    assert len(latest["attempts"]) == 18


# --------------------------------------------------------------------------------------------
# The lock


def test_second_store_in_same_folder_is_refused(store: Store, folder: Path) -> None:
    with pytest.raises(StoreLockedError) as info:
        Store.open(folder)
    msg = str(info.value)
    assert f"process {os.getpid()}" in msg and socket.gethostname() in msg
    assert not info.value.other_host
    assert info.value.owner.pid == os.getpid()


def test_lock_held_by_another_running_process(folder: Path) -> None:
    code = (
        "import sys; from quizapp.core.store import Store\n"
        "s = Store.open(sys.argv[1]); print('ready', flush=True); sys.stdin.read(); s.close()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            assert proc.stdout.readline().strip() == "ready"
            with pytest.raises(StoreLockedError, match=f"process {proc.pid} on computer"):
                Store.open(folder)
            with Store.open(folder, read_only=True) as ro:  # `quizapp stats` still works
                assert not ro.persistent
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)
    with Store.open(folder) as s:
        assert s.persistent


def test_stale_lock_of_dead_process_is_taken_over(folder: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder.mkdir()
    note = {"pid": dead.pid, "host": socket.gethostname(), "started": "2025-01-01T00:00:00Z"}
    (folder / "quizapp.lock").write_text(json.dumps(note))
    with Store.open(folder) as s:
        assert s.persistent and s.warnings == []
        owner = json.loads((folder / "quizapp.lock").read_text())
        assert owner["pid"] == os.getpid()


def test_lock_from_another_computer_needs_confirmation(folder: Path) -> None:
    folder.mkdir()
    note = {"pid": 4242, "host": "ward-pc-7", "started": "2025-01-01T00:00:00Z"}
    (folder / "quizapp.lock").write_text(json.dumps(note))
    with pytest.raises(StoreLockedError) as info:
        Store.open(folder)
    assert info.value.other_host and "ward-pc-7" in str(info.value)
    assert "take over" in str(info.value)
    with Store.open(folder, break_lock=True) as s:
        assert s.persistent


def test_read_only_open_never_writes(store: Store, folder: Path) -> None:
    answer(store)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with Store.open(folder, read_only=True) as ro:
        assert ro.attempt_count == 1 and ro.read_only and not ro.persistent
        assert ro.warnings == []
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before


def test_read_only_open_of_damaged_store_changes_nothing(folder: Path) -> None:
    _write_snapshot(folder, b"{{{")
    with Store.open(folder, read_only=True) as ro:
        assert "damaged" in ro.warnings[0]
    assert [p.name for p in folder.iterdir()] == ["progress.json"]


# --------------------------------------------------------------------------------------------
# Unwritable folder, full disk


def _raise(err: int) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(err, os.strerror(err))

    return fail


def test_disk_full_switches_to_memory_and_recovers(
    store: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    store.on_warning = seen.append
    saved = answer(store, Q1)
    monkeypatch.setattr(store1, "write_all", _raise(errno.ENOSPC))
    unsaved = answer(store, Q2)  # does not raise
    assert not store.persistent
    assert store.last_error is not None and store.last_error.errno == errno.ENOSPC
    (warning,) = store.warnings
    assert "NOT being saved" in warning and "disk is full" in warning and seen == [warning]
    more = answer(store, CASE_Q)  # keeps working in memory
    assert attempt_ids(store) == [saved.id, unsaved.id, more.id]
    monkeypatch.setattr(store1, "atomic_write", _raise(errno.ENOSPC))
    assert store.retry_persist() is False
    monkeypatch.undo()
    assert store.retry_persist() is True
    assert store.persistent and "saved again" in store.warnings[-1]
    store.close()
    with Store.open(folder) as s:
        assert attempt_ids(s) == [saved.id, unsaved.id, more.id]


def test_failed_compaction_on_close_keeps_the_journal(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store.open(folder)
    ids = [answer(s, StudyUnit("d", f"q{i}")).id for i in range(3)]
    monkeypatch.setattr(store1, "atomic_write", _raise(errno.ENOSPC))
    s.close()  # no exception
    assert "disk is full" in s.warnings[-1]
    monkeypatch.undo()
    with Store.open(folder) as s2:
        assert attempt_ids(s2) == ids


def test_unwritable_folder_loads_and_runs_in_memory(
    store: Store, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = answer(store)
    store.close()
    monkeypatch.setattr(lock.FolderLock, "acquire", _raise(errno.EROFS))
    with Store.open(folder) as s:
        assert not s.persistent
        (warning,) = s.warnings
        assert "NOT being saved" in warning and "read-only" in warning
        assert attempt_ids(s) == [kept.id]
        answer(s, Q2)
        monkeypatch.undo()
        # it never held the lock, so it must not write over what others may have saved
        assert s.retry_persist() is False
    with Store.open(folder, read_only=True) as s:
        assert attempt_ids(s) == [kept.id]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root ignores permissions")
def test_real_read_only_folder(folder: Path) -> None:  # pragma: no cover - not run as root
    with Store.open(folder) as s:
        answer(s)
    folder.chmod(0o555)
    try:
        with Store.open(folder) as s:
            assert not s.persistent and s.attempt_count == 1
            answer(s, Q2)
    finally:
        folder.chmod(0o755)


def test_stale_temp_files_are_removed(folder: Path) -> None:
    folder.mkdir()
    (folder / ".progress.json.tmp-99999").write_bytes(b"half a snap")
    with Store.open(folder):
        pass
    assert not (folder / ".progress.json.tmp-99999").exists()


def test_unit_key_helper_matches_model() -> None:
    for unit in (Q1, CARD_REV, CASE_Q):
        assert unit_key(unit.deck_id, unit.item_id, unit.part) == unit.key


def test_damaged_snapshot_is_recovered_from_the_one_before_the_last_compaction(
        folder: Path, clock: Clock) -> None:
    s = Store.open(folder, clock=clock)
    first = answer(s).id
    s.close()  # compaction 1: the snapshot holds `first`
    s = Store.open(folder, clock=clock)
    second = answer(s).id
    s.close()  # compaction 2: progress.previous.json holds `first`, the snapshot both
    shutil.rmtree(folder / "backups")  # so only the previous snapshot can help
    assert (folder / "progress.previous.json").is_file()
    snap = folder / "progress.json"
    snap.write_bytes(snap.read_bytes()[:200])  # damaged later (disk error, bad sync, ...)
    s = Store.open(folder, clock=clock)
    assert first in attempt_ids(s) and second not in attempt_ids(s)
    assert any("Restored your progress" in w for w in s.warnings)
    s.close()
    # the damaged file is never kept as "previous"
    s = Store.open(folder, clock=clock)
    assert first in attempt_ids(s)
    s.close()
