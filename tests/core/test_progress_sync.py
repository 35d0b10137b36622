"""Format-2 building blocks (issue 15): records, clock, conflict-free merge, sync folder.

The multi-computer simulation: two or three computers answer, flag and undo at random while
their files reach each other in random order, partially (cut anywhere, even mid-line), and
as conflict copies; once every file has reached every computer, all of them must hold exactly
the same answers (none lost, none twice), scheduling state, flags and counts.
"""

from __future__ import annotations

import json
import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.progress.hlc import Clock, Stamp, parse_stamp
from quizapp.core.progress.merge import Replica
from quizapp.core.progress.records import encode, read_lines
from quizapp.core.progress.syncfolder import append, is_leftover, read_folder
from quizapp.core.scheduling import Rating, Scheduler, format_timestamp

T0 = datetime(2025, 1, 30, 8, 0, tzinfo=timezone.utc)
UNITS = ["d::a", "d::b", "d::c::reverse", "e::q1::s1/q2"]


def answer(rid: int, unit: str, at: datetime, rating: int | None = 3,
           correct: bool = True) -> dict[str, Any]:
    return {"t": "answer", "id": f"{rid:032x}", "unit": unit, "at": format_timestamp(at),
            "rating": rating, "correct": correct, "marks": 1.0 if correct else 0.0,
            "confidence": None, "mode": "tutor", "time_ms": 5000, "answer": ["A"],
            "session": None}


# -- records ---------------------------------------------------------------------------------


def test_torn_last_line_is_ignored_not_damage() -> None:
    whole = encode(answer(1, "d::a", T0))
    r = read_lines(whole + whole[:-9], "h.jsonl")
    assert len(r.records) == 1 and r.torn and not r.problems
    # a complete last line that happens to be JSON still needs its newline to count
    r = read_lines(whole + whole[:-1], "h.jsonl")
    assert len(r.records) == 1 and r.torn


def test_unknown_record_type_is_skipped_with_a_warning() -> None:
    future = encode({"t": "review-note", "id": "x", "text": "from a newer quizapp"})
    setting = encode({"t": "set", "unit": "d::a", "field": "colour", "value": "red",
                      "hlc": [1, 0, "pc-2"]})
    r = read_lines(future + setting + encode(answer(1, "d::a", T0)), "h.jsonl")
    assert len(r.records) == 1 and not r.problems
    assert len(r.warnings) == 2
    assert "h.jsonl, line 1" in r.warnings[0] and "review-note" in r.warnings[0]


