"""The session builder at large text sizes: every control can be reached and read whole.

At 250% text size the builder used to squeeze its rows below their height (the mode
descriptions showed half a line; the options were cut at the bottom) and long deck names
needed a sideways scrollbar. Now the builder's body scrolls and deck names wrap."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QListWidget,
    QScrollArea,
    QWidget,
)

from quizapp.ui.app import apply_look
from quizapp.ui.mainwindow import MainWindow

CONTROLS = (QLabel, QAbstractButton, QAbstractSpinBox, QComboBox, QListWidget)


def _seen(w: QWidget, page: QWidget) -> QRect:
    """The part of ``w`` not cut off by any widget it sits in, in ``page``'s coordinates."""
    rect = QRect(w.mapTo(page, QPoint(0, 0)), w.size())
    p = w.parentWidget()
    while p is not None and p is not page:
        rect = rect.intersected(QRect(p.mapTo(page, QPoint(0, 0)), p.size()))
        p = p.parentWidget()
    return rect.intersected(page.rect())


def _scroll_area_of(w: QWidget, page: QWidget) -> QScrollArea | None:
    p = w.parentWidget()
    while p is not None and p is not page:
        if isinstance(p, QScrollArea):
            return p
        p = p.parentWidget()
    return None


def _problems(page: QWidget) -> list[str]:
    """Every visible control that is squeezed below the height its text needs, or that no
    scrolling brings fully into view."""
    out: list[str] = []
    for w in page.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or not w.isVisibleTo(page) or \
                isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox):
            continue
        name = w.text() if isinstance(w, QLabel | QAbstractButton) else w.accessibleName()
        name = name or type(w).__name__
        if not isinstance(w, QListWidget):
            need = w.heightForWidth(w.width()) if w.hasHeightForWidth() else \
                w.sizeHint().height()
            if w.height() < need or w.width() < w.minimumSizeHint().width():
                out.append(f"{name!r} squeezed: {w.width()}x{w.height()}, needs "
                           f"{w.minimumSizeHint().width()}x{need}")
                continue
        area = _scroll_area_of(w, page)
        if area is not None:
            area.ensureWidgetVisible(w, 0, 0)
            QApplication.processEvents()
        if _seen(w, page).size() != w.size():
            out.append(f"{name!r} cut off: {_seen(w, page).size().toTuple()} of "
                       f"{w.size().toTuple()} seen")
    return out


@pytest.mark.parametrize("zoom", [1.0, 2.0, 2.5])
@pytest.mark.parametrize("size", [(1280, 800), (900, 600)])
def test_every_builder_control_is_reachable_and_whole(
        window: MainWindow, zoom: float, size: tuple[int, int]) -> None:
    window.resize(*size)
    apply_look(QApplication.instance(), "dark", zoom)  # type: ignore[arg-type]
    window.show_builder()
    QApplication.processEvents()
    assert _problems(window.builder) == []


@pytest.mark.parametrize("zoom", [1.0, 2.5])
def test_long_deck_names_wrap_instead_of_scrolling_sideways(
        window: MainWindow, zoom: float) -> None:
    apply_look(QApplication.instance(), "dark", zoom)  # type: ignore[arg-type]
    window.show_builder()
    QApplication.processEvents()
    decks = window.builder.decks
    assert decks.count() >= 3
    assert decks.horizontalScrollBar().maximum() == 0
    assert all(decks.visualItemRect(decks.item(i)).width() <= decks.viewport().width()
               for i in range(decks.count()))
    # the longest name is shown on more than one line, not cut at the edge
    longest = max(range(decks.count()), key=lambda i: len(decks.item(i).text()))
    one_line = decks.fontMetrics().height()
    text_width = decks.fontMetrics().horizontalAdvance(decks.item(longest).text())
    if text_width > decks.viewport().width():
        assert decks.visualItemRect(decks.item(longest)).height() > 1.5 * one_line
