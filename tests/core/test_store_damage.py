"""The score store against hostile or damaged data folders (issue 12, red-team findings).

Links and special files planted in the data folder, the lock file deleted while quizapp
runs, a missing snapshot, journal records out of order or numbered below a corrupted
snapshot ``seq``, files nested too deeply to parse, impossible values, and imports that
would remove answers. Every case: the store opens, keeps every record it can read, keeps
damaged files aside byte-identical, and tells the user.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import store as store_mod
from quizapp.core.model import StudyUnit
from quizapp.core.progress import format1, lock, store1, validate1
from quizapp.core.store import (
    Attempt,
    ImportNotConfirmedError,
    ImportPlan,
    Store,
    StoreFormatError,
    StoreLockedError,
)
from tests.helpers import examples

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
posix_only = pytest.mark.skipif(os.name == "nt", reason="symbolic links and FIFOs: POSIX")


class Clock:
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


def answer(s: Store, n: int = 0, correct: bool = True) -> Attempt:
    return s.record_attempt(
        StudyUnit("asps", f"q{n}"), answer=["A"], correct=correct, mode="tutor", time_ms=10
    )


def document(**values: Any) -> dict[str, Any]:
    """A snapshot as quizapp writes it (every key), with ``values`` in place of the empty ones."""
    return {"format": 1, "seq": 0, "attempts": [], "sessions": {}, "items": {}, "undone": [],
            "pending_session": None, **values}


def ids(s: Store) -> set[str]:
    return {a.id for a in s.attempts()}


def crash_image(src: Path, dst: Path) -> Path:
    """What a kill would leave on disk now (without the lock file)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(store_mod.LOCK_NAME))
    return dst


