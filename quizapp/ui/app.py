"""Start the GUI: QApplication, settings, the score store, the excepthook, the main window."""

from __future__ import annotations

import gc
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

import quizapp
from quizapp.core import paths
from quizapp.core.paths import resources_dir
from quizapp.core.store import Store, StoreLockedError
from quizapp.ui.theme import apply_look

if TYPE_CHECKING:
    from quizapp.ui.mainwindow import MainWindow


def make_settings(file: Path | None = None) -> QSettings:
    """Window geometry, theme, zoom and the last session settings, in ``file`` (portable use:
    :attr:`quizapp.core.paths.Paths.settings`, beside the progress file, so nothing is left on
    the host), else where Qt keeps an application's settings."""
    if file is not None:
        return QSettings(str(file), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "quizapp", "quizapp")


def _install_excepthook(app: QApplication) -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(text)
        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "quizapp: unexpected error",
                          "Something went wrong inside quizapp. Your answers so far are saved.\n\n"
                          f"{kind.__name__}: {exc}")
        box.setDetailedText(text)
        box.exec()

    sys.excepthook = hook


def open_store(data_dir: Path) -> Store | None:
    """Open the score store, asking the user what to do when another quizapp holds it."""
    try:
        return Store.open(data_dir)
    except StoreLockedError as e:
        other_host = bool(getattr(e, "other_host", False))
        hint = ("It was left by quizapp on another computer (for example a USB stick that was "
                "unplugged while quizapp ran). If quizapp is not running there any more, take "
                "it over." if other_host else
                "Study in the other window, or quit it and start again.")
        box = QMessageBox(QMessageBox.Icon.Warning, "Your progress folder is in use",
                          f"{e}\n\n{hint} You can also open read-only: you can browse, but "
                          "answers will not be saved.")
        take = box.addButton("Take over", QMessageBox.ButtonRole.DestructiveRole) \
            if other_host else None
        ro = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if take is not None and box.clickedButton() is take:
            return Store.open(data_dir, break_lock=True)
        if box.clickedButton() is ro:
            return Store.open(data_dir, read_only=True)
        return None


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("quizapp")
    app.setApplicationDisplayName("quizapp")
    app.setApplicationVersion(quizapp.__version__)
    app.setDesktopFileName("quizapp")
    app.setStyle("Fusion")
    icon = resources_dir() / "icons" / "quizapp.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    if app.property("base_font") is None:
        app.setProperty("base_font", QFont(app.font()))
    return app


def launch(data_dir: str | None = None, decks: list[Path] | None = None
           ) -> tuple[QApplication, MainWindow, Store] | None:
    """Everything ``quizapp`` does before its event loop: the window is shown first and the
    decks start loading (off the GUI thread) once it has been painted."""
    from quizapp.ui.mainwindow import MainWindow

    app = create_app()
    _install_excepthook(app)
    where = paths.resolve(data_dir)
    folder = where.data
    problem = paths.check_data_dir(folder)
    if problem:
        QMessageBox.critical(None, "quizapp cannot use its data folder",
                             f"{problem}\n\nStart quizapp with --data-dir pointing to a folder "
                             "you can write to (or set QUIZAPP_DATA_DIR).")
        return None
    settings = make_settings(where.settings)
    store = open_store(folder)
    if store is None:
        return None
    gc.freeze()  # the loaded history is long-lived: keep it out of every later GC pass
    win = MainWindow(store=store, data_dir=folder, settings=settings,
                     cache_dir=where.deck_cache, extra_decks=decks or [])
    win.show()
    QTimer.singleShot(0, win.start)
    return app, win, store


def run(data_dir: str | None = None, decks: list[Path] | None = None) -> int:
    launched = launch(data_dir, decks)
    if launched is None:
        return 1
    app, _win, store = launched
    try:
        return app.exec()
    finally:
        store.close()


def _tool_app() -> QApplication:
    """The application for a window opened from the command line on its own (preview, guide),
    with the theme and zoom chosen in the app."""
    app = create_app()
    _install_excepthook(app)
    settings = make_settings()
    try:
        zoom = float(str(settings.value("view/zoom", 1.0)))
    except ValueError:
        zoom = 1.0
    theme_name = str(settings.value("view/theme", "system"))
    apply_look(app, theme_name if theme_name in ("light", "dark", "system") else "system",
               zoom if 0.5 <= zoom <= 3.0 else 1.0)
    return app


def run_preview(deck: Path) -> int:
    """``quizapp preview DECK``: the live preview on its own, without the score store."""
    from quizapp.ui.preview import PreviewWindow

    app = _tool_app()
    win = PreviewWindow(deck)
    win.show()
    return app.exec()


def run_guide(path: Path) -> int:
    """``quizapp guide``: the deck format guide in the app's own Markdown viewer."""
    from quizapp.ui.dialogs import TextDialog

    _tool_app()
    dialog = TextDialog(None, "quizapp: how to write decks", "", source=path)
    dialog.resize(900, 800)
    return 0 if dialog.exec() >= 0 else 1