@pytest.mark.parametrize("line, says", [
    (b"not json", "not JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"id": "x"}', "no type"),
    (json.dumps({**answer(1, "d::a", T0), "rating": 7}).encode(), "rating"),
    (json.dumps({**answer(1, "d::a", T0), "at": "2025-02-30T00:00:00Z"}).encode(), "at"),
    (json.dumps({**answer(1, "d::a", T0), "marks": float("nan")}).encode(), "NaN"),
    (json.dumps({**answer(1, "d::a", T0), "unit": "../../etc"}).encode(), "unit"),
    (json.dumps({**answer(1, "d::a", T0), "answer": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}
                ).encode(), "deeply"),
    (json.dumps({"t": "set", "unit": "d::a", "field": "flagged", "value": 1,
                 "hlc": [1, 0, "pc"]}).encode(), "bool"),
    (json.dumps({"t": "set", "unit": "d::a", "field": "flagged", "value": True,
                 "hlc": [1, 0, "../x"]}).encode(), "device"),
    (b"[" * 60_000, "nested too deeply"),
    (b'{"t": "answer", "pad": "' + b"x" * 70_000 + b'"}', "longer than"),
])
def test_damaged_line_is_reported_with_file_and_line(line: bytes, says: str) -> None:
    good = encode(answer(1, "d::a", T0))
    r = read_lines(good + line + b"\n" + good, "pc-1/history-2025-01.jsonl")
    assert len(r.records) == 2  # the readable records around it are all kept
    assert len(r.problems) == 1, r.problems
    assert r.problems[0].startswith("pc-1/history-2025-01.jsonl, line 2: ")
    assert says in r.problems[0]


# -- clock -----------------------------------------------------------------------------------


def test_clock_orders_changes_after_what_it_has_seen() -> None:
    slow, fast = Clock("slow"), Clock("fast")
    seen = fast.tick(10_000)  # the other computer's clock is ahead
    slow.observe(seen)
    mine = slow.tick(5_000)
    assert mine > seen
    assert slow.tick(5_000) > mine
    assert parse_stamp(mine.to_json()) == mine
    with pytest.raises(ValueError):
        Clock("../evil")
    with pytest.raises(ValueError):
        parse_stamp([1, -1, "pc"])


# -- merge -----------------------------------------------------------------------------------


def test_merge_is_idempotent_and_order_free() -> None:
    recs = [answer(i, UNITS[i % 3], T0 + timedelta(days=i), rating=1 + i % 4)
            for i in range(12)]
    recs.append({"t": "undo", "id": f"{4:032x}", "at": format_timestamp(T0)})
    recs.append({"t": "set", "unit": "d::a", "field": "flagged", "value": True,
                 "hlc": [5, 0, "pc-1"]})
    recs.append({"t": "set", "unit": "d::a", "field": "flagged", "value": False,
                 "hlc": [5, 0, "pc-2"]})
    one, two = Replica(), Replica()
    one.add_all(recs)
    shuffled = recs * 2
    random.Random(3).shuffle(shuffled)
    two.add_all(shuffled)
    assert one.live() == two.live() and len(one.live()) == 11
    for unit in UNITS:
        assert one.unit(unit) == two.unit(unit)
    assert one.unit("d::a").flagged is False  # the later stamp ("pc-2" > "pc-1") wins


def test_undo_arriving_before_its_answer_still_undoes_it() -> None:
    r = Replica()
    r.add({"t": "undo", "id": f"{1:032x}", "at": format_timestamp(T0)})
    r.add(answer(1, "d::a", T0))
    assert r.live() == set() and r.unit("d::a").attempts == 0


def test_derived_state_replays_answers_in_time_order_with_seeded_fuzz() -> None:
    recs = [answer(i, "d::a", T0 + timedelta(days=d)) for i, d in enumerate((0, 1, 4, 15, 60))]
    late_first, in_order = Replica(Scheduler()), Replica(Scheduler())
    late_first.add_all(reversed(recs))
    in_order.add_all(recs)
    view = in_order.unit("d::a")
    assert view.card is not None and view.card["state"] == 2
    assert late_first.unit("d::a") == view
    assert view.attempts == 5 and view.last_seen == recs[-1]["at"]


# -- the multi-computer simulation -----------------------------------------------------------

CONFLICT_NAMES = ("history.sync-conflict-20250101-101010-ABCDEF1.jsonl",
                  "history (conflicted copy 2025-01-02).jsonl")


class Computer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.clock = Clock(name)
        self.log = b""  # its own file
        self.views: dict[str, bytes] = {}  # file name -> bytes that reached it from others
        self.replica = Replica()

    def files(self) -> dict[str, bytes]:
        return {f"{self.name}/history.jsonl": self.log, **self.views}

    def reload(self) -> None:
        """Read every file it has, as the app would on noticing a change."""
        replica = Replica()
        for name, data in sorted(self.files().items()):
            reading = read_lines(data, name)
            assert not reading.problems, reading.problems
            replica.add_all(reading.records)
        if replica.latest is not None:
            self.clock.observe(replica.latest)
        self.replica = replica

    def write(self, rec: dict[str, Any]) -> None:
        self.log += encode(rec)
        self.replica.add(rec)


ops = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2), st.integers(0, 2),
                         st.integers(0, 3), st.integers(0, 10**6)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 3), steps=ops)
