"""The session builder's Alt+letter keys reach its own controls, not the menu bar.

Found driving the installed app by keys only: in the builder, Alt+S (the underlined S of
"Shuffle items and options") opened the Study menu, and Alt+H (the H of "How many") opened
the Help menu, so Enter then chose "Library" or "Keyboard shortcuts" and the session being
built was gone. A page's mnemonics must not repeat a menu title's.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from quizapp.ui.mainwindow import MainWindow


def _mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def _page_mnemonics(page: QWidget) -> dict[str, str]:
    out: dict[str, str] = {}
    for w in page.findChildren(QLabel) + page.findChildren(QAbstractButton):
        if w.isVisibleTo(page):
            letter = _mnemonic(w.text())
            if letter:
                out[w.text()] = letter
    return out


def test_builder_mnemonics_are_not_menu_mnemonics(window: MainWindow) -> None:
    window.show_builder()
    menus = {_mnemonic(a.text()) for a in window.menuBar().actions()} - {None}
    assert menus >= {"f", "s", "v", "h"}
    page = _page_mnemonics(window.builder)
    assert page  # the builder does have Alt+letter keys
    clashes = {text: letter for text, letter in page.items() if letter in menus}
    assert clashes == {}
    assert len(set(page.values())) == len(page)  # and no two controls share one


def test_alt_keys_reach_how_many_and_shuffle(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.show_builder()
    b = window.builder
    how_many = next(t for t in _page_mnemonics(b) if "many" in t.replace("&", ""))
    shuffle = b.shuffle.text()
    before = b.shuffle.isChecked()
    qtbot.keyClick(window, getattr(Qt.Key, f"Key_{_mnemonic(shuffle).upper()}"),  # type: ignore[union-attr]
                   Qt.KeyboardModifier.AltModifier)
    assert window.menuBar().activeAction() is None  # no menu opened
    # a button's mnemonic clicks it as a mouse would (Qt animates the press first)
    qtbot.waitUntil(lambda: b.shuffle.isChecked() is not before)
    qtbot.keyClick(window, getattr(Qt.Key, f"Key_{_mnemonic(how_many).upper()}"),  # type: ignore[union-attr]
                   Qt.KeyboardModifier.AltModifier)
    assert window.menuBar().activeAction() is None
    assert b.limit.hasFocus()
