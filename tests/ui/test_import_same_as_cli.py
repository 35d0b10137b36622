"""File > Import runs what `quizapp import` runs: the same conversion, checks and deck file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from quizapp.cli import main
from quizapp.ui.mainwindow import MainWindow


def test_the_app_writes_the_deck_the_command_line_writes(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text(), box.detailedText())) or 0)
    src = tmp_path / "questions.gift"
    src.write_text("::q1:: 2+2? {=4 ~5}\n\n::q2:: Essay {}\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "cli").mkdir()
    assert window.import_questions(src, tmp_path / "app" / "arith")  # typed without .yaml
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
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deck may not replace the file being imported, whatever its name."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text())) or 0)
    src = tmp_path / "questions.yaml"  # GIFT questions in a file named .yaml
    src.write_text("::q1:: 2+2? {=4 ~5}\n", encoding="utf-8")
    assert window.import_questions(src, src) is False
    assert src.read_text(encoding="utf-8") == "::q1:: 2+2? {=4 ~5}\n"
    assert shown[0][0] == "Nothing imported"
    assert f"the output {src} is the file being imported" in shown[0][1]
