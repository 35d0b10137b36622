"""GUI fixtures: a main window on a fresh data folder, with its decks loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QMessageBox

from quizapp.core.store import Store
from quizapp.ui import dialogs
from quizapp.ui.app import apply_look, create_app
from quizapp.ui.mainwindow import MainWindow


@pytest.fixture(autouse=True)
def restore_look() -> Iterator[None]:
    """No test leaks theme or zoom into the next: if a test changed the application's look
    (View > Theme, zoom), the default look (system theme, 100%) is applied again afterwards.

    The style sheet is never taken away once set: switching Qt back from its style-sheet style
    while widgets wait for deletion crashes Qt now and then, so the default is re-applied the
    way the app itself applies a look."""
    app = create_app()
    palette, font, sheet = QPalette(app.palette()), QFont(app.font()), app.styleSheet()
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()
    if app.styleSheet() != sheet or app.font() != font or app.palette() != palette:
        apply_look(app, "system", 1.0)


@pytest.fixture
def make_window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build a MainWindow like `quizapp` does, on folders inside tmp_path."""
    made: list[tuple[MainWindow, Store]] = []

    def make(data: Path | None = None, extra: list[Path] | None = None,
             settings_file: Path | None = None) -> MainWindow:
        create_app()
        data = data or tmp_path / "data"
        settings = QSettings(str(settings_file or tmp_path / "settings.ini"),
                             QSettings.Format.IniFormat)
        store = Store.open(data)
        win = MainWindow(store=store, data_dir=data, settings=settings,
                         cache_dir=tmp_path / "cache", extra_decks=extra)
        qtbot.addWidget(win)
        win.resize(1280, 800)
        win.show()
        with qtbot.waitSignal(win.decks_loaded, timeout=20000):
            win.start()
        win.activateWindow()
        made.append((win, store))
        return win

    yield make
    for win, store in made:
        win.tasks.shutdown()  # no worker still writing when the store closes
        win.study.timer.stop()
        if not store.closed:
            store.close()


@pytest.fixture
def window(make_window) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    yield make_window()


class Asked(list):  # type: ignore[type-arg]
    """Titles of the confirmations asked; ``texts`` holds their messages."""

    texts: list[str]


@pytest.fixture(autouse=True)
def no_unexpected_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real yes/no box would wait forever offscreen: a test that meets one unexpectedly
    fails at once (tests that expect one use ``confirm_yes``)."""

    def ask(cls, parent, title, text):  # type: ignore[no-untyped-def]
        raise AssertionError(f"unexpected confirmation {title!r}: {text}")

    monkeypatch.setattr(dialogs.ConfirmDialog, "ask", classmethod(ask))


@pytest.fixture(autouse=True)
def no_unexpected_message_box(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real message box waits forever offscreen: a test that meets one it did not expect
    fails at once, naming it (tests that expect one replace these themselves)."""

    def unexpected(*args, **kwargs):  # type: ignore[no-untyped-def]
        texts = [a for a in args if isinstance(a, str)]
        raise AssertionError(f"unexpected message box: {texts}")

    for name in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(unexpected))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: unexpected(
        box.windowTitle(), box.text()))


@pytest.fixture
def confirm_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked = Asked()
    asked.texts = []

    def ask(cls, parent, title, text):  # type: ignore[no-untyped-def]
        asked.append(title)
        asked.texts.append(text)
        return True

    monkeypatch.setattr(dialogs.ConfirmDialog, "ask", classmethod(ask))
    return asked
