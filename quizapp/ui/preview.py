"""Live deck preview for authors: re-loads the deck whenever the file is saved.

Editors save in different ways: some write the file in place, others write a new file and
rename it over the old one (vim, many IDEs), which makes a file watcher lose the path. The
preview watches both the file and its folder and re-adds the file when it reappears, with a
short debounce so a save that happens in several steps gives one reload.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from quizapp.core import authoring
from quizapp.core.library import LoadResult, load_deck
from quizapp.core.model import Case, Deck, Flashcard, Item, Question
from quizapp.core.problems import Problem
from quizapp.core.scoring import mark_question
from quizapp.ui.reference_panel import sheet_widgets, sources_text
from quizapp.ui.theme import SPACE, TEXT_WIDTH
from quizapp.ui.widgets import Markdown, Picture, QuestionView, label

_SHEET = "sheet:"  # list entries of reference sheets; item ids cannot contain ':'
KIND_NAMES = {"flashcard": "Flashcard", "single": "Single best answer",
              "multi": "Select all that apply", "case": "Case"}


class PreviewWindow(QMainWindow):
    """Shows a deck as students will see it, with every answer and explanation revealed.

    Signals:
        reloaded(LoadResult): the deck file was loaded again (after it was saved), with the
            result shown.
    """

    reloaded = Signal(object)  # LoadResult

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path.resolve()
        self.result: LoadResult | None = None
        self.warnings: list[Problem] = []
        self.current_id: str | None = None
        self._stamp: tuple[int, int] | None = None
        self.setWindowTitle(f"Preview — {self.path.name}")
        self.resize(1280, 800)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(SPACE * 2, SPACE * 2, SPACE * 2, SPACE)
        self.header = label("", "subtitle")
        self.header.setAccessibleName("Deck status")
        outer.addWidget(self.header)
        self.info = label(f"Watching {self.path}. Save the file in your editor and this window "
                          "reloads. Click a problem to copy file:line:col.", "muted")
        outer.addWidget(self.info)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Problems")
        self.problems.itemClicked.connect(self._copy_location)
        self.problems.itemActivated.connect(self._copy_location)
        self.problems.setMaximumHeight(180)
        outer.addWidget(self.problems)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.items = QListWidget()
        self.items.setAccessibleName("Items")
        self.items.currentItemChanged.connect(self._show_item)
        split.addWidget(self.items)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        split.addWidget(self.scroll_area)
        split.setSizes([360, 900])
        outer.addWidget(split, 1)
        self.setCentralWidget(central)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._changed)
        self.watcher.directoryChanged.connect(self._changed)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(150)
        self.debounce.timeout.connect(self._reload_if_changed)
        for key in ("F5", "Ctrl+R"):
            sc = QShortcut(QKeySequence(key), self)
            sc.activated.connect(lambda: self.reload())
        for key in ("Ctrl+W", "Ctrl+Q"):  # a window of its own: both close it
            close = QShortcut(QKeySequence(key), self)
            close.activated.connect(self.close)
        self.reload()

    # -- watching ------------------------------------------------------------------------

    def _watch(self) -> None:
        if self.path.exists() and str(self.path) not in self.watcher.files():
            self.watcher.addPath(str(self.path))
        folder = str(self.path.parent)
        if folder not in self.watcher.directories():
            self.watcher.addPath(folder)

    def _changed(self, _path: str) -> None:
        self.debounce.start()

    def _reload_if_changed(self) -> None:
        """A watcher event: reload unless the deck file is unchanged (another file in the
        folder was saved)."""
        self.reload(only_if_changed=True)

    def reload(self, only_if_changed: bool = False) -> None:
        self._watch()
        if not self.path.exists():
            self.header.setText(f"⚠ {self.path.name} is missing (being saved?) — waiting…")
            return
        try:
            st = self.path.stat()
        except OSError:
            return
        stamp = (st.st_size, st.st_mtime_ns)
        if only_if_changed and self.result is not None and self._stamp == stamp:
            return
        self._stamp = stamp
        self.result = load_deck(self.path, None)
        self.warnings = authoring.file_warnings(self.path, self.result.deck,
                                                self.result.problems)
        self._show(self.result)
        self.reloaded.emit(self.result)

    # -- showing -------------------------------------------------------------------------

    def _show(self, r: LoadResult) -> None:
        self.problems.clear()
        for p in [*r.problems, *self.warnings]:
            row_item = QListWidgetItem(str(p))
            row_item.setData(Qt.ItemDataRole.UserRole, p)
            row_item.setToolTip("Click to copy file:line:col for your editor")
            self.problems.addItem(row_item)
        self.problems.setVisible(bool(r.problems or self.warnings))
        if r.deck is None:
            n = len(r.problems)
            kept = (" The last good version stays below." if self.items.count()
                    else " Fix it and save: the preview reloads by itself.")
            self.header.setText(f"⚠ {n} problem{'s' if n != 1 else ''} — the deck cannot load."
                                + kept)
            return
        d = r.deck
        sheets = (f", {len(d.references)} reference sheet{'s' if len(d.references) != 1 else ''}"
                  if d.references else "")
        n = len(self.warnings)
        warned = (f" · {n} warning{'s' if n != 1 else ''} below (the deck loads; fix "
                  f"{'them' if n != 1 else 'it'} before students see it)" if n else "")
        self.header.setText(f"✔ {d.title} — {len(d.items)} items{sheets}, valid{warned}")
        keep = self.current_id
        self.items.blockSignals(True)
        self.items.clear()
        row = 0
        for i, it in enumerate(d.items):
            entry = QListWidgetItem(f"{KIND_NAMES[it.kind]} · {it.id}")
            entry.setData(Qt.ItemDataRole.UserRole, it.id)
            self.items.addItem(entry)
            if it.id == keep:
                row = i
        for ref in d.references:  # after the items; ':' cannot occur in an id
            entry = QListWidgetItem(f"Reference sheet · {ref.title}")
            entry.setData(Qt.ItemDataRole.UserRole, f"{_SHEET}{ref.id}")
            self.items.addItem(entry)
            if f"{_SHEET}{ref.id}" == keep:
                row = self.items.count() - 1
        self.items.blockSignals(False)
        if d.items:
            self.items.setCurrentRow(row)
            self._show_item()

    def _copy_location(self, item: QListWidgetItem) -> None:
        p: Problem = item.data(Qt.ItemDataRole.UserRole)
        text = f"{p.file}:{p.line}:{p.column}"
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(f"Copied {text}", 4000)

    def deck(self) -> Deck | None:
        return self.result.deck if self.result else None

    def _show_item(self, *_: object) -> None:
        d = self.deck()
        cur = self.items.currentItem()
        if d is None or cur is None:
            return
        key = cur.data(Qt.ItemDataRole.UserRole)
        ref = next((r for r in d.references if f"{_SHEET}{r.id}" == key), None)
        item = d.item(key)
        if item is None and ref is None:
            return
        self.current_id = key
        content = QWidget()
        row = QHBoxLayout(content)
        inner = QWidget()
        inner.setMaximumWidth(TEXT_WIDTH + SPACE * 4)
        lay = QVBoxLayout(inner)
        lay.setSpacing(SPACE * 2)
        row.addWidget(inner, 100)
        row.addStretch(1)
        if ref is not None:
            where = f" · {ref.location}" if ref.location else ""
            lay.addWidget(label(f"Reference sheet · id {ref.id}{where}", "muted"))
            sheet_widgets(lay, ref, ref.text, d)
        elif item is not None:
            self._render(lay, d, item)
        lay.addStretch(1)
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll_area.setWidget(content)

    def _render(self, lay: QVBoxLayout, d: Deck, item: Item) -> None:
        where = f"{item.location}" if item.location else ""
        lay.addWidget(label(f"{KIND_NAMES[item.kind]} · id {item.id} · {where}", "muted"))
        if item.tags:
            lay.addWidget(label("Tags: " + ", ".join(item.tags), "muted"))
        if isinstance(item, Flashcard):
            lay.addWidget(label("Front", "subtitle"))
            lay.addWidget(Markdown(item.front, "stem"))
            if item.image is not None:
                lay.addWidget(Picture(item.image, item.image_alt))
            lay.addWidget(label("Back", "subtitle"))
            lay.addWidget(Markdown(item.back, "stem"))
            if item.explanation:
                lay.addWidget(Markdown(item.explanation))
            if item.reversible:
                lay.addWidget(label("Reversible: students are also asked back → front.", "muted"))
        elif isinstance(item, Question):
            self._question(lay, item)
        elif isinstance(item, Case):
            lay.addWidget(label(f"Case: {item.title}", "title"))
            lay.addWidget(Markdown(item.stem, "stem"))
            if item.image is not None:
                lay.addWidget(Picture(item.image, item.image_alt))
            for i, st in enumerate(item.stages):
                box = QFrame()
                box.setProperty("role", "card")
                bl = QVBoxLayout(box)
                bl.addWidget(label(f"Stage {i + 1} of {len(item.stages)}"
                                   + (f": {st.title}" if st.title else "") + f" · id {st.id}",
                                   "subtitle"))
                if st.text:
                    bl.addWidget(Markdown(st.text))
                if st.image is not None:
                    bl.addWidget(Picture(st.image, st.image_alt))
                for q in st.questions:
                    self._question(bl, q)
                lay.addWidget(box)
        if item.objective:
            lay.addWidget(Markdown(f"**Learning objective:** {item.objective}"))
        cited = sources_text(d, item.sources)
        if cited:
            lay.addWidget(Markdown(cited, "muted"))

    def _question(self, lay: QVBoxLayout, q: Question) -> None:
        view = QuestionView(q.id, q, tuple(range(len(q.options))), confidence=False, exam=False,
                            number=f"Question id {q.id}")
        right = q.correct_indices
        view.show_feedback(mark_question(q, right), right, preview=True)
        lay.addWidget(view)


__all__ = ["PreviewWindow", "QLabel"]