def test_computers_converge_whatever_the_sync_order(n: int, steps: list[tuple[int, ...]]
                                                    ) -> None:
    computers = [Computer(f"pc-{i}") for i in range(n)]
    written: set[str] = set()
    undone: set[str] = set()
    rid = 0
    clock_ms = int(T0.timestamp() * 1000)
    for op, who, other, unit_i, cut in steps:
        me, them = computers[who % n], computers[other % n]
        clock_ms += 3_600_000 * (1 + cut % 40)  # hours to days between actions
        # each computer's wall clock is off by its own amount (minutes), as real ones are
        wall = clock_ms + (who % n) * 90_000 - 120_000
        at = format_timestamp(datetime.fromtimestamp(wall / 1000, timezone.utc))
        unit = UNITS[unit_i]
        if op <= 1:
            rid += 1
            rec = answer(rid, unit, datetime.fromtimestamp(wall / 1000, timezone.utc),
                         rating=1 + cut % 4, correct=cut % 4 != 0)
            me.write(rec)
            written.add(rec["id"])
        elif op == 2:
            live = sorted(me.replica.live())
            if live:
                victim = live[cut % len(live)]
                me.write({"t": "undo", "id": victim, "at": at})
                undone.add(victim)
        elif op == 3:
            me.write({"t": "set", "unit": unit, "field": "flagged", "value": bool(cut % 2),
                      "hlc": me.clock.tick(wall).to_json()})
        elif op == 4 and them is not me:  # a partial copy: cut anywhere, even mid-line
            src = f"{me.name}/history.jsonl"
            them.views[src] = me.log[: cut % (len(me.log) + 1)]
            them.reload()
        elif op == 5 and them is not me:  # a conflict copy of an older state of the file
            name = f"{me.name}/{CONFLICT_NAMES[cut % 2]}"
            them.views[name] = me.log[: cut % (len(me.log) + 1)]
            them.reload()
    for c in computers:  # every file reaches every computer
        for other in computers:
            if other is not c:
                c.views[f"{other.name}/history.jsonl"] = other.log
        c.reload()
    first = computers[0].replica
    assert first.live() == written - undone  # none lost, none brought back
    for c in computers:
        r = c.replica
        assert r.live() == first.live()
        assert sum(r.unit(u).attempts for u in UNITS) == len(written - undone)  # none twice
        for u in UNITS:
            assert r.unit(u) == first.unit(u), (c.name, u)
        assert not r.problems


# -- the sync folder on disk -----------------------------------------------------------------


def test_sync_folder_reads_every_computer_and_survives_sync_tool_leftovers(
        tmp_path: Path) -> None:
    recs = [answer(i, "d::a", T0 + timedelta(days=i * 10)) for i in range(6)]
    append(tmp_path, "laptop", recs[:4])
    append(tmp_path, "desktop", recs[4:])
    laptop = tmp_path / "devices" / "laptop"
    assert sorted(os.listdir(laptop)) == ["history-2025-01.jsonl", "history-2025-02.jsonl",
                                          "history-2025-03.jsonl"]
    # what Syncthing and Dropbox leave behind
    first = (laptop / "history-2025-01.jsonl").read_bytes()
    (laptop / "history-2025-01.sync-conflict-20250301-120000-ABCDEFG.jsonl").write_bytes(first)
    (laptop / "history-2025-01 (conflicted copy 2025-03-01).jsonl").write_bytes(first[:-7])
    (laptop / ".syncthing.history-2025-04.jsonl.tmp").write_bytes(b"garbage\n")
    (laptop / "~syncthing~history-2025-04.jsonl.tmp").write_bytes(b"garbage\n")
    (tmp_path / "devices" / ".stfolder").mkdir()
    (laptop / "v3").mkdir()  # a newer format's records: not opened, not damage
    (laptop / "v3" / "history-2025-01.jsonl").write_bytes(b"{future}\n")
    (tmp_path / "devices" / "desktop" / "history-2025-05.jsonl").write_bytes(
        encode(answer(99, "d::b", T0))[:20])  # still being copied
    devices, problems = read_folder(tmp_path)
    assert set(devices) == {"laptop", "desktop"} and not problems
    assert all(not d.problems for d in devices.values())
    merged = Replica()
    for d in devices.values():
        merged.add_all(d.records)
    assert merged.live() == {r["id"] for r in recs}  # none lost, none twice
    assert merged.unit("d::a").attempts == 6
    assert devices["desktop"].last_answer == T0 + timedelta(days=50)
    assert is_leftover(".syncthing.x.jsonl.tmp") and not is_leftover("h (conflicted copy).jsonl")


