"""The reference panel: F2 beside a question opens the deck's sheets; the filter narrows them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from quizapp.core.session import SessionSettings
from quizapp.ui.app import create_app
from quizapp.ui.dialogs import ShortcutsDialog
from quizapp.ui.mainwindow import MainWindow
from quizapp.ui.preview import PreviewWindow
from quizapp.ui.widgets import Markdown
from tests.helpers import VALID_DECK


def test_f2_opens_the_red_flag_table_beside_an_exam_and_filters_it(
        window: MainWindow, qtbot, confirm_yes) -> None:  # type: ignore[no-untyped-def]
    window.flow.start_session(SessionSettings(mode="exam", deck_ids=("back-pain-red-flags",),
                                         selection="all", limit=5, shuffle=False))
    assert window.stack.currentWidget() is window.study
    panel = window.pages.references
    assert not window.pages.ref_dock.isVisible()
    qtbot.keyClick(window.study, Qt.Key.Key_F2)
    assert window.pages.ref_dock.isVisible()
    assert panel.filter.hasFocus()
    assert any(t.startswith("Table 1") for t in panel.shown)
    text = panel.shown_text()
    for flag in ("Saddle anaesthesia", "Thoracic pain", "Intravenous drug use"):
        assert flag in text
    qtbot.keyClicks(panel.filter, "saddle")
    text = panel.shown_text()
    assert "Saddle anaesthesia" in text and "Thoracic pain" not in text
    assert "matches “saddle”" in panel.status.text()
    qtbot.keyClicks(panel.filter, "zzz")
    assert panel.shown == [] and "No sheet matches" in panel.status.text()
    qtbot.keyClick(panel.filter, Qt.Key.Key_Escape)  # clears the filter
    assert panel.filter.text() == "" and len(panel.shown) >= 2
    # typing in the filter never answered the question
    assert not list(window.store.attempts())
    qtbot.keyClick(panel.filter, Qt.Key.Key_F2)
    assert not window.pages.ref_dock.isVisible()
    qtbot.keyClick(window.study, Qt.Key.Key_F2)
    assert window.pages.ref_dock.isVisible()
    window.show_library()  # the panel belongs to studying
    assert not window.pages.ref_dock.isVisible() and not window.act["references"].isEnabled()


def test_a_deck_without_sheets_says_so(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.flow.start_session(SessionSettings(mode="tutor", deck_ids=("asps-essentials",),
                                         selection="all", limit=3, shuffle=False))
    qtbot.keyClick(window.study, Qt.Key.Key_F2)
    assert window.pages.ref_dock.isVisible()
    assert "no reference sheets" in window.pages.references.status.text()


def test_preview_lists_and_shows_reference_sheets(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK.replace("items:\n", (
        "references:\n  - id: t1\n    title: Lab values\n    source: src\n    text: |\n"
        "      | test | range |\n      |---|---|\n      | sodium | 135-145 mmol/L |\n"
        "items:\n"), 1), encoding="utf-8")
    create_app()
    win = PreviewWindow(deck)
    qtbot.addWidget(win)
    win.show()
    assert "1 reference sheet" in win.header.text()
    rows = [win.items.item(i).text() for i in range(win.items.count())]
    assert rows[-1] == "Reference sheet · Lab values"
    win.items.setCurrentRow(len(rows) - 1)
    shown = "\n".join(m.text() for m in win.scroll_area.widget().findChildren(Markdown))
    assert "sodium" in shown and "A source" in shown


def test_f2_is_listed_in_the_shortcuts_help(window: MainWindow) -> None:
    dlg = ShortcutsDialog(window, [a for a in window.actions() if a.isVisible() and a.text()])
    t = dlg.findChild(QTableWidget)
    rows = {t.item(r, 0).text(): t.item(r, 1).text() for r in range(t.rowCount())}
    assert rows.get("Reference sheets") == "F2"
