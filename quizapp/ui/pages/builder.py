"""The session builder: decks, tags, mode, which items, how many, and options."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from quizapp.core.model import Deck
from quizapp.core.sessionmodel import MODE_LABELS, SELECTIONS, SessionSettings
from quizapp.core.store import Mode
from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import label

MODE_HELP = {
    "flashcards": "Space shows the answer, 1–4 rates it; spaced repetition decides what is due.",
    "tutor": "Questions and cases with the explanation after each answer.",
    "exam": "A timed block with a navigator; explanations only at the end.",
}


class BuilderPage(QWidget):
    """The session builder: decks, tags, mode, selection and size, with a live count.

    Signals:
        start(SessionSettings): the student clicked Start with these settings.
        cancel(): the student left the builder without starting.
    """

    start = Signal(object)  # SessionSettings
    cancel = Signal()

    _all_decks: list[Deck]

    def __init__(self, count: Callable[[SessionSettings], int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self._count = count
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE * 3, SPACE * 3, SPACE * 3, SPACE * 2)
        outer.setSpacing(SPACE * 2)
        # Everything above the Start/Back row scrolls: at large text sizes (250%) the rows
        # would otherwise be squeezed below their height and cut off.
        body = QWidget()
        body.setObjectName("page")
        top = QVBoxLayout(body)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(SPACE * 2)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)
        top.addWidget(label("New session", "title"))
        top.addWidget(label("Choose what to study. The count below updates as you go.",
                            "muted"))
        # two columns side by side, one above the other when they do not fit (large text)
        self.columns = cols = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        cols.setSpacing(SPACE * 3)
        self._left = left = QVBoxLayout()
        box = QGroupBox("Decks")
        bl = QVBoxLayout(box)
        self.decks = QListWidget()
        self.decks.setAccessibleName("Decks to include")
        _wrapping(self.decks)
        self.decks.itemChanged.connect(self._changed)
        bl.addWidget(self.decks)
        left.addWidget(box, 2)
        tbox = QGroupBox("Tags (none ticked = all topics)")
        tl = QVBoxLayout(tbox)
        self.tags = QListWidget()
        self.tags.setAccessibleName("Tags to include")
        _wrapping(self.tags)
        self.tags.itemChanged.connect(self._changed)
        tl.addWidget(self.tags)
        left.addWidget(tbox, 3)
        cols.addLayout(left, 1)

        self._right = right = QVBoxLayout()
        mbox = QGroupBox("Mode")
        ml = QVBoxLayout(mbox)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for i, (key, name) in enumerate(MODE_LABELS.items()):
            rb = QRadioButton(f"&{i + 1} {name}")
            rb.setToolTip(MODE_HELP[key])
            self.mode_group.addButton(rb, i)
            self.mode_buttons[key] = rb
            ml.addWidget(rb)
            ml.addWidget(label(MODE_HELP[key], "muted"))
        self.mode_group.idToggled.connect(lambda *_: self._changed())
        right.addWidget(mbox)
        obox = QGroupBox("Items and options")
        form = QFormLayout(obox)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.selection = QComboBox()
        for key, name in SELECTIONS.items():
            self.selection.addItem(name, key)
        self.selection.currentIndexChanged.connect(self._changed)
        form.addRow("&Which items", self.selection)
        self.limit = QSpinBox()
        self.limit.setRange(0, 10000)
        self.limit.setSpecialValueText("All")
        self.limit.setValue(20)
        self.limit.valueChanged.connect(self._changed)
        form.addRow("How &many", self.limit)  # Alt+H is the Help menu
        self.shuffle = QCheckBox("Shuffle items and &options")  # Alt+S: Study menu
        self.shuffle.setChecked(True)
        form.addRow("", self.shuffle)
        self.confidence = QCheckBox("Rate &confidence (certainty-based marks)")
        self.confidence.setToolTip("Before submitting, say how sure you are (1–3): right "
                                   "+1/+2/+3, wrong 0/−2/−6. Results show your calibration.")
        form.addRow("", self.confidence)
        self.seconds = QSpinBox()
        self.seconds.setRange(10, 600)
        self.seconds.setValue(90)
        self.seconds.setSuffix(" s per question")
        form.addRow("&Exam time", self.seconds)
        right.addWidget(obox)
        right.addStretch(1)
        cols.addLayout(right, 1)
        top.addLayout(cols, 1)

        foot = QHBoxLayout()
        self.summary = label("", "subtitle")
        self.summary.setAccessibleName("Items in this session")
        foot.addWidget(self.summary, 1)
        back = QPushButton("Back")
        back.setToolTip("Back to the library (Esc)")
        back.clicked.connect(self.cancel)
        self.start_button = QPushButton("Start session")
        self.start_button.setProperty("role", "primary")
        self.start_button.setToolTip("Start (Enter)")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._start)
        for key in ("Return", "Enter", "Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self._start)
        foot.addWidget(back)
        foot.addWidget(self.start_button)
        outer.addLayout(foot)
        self._loading = False

    # -- layout -----------------------------------------------------------------------------

    def _reflow(self) -> None:
        """Columns side by side when both fit the page's width, else one above the other."""
        need = (self._left.minimumSize().width() + self._right.minimumSize().width()
                + self.columns.spacing())
        room = self.scroll_area.viewport().width()
        direction = (QBoxLayout.Direction.LeftToRight if room >= need
                     else QBoxLayout.Direction.TopToBottom)
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._reflow()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._reflow()

    def populate(self, decks: list[Deck], s: SessionSettings) -> None:
        self._loading = True
        self.decks.clear()
        for d in decks:
            it = QListWidgetItem(f"{d.title}  ({len(d.items)} items)")
            it.setData(Qt.ItemDataRole.UserRole, d.id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = not s.deck_ids or d.id in s.deck_ids
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.decks.addItem(it)
        self.tags.clear()
        self._all_decks = decks
        counts = self._tag_counts(None)
        for t in sorted(counts):
            it = QListWidgetItem(f"{t}  ({counts[t]})")
            it.setData(Qt.ItemDataRole.UserRole, t)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if t in s.tags else Qt.CheckState.Unchecked)
            self.tags.addItem(it)
        self.mode_buttons.get(s.mode, self.mode_buttons["tutor"]).setChecked(True)
        self.selection.setCurrentIndex(max(0, self.selection.findData(s.selection)))
        self.limit.setValue(s.limit)
        self.shuffle.setChecked(s.shuffle)
        self.confidence.setChecked(s.confidence)
        self.seconds.setValue(s.seconds_per_question)
        self._loading = False
        self._changed()
        self.decks.setFocus()

    def settings(self) -> SessionSettings:
        def checked(w: QListWidget) -> tuple[str, ...]:
            return tuple(w.item(i).data(Qt.ItemDataRole.UserRole) for i in range(w.count())
                         if w.item(i).checkState() == Qt.CheckState.Checked)

        mode: Mode = list(MODE_LABELS)[max(0, self.mode_group.checkedId())]  # type: ignore[assignment]
        return SessionSettings(
            mode=mode, deck_ids=checked(self.decks), tags=checked(self.tags),
            selection=self.selection.currentData(), limit=self.limit.value(),
            shuffle=self.shuffle.isChecked(), confidence=self.confidence.isChecked(),
            seconds_per_question=self.seconds.value(),
        )

    def _tag_counts(self, deck_ids: tuple[str, ...] | None) -> dict[str, int]:
        """Items per tag in the given decks (None: all of them)."""
        counts: dict[str, int] = {}
        for d in self._all_decks:
            if deck_ids is not None and d.id not in deck_ids:
                continue
            for item in d.items:
                for t in item.tags:
                    counts[t] = counts.get(t, 0) + 1
        return counts

    def _changed(self, *_: object) -> None:
        if self._loading:
            return
        s = self.settings()
        counts = self._tag_counts(s.deck_ids)  # tag counts follow the ticked decks
        self.tags.blockSignals(True)
        regrouped = False
        for i in range(self.tags.count()):
            it = self.tags.item(i)
            tag = it.data(Qt.ItemDataRole.UserRole)
            it.setText(f"{tag}  ({counts.get(tag, 0)})")
            hide = tag not in counts and it.checkState() != Qt.CheckState.Checked
            regrouped |= hide != it.isHidden()
            it.setHidden(hide)
        self.tags.blockSignals(False)
        if regrouped:  # another set of tags: show it from its first (the list kept its
            self.tags.scrollToTop()  # old scroll position and opened halfway down)
        self.seconds.setEnabled(s.mode == "exam")
        self.confidence.setEnabled(s.mode != "flashcards")
        if not s.deck_ids:
            self.summary.setText("Tick at least one deck.")
            self.start_button.setEnabled(False)
            return
        everything = SessionSettings.from_dict({**s.to_dict(), "limit": 0})
        total = self._count(everything)  # what matches, not the How-many limit
        n = min(total, s.limit) if s.limit > 0 else total
        kind = "cards" if s.mode == "flashcards" else "questions and cases"
        if not total:
            self.summary.setText(f"No {kind} match: try another mode, more tags, or 'All'.")
        elif n < total:
            self.summary.setText(f"{total} {kind} match; this session takes {n} of them.")
        else:
            self.summary.setText(f"{total} {kind} match.")
        self.start_button.setEnabled(n > 0)

    def _start(self) -> None:
        if self.start_button.isEnabled():
            self.start.emit(self.settings())


def _wrapping(w: QListWidget) -> None:
    """Long names wrap onto more lines instead of needing a sideways scrollbar; the list keeps
    room for a few rows at any text size (the page scrolls instead of squeezing it)."""
    w.setWordWrap(True)
    w.setUniformItemSizes(False)
    w.setResizeMode(QListWidget.ResizeMode.Adjust)
    w.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    w.setTextElideMode(Qt.TextElideMode.ElideNone)
    w.setMinimumHeight(w.fontMetrics().height() * 4)
