"""Migration of format-1 folders to format-2 history records, every attempt counted before
and after (issue 15): empty, small (written by the real store, with undo and flags), 100,000
answers (generated), damaged; run twice (as after a crash) nothing is written twice."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from quizapp.core.model import StudyUnit
from quizapp.core.progress.merge import Replica
from quizapp.core.progress.migrate import Migration, migrate
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


# -- the check after the migration (no Replica) refuses exactly what a Replica check refuses --


def _verify_with_replica(doc: Mapping[str, Any], back: Any, result: Migration) -> None:
    """The check as it was, through a full :class:`Replica` (every answer replayed through
    the scheduler): the reference for :func:`quizapp.core.progress.migrate._verify`."""
    from quizapp.core.progress.migrate import _answer, _key

    result.problems.extend(back.problems)
    replica = Replica()
    replica.add_all(back.records)
    result.problems.extend(replica.problems)
    result.answers_read_back = len(replica.live())
    want = {a["id"]: _answer(a) for a in doc["attempts"]}
    if replica.live() != set(want):
        result.problems.append("answers missing or extra")
    if any(rid in replica.answers and (replica.answers[rid] != rec or any(
            type(v) is not type(rec.get(k)) for k, v in replica.answers[rid].items()))
            for rid, rec in want.items()):
        result.problems.append("answers read back differently")
    if not set(doc["undone"]) <= replica.tombstones:
        result.problems.append("undone")
    totals: dict[str, list[int]] = {}
    for a in doc["attempts"]:
        t = totals.setdefault(_key(a), [0, 0])
        t[0] += 1
        t[1] += bool(a["correct"])
    for key in sorted(set(doc["items"]) | set(totals) | replica.units()):
        item = doc["items"].get(key, {})
        view = replica.unit(key)
        if [view.attempts, view.correct] != totals.get(key, [0, 0]):
            result.problems.append(f"{key}: counts")
        if view.flagged != bool(item.get("flagged")):
            result.problems.append(f"{key}: flag")
        if view.card != item.get("fsrs"):
            result.problems.append(f"{key}: card")


class _Migrated(tuple[dict[str, Any], list[dict[str, Any]]]):
    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return "<migrated_small>"


@pytest.fixture(scope="module")
def migrated_small(tmp_path_factory: pytest.TempPathFactory) -> _Migrated:
    """A small format-1 store written by the app (answers, undos, flags), migrated: its
    document and the records read back."""
    from quizapp.core.progress.syncfolder import read_device

    tmp = tmp_path_factory.mktemp("mig")
    rng = random.Random(7)
    clock_now = [NOW - timedelta(days=100)]

    def clock() -> datetime:
        clock_now[0] += timedelta(hours=rng.randint(1, 30))
        return clock_now[0]

    units = [StudyUnit("d", f"q{i}", "") for i in range(8)]
    with Store.open(tmp / "data", clock=clock) as store:
        sid = store.start_session("tutor", {}, ["d"])
        for _ in range(60):
            unit = rng.choice(units)
            store.record_attempt(unit, answer=["A"], correct=rng.random() < 0.7,
                                 mode=rng.choice(("flashcards", "tutor")),
                                 confidence=rng.choice((None, 2)), session_id=sid)
            if rng.random() < 0.1:
                store.undo_last(unit)
            if rng.random() < 0.1:
                store.set_flagged(unit, True)
        state = store._state
        doc = {"attempts": list(state.attempts.values()),
               "items": {k: v.to_dict() for k, v in state.items.items()},
               "undone": sorted(state.undone)}
    assert migrate(tmp / "data", tmp / "sync", "laptop", now=NOW).ok
    back = read_device(tmp / "sync" / "devices" / "laptop", "laptop")
    assert not back.problems and back.records
    return _Migrated((doc, back.records))


_MUTATIONS = ("drop", "duplicate", "change_answer", "double_id", "flip_correct", "unflag",
              "flag_other", "undo_extra", "card", "late_answer", "newer_base", "drop_base")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hst.lists(hst.tuples(hst.sampled_from(_MUTATIONS), hst.integers(0, 10_000)),
                 max_size=3))
def test_the_check_refuses_exactly_what_a_replica_check_refuses(
        migrated_small: _Migrated, changes: list[tuple[str, int]]) -> None:
    from types import SimpleNamespace

    from quizapp.core.progress.migrate import _verify

    doc, original = migrated_small
    records = [dict(r) for r in original]
    for what, n in changes:
        of = {t: [r for r in records if r["t"] == t] for t in ("answer", "base", "set", "undo")}
        a, b = (of[t][n % len(of[t])] if of[t] else None for t in ("answer", "base"))
        if what == "drop" and records:
            records.pop(n % len(records))
        elif what == "duplicate" and records:
            records.append(dict(records[n % len(records)]))
        elif what == "change_answer" and a:
            a["answer"] = ["B"]
        elif what == "double_id" and a:
            records.append({**a, "answer": ["Z"]})
        elif what == "flip_correct" and a:
            a["correct"] = not a["correct"]
        elif what == "unflag" and of["set"]:
            records.remove(of["set"][n % len(of["set"])])
        elif what == "flag_other" and b:
            records.append({"t": "set", "unit": b["unit"], "field": "flagged",
                            "value": bool(n % 2), "hlc": [n, 0, "laptop"]})
        elif what == "undo_extra" and a:
            records.append({"t": "undo", "id": a["id"], "at": a["at"]})
        elif what == "card" and b:
            b["card"] = {**b["card"], "stability": 99.5}
        elif what == "late_answer" and b:
            records.append({**(a or {}), "id": f"late{n}", "unit": b["unit"], "rating": 3,
                            "correct": True, "at": "2030-01-01T00:00:00.000Z"})
        elif what == "newer_base" and b:
            records.append({**b, "at": "2000-01-01T00:00:00.000Z",
                            "hlc": [b["hlc"][0] + 1, 0, "laptop"]})
        elif what == "drop_base" and b:
            records.remove(b)
    back = SimpleNamespace(records=records, problems=[])
    fast, reference = Migration(), Migration()
    _verify(doc, back, fast)
    _verify_with_replica(doc, back, reference)
    assert fast.ok == reference.ok, (fast.problems, reference.problems)
    assert fast.answers_read_back == reference.answers_read_back
    if not changes:
        assert fast.ok