def asides(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


# --------------------------------------------------------------------------------------------
# Critical 2: never follow a link (nor open a FIFO or device) for a file the store uses


@posix_only
@pytest.mark.parametrize("name", ["journal.jsonl", "quizapp.lock", "progress.json",
                                  "progress.previous.json"])
def test_a_planted_link_never_touches_its_target(folder: Path, tmp_path: Path, clock: Clock,
                                                 name: str) -> None:
    with Store.open(folder, clock=clock) as s:
        answer(s)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n" * 100)
    target = folder / name
    if target.exists():
        target.unlink()
    target.symlink_to(victim)
    with Store.open(folder, clock=clock) as s:
        answer(s, 1)
        assert not s.persistent
        assert any("symbolic link" in w and name in w for w in s.warnings), s.warnings
    assert victim.read_bytes() == b"precious\n" * 100
    assert target.is_symlink()


@posix_only
def test_a_link_planted_under_a_temp_name_is_not_written_through(
        folder: Path, tmp_path: Path, clock: Clock) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    with Store.open(folder, clock=clock) as s:
        answer(s)
        (folder / f".progress.json.tmp-{os.getpid()}").symlink_to(victim)
    assert victim.read_bytes() == b"precious"
    with Store.open(folder, clock=clock) as s:
        assert s.attempt_count == 1 and s.warnings == []


@posix_only
def test_a_linked_backup_folder_is_not_written(folder: Path, tmp_path: Path,
                                               clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        answer(s)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(folder / "backups", ignore_errors=True)
    (folder / "backups").symlink_to(elsewhere)
    clock.advance(days=1)
    with Store.open(folder, clock=clock) as s:
        assert any("backups" in w and "symbolic link" in w for w in s.warnings)
    assert list(elsewhere.iterdir()) == []


@posix_only
@pytest.mark.parametrize("name", ["progress.json", "journal.jsonl"])
def test_a_fifo_or_a_device_in_the_folder_is_refused_not_read(folder: Path, clock: Clock,
                                                              name: str) -> None:
    folder.mkdir()
    os.mkfifo(folder / name)  # reading it would block forever
    with Store.open(folder, clock=clock, read_only=True) as s:
        assert any("named pipe" in w for w in s.warnings), s.warnings
    (folder / name).unlink()
    (folder / name).symlink_to("/dev/zero")  # reading it would fill memory
    with Store.open(folder, clock=clock) as s:
        assert not s.persistent
        assert any("symbolic link" in w for w in s.warnings)


@pytest.mark.parametrize(("name", "compacted", "journaled"),
                         [("progress.json", 8, 1), ("journal.jsonl", 1, 8)])
def test_a_file_too_large_is_not_read_and_never_written_over(
        folder: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, name: str, compacted: int,
        journaled: int) -> None:
    early, late, image = _store_with_journal(folder, clock, compacted, journaled)
    before = (image / name).read_bytes()
    other = "journal.jsonl" if name == "progress.json" else "progress.json"
    assert len((image / other).read_bytes()) < len(before)
    monkeypatch.setattr(format1, "MAX_FILE_BYTES", len(before) - 1)
    with Store.open(image, clock=clock) as s:
        assert not s.persistent
        (warning,) = s.warnings
        assert "larger than" in warning and name in warning and "NOT being saved" in warning
        answer(s, 5)
    with Store.open(image, clock=clock, read_only=True) as s:
        assert any("larger than" in w for w in s.warnings)
    assert (image / name).read_bytes() == before
    monkeypatch.setattr(format1, "MAX_FILE_BYTES", 1 << 30)
    with Store.open(image, clock=clock) as s:
        assert ids(s) == early | late


# --------------------------------------------------------------------------------------------
# Critical 3: deleting quizapp.lock must not let a second quizapp in


@posix_only
def test_deleting_the_lock_file_does_not_let_a_second_store_in(folder: Path,
                                                               clock: Clock) -> None:
    with Store.open(folder, clock=clock) as first:
        before = answer(first)
        (folder / "quizapp.lock").unlink()
        with pytest.raises(StoreLockedError):
            Store.open(folder, clock=clock)
        after = answer(first, 1)  # puts the note back
        assert (folder / "quizapp.lock").is_file()
        assert json.loads((folder / "quizapp.lock").read_bytes())["pid"] == os.getpid()
        with pytest.raises(StoreLockedError, match=f"process {os.getpid()}"):
            Store.open(folder, clock=clock)
        assert first.persistent
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == {before.id, after.id}


def test_without_a_folder_lock_a_deleted_lock_file_stops_writing(
        folder: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    # File systems where a folder cannot be locked: the lock file's identity is re-checked
    # before every write; once it is gone, this store never writes again (no interleaving).
    monkeypatch.setattr(lock, "_try_lock_folder", lambda folder: None)
    first = Store.open(folder, clock=clock)
    kept = answer(first)
    (folder / "quizapp.lock").unlink()
    with Store.open(folder, clock=clock) as second:
        theirs = answer(second, 1)
        late = answer(first, 2)
        assert not first.persistent
        assert any("lock file" in w and "deleted" in w for w in first.warnings)
        assert not first.retry_persist()
    first.close()
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == {kept.id, theirs.id}
        assert late.id not in ids(s)  # in memory only, and the user was told


@posix_only
@pytest.mark.parametrize("replacement", ["deleted", "link"])
def test_a_journal_deleted_or_replaced_while_running_loses_nothing(
        folder: Path, tmp_path: Path, clock: Clock, replacement: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    s = Store.open(folder, clock=clock)
    before = {answer(s, n).id for n in range(3)}
    (folder / "journal.jsonl").unlink()
    if replacement == "link":
        (folder / "journal.jsonl").symlink_to(victim)
    after = answer(s, 9)
    assert any("deleted or replaced" in w for w in s.warnings)
    image = crash_image(folder, tmp_path / "image")  # a kill now
    s.close()
    assert victim.read_bytes() == b"precious"
    if replacement == "link":
        (image / "journal.jsonl").unlink()
    with Store.open(image, clock=clock) as again:
        assert before <= ids(again)
        if replacement == "deleted":
            assert after.id in ids(again)


def _journal_line(seq: int, attempt_id: str, n: int) -> bytes:
    rec = {"seq": seq, "op": "attempt", "fsrs": None, "attempt": {
        "id": attempt_id, "deck_id": "asps", "item_id": f"q{n}", "part": "", "answer": ["A"],
        "correct": True, "marks": 1.0, "confidence": None, "mode": "tutor", "time_ms": 5,
        "timestamp": "2025-03-01T09:00:00.000Z", "session_id": None, "rating": None}}
    return json.dumps(rec).encode() + b"\n"


def test_two_writers_interleaved_in_one_journal_lose_nothing(folder: Path,
                                                             clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        answer(s)
    lines = []
    for i in range(1, 6):  # two writers both numbering from the same snapshot
        lines.append(_journal_line(1 + i, f"a{i:031d}", i))
        lines.append(_journal_line(1 + i, f"b{i:031d}", i))
    raw = b"".join(lines)
    (folder / "journal.jsonl").write_bytes(raw)
    with Store.open(folder, clock=clock) as s:
        assert s.attempt_count == 11
        (warning,) = s.warnings
        assert "damaged" in warning and "record 2 where 3 was expected" in warning
        (aside,) = asides(folder, "journal.corrupt-*.jsonl")
        assert aside.read_bytes() == raw
    with Store.open(folder, clock=clock) as s:
        assert s.attempt_count == 11 and s.warnings == []


# --------------------------------------------------------------------------------------------
# Critical 4: a missing snapshot beside backups is damage


def test_missing_snapshot_is_recovered_from_backup_and_journal(folder: Path, tmp_path: Path,
                                                               clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        first = {answer(s, n).id for n in range(40)}
    clock.advance(days=1)
    with Store.open(folder, clock=clock) as s:  # today's backup holds the 40
        later = {answer(s, n).id for n in range(10)}
        image = crash_image(folder, tmp_path / "image")
    (image / "progress.json").unlink()
    seen: list[str] = []
    with Store.open(image, clock=clock, on_warning=seen.append) as s:
        assert ids(s) == first | later
        (warning,) = seen
        assert "progress.json is missing" in warning and "progress-2025-03-02.json" in warning
    for _ in range(8):  # a week of backups later, nothing is gone
        clock.advance(days=1)
        Store.open(image, clock=clock).close()
    with Store.open(image, clock=clock) as s:
        assert ids(s) == first | later


def test_rotation_keeps_a_backup_holding_answers_the_store_lacks(folder: Path,
                                                                 clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        only_there = {answer(s, n).id for n in range(5)}
    old = (folder / "progress.json").read_bytes()
    shutil.rmtree(folder)
    (folder / "backups").mkdir(parents=True)
    (folder / "backups" / "progress-2025-02-01.json").write_bytes(old)
    # a live snapshot that (wrongly) lacks them: e.g. written by an older quizapp
    (folder / "progress.json").write_text(json.dumps(document()))
    warnings: list[str] = []
    for _ in range(9):
        with Store.open(folder, clock=clock, on_warning=warnings.append) as s:
            answer(s, 99)
        clock.advance(days=1)
    assert (folder / "backups" / "progress-2025-02-01.json").read_bytes() == old
    assert any("progress-2025-02-01.json was kept" in w and "5 answer(s)" in w
               for w in warnings)
    assert len(list((folder / "backups").iterdir())) == 8
    with Store.open(folder, clock=clock) as s:
        assert not only_there & ids(s)


# --------------------------------------------------------------------------------------------
# Critical 5: journal records are never skipped silently


def _store_with_journal(folder: Path, clock: Clock, compacted: int, journaled: int
                        ) -> tuple[set[str], set[str], Path]:
    with Store.open(folder, clock=clock) as s:
        early = {answer(s, n).id for n in range(compacted)}
    s = Store.open(folder, clock=clock)
    late = {answer(s, n).id for n in range(journaled)}
    image = crash_image(folder, folder.parent / "image")
    s.close()
    return early, late, image


@pytest.mark.parametrize("new_seq", [1040, 50])
def test_snapshot_seq_corrupted_upward_loses_nothing(folder: Path, clock: Clock,
                                                     new_seq: int) -> None:
    early, late, image = _store_with_journal(folder, clock, 40, 10)
    snap = image / "progress.json"
    snap.write_bytes(snap.read_bytes().replace(b'"seq": 40,', f'"seq": {new_seq},'.encode()))
    journal = (image / "journal.jsonl").read_bytes()
    with Store.open(image, clock=clock) as s:
        assert ids(s) == early | late
        (warning,) = s.warnings
        assert "10 record(s) numbered at or below the snapshot's" in warning
        (aside,) = asides(image, "journal.corrupt-*.jsonl")
        assert aside.read_bytes() == journal
    with Store.open(image, clock=clock) as s:
        assert ids(s) == early | late and s.warnings == []


def test_journal_lines_out_of_order_lose_nothing(folder: Path, clock: Clock) -> None:
    early, late, image = _store_with_journal(folder, clock, 5, 5)
    lines = (image / "journal.jsonl").read_bytes().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    (image / "journal.jsonl").write_bytes(b"".join(lines))
    with Store.open(image, clock=clock) as s:
        assert ids(s) == early | late
        assert "out" in s.warnings[0] or "expected" in s.warnings[0]


def test_a_complete_last_line_with_a_bad_byte_is_damage_not_a_torn_write(
        folder: Path, clock: Clock) -> None:
    early, late, image = _store_with_journal(folder, clock, 3, 3)
    raw = bytearray((image / "journal.jsonl").read_bytes())
    raw[-20] = 0xFF  # inside the last, newline-terminated line
    (image / "journal.jsonl").write_bytes(bytes(raw))
    with Store.open(image, clock=clock) as s:
        assert len(ids(s) & late) == 2 and early <= ids(s)
        (warning,) = s.warnings
        assert "line 3" in warning and "damaged" in warning
        (aside,) = asides(image, "journal.corrupt-*.jsonl")
        assert aside.read_bytes() == bytes(raw)


def test_an_unterminated_last_line_is_a_torn_write_and_silent(folder: Path,
                                                              clock: Clock) -> None:
    _early, late, image = _store_with_journal(folder, clock, 3, 3)
    raw = (image / "journal.jsonl").read_bytes()
    (image / "journal.jsonl").write_bytes(raw[:-15])
    with Store.open(image, clock=clock) as s:
        assert len(ids(s) & late) == 2 and s.warnings == []
        assert asides(image, "journal.corrupt-*") == []


# --------------------------------------------------------------------------------------------
# High 2: bounded parsing of every store file

DEEP = b"[" * 100_000 + b"]" * 100_000
LONG_INT = b"1" * 5000


@pytest.mark.parametrize("bad", [DEEP, b'{"format": 1, "seq": ' + LONG_INT + b"}",
                                 b'{"format": 1, "seq": NaN}'])
def test_snapshot_too_deep_or_with_huge_numbers_is_set_aside(folder: Path, clock: Clock,
                                                             bad: bytes) -> None:
    with Store.open(folder, clock=clock) as s:
        kept = answer(s)
    clock.advance(days=1)
    Store.open(folder, clock=clock).close()  # a backup
    (folder / "progress.json").write_bytes(bad)
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == {kept.id}
        (warning,) = s.warnings
        assert "damaged" in warning
        (aside,) = asides(folder, "progress.corrupt-*.json")
        assert aside.read_bytes() == bad


def test_journal_line_too_deep_or_too_long_a_number_is_reported(folder: Path,
                                                                clock: Clock) -> None:
    early, late, image = _store_with_journal(folder, clock, 2, 2)
    raw = (image / "journal.jsonl").read_bytes()
    bad = raw + DEEP + b"\n" + b'{"seq": ' + LONG_INT + b"}\n" + _journal_line(5, "c" * 32, 7)
    (image / "journal.jsonl").write_bytes(bad)
    with Store.open(image, clock=clock) as s:
        assert early | late | {"c" * 32} == ids(s)
        (warning,) = s.warnings
        assert "nested too deeply" in warning and "line 4" in warning


def test_lock_note_too_deep_is_ignored(folder: Path, clock: Clock) -> None:
    folder.mkdir()
    (folder / "quizapp.lock").write_bytes(DEEP)
    with Store.open(folder, clock=clock) as s:
        assert s.persistent


def test_stats_command_on_a_deep_snapshot_prints_a_message(folder: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    from quizapp.cli import main

    folder.mkdir()
    (folder / "progress.json").write_bytes(DEEP)
    code = main(["stats", "--data-dir", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err
    assert "warning:" in out and "nested too deeply" in out


def test_stats_command_on_a_path_too_long_for_the_file_system(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from quizapp.cli import main

    code = main(["stats", "--data-dir", str(tmp_path / ("x" * 300))])
    _out, err = capsys.readouterr()
    assert code != 0
    assert "cannot read the data folder" in err and "Traceback" not in err


def test_stats_command_on_an_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from quizapp import cli

    data = tmp_path / "data"
    data.mkdir()
    real = os.listdir

    def refuse(path: Any = ".") -> list[str]:  # root ignores permissions: simulate them
        if Path(path) == data:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(cli.os, "listdir", refuse)
    code = cli.main(["stats", "--data-dir", str(data)])
    _out, err = capsys.readouterr()
    assert code != 0 and "Permission denied" in err and "Traceback" not in err


@pytest.mark.parametrize(("where", "old"), [
    ("an attempt", b'"rating": 3}'),
    ("an undo entry", b'"last_seen": null}]}'),
])
def test_deeply_nested_values_anywhere_in_the_snapshot_are_damage(folder: Path, clock: Clock,
                                                                  where: str, old: bytes) -> None:
    with Store.open(folder, clock=clock) as s:
        kept = {answer(s, n).id for n in range(3)}
    deep = b"[" * 900 + b"]" * 900
    new = old[:-1] + b', "x": ' + deep + old[-1:] if where == "an attempt" else (
        b'"last_seen": null, "x": ' + deep + b"}]}")
    _edit_snapshot(folder / "progress.json", old, new)
    with Store.open(folder, clock=clock) as s:
        assert "nested more than 64 levels" in s.warnings[0]
        assert len(ids(s) & kept) >= 2
        answer(s, 9)
    with Store.open(folder, clock=clock) as s:  # compaction and reload work
        assert s.warnings == [] and s.attempt_count >= 3


# --------------------------------------------------------------------------------------------
# High 4: values that parse but are impossible


def _edit_snapshot(path: Path, old: bytes, new: bytes) -> None:
    raw = path.read_bytes()
    assert old in raw
    path.write_bytes(raw.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new"), [
    (b'"timestamp": "2025-03', b'"timestamp": "2025-13'),
    (b'"timestamp": "2025-03-01', b'"timestamp": "2025-02-30'),
])
def test_impossible_attempt_values_are_set_aside_and_the_rest_kept(
        folder: Path, clock: Clock, old: bytes, new: bytes) -> None:
    with Store.open(folder, clock=clock) as s:
        bad = answer(s, 0)
        good = {answer(s, n).id for n in range(1, 5)}
    _edit_snapshot(folder / "progress.json", old, new)
    damaged = (folder / "progress.json").read_bytes()
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == good and bad.id not in ids(s)
        assert "4 answer(s) could still be read" in s.warnings[0]
        list(s.attempts())  # what Statistics does: no exception
        (aside,) = asides(folder, "progress.corrupt-*.json")
        assert aside.read_bytes() == damaged


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"1e999", b"-3.0"])
def test_impossible_scheduler_state_is_set_aside_and_answering_works(
        folder: Path, clock: Clock, value: bytes) -> None:
    with Store.open(folder, clock=clock) as s:
        kept = {answer(s, n).id for n in range(3)}
    raw = (folder / "progress.json").read_bytes()
    stability = raw.split(b'"stability": ', 1)[1].split(b",", 1)[0]
    _edit_snapshot(folder / "progress.json", b'"stability": ' + stability,
                   b'"stability": ' + value)
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == kept
        assert "damaged" in s.warnings[0]
        for n in range(3):  # answering every unit again works
            answer(s, n)
            s.state(StudyUnit("asps", f"q{n}"))
    with Store.open(folder, clock=clock) as s:
        assert s.attempt_count == 6


def test_a_damaged_key_name_is_damage_not_an_empty_list(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        kept = {answer(s, n).id for n in range(4)}
    _edit_snapshot(folder / "progress.json", b'"attempts": [', b'"autempts": [')
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == kept
        assert "no 'attempts'" in s.warnings[0]
        assert "4 answer(s) could still be read" in s.warnings[0]


def test_a_card_state_the_scheduler_cannot_review_is_set_aside(folder: Path,
                                                               clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        kept = {answer(s, n).id for n in range(2)}
        clock.advance(days=30)
        answer(s, 0)  # a review: state 2
    raw = (folder / "progress.json").read_bytes()
    card = re.search(rb'"state": 2, "step": null, "stability": [0-9.e+-]+', raw)
    assert card is not None
    _edit_snapshot(folder / "progress.json", card.group(0),
                   b'"state": 2, "step": null, "stability": null')
    with Store.open(folder, clock=clock) as s:
        assert "needs stability and difficulty" in s.warnings[0]
        assert kept <= ids(s)
        answer(s, 0)  # what raised AssertionError inside fsrs and lost the answer


def test_an_answer_is_kept_even_if_the_scheduler_fails(folder: Path, clock: Clock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from quizapp.core.scheduling import Scheduler

    real = Scheduler.review

    def picky(self: Scheduler, card: Any, rating: Any, now: datetime) -> Any:
        if card is not None:
            raise AssertionError
        return real(self, card, rating, now)

    monkeypatch.setattr(Scheduler, "review", picky)
    with Store.open(folder, clock=clock) as s:
        answer(s, 0)
        clock.advance(days=3)
        again = answer(s, 0)
        assert again.id in ids(s) and "starts again from this answer" in s.warnings[0]
        assert s.state(StudyUnit("asps", "q0")).due is not None


def test_negative_session_counts_are_refused(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        sid = s.start_session("tutor", {}, ["asps"])
        with pytest.raises(ValueError, match="correct"):
            s.finish_session(sid, {"correct": -3, "total": 5})


# --------------------------------------------------------------------------------------------
# High 3: import validates everything first, applies atomically, asks before removing


def test_import_with_a_bad_attempt_changes_nothing(folder: Path, tmp_path: Path,
                                                   clock: Clock) -> None:
    with Store.open(tmp_path / "other", clock=clock) as o:
        answer(o, 1)
        answer(o, 2)
        o.export_json(tmp_path / "export.json")
    _edit_snapshot(tmp_path / "export.json", b'"timestamp": "2025-03', b'"timestamp": "2025-13')
    with Store.open(folder, clock=clock) as s:
        mine = {answer(s, n).id for n in range(3)}
        with pytest.raises(StoreFormatError, match=r"export\.json.*timestamp"):
            s.import_json(tmp_path / "export.json")
        assert ids(s) == mine
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == mine
        list(s.attempts())


def test_import_naming_our_answers_as_undone_asks_first(folder: Path, tmp_path: Path,
                                                        clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        mine = {answer(s, n).id for n in range(40)}
    (tmp_path / "hostile.json").write_text(json.dumps(document(undone=sorted(mine))))
    asked: list[ImportPlan] = []
    with Store.open(folder, clock=clock) as s:
        plan = s.plan_import(tmp_path / "hostile.json")
        assert len(plan.attempts_undone) == 40 and plan.needs_confirmation
        assert "40 answer(s) recorded here would be REMOVED" in plan.describe()
        with pytest.raises(ImportNotConfirmedError):
            s.import_json(tmp_path / "hostile.json")
        with pytest.raises(ImportNotConfirmedError):
            s.import_json(tmp_path / "hostile.json",
                          confirm=lambda p: asked.append(p) or False)
        assert len(asked) == 1 and ids(s) == mine
    with Store.open(folder, clock=clock) as s:
        assert ids(s) == mine


def test_import_with_future_updated_items_asks_before_resetting(folder: Path, tmp_path: Path,
                                                                clock: Clock) -> None:
    with Store.open(folder, clock=clock) as s:
        for n in range(5):
            answer(s, n)
        before = [s.state(StudyUnit("asps", f"q{n}")).due for n in range(5)]
    items = {f"asps::q{n}": {"fsrs": None, "flagged": False, "last_correct": None,
                             "last_seen": None, "updated": "9999-12-31T00:00:00.000Z",
                             "undo": []} for n in range(5)}
    (tmp_path / "reset.json").write_text(json.dumps(document(items=items)))
    with Store.open(folder, clock=clock) as s:
        plan = s.plan_import(tmp_path / "reset.json")
        assert len(plan.units_reset) == 5 and plan.attempts_added == 0
        with pytest.raises(ImportNotConfirmedError, match="5 item"):
            s.import_json(tmp_path / "reset.json")
        assert [s.state(StudyUnit("asps", f"q{n}")).due for n in range(5)] == before
        counts = s.import_json(tmp_path / "reset.json", confirm=lambda p: True)
        assert counts.units_reset == 5
        assert s.state(StudyUnit("asps", "q0")).due is None


@pytest.mark.parametrize("bad", [DEEP, b'{"format": 1, "seq": ' + LONG_INT + b"}"])
def test_import_of_a_deeply_nested_file_is_a_clear_refusal(store_folder_with_answer: Store,
                                                           tmp_path: Path, bad: bytes) -> None:
    (tmp_path / "deep.json").write_bytes(bad)
    with pytest.raises(StoreFormatError, match=r"deep\.json is not a usable"):
        store_folder_with_answer.import_json(tmp_path / "deep.json")
    assert store_folder_with_answer.attempt_count == 1


@posix_only
def test_import_of_a_fifo_is_refused_without_blocking(store_folder_with_answer: Store,
                                                      tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(StoreFormatError, match="named pipe"):
        store_folder_with_answer.import_json(tmp_path / "pipe.json")


def test_failed_import_write_changes_nothing(store_folder_with_answer: Store, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    s = store_folder_with_answer
    with Store.open(tmp_path / "other") as o:
        answer(o, 5)
        o.export_json(tmp_path / "x.json")

    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store1, "atomic_write", full)
    with pytest.raises(store_mod.StoreError, match="nothing changed"):
        s.import_json(tmp_path / "x.json")
    assert s.attempt_count == 1


@pytest.fixture
def store_folder_with_answer(folder: Path, clock: Clock) -> Iterator[Store]:
    s = Store.open(folder, clock=clock)
    answer(s)
    yield s
    s.close()


# --------------------------------------------------------------------------------------------
# Fuzz: random byte flips, truncations and insertions in every store file


def _base_image() -> tuple[Path, set[str]]:
    """A data folder as a kill leaves it: snapshot (with answers no backup holds), journal
    (answers, a flag, a session, an undo), daily backups, the snapshot before the last
    compaction and a lock note."""
    cached = getattr(_base_image, "cached", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="quizapp-fuzz-"))
    clock = Clock()
    live = root / "live"
    for day in range(2):
        with Store.open(live, clock=clock) as s:
            for n in range(4):
                answer(s, n + 4 * day, correct=n % 2 == 0)
            sid = s.start_session("exam", {"count": 2}, ["asps"])
            s.finish_session(sid, {"correct": 1, "total": 2, "percent": 50.0})
        clock.advance(days=1)
    with Store.open(live, clock=clock) as s:  # answers that only the snapshot holds
        for n in range(4):
            answer(s, 10 + n)
    s = Store.open(live, clock=clock)
    for n in range(5):
        answer(s, n)
    s.set_flagged(StudyUnit("asps", "q1"))
    s.undo_last(StudyUnit("asps", "q4"))
    expected = ids(s)
    image = root / "image"
    shutil.copytree(live, image)  # includes quizapp.lock: a note from this process
    s.close()
    _base_image.cached = (image, expected)  # type: ignore[attr-defined]
    return image, expected


def _lines(raw: bytes) -> list[bytes]:
    """The store's lines: ended by \\n alone (bytes.splitlines also splits at \\r, \\x0c...,
    which the store rightly does not: '\\x00\\r' before a record damages that line)."""
    return [line + b"\n" for line in raw.split(b"\n")[:-1]] + (
        [raw.rsplit(b"\n", 1)[-1]] if not raw.endswith(b"\n") else [])


def _attempt_lines(raw: bytes) -> dict[str, bytes]:
    """attempt id -> the line that carries it (snapshot or journal layout)."""
    out = {}
    for line in _lines(raw):
        for marker in (b'{"id": "', b'"attempt":{"id":"'):
            at = line.find(marker)
            if at >= 0:
                start = at + len(marker)
                out[line[start:start + 32].decode("ascii", "replace")] = line
    return out


FILES = ["progress.json", "journal.jsonl", "quizapp.lock", "progress.previous.json",
         "backups/progress-2025-03-02.json", "backups/progress-2025-03-03.json"]


MUTATIONS = {
    "name": st.sampled_from(FILES),
    "kind": st.sampled_from(["flip", "truncate", "insert"]),
    "where": st.floats(0, 1),
    "bit": st.integers(0, 7),
    "junk": st.binary(min_size=1, max_size=8),
}
FUZZ = settings(deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(FUZZ, max_examples=examples(40))
@given(**MUTATIONS)
def test_fuzz_store_files_open_and_keep_everything_readable(
        tmp_path_factory: pytest.TempPathFactory, name: str, kind: str, where: float, bit: int,
        junk: bytes) -> None:
    _fuzz_once(tmp_path_factory, name, kind, where, bit, junk)


@pytest.mark.slow
@settings(FUZZ, max_examples=2000)
@given(**MUTATIONS)
def test_fuzz_store_files_long_run(tmp_path_factory: pytest.TempPathFactory, name: str,
                                   kind: str, where: float, bit: int, junk: bytes) -> None:
    _fuzz_once(tmp_path_factory, name, kind, where, bit, junk)


def _fuzz_once(tmp_path_factory: pytest.TempPathFactory, name: str, kind: str, where: float,
               bit: int, junk: bytes) -> None:
    """One mutation of one store file: the store opens, keeps every attempt whose line is
    intact in the snapshot or the journal, works (answer, statistics, reopen), and sets aside
    only the damaged file, byte-identical."""
    image, expected = _base_image()
    folder = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(image, folder)
    path = folder / name
    raw = bytearray(path.read_bytes())
    at = min(int(where * len(raw)), max(len(raw) - 1, 0))
    if kind == "flip" and raw:
        raw[at] ^= 1 << bit
    elif kind == "truncate":
        del raw[at:]
    else:
        raw[at:at] = junk
    mutated = bytes(raw)
    path.write_bytes(mutated)

    # what can still be read: every attempt whose line is intact in the snapshot or journal
    readable = set()
    for store_file in ("progress.json", "journal.jsonl"):
        original = _attempt_lines((image / store_file).read_bytes())
        now = _lines((folder / store_file).read_bytes())
        readable |= {i for i, line in original.items() if line in now}
    readable &= expected  # an intact line of an attempt undone later stays undone

    clock = Clock(T0 + timedelta(days=2, hours=1))
    try:
        s = Store.open(folder, clock=clock)
    except StoreLockedError as e:  # a flipped host name: "another computer" must be asked
        assert e.other_host
        s = Store.open(folder, clock=clock, break_lock=True)
    with s:
        assert s.persistent
        assert readable <= ids(s), s.warnings
        for a in s.attempts():  # what Statistics and the study page read
            s.state(a.unit)
        s.sessions()
        new = answer(s, 0)
    for aside in [*folder.glob("progress.corrupt-*"), *folder.glob("journal.corrupt-*")]:
        # kept byte-identical (a journal that does not match a damaged snapshot is kept too)
        kept = "progress.json" if aside.name.startswith("progress") else "journal.jsonl"
        assert aside.read_bytes() == (mutated if kept == name else (image / kept).read_bytes())
    with Store.open(folder, clock=clock) as s:
        assert readable | {new.id} <= ids(s)


def _journal_of(clock: Clock, folder: Path, n: int) -> tuple[list[bytes], set[str]]:
    """The journal lines of ``n`` answers (one undone) and the ids that must survive."""
    with Store.open(folder, clock=clock) as s:
        s.start_session("tutor", {}, ["asps"])
        made = [answer(s, k % 3) for k in range(n)]
        undone = s.undo_last(StudyUnit("asps", "q0"))
        s.set_flagged(StudyUnit("asps", "q1"))
        lines = (folder / "journal.jsonl").read_bytes().splitlines(keepends=True)
        survivors = {a.id for a in made} - ({undone.id} if undone else set())
    return lines, survivors


@settings(FUZZ, max_examples=examples(25))
@given(order=st.randoms(use_true_random=False), dup=st.lists(st.integers(0, 40), max_size=5),
       snapshot_seq=st.integers(0, 60))
def test_replay_places_every_record_whatever_its_order_or_number(
        tmp_path_factory: pytest.TempPathFactory, order: Any, dup: list[int],
        snapshot_seq: int) -> None:
    """Journal lines shuffled, duplicated (two writers, a replayed copy), under a snapshot
    whose seq says anything: every answer that was not undone is there after a start, the
    undone one is not, and the journal is kept aside whenever it was out of order."""
    root = tmp_path_factory.mktemp("replay")
    lines, survivors = _journal_of(Clock(), root / "src", 12)
    mixed = list(lines)
    order.shuffle(mixed)
    mixed += [lines[i % len(lines)] for i in dup]
    folder = root / "data"
    folder.mkdir()
    (folder / "progress.json").write_text(json.dumps(document(seq=snapshot_seq)))
    (folder / "journal.jsonl").write_bytes(b"".join(mixed))
    with Store.open(folder, clock=Clock()) as s:
        got = ids(s)
        assert survivors <= got
        undone_ids = {json.loads(x)["attempt_id"] for x in lines if b'"op":"undo"' in x}
        assert not (undone_ids & got)
        if mixed != lines:
            assert s.warnings and asides(folder, "journal.corrupt-*")
    with Store.open(folder, clock=Clock()) as s:
        assert survivors <= ids(s) and s.warnings == []


@settings(max_examples=examples(400), deadline=None)
@given(year=st.integers(0, 9999), month=st.integers(0, 14), day=st.integers(0, 32),
       hour=st.integers(0, 25), minute=st.integers(0, 61), zone=st.sampled_from(
           ["Z", "+00:00", "+14:00", "-12:00", "+23:59", "-23:59", "+24:00", "z"]),
       frac=st.sampled_from(["", ":00", ":59.5", ":60", ":07.123456"]))
def test_timestamp_check_agrees_with_parsing(year: int, month: int, day: int, hour: int,
                                             minute: int, zone: str, frac: str) -> None:
    """The fast timestamp checks used on load accept exactly what can be read back."""
    from quizapp.core.scheduling import parse_timestamp

    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}{frac}{zone}"
    try:
        parse_timestamp(text)
        readable = True
    except (ValueError, OverflowError):
        readable = False
    assert validate1._ts_ok(text) == readable, text
    if validate1._TIMESTAMP_SURE.fullmatch(text):
        assert readable, text
