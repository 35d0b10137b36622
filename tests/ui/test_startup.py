"""Start-up: the first window appears before the decks load, and without the heavy modules
(PyYAML, the charts, numpy, fsrs, the pages nobody has opened yet)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

LATER = ("yaml", "pyqtgraph", "numpy", "fsrs", "hashlib", "subprocess",
         "quizapp.core.deckfile", "quizapp.core.about", "quizapp.core.store",
         "quizapp.core.progress.store1",
         "quizapp.core.model", "quizapp.ui.widgets", "quizapp.ui.dialogs",
         "quizapp.core.session", "quizapp.core.coordinator", "quizapp.ui.sessions",
         "quizapp.ui.pages.study", "quizapp.ui.pages.builder", "quizapp.ui.pages.results",
         "quizapp.ui.pages.stats", "quizapp.ui.reference_panel",
         "quizapp.ui.actions", "quizapp.core.scheduling",  # the menus: after the first paint
         "quizapp.ui.tasks",  # background work starts after the first paint
         "html")


def _fresh_interpreter(code: str, data: Path) -> list[str]:
    """The lines ``code`` prints, run in a fresh interpreter (offscreen, data folder ``data``)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QUIZAPP_DATA_DIR": str(data),
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=True).stdout.splitlines()


def test_the_first_window_needs_none_of_the_heavy_modules(tmp_path: Path) -> None:
    """What ``quizapp`` runs before its event loop, in a fresh interpreter: the window is
    shown, and the modules only needed later are not imported yet."""
    code = ("import sys\nfrom quizapp.ui.app import launch\napp, win, store = launch()\n"
            "print(win.isVisible())\n"
            f"print(sorted(m for m in {LATER!r} if m in sys.modules))\n")
    out = _fresh_interpreter(code, tmp_path)
    assert out == ["True", "[]"]


#: Qt classes the first frame must not build: PySide makes a class's Python enums when the
#: class is first used, and the ``Qt`` namespace's alone cost a fifth of a bare window's start
#: (issue 15: start-up within 1.3x a bare PySide6 window)
NOT_BEFORE_THE_FIRST_FRAME = {
    "QtCore": ("Qt", "QItemSelectionModel"),
    "QtGui": ("QKeySequence", "QShortcut", "QAction",
              "QIcon",  # the window icon is set after the first frame
              "QPaintEvent"),  # no Python paintEvent in the first frame (QEvent's 180 types)
    "QtWidgets": ("QMessageBox", "QFileDialog", "QDockWidget", "QProgressDialog", "QStyle",
                  "QTableWidget", "QSplitter"),
}


def test_the_first_frame_builds_no_qt_class_it_does_not_show(tmp_path: Path) -> None:
    """The ``quizapp`` start as the benchmark times it (launch, then the event loop's first
    turn draws the window) in a fresh interpreter: none of the Qt classes above has been
    built yet, and the window is the one a student sees (title, buttons, the busy bar)."""
    code = ("import sys\nfrom PySide6 import QtCore, QtGui, QtWidgets\n"
            "from quizapp.ui.app import launch\napp, win, store = launch()\n"
            "loop = QtCore.QEventLoop()\n"
            "QtCore.QTimer.singleShot(0, lambda: (win.grab(), loop.quit()))\nloop.exec()\n"
            f"names = {NOT_BEFORE_THE_FIRST_FRAME!r}\n"
            "mods = {'QtCore': QtCore, 'QtGui': QtGui, 'QtWidgets': QtWidgets}\n"
            "print(sorted(n for m, ns in names.items() for n in ns if n in vars(mods[m])))\n"
            "lib = win.library\n"
            "print(lib.progress.isVisible(), '|', lib.progress_text.isVisible(), '|',"
            " lib.progress_text.text())\n")
    out = _fresh_interpreter(code, tmp_path)
    assert out[0] == "[]"
    assert out[1] == "True | True | Opening your progress…"  # said above the busy bar


