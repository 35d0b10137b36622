"""The exam navigator beside the study page: one button per item of the block."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QToolButton, QWidget

from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import restyle

if TYPE_CHECKING:
    from quizapp.core.session import Session


class Navigator(QWidget):
    """Exam navigator: one button per item; shows answered, flagged and current.

    Signals:
        jump(int): the student clicked the button of this item (0-based).
    """

    jump = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setSpacing(SPACE // 2)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons: list[QToolButton] = []

    def build(self, n: int) -> None:
        for b in self.buttons:
            b.deleteLater()
        self.buttons = []
        for i in range(n):
            b = QToolButton()
            b.setProperty("role", "nav")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, i=i: self.jump.emit(i))
            self.grid.addWidget(b, i // 5, i % 5)
            self.buttons.append(b)

    def update_state(self, session: Session, review: bool = False) -> None:
        """During an exam: answered / flagged / current. In the review afterwards: ✔ fully
        right or ✘ not, instead of answered."""
        missed = {i for i, _part in session.summary().missed} if review else set()
        for i, b in enumerate(self.buttons):
            status = session.entry_status(i)
            answered = status == "answered"
            flagged = session.flagged(i)
            if review:
                mark = "✘" if i in missed else "✔"
            else:
                mark = "◐" if status == "partly answered" else ""
            b.setText(f"{i + 1}{mark}{'⚑' if flagged else ''}")
            b.setProperty("answered", "true" if answered and not review else "false")
            b.setProperty("current", "true" if i == session.index else "false")
            state = ("not fully right" if i in missed else "right") if review else status
            state += ", flagged" if flagged else ""
            b.setToolTip(f"Item {i + 1}: {state}")
            b.setAccessibleName(f"Item {i + 1}, {state}")
            restyle(b)
        self.equalise()

    def equalise(self) -> None:
        """One width for all buttons, so the columns line up whatever the marks and zoom."""
        if self.buttons:
            for b in self.buttons:
                b.setMinimumWidth(0)
            w = max(b.sizeHint().width() for b in self.buttons)
            for b in self.buttons:
                b.setMinimumWidth(w)
