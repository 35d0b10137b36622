"""File > Import runs what `quizapp import` runs: the same conversion, checks and deck file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from quizapp.cli import main
from quizapp.ui.mainwindow import MainWindow


def _import(window: MainWindow, qtbot, src: Path, out: Path) -> bool:  # type: ignore[no-untyped-def]
    """File > Import as the app runs it (in the background): True when a deck was written."""
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=20000) as done:
        window.transfers.import_questions(src, out)
    return bool(done.args[0])


def test_the_app_writes_the_deck_the_command_line_writes(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        qtbot) -> None:  # type: ignore[no-untyped-def]
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text(), box.detailedText())) or 0)
    src = tmp_path / "questions.gift"
    src.write_text("::q1:: 2+2? {=4 ~5}\n\n::q2:: Essay {}\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "cli").mkdir()
    assert _import(window, qtbot, src, tmp_path / "app" / "arith")  # typed without .yaml
    err = io.StringIO()
    assert main(["import", str(src), "-o", str(tmp_path / "cli" / "arith.yaml")],
                io.StringIO(), err) == 1  # one question skipped
    app_deck = (tmp_path / "app" / "arith.yaml").read_text(encoding="utf-8")
    assert app_deck == (tmp_path / "cli" / "arith.yaml").read_text(encoding="utf-8")
    title, text, details = shown[0]
    assert title == "Questions imported" and text.startswith(
        "1 item imported from questions.gift (Moodle GIFT file) into arith.yaml.")
    assert details.splitlines() == err.getvalue().splitlines()[:-1]  # the same messages


def test_the_app_refuses_what_the_command_line_refuses(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        qtbot) -> None:  # type: ignore[no-untyped-def]
    """The deck may not replace the file being imported, whatever its name."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text())) or 0)
    src = tmp_path / "questions.yaml"  # GIFT questions in a file named .yaml
    src.write_text("::q1:: 2+2? {=4 ~5}\n", encoding="utf-8")
    assert _import(window, qtbot, src, src) is False
    assert src.read_text(encoding="utf-8") == "::q1:: 2+2? {=4 ~5}\n"
    assert shown[0][0] == "Nothing imported"
    assert f"the output {src} is the file being imported" in shown[0][1]


def test_a_shared_deck_package_is_imported_through_the_file_menu(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        qtbot) -> None:  # type: ignore[no-untyped-def]
    """A colleague's `quizapp pack` zip: File > Import checks it and unpacks it into the deck
    folder with its pictures, and the deck appears in the library."""
    from PySide6.QtWidgets import QFileDialog

    from tests.helpers import VALID_DECK

    mine = tmp_path / "mine"
    (mine / "img").mkdir(parents=True)
    (mine / "img" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (mine / "spine.yaml").write_text(VALID_DECK.replace(
        "    back: Back\n", "    back: Back\n    image: img/x.png\n    image_alt: x\n"),
        encoding="utf-8")
    assert main(["pack", str(mine / "spine.yaml")], io.StringIO(), io.StringIO()) == 0
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.windowTitle()) or 0)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(mine / "spine.zip"), ""))
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=20000) as done:
        window.act["import_questions"].trigger()
    assert done.args == [True] and shown == ["Deck imported"]
    unpacked = window.data_dir / "decks" / "spine" / "spine.yaml"
    assert unpacked.is_file() and (unpacked.parent / "img" / "x.png").is_file()
    qtbot.waitUntil(lambda: any(r.deck is not None and r.deck.id == "test-deck"
                                for r in window.registry.results.values()), timeout=20000)
