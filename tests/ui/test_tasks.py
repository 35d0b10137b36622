"""Background work done one way (quizapp.ui.tasks): the window keeps running while a core
function works, the result or the error arrives on the GUI thread, Cancel stops it, and the
File menu's jobs go through it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt, QThread, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton, QWidget

from quizapp.ui.mainwindow import MainWindow
from quizapp.ui.tasks import TaskContext, TaskRunner

GUI_WAIT = 10000


def _gui_sets(ev: threading.Event) -> None:
    """Set ``ev`` from a timer on the GUI thread: it is set only if the GUI thread is free."""
    QTimer.singleShot(20, ev.set)


@pytest.fixture
def runner(qtbot) -> TaskRunner:  # type: ignore[no-untyped-def]
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    return TaskRunner(w)


def test_result_is_delivered_on_the_gui_thread_while_the_gui_keeps_running(  # type: ignore[no-untyped-def]
        runner: TaskRunner, qtbot) -> None:
    free = threading.Event()
    threads: dict[str, object] = {}

    def work(ctx: TaskContext) -> int:
        threads["work"] = QThread.currentThread()
        _ = ctx
        assert free.wait(5), "the GUI thread was blocked while the task ran"
        return 42

    got: list[int] = []
    _gui_sets(free)
    runner.run(work, label="Working…",
               on_done=lambda v: (got.append(v), threads.__setitem__("done",
                                                                     QThread.currentThread())))
    qtbot.waitUntil(lambda: got == [42], timeout=GUI_WAIT)
    app = QApplication.instance()
    assert app is not None
    assert threads["done"] is app.thread() and threads["work"] is not app.thread()


def test_an_error_is_delivered_not_lost(runner: TaskRunner, qtbot) -> None:  # type: ignore[no-untyped-def]
    def work(ctx: TaskContext) -> None:
        raise OSError(28, "No space left on device")

    errors: list[BaseException] = []
    done: list[object] = []
    runner.run(work, label="Saving…", on_done=done.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=GUI_WAIT)
    assert isinstance(errors[0], OSError) and errors[0].strerror == "No space left on device"
    assert done == [] and not runner.busy()


def test_a_slow_task_shows_progress_with_cancel_that_stops_it(  # type: ignore[no-untyped-def]
        runner: TaskRunner, qtbot) -> None:
    stopped = threading.Event()

    def work(ctx: TaskContext) -> str:
        i = 0
        while not ctx.cancelled:
            ctx.report(i, 0, f"step {i}")
            i += 1
            QThread.msleep(5)
        stopped.set()
        return "finished anyway"

    outcome: list[str] = []
    task = runner.run(work, label="Importing big.apkg…", on_done=outcome.append,
                      on_cancel=lambda: outcome.append("cancelled"))
    qtbot.waitUntil(lambda: task.progress_dialog is not None
                    and task.progress_dialog.isVisible(), timeout=GUI_WAIT)
    dialog = task.progress_dialog
    assert dialog is not None and "Importing big.apkg…" in dialog.labelText()
    (cancel,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: outcome == ["cancelled"], timeout=GUI_WAIT)
    assert stopped.is_set() and task.progress_dialog is None and not runner.busy()


def test_store_work_blocks_input_but_not_painting(runner: TaskRunner, qtbot) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    seen: list[int] = []

    class Keys(QWidget):
        def keyPressEvent(self, event: QKeyEvent) -> None:
            seen.append(event.key())

    keys = Keys(runner.widget)
    keys.show()
    done: list[object] = []
    runner.run(lambda ctx: release.wait(5), label="Merging…", block_input=True,
               on_done=done.append)
    QApplication.sendEvent(keys, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_1,
                                           Qt.KeyboardModifier.NoModifier))
    assert seen == []  # an answer typed now cannot race the merge
    release.set()
    qtbot.waitUntil(lambda: done == [True], timeout=GUI_WAIT)
    QApplication.sendEvent(keys, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_1,
                                           Qt.KeyboardModifier.NoModifier))
    assert seen == [Qt.Key.Key_1]


def test_importing_questions_leaves_the_window_responsive(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch) -> None:
    """Defect: File > Import questions converted on the GUI thread (an .apkg could freeze the
    window for up to 60 s). The conversion now runs while the window keeps going."""
    from quizapp.core.interchange import conversion
    from quizapp.core.interchange.messages import ConvertError

    src = Path(__file__).resolve().parents[1] / "data" / "interop" / "moodle-back-pain.xml"
    real = conversion.convert_path
    free = threading.Event()

    def slow_convert(path: Path, **kw):  # type: ignore[no-untyped-def]
        if not free.wait(5):
            raise ConvertError([])  # the GUI thread was blocked
        return real(path, **kw)

    monkeypatch.setattr(conversion, "convert_path", slow_convert)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.windowTitle()) or 0)
    _gui_sets(free)
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=GUI_WAIT) as imported:
        window.transfers.import_questions(src, tmp_path / "out.yaml")
    assert imported.args == [True] and shown == ["Questions imported"]


def test_exporting_progress_runs_in_the_background_and_says_where(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch) -> None:
    out = tmp_path / "progress.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(out), ""))
    window.act["export"].trigger()
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=GUI_WAIT)
    assert out.is_file() and str(out) in window.statusBar().currentMessage()


def test_a_failed_csv_export_is_reported(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch) -> None:
    out = tmp_path / "missing-folder" / "attempts.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(out), ""))
    warned: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a: warned.append((title, text)) or 0)
    window.act["export_csv"].trigger()
    qtbot.waitUntil(lambda: bool(warned), timeout=GUI_WAIT)
    assert warned[0][0] == "Could not save" and not out.exists()


def test_statistics_are_computed_while_the_window_keeps_running(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, monkeypatch) -> None:
    """Defect: the Statistics figures were computed on the GUI thread."""
    from quizapp.ui.pages import stats

    real = stats.compute
    free = threading.Event()

    def slow_compute(*a, **kw):  # type: ignore[no-untyped-def]
        assert free.wait(5), "the GUI thread was blocked while the figures were computed"
        return real(*a, **kw)

    monkeypatch.setattr(stats, "compute", slow_compute)
    _gui_sets(free)
    window.show_stats()  # the charts are imported in the background
    qtbot.waitUntil(lambda: window.stats_page is not None, timeout=GUI_WAIT)
    page = window.stats_page
    assert page is not None and window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.dashboard is not None, timeout=GUI_WAIT)
    assert page.tiles["answers"].value.text() == "0"


def test_the_chart_library_is_imported_off_the_gui_thread(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, monkeypatch) -> None:
    """The first Statistics open imported pyqtgraph (about half a second) on the GUI thread;
    it is now imported on the worker that computes the figures, before they are drawn."""
    from quizapp.ui.pages import stats

    threads: list[bool] = []
    monkeypatch.setattr(stats, "_import_charts",
                        lambda: threads.append(threading.current_thread()
                                               is threading.main_thread()))
    window.show_stats()  # the page is built once the charts' modules are imported (off the
    # GUI thread when no earlier test of this process imported them): wait for it
    qtbot.waitUntil(lambda: window.stats_page is not None, timeout=GUI_WAIT)
    page = window.stats_page
    assert page is not None
    qtbot.waitUntil(lambda: page.dashboard is not None, timeout=GUI_WAIT)
    assert threads == [False]


def test_the_statistics_csv_export_runs_in_the_background_too(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch) -> None:
    """The Statistics page's CSV button and File > Export attempts as CSV both save through
    the background helper (it used to write on the GUI thread)."""
    from quizapp.core.store import Store
    from quizapp.ui.pages.stats import StatsPage

    target = tmp_path / "answers.csv"
    monkeypatch.setattr(StatsPage, "ask_save_path", classmethod(lambda *a: target))
    free = threading.Event()
    real = Store.export_csv

    def slow_export(self, path):  # type: ignore[no-untyped-def]
        assert free.wait(5), "the GUI thread was blocked while the CSV was written"
        return real(self, path)

    monkeypatch.setattr(Store, "export_csv", slow_export)
    window.show_stats()  # the charts are imported in the background
    qtbot.waitUntil(lambda: window.stats_page is not None, timeout=GUI_WAIT)
    page = window.stats_page
    assert page is not None
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=GUI_WAIT)
    _gui_sets(free)
    page.csv_button.click()
    qtbot.waitUntil(lambda: "answers saved to" in page.status.text(), timeout=GUI_WAIT)
    assert target.read_text(encoding="utf-8").startswith("id,timestamp,deck_id")


def test_the_garbage_collector_waits_while_work_runs_and_comes_back_after(  # type: ignore[no-untyped-def]
        runner: TaskRunner, qtbot) -> None:
    """A full collection during a long job held the GIL, and so the window, for a tenth of a
    second: the cyclic collector is off while any task runs, and on again once the last one
    has finished, failed or been cancelled."""
    import gc

    assert gc.isenabled()
    seen: list[bool] = []
    gate = threading.Event()

    def work(ctx: TaskContext) -> None:
        seen.append(gc.isenabled())
        gate.wait(GUI_WAIT / 1000)

    def fail(ctx: TaskContext) -> None:
        raise ValueError("broken")

    with qtbot.waitSignal(runner.idle, timeout=GUI_WAIT):
        first = runner.run(work, label="Working…", dialog=False)
        runner.run(fail, label="Failing…", dialog=False, on_error=lambda exc: None)
        assert not gc.isenabled()  # both running
        qtbot.waitUntil(lambda: seen == [False], timeout=GUI_WAIT)
        assert not gc.isenabled()  # the failed one is done, the first still runs
        assert first in runner.running
        gate.set()
    assert gc.isenabled()
    with qtbot.waitSignal(runner.idle, timeout=GUI_WAIT):
        runner.run(work, label="Again…", dialog=False, on_cancel=lambda: None).cancel()
    assert gc.isenabled()
