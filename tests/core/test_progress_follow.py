"""Following a sync folder while the app runs (issue 15): new files and lines from another
computer are noticed and merged, partial copies and replaced files are harmless, and
``quizapp sync --status`` lists the computers."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.progress.hlc import Clock
from quizapp.core.progress.merge import Replica
from quizapp.core.progress.records import encode
from quizapp.core.progress.sync import SyncFolder, format_status
from quizapp.core.scheduling import format_timestamp
from tests.core.test_progress_sync import answer

T0 = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)


def copy_device(src: Path, dst: Path, device: str) -> None:
    """What a sync tool does: bring another computer's folder over (replacing files)."""
    target = dst / "devices" / device
    target.mkdir(parents=True, exist_ok=True)
    for f in (src / "devices" / device).iterdir():
        tmp = target / f".syncthing.{f.name}.tmp"
        shutil.copyfile(f, tmp)
        os.replace(tmp, target / f.name)


def test_other_computers_answers_are_noticed_and_merged_once(tmp_path: Path) -> None:
    a_root, b_root = tmp_path / "a", tmp_path / "b"
    a_root.mkdir()
    b_root.mkdir()  # a sync folder is never created by quizapp (an unplugged stick stays so)
    a, b = SyncFolder(a_root, "laptop"), SyncFolder(b_root, "desktop")
    a.record([answer(1, "d::x", T0), answer(2, "d::y", T0 + timedelta(hours=1))])
    b.record([answer(3, "d::x", T0 + timedelta(hours=2))])
    assert not b.refresh().devices  # its own file is already merged
    copy_device(a_root, b_root, "laptop")
    seen = b.refresh()
    assert seen.devices == {"laptop"} and seen.changed == 2 and not seen.problems
    assert b.replica.unit("d::x").attempts == 2
    assert b.refresh().changed == 0  # nothing new: nothing read twice

    # a partial copy: the last line is still arriving
    a.record([answer(4, "d::y", T0 + timedelta(hours=3))])
    path = a_root / "devices" / "laptop" / "history-2025-03.jsonl"
    target = b_root / "devices" / "laptop" / "history-2025-03.jsonl"
    with target.open("ab") as fh:  # a sync tool appending in place (same file)
        fh.write(path.read_bytes()[target.stat().st_size:][:25])
    assert b.refresh().changed == 0
    copy_device(a_root, b_root, "laptop")  # finished (and replaced by rename)
    seen = b.refresh()
    assert seen.changed == 1 and not seen.problems
    # a conflict copy of the same file brings the same records again: no change
    shutil.copyfile(path, target.with_name("history-2025-03.sync-conflict-1-2-ABC.jsonl"))
    assert b.refresh().changed == 0
    assert b.replica.live() == {f"{i:032x}" for i in (1, 2, 3, 4)}

    rows = {r.device: r for r in b.status()}
    assert rows["laptop"].answers == 3 and rows["desktop"].answers == 1
    assert rows["desktop"].behind == timedelta(hours=1) and rows["laptop"].behind == timedelta()
    text = format_status(b_root, b.status())
    assert "  desktop (this computer): 1 answer, last answer 2025-03-03 11:00 UTC, 1 hour " \
        "behind the newest\n" in text
    assert "  laptop: 3 answers, last answer 2025-03-03 12:00 UTC, the newest\n" in text


def test_damage_from_the_sync_folder_is_reported_with_the_line(tmp_path: Path) -> None:
    b = SyncFolder(tmp_path, "desktop")
    folder = tmp_path / "devices" / "laptop"
    folder.mkdir(parents=True)
    good = encode(answer(1, "d::x", T0))
    (folder / "history-2025-03.jsonl").write_bytes(good + b"{oops\n")
    seen = b.refresh()
    assert seen.changed == 1
    assert seen.problems == [f"{folder / 'history-2025-03.jsonl'}, line 2: not JSON "
                             "(Expecting property name enclosed in double quotes)"]
    with (folder / "history-2025-03.jsonl").open("ab") as fh:
        fh.write(b"[1]\n")
    assert "line 3: " in b.refresh().problems[0]  # line numbers continue across refreshes
    (folder / "link.jsonl").symlink_to(folder / "history-2025-03.jsonl")
    assert "link.jsonl: a symbolic link" in b.refresh().problems[0]


def test_status_of_an_empty_folder(tmp_path: Path) -> None:
    s = SyncFolder(tmp_path, "desktop")
    s.refresh()
    assert format_status(tmp_path, s.status()) == (
        f"Sync folder: {tmp_path}\n"
        "No computer has synced through this folder yet. Point quizapp at it on each "
        "computer (Preferences > Sync folder, or --sync-dir).\n"
        "  desktop (this computer): no answers here yet\n")


