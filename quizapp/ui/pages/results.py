"""Results: score, marks, time, per-tag breakdown, calibration, missed items, retry."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quizapp.core.scoring import (
    calibration_band,
    count_of,
    duration_text,
    format_marks,
    plural,
)
from quizapp.core.session import Session, Summary
from quizapp.core.sessionmodel import MODE_LABELS
from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import CONFIDENCE_LABELS, label


def _card(title: str, value: str, note: str = "") -> QFrame:
    f = QFrame()
    f.setProperty("role", "card")
    lay = QVBoxLayout(f)
    lay.setContentsMargins(SPACE * 2, SPACE * 3 // 2, SPACE * 2, SPACE * 3 // 2)
    lay.addWidget(label(title, "muted"))
    v = label(value, "title")
    v.setAccessibleName(f"{title}: {value}")
    lay.addWidget(v)
    if note:
        lay.addWidget(label(note, "muted"))
    return f


class ResultsPage(QWidget):
    """A finished session's score, calibration and item list.

    Signals:
        retry_missed(): the student asked to study the missed items again.
        review(): the student asked to review the session from its first item.
        home(): the student asked to go back to the library.
        review_item(int): the student picked this item (0-based) to review.
    """

    retry_missed = Signal()
    review = Signal()
    home = Signal()
    review_item = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE * 3, SPACE * 3, SPACE * 3, SPACE * 2)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area, 1)
        foot = QHBoxLayout()
        self.retry_button = QPushButton("Retry missed")
        self.retry_button.setProperty("role", "primary")
        self.retry_button.setToolTip("Start a new session with the items you missed (R)")
        self.retry_button.clicked.connect(self.retry_missed)
        self.review_button = QPushButton("Review all answers")
        self.review_button.setToolTip("Go through every item with its explanations (V)")
        self.review_button.clicked.connect(self.review)
        self.home_button = QPushButton("Back to library")
        self.home_button.setToolTip("Back to the library (Esc)")
        self.home_button.clicked.connect(self.home)
        foot.addStretch(1)
        for b in (self.review_button, self.retry_button, self.home_button):
            foot.addWidget(b)
        outer.addLayout(foot)
        self.missed_list: QListWidget | None = None
        self._keys()

    def _keys(self) -> None:
        """Enter retries the missed items (or opens the missed item selected in the list);
        R and V as the buttons say; the page scrolls with PgUp/PgDn, arrows, Home and End."""
        def sc(key: str, fn: Callable[[], object]) -> None:
            s = QShortcut(QKeySequence(key), self)
            s.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            s.activated.connect(fn)

        for key in ("Return", "Enter"):
            sc(key, self.key_enter)
        sc("R", lambda: self._press(self.retry_button))
        sc("V", lambda: self._press(self.review_button))
        bar = self.scroll_area.verticalScrollBar
        sc("PgDown", lambda: bar().setValue(bar().value() + bar().pageStep()))
        sc("PgUp", lambda: bar().setValue(bar().value() - bar().pageStep()))
        sc("Home", lambda: bar().setValue(bar().minimum()))
        sc("End", lambda: bar().setValue(bar().maximum()))

    @staticmethod
    def _press(b: QPushButton) -> None:
        if b.isEnabled() and b.isVisibleTo(b.window()):
            b.click()

    def key_enter(self) -> None:
        lst = self.missed_list
        if lst is not None and lst.hasFocus() and lst.currentItem() is not None:
            lst.itemActivated.emit(lst.currentItem())
        elif self.retry_button.isEnabled():
            self.retry_button.click()
        else:
            self.home_button.click()

    def show_summary(self, session: Session, s: Summary) -> None:
        content = QWidget()
        lay = QVBoxLayout(content)
        lay.setSpacing(SPACE * 2)
        lay.setAlignment(Qt.AlignmentFlag.AlignTop)
        lay.addWidget(label(f"Results — {s.label or MODE_LABELS[s.mode]}", "title"))
        cards = QHBoxLayout()
        if s.questions:
            cards.addWidget(_card("Score", f"{s.percent:.0f}%",
                                  f"{count_of(s.correct, s.questions, 'question')} fully right"))
            if s.cbm:
                cards.addWidget(_card("Certainty-based marks",
                                      f"{format_marks(s.marks)} / {format_marks(s.max_marks)}",
                                      "right +1/+2/+3 · wrong 0/−2/−6"))
            else:
                cards.addWidget(_card("Marks",
                                      f"{format_marks(s.credit)} / {format_marks(s.questions)}",
                                      "partial credit on select-all" if s.select_all else
                                      "1 per question fully right"))
        ratings = sum(s.flashcards.values())  # a card rated Again, then Good: 1 card, 2
        if ratings:
            cards.addWidget(_card("Cards reviewed", str(s.cards), plural(ratings, "rating")
                                  + ": " + ", ".join(f"{k} {v}"
                                                     for k, v in s.flashcards.items())))
        # the pace in what was counted: "per item" divided by questions said 3 s per item
        # for an exam of three cases (13 questions) that took 46 s
        n = s.questions + ratings
        unit = ("answer" if s.questions and ratings else
                "question" if s.questions else "rating")
        cards.addWidget(_card("Time", duration_text(s.time_ms),  # as Statistics says it
                              f"{duration_text(s.time_ms / n)} per {unit}" if n else ""))
        cards.addStretch(1)
        lay.addLayout(cards)

        if s.case_marks:
            lines = []
            for idx, marks, best in s.case_marks:
                lines.append(f"• {session.entries[idx].title}: {format_marks(marks)} of "
                             f"{format_marks(best)} marks")
            lay.addWidget(label("Cases", "subtitle"))
            lay.addWidget(label("\n".join(lines)))

        if s.calibration:
            lay.addWidget(label("Confidence calibration", "subtitle"))
            lay.addWidget(label("How often you were right at each confidence level. Well "
                                f"calibrated: {calibration_band(1)} when unsure, "
                                f"{calibration_band(2)} when fairly sure, "
                                f"{calibration_band(3)} when sure.", "muted"))
            grid = QGridLayout()
            for r, (level, (ok, total)) in enumerate(s.calibration.items()):
                pct = 100 * ok / total if total else 0
                bar = "█" * round(pct / 5) + "░" * (20 - round(pct / 5))
                grid.addWidget(label(f"{level} · {CONFIDENCE_LABELS[level]}"), r, 0)
                grid.addWidget(label(bar), r, 1)
                grid.addWidget(label(f"{pct:.0f}% right ({count_of(ok, total, 'answer')})"),
                               r, 2)
            lay.addLayout(grid)

        if s.per_tag:
            lay.addWidget(label("By topic (weakest first)", "subtitle"))
            table = QTableWidget(len(s.per_tag), 3)
            table.setHorizontalHeaderLabels(["Tag", "Right", "Score"])
            table.verticalHeader().hide()
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setAccessibleName("Score by tag")
            table.setTabKeyNavigation(False)
            for i, t in enumerate(s.per_tag):
                table.setItem(i, 0, QTableWidgetItem(t.tag))
                table.setItem(i, 1, QTableWidgetItem(f"{t.correct} of {t.total}"))
                table.setItem(i, 2, QTableWidgetItem(f"{t.percent:.0f}%"))
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            table.setMinimumHeight(min(300, 40 + 30 * len(s.per_tag)))
            lay.addWidget(table)

        missed = session.missed_entries()
        lay.addWidget(label(f"Missed ({len(missed)})", "subtitle"))
        if missed:
            self.missed_list = QListWidget()
            self.missed_list.setAccessibleName("Missed items")
            for idx in session.missed_indices():
                self.missed_list.addItem(f"{idx + 1}. {session.entries[idx].title}")
            self.missed_list.setMinimumHeight(min(260, 30 + 28 * self.missed_list.count()))
            self.missed_list.itemActivated.connect(
                lambda it: self.review_item.emit(int(it.text().split(".")[0]) - 1))
            lay.addWidget(self.missed_list)
        elif s.answered or s.flashcards:
            lay.addWidget(label("Nothing missed. Well done.", "muted"))
        else:
            lay.addWidget(label("Nothing was answered in this session.", "muted"))
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll_area.setWidget(content)
        self.retry_button.setEnabled(bool(missed))
        self.review_button.setVisible(bool(s.questions))
        self.retry_button.setToolTip("Start a new session with the items you missed "
                                     "(Enter or R)")
        (self.retry_button if missed else self.home_button).setFocus()
