"""The reference panel: a deck's reference sheets (e.g. Table 1) beside the questions.

Shown in a dock of the main window during study and exams (F2 opens and closes it) and used by
the deck preview. What a filter keeps is decided in :mod:`quizapp.core.references`; this module
only shows it, each sheet's text through the card-text :class:`~quizapp.ui.widgets.Markdown`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from quizapp.core.model import Deck, Reference
from quizapp.core.references import sheet_views
from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import Markdown, label


def sources_text(deck: Deck, keys: Sequence[str]) -> str:
    """"*Source:* A; B." for the deck's sources named by ``keys`` ("" when none): each
    citation without its own closing full stop, so none reads ".;"."""
    cites = [deck.sources[k].citation.rstrip(". ") for k in keys if k in deck.sources]
    return "*Source:* " + "; ".join(cites) + "." if cites else ""


def sheet_widgets(lay: QVBoxLayout, ref: Reference, text: str, deck: Deck | None,
                  heading: str = "") -> None:
    """Add one sheet (title, text, sources) to ``lay``."""
    lay.addWidget(label(heading or ref.title, "subtitle"))
    body = Markdown(text)
    body.setMaximumWidth(16_777_215)  # a table uses the panel's whole width
    body.setAccessibleName(ref.title)
    lay.addWidget(body)
    cited = sources_text(deck, ref.sources) if deck is not None else ""
    if cited:
        lay.addWidget(Markdown(cited, "muted"))


class _FilterBox(QLineEdit):
    """Signals: ``leave`` — Esc was pressed (give the keyboard back to the question)."""

    leave = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            else:
                self.leave.emit()
            return
        super().keyPressEvent(event)


class ReferencePanel(QWidget):
    """The sheets of some decks with a filter box.

    Signals:
        leave: emitted when Esc is pressed in an empty filter box.
    """

    leave = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._decks: list[Deck] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(SPACE, SPACE, SPACE, SPACE)
        self.filter = _FilterBox()
        self.filter.setPlaceholderText("Filter the sheets (e.g. fever)")
        self.filter.setAccessibleName("Filter reference sheets")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self.refresh())
        self.filter.leave.connect(self.leave)
        lay.addWidget(self.filter)
        self.status = label("", "muted")
        self.status.setAccessibleName("Reference sheets status")
        lay.addWidget(self.status)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        lay.addWidget(self.scroll_area, 1)
        self.shown: list[str] = []  # titles of the sheets on show, in order
        self.refresh()

    def set_decks(self, decks: Sequence[Deck]) -> None:
        if [(d.id, d.references) for d in decks] == [(d.id, d.references) for d in self._decks]:
            return
        self._decks = list(decks)
        self.refresh()

    def set_filter(self, text: str) -> None:
        self.filter.setText(text)  # refreshes through textChanged

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def refresh(self) -> None:
        query = self.filter.text()
        views = sheet_views(self._decks, query)
        total = sum(len(d.references) for d in self._decks)
        if not total:
            self.status.setText("The decks in this session have no reference sheets.")
        elif not views:
            self.status.setText(f"No sheet matches “{query.strip()}”.")
        elif query.strip():
            self.status.setText(f"Showing what matches “{query.strip()}” in {len(views)} of "
                                f"{total} sheet{'s' if total != 1 else ''}.")
        else:
            self.status.setText(f"{total} sheet{'s' if total != 1 else ''}.")
        by_id = {d.id: d for d in self._decks}
        several = len({v.deck_id for v in views}) > 1
        content = QWidget()
        cl = QVBoxLayout(content)
        cl.setSpacing(SPACE)
        for v in views:
            heading = f"{v.title} ({v.deck_title})" if several else v.title
            sheet_widgets(cl, v.reference, v.text, by_id.get(v.deck_id), heading)
        cl.addStretch(1)
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll_area.setWidget(content)
        self.shown = [v.title for v in views]

    def shown_text(self) -> str:
        """The sheet text on show (for tests and accessibility checks)."""
        w = self.scroll_area.widget()
        return "\n".join(m.text() for m in w.findChildren(Markdown)) if w else ""
