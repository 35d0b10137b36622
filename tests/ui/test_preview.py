"""Live preview: reloads on a real file write, also when an editor replaces the file."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from quizapp.ui.app import create_app
from quizapp.ui.preview import PreviewWindow
from tests.helpers import VALID_DECK


def make(qtbot, path: Path) -> PreviewWindow:  # type: ignore[no-untyped-def]
    create_app()
    win = PreviewWindow(path)
    qtbot.addWidget(win)
    win.show()
    return win


def test_reloads_on_save_and_keeps_current_item(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK, encoding="utf-8")
    win = make(qtbot, deck)
    assert win.deck() is not None and "valid" in win.header.text()
    win.items.setCurrentRow(2)
    assert win.current_id == "m1"
    with qtbot.waitSignal(win.reloaded, timeout=5000) as blocker:
        deck.write_text(VALID_DECK.replace("Which ones?", "Which ones now?"), encoding="utf-8")
    assert blocker.args[0].ok
    assert win.current_id == "m1" and win.items.currentRow() == 2
    assert win.deck().item("m1").stem == "Which ones now?"  # type: ignore[union-attr]


def test_problems_inline_and_click_copies_location(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK, encoding="utf-8")
    win = make(qtbot, deck)
    with qtbot.waitSignal(win.reloaded, timeout=5000):
        deck.write_text(VALID_DECK.replace("answer: A", "answer: D"), encoding="utf-8")
    assert "1 problem" in win.header.text()
    item = win.problems.item(0)
    assert item.text().endswith("answer 'D' is not one of the options (A-B); "
                                "this question has only 2 options")
    win._copy_location(item)
    assert QGuiApplication.clipboard().text() == f"{deck.resolve()}:18:13"
    assert win.items.count() == 4  # the last good version stays visible


def test_survives_editor_that_replaces_the_file(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK, encoding="utf-8")
    win = make(qtbot, deck)
    for n in range(2):  # twice: the watch must be re-established after each replace
        tmp = tmp_path / f".d.yaml.swp{n}"
        tmp.write_text(VALID_DECK.replace("Front", f"Front v{n}"), encoding="utf-8")
        with qtbot.waitSignal(win.reloaded, timeout=5000):
            os.replace(tmp, deck)
        qtbot.waitUntil(lambda n=n: win.deck() is not None and  # type: ignore[misc]
                        win.deck().items[0].front == f"Front v{n}", timeout=5000)


def test_text_yaml_would_change_is_warned_in_the_preview(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An author who writes '#NOF' unquoted sees at once, while writing, that YAML cut it."""
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK.replace("front: Front", "front: Admitted with a #NOF"),
                    encoding="utf-8")
    win = make(qtbot, deck)
    assert win.deck() is not None
    assert "1 warning below" in win.header.text()
    rows = [win.problems.item(i).text() for i in range(win.problems.count())]
    assert win.problems.isVisibleTo(win) and len(rows) == 1
    assert rows[0].startswith(f"{deck}:9:28: warning: item 1 (fc1): ' #' starts a YAML comment")


def test_sources_read_as_one_sentence_and_ctrl_q_or_ctrl_w_closes(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A bundled deck whose items cite two sources, each citation ending in a full stop:
    the line reads "A; B." (never ".;"), as in the reference panel. The preview is a window
    of its own: Ctrl+Q closes it, like Ctrl+W."""
    from PySide6.QtCore import Qt

    from quizapp.core.paths import bundled_decks_dir
    from quizapp.ui.widgets import Markdown

    win = make(qtbot, bundled_decks_dir() / "back-pain-red-flags.yaml")
    deck = win.deck()
    assert deck is not None
    row = next(i for i, item in enumerate(deck.items) if len(item.sources) >= 2)
    win.items.setCurrentRow(row)
    lines = [w.text() for w in win.findChildren(Markdown) if "Source:" in w.text()]
    assert lines and all(".;" not in t and t.rstrip().endswith(".") for t in lines), lines
    assert any(";" in t for t in lines)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not win.isVisible()
