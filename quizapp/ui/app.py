"""Start the GUI: QApplication, settings, the score store, the excepthook, the main window.

Until the first frame is drawn, this module and those the first window imports use only the
Qt classes that frame needs: PySide builds a class's Python enums when the class is first
used, and the ``Qt`` namespace's ninety-odd enums alone cost a fifth of a bare PySide6
window's start (dialogs, shortcuts and ``Qt.*`` values come after the first paint, or are
imported where they are used). ``tests/ui/test_startup.py`` checks it.
"""

from __future__ import annotations

import gc
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

import quizapp
from quizapp.core import gcpolicy, paths
from quizapp.core.paths import resources_dir
from quizapp.ui.theme import apply_look, saved_theme, saved_zoom

if TYPE_CHECKING:
    from quizapp.core.store import Store, StoreLockedError
    from quizapp.ui.mainwindow import MainWindow
    from quizapp.ui.tasks import TaskContext


def make_settings(file: Path | None = None) -> QSettings:
    """Window geometry, theme, zoom and the last session settings, in ``file`` (portable use:
    :attr:`quizapp.core.paths.Paths.settings`, beside the progress file, so nothing is left on
    the host), else where Qt keeps an application's settings."""
    if file is not None:
        return QSettings(str(file), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "quizapp", "quizapp")


def _install_excepthook(app: QApplication) -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        from PySide6.QtWidgets import QMessageBox

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


def ask_when_locked(e: StoreLockedError) -> str | None:
    """Another quizapp holds the score store: ask what to do. Returns ``"take_over"``,
    ``"read_only"`` or None (quit)."""
    from PySide6.QtWidgets import QMessageBox

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
        return "take_over"
    if box.clickedButton() is ro:
        return "read_only"
    return None


def open_store(data_dir: Path, sync_dir: Path | None = None) -> Store | None:
    """Open the score store (sharing progress through ``sync_dir`` if given), asking the user
    what to do when another quizapp holds it."""
    from quizapp.core.progress.history_store import open_store as open_folder
    from quizapp.core.store import StoreLockedError

    try:
        return open_folder(data_dir, sync_dir=sync_dir)
    except StoreLockedError as e:
        choice = ask_when_locked(e)
        if choice is None:
            return None
        return open_folder(data_dir, break_lock=choice == "take_over",
                          read_only=choice == "read_only", sync_dir=sync_dir)


def open_store_later(win: MainWindow, data_dir: Path, *, break_lock: bool = False,
                     read_only: bool = False, sync_dir: Path | None = None) -> None:
    """Open the score store in the background (a long history takes a while to read) while
    the window is already usable; then give it to the window and load the decks. When another
    quizapp holds the store the user is asked, as at a start; any other failure is said in a
    message box and the window closes (nothing has been recorded yet, so nothing is lost)."""
    if win.closing:
        return

    def opened(store: Store) -> None:
        gc.freeze()  # the loaded history is long-lived: keep it out of every later GC pass
        win.attach_store(store)
        if not win.closing:  # else closed meanwhile: :func:`run` closes the store
            win.start()

    def failed(exc: BaseException) -> None:
        from quizapp.core.store import StoreLockedError

        if isinstance(exc, StoreLockedError) and not (break_lock or read_only):
            choice = ask_when_locked(exc)
            if choice is not None:
                open_store_later(win, data_dir, break_lock=choice == "take_over",
                                 read_only=choice == "read_only", sync_dir=sync_dir)
                return
        elif not isinstance(exc, Exception):
            raise exc
        else:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(win, "quizapp cannot open your progress",
                                 f"{exc}\n\nNothing was changed. Start quizapp with --data-dir "
                                 "pointing to another folder (or set QUIZAPP_DATA_DIR).")
        win.close()

    opening: list[Store] = []

    def open_(ctx: TaskContext) -> Store:
        # imported here, off the GUI thread: the store, and what the window needs once it
        # is open (the coordinator, the session flow)
        import quizapp.core.coordinator
        import quizapp.ui.sessions  # noqa: F401
        from quizapp.core.progress.history_store import open_store as open_folder

        store = open_folder(data_dir, break_lock=break_lock, read_only=read_only,
                           sync_dir=sync_dir,
                           on_migrating=lambda n: ctx.report(0, 0, migrating_text(n)))
        opening.append(store)
        return store

    def cancelled() -> None:  # the app quit while the store opened: give its lock back
        for store in opening:
            store.close()

    def progressed(_done: int, _total: int, text: str) -> None:
        if text and not win.closing and not win.has_store:
            win.loader.show_loading(text)  # a migration from format 1 says so while it runs

    win.tasks.run(open_, label="Opening your progress…", dialog=False, on_done=opened,
                  on_error=failed, on_cancel=cancelled, on_progress=progressed)


