"""Every dialog box of the window, each with a classmethod (``ask``/``show``) that tests can
replace: yes/no confirmations, Markdown text and the offline guide, the list of shortcuts, and
the report of an import, and Preferences (the sync folder)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quizapp.core import paths, resources
from quizapp.ui.syncing import Reopened, SyncFollower, reopen_text
from quizapp.ui.widgets import MAX_DOCUMENT_BYTES, SafeDocument, load_resource

__all__ = ["ConfirmDialog", "GuideBrowser", "PreferencesDialog", "ReportDialog",
           "ShortcutsDialog", "TextDialog"]


class ConfirmDialog:
    """Yes/no questions, as a classmethod so tests can replace it."""

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text,
                                      QMessageBox.StandardButton.Yes |
                                      QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes


class ReportDialog:
    """A message with the file names and deck text exactly as written (plain text) and an
    optional Details section (e.g. what an import left out)."""

    @classmethod
    def show(cls, parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
             details: str = "") -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if details:
            box.setDetailedText(details)
        box.exec()


def _add_close_button(dialog: QDialog, lay: QVBoxLayout) -> None:
    bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    bb.rejected.connect(dialog.reject)
    lay.addWidget(bb)


class GuideBrowser(QTextBrowser):
    """Shows the bundled guide: pages and pictures only from ``folder`` (the installation's own
    files), through the same resolver as deck pictures; pictures scaled to the text width (the
    README's screenshots are 1280 px). Without a folder it loads nothing."""

    def __init__(self, folder: Path | None) -> None:
        super().__init__()
        self.folder = folder
        self.safe_document = SafeDocument(folder, self, max_width=680)
        self.setDocument(self.safe_document)

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url) if isinstance(url, str) else url
        return load_resource(self.folder, kind, url, self.safe_document.refused, 680)


