"""Following a sync folder while the app runs (issue 15): new files and lines from another
computer are noticed and merged, partial copies and replaced files are harmless, and
``quizapp sync --status`` lists the computers."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from quizapp.core.progress.records import encode
from quizapp.core.progress.sync import SyncFolder, format_status
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
    assert "desktop (this computer): 1 answers" in text and "1 hour behind" in text


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
    assert "no answers from any computer there yet" in format_status(tmp_path, s.status())