def test_the_window_gets_its_icon_and_the_deck_list_after_the_first_paint(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication

    win = launched()
    QCoreApplication.processEvents()  # the first turn: the first paint
    QCoreApplication.processEvents()  # the turn after it
    QCoreApplication.processEvents()  # and the deck list, asked for then
    assert not win.windowIcon().isNull()  # resources/icons/quizapp.svg
    assert win.windowIcon().pixmap(32, 32).toImage().pixelColor(4, 16).blue() > 150
    assert "table" in vars(win.library)  # built without being asked for


def test_no_garbage_collection_until_the_first_frame_then_as_usual(tmp_path: Path) -> None:
    """``quizapp`` in a fresh interpreter (quizapp.cli.gui's steps): the collector waits while
    Qt is imported and the first window built (about 5 ms of the first frame), and runs again,
    with start-up's objects frozen, once the window has been drawn."""
    code = ("import gc, quizapp.cli\nquizapp.cli.prepare_gui()\nprint(gc.isenabled())\n"
            "from PySide6 import QtCore\nfrom quizapp.ui.app import launch\n"
            "app, win, store = launch()\nprint(gc.isenabled())\n"
            "loop = QtCore.QEventLoop()\nwin.decks_loaded.connect(loop.quit)\n"
            "QtCore.QTimer.singleShot(60000, loop.quit)\nloop.exec()\n"
            "print(win.registry.has_decks(), gc.isenabled(), gc.get_freeze_count() > 10000)\n"
            "win.close()\nwin.store.close()\n")
    out = _fresh_interpreter(code, tmp_path)
    assert out == ["False", "False", "True True True"]


def test_a_data_folder_that_cannot_be_used_is_said_and_quizapp_quits_with_status_1(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """The data folder is looked up and checked once the first window has been drawn (the
    platform's folders cost the first frame 3 ms): a file in its place is said, nothing is
    written, and the event loop ends with exit status 1 (the ``quizapp`` command's)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    from quizapp.ui.app import launch

    blocker = tmp_path / "progress"
    blocker.write_text("not a folder", encoding="utf-8")
    said: list[str] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch installs the app's
    status: list[int] = []  # what app.exec() returns (the test's app must go on running)
    monkeypatch.setattr(QCoreApplication, "exit", lambda code=0: status.append(code))
    _app, win, _store = launch(str(blocker))
    qtbot.addWidget(win)
    busy: list[bool] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, title, text: (
        said.append(f"{title}: {text}"), busy.append(win.library.progress.isVisible())))
    qtbot.waitUntil(lambda: bool(said), timeout=20000)
    assert status == [1]
    assert busy == [False]  # no "Opening your progress…" behind the message
    assert capsys.readouterr().err == (f"quizapp: error: The data folder {blocker} is a file, "
                                       "not a folder.\n")  # and in the terminal
    assert said == [f"quizapp cannot use its data folder: The data folder {blocker} is a "
                    "file, not a folder.\n\nStart quizapp with --data-dir pointing to a folder "
                    "you can write to (or set QUIZAPP_DATA_DIR)."]
    assert not win.isVisible() and not win.has_store
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_the_window_is_shown_before_the_decks_load_and_then_fills(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.app import launch

    monkeypatch.setenv("QUIZAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch installs the app's
    launched = launch()
    assert launched is not None
    _app, win, _store = launched
    qtbot.addWidget(win)
    try:
        assert win.isVisible()
        assert win.registry.all() == []  # nothing loaded yet: the window came first
        with qtbot.waitSignal(win.decks_loaded, timeout=30000):
            pass  # the decks load once the window has been painted
        assert win.registry.has_decks()  # the bundled decks
        assert win.library.table.rowCount() == len(win.registry.all())
        win.act["new"].trigger()  # a page built on first use works like any other
        assert win.stack.currentWidget() is win.builder
    finally:
        win.tasks.shutdown()
        if win.has_store:
            win.store.close()


@pytest.fixture
def launched(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``launched()``: what ``quizapp`` runs before its event loop, on the data folder
    ``tmp_path / "data"``; the window. Afterwards its background work is waited for and its
    store (if it opened) closed."""
    from quizapp.ui.app import launch

    windows = []

    def start():  # type: ignore[no-untyped-def]
        monkeypatch.setenv("QUIZAPP_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch installs the app's
        _app, win, store = launch()
        assert store is None  # opened in the background
        qtbot.addWidget(win)
        windows.append(win)
        return win

    yield start
    for win in windows:
        win.tasks.shutdown()
        if win.has_store:
            win.store.close()


def test_the_menu_titles_come_at_once_and_every_key_works_right_after_the_first_paint(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The menus' actions are built in the event loop's turn after the first paint (issue 15:
    start-up); the menu bar's titles are there from the start, and then every menu entry and
    every shortcut of the action table is there and works."""
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QKeySequence

    from quizapp.ui.actions import ACTIONS
    from quizapp.ui.theme import saved_zoom

    win = launched()
    titles = list(dict.fromkeys(spec.menu for spec in ACTIONS))
    bar = [a.text() for a in win.menuBar().actions()]
    assert bar == titles  # File, Study, View, Help: in the first frame
    assert win.act == {}  # the actions come after the first paint (start-up time)
    QCoreApplication.processEvents()  # the first turn: the first paint
    QCoreApplication.processEvents()  # the turn after it: the menus are filled
    assert [a.text() for a in win.menuBar().actions()] == titles  # not twice
    menus = {a.text(): a.menu() for a in win.menuBar().actions()}
    for spec in ACTIONS:
        entries = [a.text().split("\t")[0] for a in menus[spec.menu].actions()
                   if not a.isSeparator()]
        assert spec.text in entries, spec.name
    registered = {k.toString() for a in win.actions() for k in a.shortcuts()}
    wanted = {QKeySequence(k).toString() for spec in ACTIONS if spec.shortcut
              for k in (spec.shortcut, *spec.more_keys)}
    assert wanted <= registered
    assert win.theme_actions["system"].isChecked()
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # Ctrl+Shift+2: dark theme
    assert win.settings.value("view/theme") == "dark"
    assert win.theme_actions["dark"].isChecked()
    qtbot.keyClick(win, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)  # zoom in
    assert saved_zoom(win.settings) > 1.0


def test_a_saved_theme_is_checked_in_the_menu_built_after_the_first_paint(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.core import paths
    from quizapp.ui.app import make_settings

    monkeypatch.setenv("QUIZAPP_DATA_DIR", str(tmp_path / "data"))
    make_settings(paths.resolve(None).settings).setValue("view/theme", "light")
    win = launched()
    win.build_actions()
    assert win.theme_actions["light"].isChecked()
    assert not win.theme_actions["system"].isChecked()


def test_until_the_store_is_open_what_needs_it_is_disabled(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    win = launched()
    assert not win.has_store
    win.build_actions()  # what the turn after the first paint does (before the store)
    needs_store = ("due", "new", "stats", "export_csv", "export", "import")
    assert [n for n in needs_store if win.act[n].isEnabled()] == []
    assert not win.library.stats_button.isEnabled()
    assert win.library.progress.isVisible()  # "Opening your progress…"
    assert win.act["open"].isEnabled() and win.act["shortcuts"].isEnabled()
    with qtbot.waitSignal(win.decks_loaded, timeout=30000):
        pass
    assert win.has_store
    assert [n for n in needs_store if not win.act[n].isEnabled()] == []


def test_a_deck_opened_while_the_store_opens_is_loaded_once_it_is_open(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tests.benchmarks.gen import write_deck

    deck = write_deck(tmp_path / "mine", 3)
    win = launched()
    win.open_deck(deck)  # e.g. dropped on the window at once
    with qtbot.waitSignal(win.decks_loaded, timeout=30000):
        pass
    assert str(deck.resolve()) in win.registry.results
    assert win.registry.results[str(deck.resolve())].ok


def test_a_store_held_by_another_quizapp_asks_after_the_window_is_shown(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.core.store import Store
    from quizapp.ui import app as app_module

    other = Store.open(tmp_path / "data")  # another quizapp
    asked: list[bool] = []

    def ask(e: Exception) -> str:
        asked.append(win.isVisible())
        return "read_only"

    monkeypatch.setattr(app_module, "ask_when_locked", ask)
    win = launched()
    try:
        with qtbot.waitSignal(win.decks_loaded, timeout=30000):
            pass
        assert asked == [True]
        assert win.store.read_only
        assert win.registry.has_decks()
    finally:
        other.close()


def test_a_store_held_elsewhere_and_quit_closes_the_window(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.core.store import Store
    from quizapp.ui import app as app_module

    other = Store.open(tmp_path / "data")
    monkeypatch.setattr(app_module, "ask_when_locked", lambda e: None)
    win = launched()
    try:
        qtbot.waitUntil(lambda: not win.isVisible(), timeout=30000)
        assert not win.has_store
    finally:
        other.close()


def test_a_store_that_cannot_be_opened_is_said_in_a_message(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from quizapp.core.progress import history_store

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(5, "Input/output error", str(tmp_path / "data" / "progress.json"))

    shown: list[str] = []
    monkeypatch.setattr(history_store, "open_store", broken)
    monkeypatch.setattr(QMessageBox, "critical",
                        staticmethod(lambda parent, title, text: shown.append(text)))
    win = launched()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    assert "Input/output error" in shown[0] and "progress.json" in shown[0]
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=5000)


@pytest.mark.parametrize("quit_after_ms", [0, 2000])
def test_quitting_at_once_or_later_gives_the_store_back(tmp_path: Path,
                                                        quit_after_ms: int) -> None:
    """``quizapp`` quit before (or after) its store finished opening in the background
    leaves no lock behind: the next start is not told that the folder is in use."""
    code = ("from PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication\n"
            "from quizapp.ui import app\napp.create_app()\n"
            f"QTimer.singleShot({quit_after_ms}, QApplication.quit)\nprint(app.run())\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QUIZAPP_DATA_DIR": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                         capture_output=True, timeout=120, check=True).stdout
    assert out.split() == ["0"]
    assert not list(tmp_path.rglob("*.lock"))


def _fake_charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str = "") -> str:
    """A charting module not imported yet, in place of pyqtgraph."""
    from quizapp.ui.pagestack import PageStack

    name = f"fake_charts_{abs(hash(tmp_path))}"
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(PageStack, "CHARTS_MODULE", name)
    return name


def test_statistics_first_open_imports_the_charts_off_the_gui_thread(
        window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """pyqtgraph and numpy take a second to import: the first Statistics imports them on a
    worker thread (the window keeps painting) and then shows the page."""
    import threading

    name = _fake_charts(tmp_path, monkeypatch, "import threading\n"
                        "ON_GUI_THREAD = threading.current_thread() is threading.main_thread()\n")
    window.act["stats"].trigger()
    assert window.stack.currentWidget() is window.library  # not yet: importing
    qtbot.waitUntil(lambda: window.stats_page is not None
                    and window.stack.currentWidget() is window.stats_page, timeout=30000)
    assert sys.modules[name].ON_GUI_THREAD is False
    assert threading.current_thread() is threading.main_thread()


def test_statistics_without_the_charting_library_says_so(
        window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    _fake_charts(tmp_path, monkeypatch, "raise ModuleNotFoundError(\"No module named 'numpy'\")\n")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: shown.append(text)))
    window.act["stats"].trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    assert "pyqtgraph" in shown[0] and "numpy" in shown[0] and "Reinstall" in shown[0]
    assert window.stats_page is None and window.stack.currentWidget() is window.library


def test_a_format1_folder_is_moved_once_saying_so_in_the_busy_bar_then_one_good_banner(
        launched, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.core.model import StudyUnit
    from quizapp.core.progress.history_store import folder_format
    from quizapp.core.store import Store
    from quizapp.ui.deckloading import DeckLoader
    from quizapp.ui.pages.library import Banner

    with Store.open(tmp_path / "data") as old:  # format 1, as quizapp wrote it before
        for i in range(5):
            old.record_attempt(StudyUnit("deck", f"i{i}"), answer=["A"], correct=True,
                               mode="tutor")
    said: list[str] = []
    real = DeckLoader.show_loading
    monkeypatch.setattr(DeckLoader, "show_loading",  # what the student reads above the bar
                        lambda self, text: (real(self, text), said.append(
                            self.window.library.progress_text.text()))[0])
    win = launched()
    with qtbot.waitSignal(win.decks_loaded, timeout=30000):
        pass
    assert said[0] == "Opening your progress…"
    assert any(t.startswith("Moving your progress to the new format (once)")
               for t in said[1:]), said
    assert not win.library.progress_text.isVisible()  # gone with the bar
    banners = [b.message.text() for b in win.library.findChildren(Banner)]
    assert len(banners) == 1 and banners[0].startswith("Done: your progress now uses"), \
        banners
    assert "5 answers" in banners[0] and "format1-" in banners[0]
    assert folder_format(tmp_path / "data") == 2 and win.store.attempt_count == 5


@given(st.text())
def test_a_plain_tooltip_escapes_exactly_as_html_escape(text: str) -> None:
    """The tooltip's escaping is written out (html is not imported for the first window):
    nothing in a deck or tag name is ever read as markup."""
    import html

    from quizapp.ui.labels import plain_tooltip

    assert plain_tooltip(text) == ("<p style='white-space:pre-wrap'>"
                                   + html.escape(text, quote=False) + "</p>")