def migrating_text(answers: int | None) -> str:
    """The library's busy bar while a format-1 folder is moved to format 2 (once)."""
    if answers is None:
        return "Moving your progress to the new format (once)…"
    return (f"Moving your progress to the new format (once): {answers:,} "
            f"answer{'s' if answers != 1 else ''}…")


def create_app(argv: list[str] | None = None) -> QApplication:
    # The GUI thread waits for the GIL whenever it calls into Python (a timer, a paint, the
    # input blocker) while a worker computes; Python hands the GIL over every 5 ms by default,
    # and a paint that crosses into Python often then stalled the window for half a second.
    # 0.5 ms keeps the window responsive at a small cost to the worker (tests/benchmarks).
    sys.setswitchinterval(0.0005)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):  # made elsewhere (the tests' one): styled here
        app = existing
        app.setStyle("Fusion")
    else:
        # Qt 6 scales by the screen's exact factor (PassThrough rounding) by default; the
        # Fusion style is given as an argument, so Qt builds it once (setStyle would build
        # a second and materialise QStyle's enums before the first frame)
        app = QApplication([*(argv or sys.argv[:1]), "-style", "Fusion"])
    app.setApplicationName("quizapp")
    app.setApplicationDisplayName("quizapp")
    app.setApplicationVersion(quizapp.__version__)
    app.setDesktopFileName("quizapp")
    return app


def set_app_icon(app: QApplication) -> None:
    """The windows' icon (``quizapp`` sets it once the first frame is drawn: building
    ``QIcon`` and Qt's SVG icon engine costs the first frame a few milliseconds)."""
    from PySide6.QtGui import QIcon

    icon = resources_dir() / "icons" / "quizapp.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def launch(data_dir: str | None = None, decks: list[Path] | None = None,
           sync_dir: str | None = None) -> tuple[QApplication, MainWindow, Store | None]:
    """Everything ``quizapp`` does before its event loop: the window is shown first; once it
    has been painted, the data folder is looked up and checked, the score store is opened and
    then the decks are loaded, both off the GUI thread (the store is returned as None; the
    window's :attr:`~MainWindow.has_store` says when it is open). A data folder that cannot be
    used is said in a message box, and the app then quits with exit status 1."""
    from quizapp.ui.mainwindow import MainWindow

    app = create_app()
    _install_excepthook(app)
    # the settings file is known without the platform's folders (it is inside a chosen data
    # folder, else where Qt keeps it); those are looked up after the first paint: platformdirs
    # costs the first frame 3 ms
    settings = make_settings(paths.settings_file(data_dir))
    win = MainWindow(store=None, data_dir=None, settings=settings, cache_dir=None,
                     extra_decks=decks or [], defer_menus=True)
    win.show()

    def after_first_paint() -> None:
        gcpolicy.start_up_done()  # the collector, paused by quizapp.cli.prepare_gui
        set_app_icon(app)
        where = paths.resolve(data_dir)
        problem = paths.check_data_dir(where.data)
        if problem:
            from PySide6.QtWidgets import QMessageBox

            win.library.hide_busy()  # not "Opening your progress…" behind the message
            sys.stderr.write(f"quizapp: error: {problem}\n")  # also said where it was typed
            QMessageBox.critical(win, "quizapp cannot use its data folder",
                                 f"{problem}\n\nStart quizapp with --data-dir pointing to a "
                                 "folder you can write to (or set QUIZAPP_DATA_DIR).")
            QCoreApplication.exit(1)
            win.close()
            return
        # a sync folder that cannot be used is said on the library page
        sync = paths.sync_dir(sync_dir, where.data)
        win.set_folders(where.data, where.deck_cache, sync)
        win.library.build_list_soon()  # the deck list's widgets, in the next turn
        win.build_actions()  # the menus' actions and every shortcut (the titles are there)
        open_store_later(win, where.data, sync_dir=sync.folder)

    # the menus are filled and the store opens once the first paint is done: the paint was
    # asked for by show(), so it happens in the event loop's first turn; they come in the
    # turn after it
    QTimer.singleShot(0, lambda: QTimer.singleShot(0, after_first_paint))
    return app, win, None


def run(data_dir: str | None = None, decks: list[Path] | None = None,
        sync_dir: str | None = None) -> int:
    app, win, _store = launch(data_dir, decks, sync_dir)
    try:
        return app.exec()
    finally:
        win.closing = True  # a store open not started yet never starts
        QCoreApplication.sendPostedEvents()
        win.tasks.shutdown(5000)
        QCoreApplication.sendPostedEvents()  # a store that finished opening is closed
        if win.has_store:
            win.store.close()  # the store open now (Preferences may have re-opened it)


def _tool_app() -> QApplication:
    """The application for a window opened from the command line on its own (preview, guide),
    with the theme and zoom chosen in the app."""
    app = create_app()
    set_app_icon(app)
    _install_excepthook(app)
    settings = make_settings()
    apply_look(app, saved_theme(settings), saved_zoom(settings))
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
