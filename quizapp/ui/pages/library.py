"""The home page: decks with their counts, deck problems, and the way into a session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from quizapp.ui.labels import label, plain_tooltip
from quizapp.ui.theme import SPACE

if TYPE_CHECKING:
    from PySide6.QtWidgets import (
        QListWidget,
        QTableWidget,
        QTableWidgetItem,
    )

    from quizapp.core.library import LoadResult
    from quizapp.ui.widgets import Markdown


class Banner(QFrame):
    """A dismissable message at the top of the page (shown once per event)."""

    def __init__(self, text: str, actions: list[tuple[str, Callable[[], object]]] | None = None,
                 parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt  # not before the first paint (see quizapp.ui.app)

        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # shown once, never reused
        self.setProperty("role", "banner")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(SPACE * 2, SPACE, SPACE, SPACE)
        msg = label(text)
        msg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(msg, 1)
        self.message = msg
        for name, fn in actions or []:
            b = QPushButton(name)
            b.clicked.connect(fn)
            b.clicked.connect(self.close)
            lay.addWidget(b)
        close = QPushButton("Dismiss")
        close.setToolTip("Hide this message")
        close.clicked.connect(self.close)
        lay.addWidget(close)
        self.setAccessibleName(text)

    def set_text(self, text: str) -> None:
        self.message.setText(text)
        self.setAccessibleName(text)


class LibraryPage(QWidget):
    """The decks with their counts, banners, and the buttons to study.

    Signals:
        study_due(): the "Study what is due" button was clicked.
        build_session(): the "New session" button was clicked.
        open_deck(): the "Open deck" button was clicked.
        reload_deck(str): the student asked to reload the deck file at this path.
        deck_activated(str): a loaded deck's row (its file's path) was activated (double
            click or Enter): study that deck.
    """

    study_due = Signal()
    build_session = Signal()
    open_deck = Signal()
    reload_deck = Signal(str)  # path
    deck_activated = Signal(str)  # path: start studying this deck

    COLUMNS = ("Deck", "Items", "New", "Due", "Seen", "Last score")
    #: what each column counts, said on its header (Statistics counts answers, and questions
    #: and card sides, so the words say which is which)
    COLUMN_TIPS = (
        "The deck's title: double-click or Enter studies it",
        "Flashcards, questions and cases (a case holds several questions)",
        "Items you have never answered",
        "Items due by the end of today's study day (overdue included)",
        "Items you have answered at least once",
        "The last session's score on this deck's questions (flashcards are rated, not scored)",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE * 3, SPACE * 3, SPACE * 3, SPACE * 2)
        outer.setSpacing(SPACE * 2)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(label("Library", "title"))
        self.subtitle = label("Your decks. Pick one and study what is due, or build a session.",
                              "muted")
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        self.due_button = QPushButton("Study what is due")
        self.due_button.setProperty("role", "primary")
        self.due_button.setToolTip("Start a session with everything due and some new items "
                                   "from the selected decks, or from every deck when none is "
                                   "selected (Ctrl+D)")
        self.due_button.clicked.connect(self.study_due)
        self.build_button = QPushButton("New session…")
        self.build_button.setToolTip("Choose decks, tags, mode and items (Ctrl+N)")
        self.build_button.clicked.connect(self.build_session)
        self.open_button = QPushButton("Open deck…")
        self.open_button.setToolTip("Add a deck file to the library (Ctrl+O)")
        self.open_button.clicked.connect(self.open_deck)
        self.stats_button = QPushButton("Statistics")
        self.stats_button.setToolTip("Charts of your progress (Ctrl+T)")
        for b in (self.due_button, self.build_button, self.stats_button, self.open_button):
            head.addWidget(b)
        outer.addLayout(head)
        self.banners = QVBoxLayout()
        outer.addLayout(self.banners)
        # what the bar is waiting for, said above it: a busy bar draws no text of its own
        self.progress_text = label("", "muted")
        self.progress_text.hide()
        outer.addWidget(self.progress_text)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.hide()
        outer.addWidget(self.progress)
        outer.addStretch(1)  # where the deck list goes (see _build_list)
        self._outer = outer
        self._list_asked = False
        self.results: list[LoadResult] = []

    def show_busy(self, text: str, done: int = 0, total: int = 0) -> None:
        """The busy bar, with ``text`` above it; with a ``total``, the bar fills to ``done``
        of it (else it only moves)."""
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_text.setText(text)
        self.progress_text.show()
        self.progress.show()

    def hide_busy(self) -> None:
        self.progress_text.hide()
        self.progress.hide()

    # -- the deck list, built on first use or once the first window has been painted ---------

    table: QTableWidget
    details: QWidget
    detail_title: QLabel
    detail_text: Markdown
    problem_list: QListWidget
    reload_button: QPushButton
    hint: QLabel

    _LIST_PARTS = frozenset({"table", "details", "detail_title", "detail_text", "problem_list",
                             "reload_button", "hint"})

    def __getattr__(self, name: str) -> Any:
        """The deck list's widgets are built on first use, or just after the page is first
        painted: the first window appears sooner."""
        if name in LibraryPage._LIST_PARTS and "table" not in self.__dict__:
            self._build_list()
            return self.__dict__[name]
        raise AttributeError(name)

    def build_list_soon(self) -> None:
        """Build the deck list in the event loop's next turn (``quizapp`` asks once the
        first window has been painted; a Python ``paintEvent`` would cost the first frame the
        ``QPaintEvent`` class and ``QEvent``'s 180 event types)."""
        if "table" not in self.__dict__ and not self._list_asked:
            self._list_asked = True
            QTimer.singleShot(0, self._build_list)

    def _build_list(self) -> None:
        if "table" in self.__dict__:
            return
        # the list's Qt classes and the card widgets: not needed before (see quizapp.ui.app)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QAbstractItemView,
            QHeaderView,
            QListWidget,
            QSplitter,
            QTableWidget,
        )

        from quizapp.ui.widgets import Markdown

        outer = self._outer
        outer.takeAt(outer.count() - 1)  # the stretch that held the list's place
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        for c, tip in enumerate(self.COLUMN_TIPS):
            head = self.table.horizontalHeaderItem(c)  # made by the labels above
            if head is not None:
                head.setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName("Decks")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(self.COLUMNS)):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.table.itemActivated.connect(self._activated)
        split.addWidget(self.table)

        self.details = QWidget()
        dl = QVBoxLayout(self.details)
        dl.setContentsMargins(0, SPACE, 0, 0)
        self.detail_title = label("", "subtitle")
        self.detail_text = Markdown("")
        self.detail_text.setMaximumWidth(16777215)
        self.detail_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Deck problems")
        self.problem_list.setToolTip("Each line is file:line:column: message. "
                                     "Fix the deck in your editor, then press Reload.")
        self.reload_button = QPushButton("Reload deck")
        self.reload_button.setToolTip("Load the deck file again after fixing it (F5)")
        self.reload_button.clicked.connect(self._reload)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail_text)
        dl.addWidget(self.problem_list, 1)
        rl = QHBoxLayout()
        rl.addWidget(self.reload_button)
        rl.addStretch(1)
        dl.addLayout(rl)
        dl.addStretch(0)
        split.addWidget(self.details)
        split.setSizes([360, 260])
        split.setChildrenCollapsible(False)
        outer.addWidget(split, 1)
        self.hint = label("Tip: drag a .yaml deck onto this window to add it. "
                          "Help ▸ Keyboard shortcuts lists every key.", "muted")
        outer.addWidget(self.hint)
        self._show_details()

    # -- content -------------------------------------------------------------------------

    def add_banner(self, text: str, actions: list[tuple[str, Callable[[], object]]] | None = None
                   ) -> Banner:
        """Show ``text`` above the decks; a message already shown (and not dismissed) is
        not shown twice (the store and the sync check may both report one damaged line)."""
        for i in range(self.banners.count()):
            item = self.banners.itemAt(i)
            old = item.widget() if item is not None else None
            if isinstance(old, Banner) and old.message.text() == text and not actions:
                return old
        b = Banner(text, actions)
        self.banners.addWidget(b)
        return b

    def set_rows(self, rows: list[tuple[LoadResult, dict[str, object]]]) -> None:
        """rows: (load result, counts) with counts keys items/new/due/seen/last."""
        from PySide6.QtCore import QItemSelectionModel, Qt
        from PySide6.QtWidgets import QTableWidgetItem

        keep = self.selected_paths()
        self.results = [r for r, _c in rows]
        self.table.setRowCount(len(rows))
        for i, (res, counts) in enumerate(rows):
            if res.deck is not None:
                name = res.deck.title
                tip = f"{res.path}\n{res.deck.description or ''}".strip()
                vals = [counts.get(k, "") for k in ("items", "new", "due", "seen", "last")]
            else:
                name = f"⚠ {res.path.name} — could not be loaded ({len(res.problems)} " \
                       f"problem{'s' if len(res.problems) != 1 else ''})"
                tip = f"{res.path}\nSelect it to see the problems."
                vals = ["—"] * 5
            first = QTableWidgetItem(name)
            first.setToolTip(plain_tooltip(tip))
            first.setData(Qt.ItemDataRole.UserRole, str(res.path))
            self.table.setItem(i, 0, first)
            for c, v in enumerate(vals, start=1):
                it = QTableWidgetItem(str(v))
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, c, it)
        if keep:
            for i, r in enumerate(self.results):
                if str(r.path) in keep:
                    self.table.selectRow(i)
        elif rows:  # nothing selected for the student: Study what is due takes every deck
            # (selecting the first deck made Ctrl+D leave what is due in the others);
            # the arrow keys still start on the first row
            sm = self.table.selectionModel()
            sm.setCurrentIndex(self.table.model().index(0, 0),
                               QItemSelectionModel.SelectionFlag.NoUpdate)
        self._show_details()

    def selected_paths(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [str(self.results[r].path) for r in rows if r < len(self.results)]

    def current_path(self) -> list[str]:
        """The deck on the current row (the first at start), selected or not."""
        row = self.table.currentIndex().row()
        return [str(self.results[row].path)] if 0 <= row < len(self.results) else []

    def select_path(self, path: str) -> None:
        for i, r in enumerate(self.results):
            if str(r.path) == path:
                self.table.clearSelection()
                self.table.selectRow(i)
                self.table.setFocus()

    def _current(self) -> LoadResult | None:
        paths = self.selected_paths()
        for r in self.results:
            if paths and str(r.path) == paths[0]:
                return r
        return None

    def _show_details(self) -> None:
        from PySide6.QtWidgets import QListWidgetItem

        r = self._current()
        self.problem_list.clear()
        if r is None:
            self.detail_title.setText("No deck selected" if self.results else "No decks yet")
            self.detail_text.setText("Select a deck to see what it holds. With none selected, "
                                     "**Study what is due** takes every deck."
                                     if self.results else
                                     "Open a deck with **File ▸ Open deck** (Ctrl+O).")
            self.problem_list.hide()
            self.reload_button.hide()
            return
        self.reload_button.show()
        if r.deck is None:
            self.detail_title.setText(f"⚠ {r.path.name} has problems")
            self.detail_text.setText("The deck could not be loaded. Each problem below names "
                                     "the file, line and column. Fix them in your editor, save, "
                                     "and press **Reload deck**.")
            for p in r.problems:
                QListWidgetItem(str(p), self.problem_list)
            self.problem_list.show()
            return
        d = r.deck
        self.problem_list.hide()
        self.detail_title.setText(d.title)
        kinds: dict[str, int] = {}
        for it in d.items:
            kinds[it.kind] = kinds.get(it.kind, 0) + 1
        names = {"flashcard": "flashcards", "single": "single-best-answer questions",
                 "multi": "select-all questions", "case": "cases"}
        parts = [f"{n} {names[k]}" for k, n in kinds.items()]
        text = (d.description or "") + "\n\n" + ", ".join(parts) + "."
        if d.authors:
            text += f" By {', '.join(d.authors)}."
        if d.version:
            text += f" Version {d.version}."
        text += f"\n\nFile: `{r.path}`"
        self.detail_text.setText(text)

    def _reload(self) -> None:
        r = self._current()
        if r is not None:
            self.reload_deck.emit(str(r.path))

    def _activated(self, item: QTableWidgetItem) -> None:
        r = self.results[item.row()] if item.row() < len(self.results) else None
        if r is not None and r.ok:
            self.deck_activated.emit(str(r.path))


def status_text(results: list[LoadResult]) -> str:
    ok = sum(1 for r in results if r.ok)
    bad = len(results) - ok
    text = f"{ok} deck{'s' if ok != 1 else ''}"
    if bad:
        text += f", {bad} with problems"
    return text


__all__ = ["Banner", "LibraryPage", "QLabel", "status_text"]
