"""File > Import of a large file converts it in a child process: the same deck and messages
as the command line, Cancel stops it, and a failure reaches the user as a message."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from quizapp.cli import main
from quizapp.core.interchange import apart
from quizapp.ui.mainwindow import MainWindow
from tests.core.test_interchange_anki_package import STOCK_NOTES, Package


@pytest.fixture(autouse=True)
def every_file_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apart, "APART_BYTES", 0)


def _shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text(), box.detailedText())) or 0)
    return shown


def test_a_package_imported_in_a_child_is_the_deck_the_command_line_writes(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = _shown(monkeypatch)
    src = tmp_path / "cardio.apkg"
    src.write_bytes(Package(STOCK_NOTES).apkg("legacy2", {"murmur.png": "png"}))
    (tmp_path / "app").mkdir()
    (tmp_path / "cli").mkdir()
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=30000) as done:
        window.transfers.import_questions(src, tmp_path / "app" / "cardio.yaml")
    assert done.args == [True]
    err = io.StringIO()
    main(["import", str(src), "-o", str(tmp_path / "cli" / "cardio.yaml")], io.StringIO(), err)
    assert (tmp_path / "app" / "cardio.yaml").read_text(encoding="utf-8") == \
        (tmp_path / "cli" / "cardio.yaml").read_text(encoding="utf-8")
    title, text, details = shown[0]
    assert title == "Questions imported" and text.startswith("8 items imported from cardio.apkg")
    assert details.splitlines() == err.getvalue().splitlines()[:-1]  # the same messages
    with qtbot.waitSignal(window.decks_loaded, timeout=30000):
        pass  # and the deck is added to the library
    assert str((tmp_path / "app" / "cardio.yaml").resolve()) in window.registry.results


def test_cancel_stops_the_import_and_writes_nothing(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = _shown(monkeypatch)
    src = tmp_path / "cardio.apkg"
    src.write_bytes(Package(STOCK_NOTES).apkg("legacy2"))
    out = tmp_path / "cardio.yaml"
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=30000) as done:
        window.transfers.import_questions(src, out)
        window.tasks.running[-1].cancel()  # the progress dialog's Cancel
    assert done.args == [False]
    assert not out.exists() and shown == []


def test_a_file_nothing_can_be_read_from_is_said_with_its_messages(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = _shown(monkeypatch)
    src = tmp_path / "broken.apkg"
    src.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=30000) as done:
        window.transfers.import_questions(src, tmp_path / "deck.yaml")
    assert done.args == [False]
    title, text, details = shown[0]
    assert title == "Nothing imported" and "broken.apkg" in text and "broken.apkg" in details
    assert not (tmp_path / "deck.yaml").exists()
