"""Defects found trying the installed app as a new user would (real window, keys and
mouse), each pinned by what the student sees."""

from __future__ import annotations

from PySide6.QtCore import Qt

from quizapp.core.model import Flashcard
from quizapp.core.session import Entry, Session, SessionSettings
from quizapp.ui.mainwindow import MainWindow
from quizapp.ui.widgets import Markdown

K = Qt.Key


def _cut_off(view: Markdown) -> bool:
    """True when the view is shorter than its own text at the width it has."""
    doc = view.document()
    return view.isVisible() and view.height() + 1 < doc.size().height()


def test_question_text_is_never_cut_off(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: a stem of four lines showed three ("... Select all that" without "apply.")
    before answering: the layout measured the text at the column's width, wider than the
    text's own cap, so the last wrapped line had no room."""
    deck = window.decks()["back-pain-red-flags"]
    s = SessionSettings(mode="tutor", deck_ids=(deck.id,), selection="all", limit=0,
                        shuffle=False)
    items = [it for it in deck.items if not isinstance(it, Flashcard)]
    assert any(it.id == "rf-m-discrim-neuro" for it in items)
    cut = []
    for item in items:
        window._run(Session([Entry(deck.id, item)], s, window.store))
        qtbot.wait(1)  # let the layout settle, as the window does before painting
        page = window.study
        cut += [f"{item.id}: {v.text()[:40]!r}" for v in page.findChildren(Markdown)
                if _cut_off(v)]
        page.leave()
    assert cut == []