def test_sync_folder_never_follows_a_link_nor_opens_a_fifo(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.jsonl"
    secret.write_bytes(encode(answer(1, "d::a", T0)))
    append(tmp_path, "laptop", [answer(2, "d::a", T0)])
    laptop = tmp_path / "devices" / "laptop"
    (laptop / "link.jsonl").symlink_to(secret)
    (tmp_path / "devices" / "evil").symlink_to(tmp_path)
    os.mkfifo(laptop / "pipe.jsonl")
    devices, problems = read_folder(tmp_path)
    assert [r["id"] for r in devices["laptop"].records] == [f"{2:032x}"]
    text = " ".join(devices["laptop"].problems + problems)
    assert "link.jsonl: a symbolic link" in text and "pipe.jsonl: not a regular file" in text
    assert "evil: a symbolic link" in text
    with pytest.raises(OSError):  # appending never writes through a link either
        (laptop / "history-2025-06.jsonl").symlink_to(secret)
        append(tmp_path, "laptop", [answer(3, "d::a", T0 + timedelta(days=140))])
    assert secret.read_bytes().count(b"\n") == 1


def test_stamp_is_a_plain_tuple() -> None:
    assert Stamp(1, 0, "a") < Stamp(1, 0, "b") < Stamp(1, 1, "a")


def test_append_after_a_torn_last_line_starts_a_clean_line(tmp_path: Path) -> None:
    append(tmp_path, "laptop", [answer(1, "d::a", T0)])
    path = tmp_path / "devices" / "laptop" / "history-2025-01.jsonl"
    whole = path.read_bytes()
    path.write_bytes(whole + encode(answer(2, "d::a", T0))[:30])  # power cut mid-line
    append(tmp_path, "laptop", [answer(3, "d::a", T0)])
    devices, _ = read_folder(tmp_path)
    assert not devices["laptop"].problems
    assert [r["id"] for r in devices["laptop"].records] == [f"{1:032x}", f"{3:032x}"]


def test_base_state_is_last_writer_wins_and_answers_after_it_replay_on_top() -> None:
    s = Scheduler()
    card = s.review(None, Rating.GOOD, T0, seed="x")
    base = {"t": "base", "unit": "d::a", "card": card, "at": format_timestamp(T0),
            "hlc": [1, 0, "pc-1"]}
    older = {**base, "card": s.review(None, Rating.AGAIN, T0, seed="y"),
             "hlc": [0, 5, "pc-2"]}
    before = answer(1, "d::a", T0)  # at the base's time: already in it
    after = answer(2, "d::a", T0 + timedelta(days=3))
    for order in ([base, older, before], [before, older, base]):
        r = Replica()
        r.add_all(order)
        assert r.unit("d::a").card == card and r.unit("d::a").attempts == 1
    r.add(after)
    assert r.unit("d::a").card == s.review(card, Rating.GOOD, T0 + timedelta(days=3),
                                           seed=f"{2:032x}")
    assert read_lines(encode(base) + encode({**base, "card": {"state": 9}}), "f").problems
