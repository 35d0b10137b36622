"""The one atomic write and the safe reading of quizapp's own files (quizapp.core.fileio)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from quizapp.core import fileio
from quizapp.core.authoring import write_text_atomic
from quizapp.core.store import Store


def test_atomic_write_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    fileio.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), fileio.atomic_open(target) as fh:
        fh.write(b"half")
        raise RuntimeError("disk gone")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links")
def test_a_link_planted_at_the_temporary_name_is_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "out.txt"
    os.symlink(victim, tmp_path / f".out.txt.tmp-{os.getpid()}")
    fileio.atomic_write(target, b"new")
    assert victim.read_text() == "precious" and target.read_bytes() == b"new"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_links_fifos_and_large_files_are_refused_with_a_message(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"x" * 100)
    os.symlink(real, tmp_path / "link.json")
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(fileio.UnsafeFileError, match="symbolic link"):
        fileio.read_regular(tmp_path / "link.json")
    with pytest.raises(fileio.UnsafeFileError, match="named pipe"):
        fileio.read_regular(tmp_path / "pipe.json")  # and does not hang
    with pytest.raises(fileio.UnsafeFileError, match="larger than"):
        fileio.read_regular(real, limit=10)
    assert fileio.read_regular(real) == b"x" * 100


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_the_deck_writer_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    deck = tmp_path / "deck.yaml"
    deck.write_text("old")
    deck.chmod(0o600)
    write_text_atomic(deck, "new: ü\n")
    assert deck.read_text(encoding="utf-8") == "new: ü\n"
    assert stat.S_IMODE(deck.stat().st_mode) == 0o600


def test_a_failed_csv_export_leaves_the_previous_export_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "answers.csv"
    out.write_text("previous export")
    with Store.open(tmp_path / "data") as store:
        monkeypatch.setattr(Store, "CSV_COLUMNS", property(lambda self: 1 / 0))
        with pytest.raises(ZeroDivisionError):
            store.export_csv(out)
    assert out.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.csv", "data"]