# -- the simulation again, on real folders followed incrementally ---------------------------

UNITS = ["d::a", "d::b", "d::c::reverse"]


def _sync_file(src: Path, dst: Path, how: int, cut: int) -> None:
    """Bring one file over as a sync tool might: 0 grow in place (maybe mid-line), 1 replace
    by renaming a (maybe partial) copy over it, 2 leave a conflict copy beside it."""
    data = src.read_bytes()
    part = data[: cut % (len(data) + 1)]
    dst.parent.mkdir(parents=True, exist_ok=True)
    if how == 0:
        have = dst.read_bytes() if dst.exists() else b""
        if data.startswith(have) and len(part) > len(have):
            with dst.open("ab") as fh:
                fh.write(part[len(have):])
    elif how == 1:
        tmp = dst.with_name(f".syncthing.{dst.name}.tmp")
        tmp.write_bytes(part)
        os.replace(tmp, dst)
    else:
        dst.with_name(dst.stem + f".sync-conflict-{cut}.jsonl").write_bytes(part)


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2), st.integers(0, 2),
                                st.integers(0, 2), st.integers(0, 10**6)), max_size=30))
def test_followed_folders_converge(steps: list[tuple[int, int, int, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        roots = [Path(tmp) / f"pc{i}" for i in range(3)]
        for r in roots:
            r.mkdir()
        pcs = [SyncFolder(r, f"pc-{i}") for i, r in enumerate(roots)]
        clocks = [Clock(f"pc-{i}") for i in range(3)]
        written: set[str] = set()
        undone: set[str] = set()
        t = T0
        for n, (op, who, other, how, cut) in enumerate(steps):
            me = pcs[who]
            t += timedelta(hours=1 + cut % 200)  # months go by: several month files
            if op <= 1:
                rec = answer(n + 1, UNITS[cut % 3], t, rating=1 + cut % 4)
                me.record([rec])
                written.add(rec["id"])
            elif op == 2 and me.replica.live():
                victim = sorted(me.replica.live())[cut % len(me.replica.live())]
                me.record([{"t": "undo", "id": victim, "at": format_timestamp(t)}])
                undone.add(victim)
            elif op == 3:
                if me.replica.latest is not None:
                    clocks[who].observe(me.replica.latest)
                me.record([{"t": "set", "unit": UNITS[cut % 3], "field": "flagged",
                            "value": bool(cut % 2),
                            "hlc": clocks[who].tick(int(t.timestamp() * 1000)).to_json()}])
            elif op == 4 and other != who:
                src_dir = roots[who] / "devices" / f"pc-{who}"
                for f in sorted(src_dir.glob("history-*.jsonl")):
                    _sync_file(f, roots[other] / "devices" / f"pc-{who}" / f.name, how, cut)
                found = pcs[other].refresh()
                assert not found.problems, found.problems
        for i, root in enumerate(roots):  # every file reaches every computer
            for j in range(3):
                src_dir = roots[j] / "devices" / f"pc-{j}"
                if j != i and src_dir.is_dir():
                    for f in sorted(src_dir.glob("history-*.jsonl")):
                        _sync_file(f, root / "devices" / f"pc-{j}" / f.name, 0, len(
                            f.read_bytes()))  # the rest, appended in place
            assert not pcs[i].refresh().problems
        fresh = SyncFolder(roots[0], None)  # read from scratch: the same as followed
        fresh.refresh()
        for pc in [*pcs, fresh]:
            r: Replica = pc.replica
            assert r.live() == written - undone
            assert sum(r.unit(u).attempts for u in UNITS) == len(written - undone)
            for u in UNITS:
                assert r.unit(u) == pcs[0].replica.unit(u)


def test_a_line_completed_in_place_is_read_whole(tmp_path: Path) -> None:
    b = SyncFolder(tmp_path, "desktop")
    folder = tmp_path / "devices" / "laptop"
    folder.mkdir(parents=True)
    path = folder / "history-2025-03.jsonl"
    data = encode(answer(1, "d::x", T0)) + encode(answer(2, "d::x", T0 + timedelta(days=1)))
    for cut in (0, 30, len(data) // 2 + 7, len(data) - 1, len(data)):  # grows in place
        with path.open("ab") as fh:
            fh.write(data[path.stat().st_size:cut])
        found = b.refresh()
        assert not found.problems, found.problems
    assert b.replica.live() == {f"{1:032x}", f"{2:032x}"}
