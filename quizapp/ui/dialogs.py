"""Every dialog box of the window, each with a classmethod (``ask``/``show``) that tests can
replace: yes/no confirmations, Markdown text and the offline guide, the list of shortcuts, and
the report of an import."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quizapp.core import resources
from quizapp.ui.widgets import MAX_DOCUMENT_BYTES, SafeDocument, load_resource

__all__ = ["ConfirmDialog", "GuideBrowser", "ReportDialog", "ShortcutsDialog", "TextDialog"]


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
