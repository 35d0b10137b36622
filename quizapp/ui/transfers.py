"""The File menu's transfers, each run in the background (:mod:`quizapp.ui.tasks`): import
questions from Anki or Moodle into a new deck, export attempts as CSV, export progress to one
file and import (merge) such a file. File dialogs open where the user chose last time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtWidgets  # its dialogs are looked up when opened (see quizapp.ui.app)
from PySide6.QtCore import QObject, QSettings, Signal

if TYPE_CHECKING:  # the core's modules are imported on first use (not at start-up)
    from quizapp.core.coordinator import LibraryRow
    from quizapp.core.interchange.apart import ImportSummary
    from quizapp.core.store import ImportCounts, ImportPlan
    from quizapp.ui.mainwindow import MainWindow
    from quizapp.ui.tasks import TaskContext, TaskRunner

__all__ = ["Transfers"]


def _save_errors() -> tuple[type[BaseException], ...]:
    """What a failed save or import of progress raises: said in a message box."""
    from quizapp.core.store import StoreError

    return (StoreError, OSError, ValueError)


class Transfers(QObject):
    """File > Import questions, Export attempts as CSV, Export progress, Import progress.

    Signals:
        questions_imported(bool): after an import of questions has been reported to the
            user: true when a deck was written (and added to the library), false when
            nothing was.
        progress_imported(): after an import of progress changed the store (the library's
            counts are refreshed by then).
    """

    questions_imported = Signal(bool)
    progress_imported = Signal()

    def __init__(self, window: MainWindow, settings: QSettings) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings

    @property
    def tasks(self) -> TaskRunner:
        return self.window.tasks

    # -- remembered folders ----------------------------------------------------------------

    def folder(self, kind: str, fallback: Path | None = None) -> Path:
        """The folder a file dialog of this kind opened in last time (remembered across
        restarts), else ``fallback`` (the home folder)."""
        value = self.settings.value(f"folders/{kind}", "")
        folder = Path(str(value)) if value else None
        if folder is not None and folder.is_dir():
            return folder
        return fallback or Path.home()

    def remember_folder(self, kind: str, chosen: str) -> None:
        if chosen:
            self.settings.setValue(f"folders/{kind}", str(Path(chosen).parent))

    # -- questions from Anki or Moodle -------------------------------------------------------

    def import_questions_dialog(self) -> None:
        from quizapp.core.interchange.conversion import suggested_deck_path
        from quizapp.core.interchange.registry import import_suffixes

        patterns = " ".join("*" + s for s in (*import_suffixes(), ".zip"))
        name, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Import questions from Anki or Moodle, or a shared deck",
            str(self.folder("import")),
            f"Anki or Moodle files, deck packages ({patterns});;All files (*)")
        self.remember_folder("import", name)
        if not name:
            return
        src = Path(name)
        from quizapp.core.paths import user_decks_dir

        folder = user_decks_dir(self.window.data_dir)
        try:  # on a fresh install the deck folder does not exist yet: the dialog would
            folder.mkdir(parents=True, exist_ok=True)  # fall back to the home folder
        except OSError:
            folder = self.folder("import")
        from quizapp.core import deckpack

        if src.suffix.lower() == ".zip" and deckpack.is_deck_package(src):
            self.import_package(src, folder)
            return
        out, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save the new deck as",
                                                       str(suggested_deck_path(src, folder)),
                                                       "Decks (*.yaml *.yml)")
        if out:
            self.import_questions(src, Path(out))

    def import_questions(self, src: Path, out: Path) -> None:
        """Convert ``src`` (an Anki package or text export, GIFT or Moodle XML) into the deck
        file ``out`` in the background, with what ``quizapp import`` runs, then tell the user
        what was converted and skipped and add the deck to the library
        (:attr:`questions_imported` says which). Nothing is written when nothing could be
        converted, or when the user cancelled."""

        def convert(ctx: TaskContext) -> tuple[Path, ImportSummary]:
            # the converters are imported here, off the GUI thread (with PySide6 loaded every
            # import is slow). The save dialog has asked before replacing a deck: force. A
            # large file is converted in a child process (its parsers would hold the GIL
            # here); Cancel stops it at once
            import quizapp.ui.dialogs  # noqa: F401 (for the report, on the GUI thread)
            from quizapp.core.interchange.apart import import_apart
            from quizapp.core.interchange.conversion import with_deck_suffix

            deck = with_deck_suffix(out)
            return deck, import_apart(src, deck, force=True, cancelled=lambda: ctx.cancelled,
                                      before_write=ctx.check)

        def failed(exc: BaseException) -> None:
            from quizapp.core.authoring import AuthoringError
            from quizapp.core.interchange.messages import ConvertError
            from quizapp.ui.dialogs import ReportDialog

            if isinstance(exc, ConvertError):
                details = "\n".join(map(str, exc.messages))
                text = f"Nothing could be imported from {src.name}; no deck was written."
            elif isinstance(exc, AuthoringError):
                details, text = "", str(exc)
            elif isinstance(exc, OSError):
                details, text = "", f"{exc.filename or src}: {exc.strerror}"
            else:
                raise exc
            ReportDialog.show(self.window, QtWidgets.QMessageBox.Icon.Warning, "Nothing imported",
                              text, details)
            self.questions_imported.emit(False)

        self.tasks.run(convert, label=f"Importing {src.name}…",
                       on_done=lambda result: self._imported(src, *result),
                       on_error=failed, on_cancel=lambda: self.questions_imported.emit(False))

    def _imported(self, src: Path, out: Path, result: ImportSummary) -> None:
        from quizapp.ui.dialogs import ReportDialog

        n = result.items
        text = (f"{n} item{'s' if n != 1 else ''} imported from {src.name} "
                f"({result.format_label}) into {out.name}.")
        if result.skipped:
            text += (f"\n\n{len(result.skipped)} could not be converted and "
                     f"{'were' if len(result.skipped) != 1 else 'was'} left out: see Details.")
        text += ("\n\nThe deck cites a placeholder source: open the file in your editor, "
                 "check each item and name the real source before you share it.")
        details = "\n".join(str(m) for m in result.messages)
        self.window.open_deck(out)
        ReportDialog.show(self.window, QtWidgets.QMessageBox.Icon.Information,
                          "Questions imported", text, details)
        self.questions_imported.emit(True)

    def import_package(self, src: Path, folder: Path) -> None:
        """A deck shared with ``quizapp pack``: checked like any deck, unpacked into the deck
        folder with its pictures, and added to the library; nothing is unpacked when the
        package is unsafe or its deck has problems."""
        from quizapp.core import deckpack
        from quizapp.core.problems import DeckError
        from quizapp.ui.dialogs import ReportDialog

        def unpack(ctx: TaskContext) -> Path:
            return deckpack.unpack(src, folder)

        def done(deck: Path) -> None:
            self.window.open_deck(deck)
            ReportDialog.show(self.window, QtWidgets.QMessageBox.Icon.Information, "Deck imported",
                              f"{src.name} was checked and unpacked into {deck.parent}.", "")
            self.questions_imported.emit(True)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DeckError):
                text = f"The deck in {src.name} has problems; nothing was unpacked."
                details = "\n".join(map(str, exc.problems))
            elif isinstance(exc, (deckpack.PackError, OSError)):
                text, details = str(exc), ""
            else:
                raise exc
            ReportDialog.show(self.window, QtWidgets.QMessageBox.Icon.Warning,
                              "Nothing imported", text, details)
            self.questions_imported.emit(False)

        self.tasks.run(unpack, label=f"Unpacking {src.name}…", on_done=done, on_error=failed,
                       on_cancel=lambda: self.questions_imported.emit(False))

    # -- progress files ----------------------------------------------------------------------

    def export_csv(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Export attempts", str(
            self.folder("export") / "quizapp-attempts.csv"), "CSV (*.csv)")
        self.remember_folder("export", name)
        if name:
            self._save(lambda _ctx: self.window.store.export_csv(Path(name)),
                       f"Attempts saved to {name}.", f"Saving answers to {Path(name).name}…")

    def export_progress(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Export progress", str(
            self.folder("export") / "quizapp-progress.json"), "JSON (*.json)")
        self.remember_folder("export", name)
        if name:
            self._save(lambda _ctx: self.window.store.export_json(Path(name)),
                       f"Progress saved to {name}. Import it on the other computer with "
                       "File ▸ Import progress.", f"Saving progress to {Path(name).name}…")

    def _save(self, fn: Callable[[TaskContext], object], ok: str, label: str) -> None:
        def failed(exc: BaseException) -> None:
            if not isinstance(exc, _save_errors()):
                raise exc
            QtWidgets.QMessageBox.warning(self.window, "Could not save", str(exc))

        self.tasks.run(fn, label=label, block_input=True, on_error=failed,
                       on_done=lambda _r: self.window.statusBar().showMessage(ok, 8000))

    def import_progress(self) -> None:
        """Read the file and plan the merge in the background; ask only before an import
        removes answers or resets scheduling; then merge in the background."""
        name, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Import progress",
                                                        str(self.folder("export")),
                                                        "JSON (*.json)")
        self.remember_folder("export", name)
        if not name:
            return
        store = self.window.store
        self.tasks.run(lambda _ctx: store.plan_import(Path(name)),
                       label=f"Reading {Path(name).name}…", block_input=True,
                       on_done=lambda plan: self._confirm_import(name, plan),
                       on_error=lambda exc: self._import_failed(name, exc))

    def _confirm_import(self, name: str, plan: ImportPlan) -> None:
        from quizapp.ui.dialogs import ConfirmDialog

        if plan.needs_confirmation and not ConfirmDialog.ask(
                self.window, "Import progress?",
                f"Importing {plan.source.name} would change progress recorded here:\n\n"
                f"{plan.describe()}\n\nImport anyway?"):
            self.window.statusBar().showMessage(f"{name} was not imported; nothing changed.",
                                                8000)
            return
        store, registry = self.window.store, self.window.registry

        def merge(_ctx: object) -> tuple[ImportCounts, list[LibraryRow]]:
            counts = store.apply_import(plan)
            # the library's counts too, here: counting every deck held the window for
            # hundreds of milliseconds with a long history (input is blocked meanwhile)
            return counts, registry.rows(store)

        self.tasks.run(merge, label=f"Merging {plan.source.name}…", block_input=True,
                       on_done=lambda done: self._progress_imported(*done),
                       on_error=lambda exc: self._import_failed(name, exc))

    def _import_failed(self, name: str, exc: BaseException) -> None:
        if not isinstance(exc, _save_errors()):
            raise exc
        QtWidgets.QMessageBox.warning(self.window, "Import failed",
                                      f"{name} could not be imported:\n{exc}")

    def _progress_imported(self, counts: ImportCounts, rows: list[LibraryRow]) -> None:
        QtWidgets.QMessageBox.information(self.window, "Progress imported",
                                          f"{counts.attempts_added} answers added, "
                                          f"{counts.attempts_skipped} already here, "
                                          f"{counts.attempts_undone} removed as undone; "
                                          f"{counts.units_updated} items took the file's state.")
        self.window.refresh_library(rows)
        self.progress_imported.emit()