class TextDialog(QDialog):
    """Markdown text, or a local Markdown file whose pictures and links to other local files
    (the deck format guide, the progress format) work; web links are never followed."""

    def __init__(self, parent: QWidget | None, title: str, markdown: str,
                 source: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        view = GuideBrowser(source.parent if source is not None else None)
        view.setOpenExternalLinks(False)
        if source is not None:
            view.setOpenLinks(False)
            view.anchorClicked.connect(self._follow)
            view.setSearchPaths([str(source.parent)])
            view.setSource(QUrl.fromLocalFile(str(source)),
                           QTextDocument.ResourceType.MarkdownResource)
        else:
            view.setOpenLinks(False)
            view.setMarkdown(markdown)
        view.setAccessibleName(title)
        lay.addWidget(view)
        _add_close_button(self, lay)
        self.resize(760, 640)
        self.view = view

    @classmethod
    def show_text(cls, parent: QWidget | None, title: str, markdown: str,
                  source: Path | None = None) -> None:
        """Show the text (or the local Markdown file ``source``) until the user closes it."""
        cls(parent, title, markdown, source=source).exec()

    def _follow(self, url: QUrl) -> None:
        if url.scheme() not in ("", "file"):  # offline: nothing is fetched
            return
        target = self.view.source().resolved(url)
        path = Path(target.toLocalFile())
        folder = self.view.folder
        if folder is None or path.suffix.lower() != ".md":
            return
        # the guide's own pages only (the same resolver as every picture): else stay here
        ref = Path(os.path.relpath(path, folder)).as_posix()
        if isinstance(resources.resolve_image(folder, ref, max_bytes=MAX_DOCUMENT_BYTES),
                      resources.Refused):
            return
        self.view.setSource(target, QTextDocument.ResourceType.MarkdownResource)


class ShortcutsDialog(QDialog):
    """Every action that has a key, and the keys the study page handles itself."""

    def __init__(self, parent: QWidget | None, actions: list[QAction]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        rows = []
        for a in actions:
            text = a.text().replace("&", "")
            name, _, shown = text.partition("\t")
            key = shown or a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if key:
                rows.append((name, key))
        rows += [("Confidence 1–3 (when rating confidence)", "1 / 2 / 3"),
                 ("Select option (no confidence rating)", "1–9"),
                 ("Scroll a long item or case", "PgUp / PgDn / ↑ / ↓ / Home / End"),
                 ("Go to a case's next stage", "N or Enter"),
                 ("Move between controls", "Tab / Shift+Tab")]
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels(["Action", "Key"])
        table.verticalHeader().hide()
        for i, (name, key) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(name))
            table.setItem(i, 1, QTableWidgetItem(key))
        table.resizeColumnsToContents()
        table.setAccessibleName("Keyboard shortcuts")
        lay.addWidget(table)
        _add_close_button(self, lay)
        self.resize(560, 620)
        self.table = table

    @classmethod
    def show_actions(cls, parent: QWidget | None, actions: list[QAction]) -> None:
        """List the keys of ``actions`` until the user closes the dialog."""
        cls(parent, actions).exec()


class PreferencesDialog(QDialog):
    """File > Preferences: the sync folder shared with the student's other computers.

    Choosing a folder (or Stop syncing) checks it, remembers it in the data folder and
    re-opens the progress store with it in the background (:meth:`SyncFollower.reopen`); the
    line under the folder says what happened or what is wrong with the folder chosen."""

    def __init__(self, follower: SyncFollower) -> None:
        super().__init__(follower.window)
        self.follower = follower
        self.data_dir: Path = follower.window.data_dir
        self.setWindowTitle("Preferences")
        lay = QVBoxLayout(self)
        title = QLabel("<b>Sync folder</b>")
        lay.addWidget(title)
        explain = QLabel(
            "Share your progress with your other computers through a folder that Syncthing, "
            "Dropbox, OneDrive or a USB stick carries. Choose the same folder on each "
            "computer; Help > Sync between computers says how.")
        explain.setWordWrap(True)
        lay.addWidget(explain)
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("Not syncing")
        self.path.setAccessibleName("Sync folder")
        title.setBuddy(self.path)
        lay.addWidget(self.path)
        row = QHBoxLayout()
        self.choose_button = QPushButton("&Choose…")
        self.choose_button.clicked.connect(self.on_choose_button_clicked)
        self.stop_button = QPushButton("&Stop syncing")
        self.stop_button.clicked.connect(self.on_stop_button_clicked)
        row.addWidget(self.choose_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sync folder status")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.message)
        lay.addStretch(1)
        _add_close_button(self, lay)
        follower.reopened.connect(self.on_follower_reopened)
        self.busy = False
        self._show_current()
        # about 70 characters wide, never wider than the screen (the text wraps at 250%)
        char = self.fontMetrics().averageCharWidth()
        screen = follower.window.screen().availableGeometry().width()
        width = min(70 * char, int(screen * 0.9))
        self.setMinimumWidth(min(36 * char, width))
        self.resize(width, self.sizeHint().height())
        self._fit()

    def _fit(self) -> None:
        """Tall enough for every wrapped line at this width (a longer message grows the
        dialog instead of squeezing the explanation)."""
        lay = self.layout()
        if lay is None:
            return
        need = lay.totalHeightForWidth(self.width()) if lay.hasHeightForWidth() \
            else lay.totalSizeHint().height()
        self.setMinimumHeight(need)
        if self.height() < need:
            self.resize(self.width(), need)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    @classmethod
    def edit(cls, follower: SyncFollower) -> None:
        """Show the preferences of ``follower``'s window until the user closes them."""
        cls(follower).exec()

    @classmethod
    def choose_folder(cls, parent: QWidget, start: str) -> str:
        """Ask for a folder ("" when cancelled); tests replace this."""
        return QFileDialog.getExistingDirectory(parent, "Choose the sync folder", start)

    def _show_current(self) -> None:
        store = self.follower.window.store
        folder = store.sync_dir
        self.path.setText(str(folder) if folder is not None else "")
        source = self.follower.choice.source
        fixed = source in ("--sync-dir", f"${paths.ENV_SYNC_DIR}")
        self.choose_button.setEnabled(not self.busy and not fixed and not store.read_only)
        self.stop_button.setEnabled(not self.busy and not fixed and not store.read_only
                                    and folder is not None)
        if fixed:
            self.message.setText(f"Set by {source} for this run (it comes before "
                                 "Preferences); start quizapp without it to choose here.")
        elif store.read_only:
            self.message.setText("Read-only: another quizapp is using this data folder.")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self._fit()

    @Slot()
    def on_choose_button_clicked(self) -> None:
        current = self.follower.window.store.sync_dir
        start = str(current or Path.home())
        name = self.choose_folder(self, start)
        if not name:
            return
        folder, problem = paths.check_sync_dir(Path(name), self.data_dir)
        if problem or folder is None:
            self._say(f"{problem} The sync folder was not changed.")
            return
        if folder == current:
            self._say(f"Already syncing through {folder}.")
            return
        self._change(folder)

    @Slot()
    def on_stop_button_clicked(self) -> None:
        self._change(None)

    def _change(self, folder: Path | None) -> None:
        if self.follower.window.tasks.busy():
            self._say("quizapp is busy with your progress (loading decks or counting); "
                      "try again in a moment. The sync folder was not changed.")
            return
        try:
            paths.save_sync_dir(self.data_dir, folder)
        except OSError as e:
            self._say(f"The choice could not be saved in {self.data_dir} "
                      f"({e.strerror or e}). The sync folder was not changed.")
            return
        self.busy = True
        self._show_current()
        self._say("Opening your progress with the sync folder…" if folder else
                  "Stopping…")
        self.follower.choice = paths.SyncChoice(folder, "Preferences")
        self.follower.reopen(folder)

    @Slot(object)
    def on_follower_reopened(self, r: Reopened) -> None:
        self.busy = False
        if r.error:  # the store is open as before: so is the remembered choice
            with contextlib.suppress(OSError):
                paths.save_sync_dir(self.data_dir, r.folder)
            self.follower.choice = paths.SyncChoice(r.folder, "Preferences")
        self._show_current()
        self._say(reopen_text(r))
