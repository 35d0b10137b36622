"""File > Import progress: the user is asked before an import removes answers or resets
scheduling, and told exactly what it changed (issue 12, high 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from quizapp.core.model import StudyUnit
from quizapp.core.store import Store
from quizapp.ui import dialogs
from quizapp.ui.mainwindow import MainWindow


def _answer(store: Store, n: int) -> str:
    return store.record_attempt(StudyUnit("asps", f"q{n}"), answer=["A"], correct=True,
                                mode="tutor").id


def _shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text, *a: shown.append((title, text)) or 0)
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a: shown.append((title, text)) or 0)
    return shown


@pytest.mark.parametrize("yes", [False, True])
def test_import_that_would_remove_answers_asks_first(window: MainWindow, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     yes: bool, qtbot) -> None:  # type: ignore[no-untyped-def]
    mine = {_answer(window.store, n) for n in range(3)}
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps({"format": 1, "seq": 0, "attempts": [], "sessions": {},
                                   "items": {}, "undone": sorted(mine),
                                   "pending_session": None}))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(hostile), ""))
    shown = _shown(monkeypatch)
    asked: list[str] = []

    def ask(cls, parent, title, text):  # type: ignore[no-untyped-def]
        asked.append(text)
        return yes

    monkeypatch.setattr(dialogs.ConfirmDialog, "ask", classmethod(ask))
    window.act["import"].trigger()  # read and merged in the background
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=10000)
    (text,) = asked
    assert "3 answer(s) recorded here would be REMOVED" in text
    if yes:
        assert window.store.attempt_count == 0
        ((title, message),) = shown
        assert title == "Progress imported" and "3 removed as undone" in message
    else:
        assert window.store.attempt_count == 3 and shown == []
        assert "nothing changed" in window.statusBar().currentMessage()


def test_ordinary_import_does_not_ask(window: MainWindow, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    with Store.open(tmp_path / "laptop") as other:
        _answer(other, 7)
        other.export_json(tmp_path / "laptop.json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a: (str(tmp_path / "laptop.json"), ""))
    shown = _shown(monkeypatch)
    window.act["import"].trigger()  # the autouse fixture fails on any confirmation
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=10000)
    ((title, message),) = shown
    assert title == "Progress imported" and message.startswith("1 answers added, 0 already")
    assert window.store.attempt_count == 1
