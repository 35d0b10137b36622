"""Small reusable widgets: Markdown text, pictures, answer options, a question view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from quizapp.core.model import LETTERS, Question
from quizapp.core.scoring import Mark, verdict
from quizapp.ui.theme import SPACE, TEXT_WIDTH

CONFIDENCE_LABELS = {1: "Unsure", 2: "Fairly sure", 3: "Sure"}


def restyle(w: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    w.style().unpolish(w)
    w.style().polish(w)
    w.update()


class Markdown(QLabel):
    """Card text: Markdown rendered by Qt, wrapped to a readable width, selectable."""

    def __init__(self, text: str = "", role: str | None = None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.MarkdownText)
        self.setWordWrap(True)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMaximumWidth(TEXT_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        if role:
            self.setProperty("role", role)
        self.setText(text)


def label(text: str, role: str | None = None) -> QLabel:
    w = QLabel(text)
    w.setWordWrap(True)
    if role:
        w.setProperty("role", role)
    return w


class Picture(QLabel):
    """An item's image, scaled to the text width; a click opens it full size."""

    def __init__(self, path: Path, alt: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.full = QPixmap(str(path))
        self.setAccessibleName(alt or f"Image {path.name}")
        self.setToolTip((alt + "\n" if alt else "") + "Click to open full size")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if self.full.isNull():
            self.setText(f"(image could not be shown: {path.name})")
        else:
            w = min(self.full.width(), TEXT_WIDTH)
            self.setPixmap(self.full.scaledToWidth(w, Qt.TransformationMode.SmoothTransformation))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.full.isNull():
            ImageDialog.show_image(self, self.full, self.accessibleName())

    def sizeHint(self) -> QSize:
        return super().sizeHint()


class ImageDialog(QDialog):
    def __init__(self, parent: QWidget | None, pixmap: QPixmap, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        area = QScrollArea()
        lab = QLabel()
        lab.setPixmap(pixmap)
        area.setWidget(lab)
        lay = QVBoxLayout(self)
        lay.addWidget(area)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        lay.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)
        self.resize(min(pixmap.width() + 40, 1200), min(pixmap.height() + 80, 900))

    @classmethod
    def show_image(cls, parent: QWidget | None, pixmap: QPixmap, title: str) -> None:
        cls(parent, pixmap, title).exec()


class OptionRow(QFrame):
    """One answer option: letter, text, and after answering a verdict and the explanation.

    Left click selects, right click strikes the option out (and back in)."""

    clicked = Signal(int)
    strike_toggled = Signal(int)

    def __init__(self, display: int, text: str, multi: bool, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.display = display
        self.multi = multi
        self.selected = False
        self.struck = False
        self.locked = False
        self.setProperty("role", "option")
        self.setProperty("state", "")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(SPACE * 3 // 2, SPACE, SPACE * 3 // 2, SPACE)
        lay.setSpacing(SPACE)
        # few widgets per option: a question appears within a frame (see the benchmarks)
        self.letter = label("", "letter")
        self.letter.setWordWrap(False)
        self.letter.setMinimumWidth(self.letter.fontMetrics().horizontalAdvance("☑  W") + 4)
        self.col = QVBoxLayout()
        self.col.setSpacing(SPACE // 2)
        self.text = Markdown(text)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.text.setMaximumWidth(16777215)  # the row itself limits the width
        self.col.addWidget(self.text)
        self.verdict: QLabel | None = None  # made when the answer is shown
        self.explanation: Markdown | None = None
        lay.addWidget(self.letter, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(self.col, 1)
        self._plain = text
        self.setAccessibleName(f"Option {LETTERS[display]}: {text}")
        self._refresh()

    def _refresh(self) -> None:
        mark = ("☑" if self.selected else "☐") if self.multi else ("◉" if self.selected else "○")
        self.letter.setText(f"{mark}  {LETTERS[self.display]}")
        state = self.property("state")
        if state in ("", "selected"):
            self.setProperty("state", "selected" if self.selected else "")
        f = self.text.font()
        f.setStrikeOut(self.struck)
        self.text.setFont(f)
        self.text.setEnabled(not self.struck)
        restyle(self)

    def set_selected(self, on: bool) -> None:
        self.selected = on
        if on:
            self.struck = False
        self._refresh()

    def toggle_strike(self) -> None:
        if self.locked:
            return
        self.struck = not self.struck
        if self.struck:
            self.selected = False
        self._refresh()
        self.strike_toggled.emit(self.display)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.locked:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self.toggle_strike()
        elif event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.display)

    def show_result(self, correct_option: bool, chosen: bool, explanation: str | None,
                    preview: bool = False) -> None:
        """After answering: mark with symbol + word + colour, and show the explanation.
        ``preview`` (for authors) says only which options are correct."""
        self.locked = True
        self.setCursor(Qt.CursorShape.ArrowCursor)
        if preview:
            state, text, role = ("correct", "✔ Correct option", "verdict-correct") \
                if correct_option else ("", "Incorrect option", "muted")
        elif correct_option and chosen:
            state, text, role = "correct", "✔ Correct answer — you chose it", "verdict-correct"
        elif correct_option:
            state, text, role = "missed", "✔ Correct answer — you did not choose it", \
                "verdict-correct"
        elif chosen:
            state, text, role = "incorrect", "✘ Incorrect — you chose it", "verdict-incorrect"
        else:
            state, text, role = "", "Incorrect option", "muted"
        self.setProperty("state", state)
        self.verdict = label(text, role)
        self.col.addWidget(self.verdict)
        self.verdict.show()
        if explanation:
            self.explanation = Markdown(explanation)
            self.explanation.setMaximumWidth(16777215)
            self.col.addWidget(self.explanation)
            self.explanation.show()
        self.setAccessibleName(f"Option {LETTERS[self.display]}: {self._plain}. {text}.")
        restyle(self)


class QuestionView(QWidget):
    """A stem, lettered options, optional confidence buttons and a Submit button.

    Options are shown in ``order`` (indices into the deck's option list); everything this
    widget reports uses deck-order indices."""

    submitted = Signal(str)  # part
    changed = Signal(str)  # part: the selection or the confidence changed

    def __init__(self, part: str, question: Question, order: tuple[int, ...], *,
                 confidence: bool, exam: bool, number: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.part = part
        self.q = question
        self.order = order
        self.multi = question.kind == "multi"
        self.exam = exam
        self.confidence_enabled = confidence
        self.confidence: int | None = None
        self.answered = False
        #: When set (the study page), a click or key on an option or a confidence button is
        #: forwarded here (deck-order option index / level) instead of changing the view;
        #: the page then shows the study engine's state with :meth:`show_state`.
        self.on_choose: Callable[[int], None] | None = None
        self.on_confidence: Callable[[int], None] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(SPACE * 3 // 2)
        if number:
            lay.addWidget(label(number, "muted"))
        self.stem = Markdown(question.stem, "stem")
        self.stem.setAccessibleName("Question")
        lay.addWidget(self.stem)
        if question.image is not None:
            lay.addWidget(Picture(question.image, question.image_alt))
        hint = ("Select all that apply" if self.multi else "Choose one") + \
            " — keys A–" + LETTERS[len(order) - 1] + \
            ("" if confidence else f" or 1–{len(order)}") + \
            "; Shift+letter or right-click strikes an option out"
        self.hint = label(hint, "muted")
        lay.addWidget(self.hint)
        self.verdict = label("")
        self.verdict.hide()
        lay.addWidget(self.verdict)
        self.rows: list[OptionRow] = []
        for display, deck_index in enumerate(order):
            row = OptionRow(display, question.options[deck_index].text, self.multi)
            row.setMaximumWidth(TEXT_WIDTH)
            row.clicked.connect(self.toggle)
            lay.addWidget(row)
            self.rows.append(row)
        self.conf_box = QWidget()
        cl = QHBoxLayout(self.conf_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(label("How sure are you?"))
        self.conf_group = QButtonGroup(self)
        self.conf_buttons: dict[int, QPushButton] = {}
        for level, text in CONFIDENCE_LABELS.items():
            b = QPushButton(f"{level} · {text}")
            b.setCheckable(True)
            b.setToolTip(f"Confidence {level}: {text} (key {level}). "
                         "Marks: right +1/+2/+3, wrong 0/−2/−6")
            b.setAccessibleName(f"Confidence {level}, {text}")
            self.conf_group.addButton(b, level)
            self.conf_buttons[level] = b
            cl.addWidget(b)
        cl.addStretch(1)
        self.conf_group.idClicked.connect(self.set_confidence)
        self.conf_box.setVisible(confidence)
        lay.addWidget(self.conf_box)
        self.submit_button = QPushButton("Save answer" if exam else "Submit answer")
        self.submit_button.setProperty("role", "primary")
        self.submit_button.setToolTip("Submit (Enter)")
        self.submit_button.clicked.connect(lambda: self.submitted.emit(self.part))
        actions = QHBoxLayout()
        actions.addWidget(self.submit_button)
        self.status = label("", "muted")
        actions.addWidget(self.status, 1)
        lay.addLayout(actions)
        self.feedback = QWidget()
        self.feedback_layout = QVBoxLayout(self.feedback)
        self.feedback_layout.setContentsMargins(0, 0, 0, 0)
        self.feedback.hide()
        lay.addWidget(self.feedback)
        self._update_submit()

    # -- input ---------------------------------------------------------------------------

    def toggle(self, display: int) -> None:
        if self.answered or not 0 <= display < len(self.rows):
            return
        if self.on_choose is not None:  # the study engine decides; it re-renders this view
            self.on_choose(self.order[display])
            return
        row = self.rows[display]
        if self.multi:
            row.set_selected(not row.selected)
        else:
            for r in self.rows:
                r.set_selected(r is row)
        self._update_submit()
        self.changed.emit(self.part)

    def strike(self, display: int) -> None:
        if 0 <= display < len(self.rows):
            self.rows[display].toggle_strike()
            self._update_submit()

    def set_confidence(self, level: int) -> None:
        if self.answered or not self.confidence_enabled:
            return
        if self.on_confidence is not None:  # the study engine decides
            self.on_confidence(level)
            return
        self.confidence = level
        self.conf_buttons[level].setChecked(True)
        self._update_submit()
        self.changed.emit(self.part)

    def selected(self) -> list[int]:
        """Chosen options as deck-order indices."""
        return [self.order[r.display] for r in self.rows if r.selected]

    def set_selected(self, deck_indices: tuple[int, ...]) -> None:
        for r in self.rows:
            r.set_selected(self.order[r.display] in deck_indices)
        self._update_submit()

    def struck(self) -> set[int]:
        return {r.display for r in self.rows if r.struck}

    def set_struck(self, displays: set[int]) -> None:
        for r in self.rows:
            if (r.display in displays) != r.struck:
                r.toggle_strike()

    def can_submit(self) -> bool:
        if self.answered:
            return False
        if self.confidence_enabled and not self.exam and self.confidence is None:
            return False
        return bool(self.selected())  # a blank answer is never submitted (the rulebook)

    def _update_submit(self) -> None:
        self.submit_button.setEnabled(self.can_submit())
        if self.answered:
            return
        if not self.selected():
            self.status.setText("Choose at least one option first." if self.multi
                                else "Choose an option first.")
        elif self.confidence_enabled and not self.exam and self.confidence is None:
            self.status.setText("Now say how sure you are (1–3).")
        else:
            self.status.setText("Press Enter to submit.")

    # -- output --------------------------------------------------------------------------

    def show_state(self, selected: tuple[int, ...], struck: frozenset[int], confidence: int | None,
               can_submit: bool, hint: str) -> None:
        """Show state decided elsewhere (the study engine's view of this question)."""
        for r in self.rows:
            r.set_selected(self.order[r.display] in selected)
        self.set_struck(set(struck))
        self.confidence = confidence
        if confidence is not None:
            self.conf_buttons[confidence].setChecked(True)
        if not self.answered:
            self.submit_button.setEnabled(can_submit)
            self.status.setText(hint)

    def lock(self, text: str = "") -> None:
        self.answered = True
        for r in self.rows:
            r.locked = True
        for b in self.conf_buttons.values():
            b.setEnabled(False)
        self.submit_button.hide()
        self.status.setText(text)

    def show_feedback(self, mark: Mark, selected: tuple[int, ...], sources: str = "",
                      preview: bool = False) -> None:
        """Mark every option, show every explanation, the objective and the source."""
        self.lock()
        for r in self.rows:
            deck_index = self.order[r.display]
            opt = self.q.options[deck_index]
            r.show_result(opt.correct, deck_index in selected, opt.explanation, preview)
        while self.feedback_layout.count():
            item = self.feedback_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        right = [LETTERS[r.display] for r in self.rows if self.q.options[self.order[r.display]]
                 .correct]
        answered = bool(selected) or bool(preview)
        said, kind = verdict(mark, self.multi, answered)
        symbol = {"correct": "✔", "partial": "◐", "wrong": "✘", "unanswered": "○"}[kind]
        text = f"{symbol} {said}"
        if kind != "correct":
            text += f" — the answer is {', '.join(right) or 'none'}"
        role = "verdict-correct" if kind == "correct" else "verdict-incorrect"
        self.verdict.setText(text)
        self.verdict.setProperty("role", role)
        self.verdict.setAccessibleName(text)
        restyle(self.verdict)
        self.verdict.setVisible(not preview)
        self.hint.hide()
        if self.multi:
            self.feedback_layout.addWidget(label(
                "Select-all questions: each option is a separate true/false judgement; "
                + ("with certainty-based marks only a fully right answer scores."
                   if mark.confidence else "partial credit is the share judged right."),
                "muted"))
        if self.q.explanation:
            self.feedback_layout.addWidget(Markdown(self.q.explanation))
        if self.q.objective:
            self.feedback_layout.addWidget(Markdown(f"**Learning objective:** {self.q.objective}"))
        if sources:
            self.feedback_layout.addWidget(Markdown(sources, "muted"))
        self.feedback.show()
        self.status.setText("")
