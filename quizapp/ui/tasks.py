"""Background work done one way (in the spirit of Anki's ``QueryOp``/``CollectionOp``).

A core function runs on a worker thread; the window keeps painting and answering. When the work
takes longer than :data:`SHOW_AFTER_MS`, a progress dialog with a Cancel button appears. The
result, or the exception, is delivered on the GUI thread through signals. Cancelling sets a
flag the core function may check (``ctx.cancelled``); a function that does not check it runs to
its end and its result is thrown away.

Usage::

    self.tasks.run(lambda ctx: store.export_csv(path), label="Saving answers…",
                   on_done=lambda rows: ..., on_error=lambda exc: ..., block_input=True)

``block_input=True`` is for work that reads or changes the score store: the store is used by
one thread at a time, so while such work runs the window ignores the keyboard and the mouse
(it still paints, moves and resizes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QApplication, QWidget

from quizapp.core import gcpolicy

if TYPE_CHECKING:
    from PySide6.QtWidgets import QProgressDialog

__all__ = ["SHOW_AFTER_MS", "Task", "TaskCancelledError", "TaskContext", "TaskRunner"]

#: The progress dialog appears only for work that takes longer than this.
SHOW_AFTER_MS = 300
#: ``Task.progressed`` is emitted at most this often (the dialog shows every report).
PROGRESS_SIGNAL_EVERY_S = 0.05


class TaskCancelledError(Exception):
    """Raised by :meth:`TaskContext.check` once the user asked to cancel."""


class TaskContext:
    """Handed to the core function on the worker thread: it may report progress and check
    whether the user cancelled. Plain Python, so core functions need no Qt to use it."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._cancel = threading.Event()
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Raise :class:`TaskCancelledError` if the user cancelled."""
        if self._cancel.is_set():
            raise TaskCancelledError

    def report(self, done: int, total: int, text: str = "") -> None:
        """``done`` of ``total`` steps are done (``total`` 0: unknown); ``text`` says which."""
        self._report(done, total, text)


class _Wake(QEvent):
    """Posted to a :class:`Task` from the worker: news is waiting in the task's mailbox.

    The news itself waits in the mailbox, so a worker that reports progress thousands of times
    a second costs the GUI thread one event per pass of its loop, not one per report."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self) -> None:
        super().__init__(self.TYPE)


class _Mailbox:
    """What the worker tells the GUI thread: the latest progress and, once, the outcome."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.progress: tuple[int, int, str] | None = None
        self.outcome: tuple[bool, Any] | None = None  # (returned normally, value or exc)
        self.wake_pending = False


def _work(fn: Callable[[TaskContext], Any], ctx: TaskContext, post: Callable[[], None],
          mailbox: _Mailbox) -> None:
    """The worker thread's part: run ``fn`` and leave its outcome in the mailbox."""
    try:
        outcome: tuple[bool, Any] = (True, fn(ctx))
    except BaseException as exc:  # delivered to the GUI thread, never lost
        outcome = (False, exc)
    with mailbox.lock:
        mailbox.outcome = outcome
    post()


class _InputBlocker(QObject):
    """Swallows keyboard and mouse input to every window while installed (painting goes on)."""

    BLOCKED = frozenset({
        QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride,
        QEvent.Type.Shortcut, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel, QEvent.Type.Drop,
        QEvent.Type.ContextMenu,
    })

    def __init__(self, allowed: Callable[[], QWidget | None]) -> None:
        super().__init__()
        self.allowed = allowed

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() not in self.BLOCKED:
            return False
        dialog = self.allowed()
        if dialog is not None and isinstance(obj, QWidget) and (
                obj is dialog or dialog.isAncestorOf(obj)):
            return False  # the Cancel button works
        event.accept()  # an accepted ShortcutOverride also keeps menu shortcuts quiet
        return True


class Task(QObject):
    """One core function run on a worker thread; see the module docstring.

    Signals:
        progressed(int, int, str): on the GUI thread when the function reports progress
            (at most every :data:`PROGRESS_SIGNAL_EVERY_S`, and for the last step): steps
            done, steps in all (0 if unknown), what it is doing.
        succeeded(object): on the GUI thread, once, with the function's return value.
        failed(object): on the GUI thread, once, with the exception the function raised.
        cancelled(): on the GUI thread, once, when the user cancelled (the function's result
            or :class:`TaskCancelledError` is thrown away).
        finished(): on the GUI thread, once, after exactly one of the three above.
    """

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn: Callable[[TaskContext], Any], *, label: str,
                 parent_widget: QWidget | None, dialog: bool, block_input: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.parent_widget = parent_widget
        self.mailbox = _Mailbox()
        self.ctx = TaskContext(self._report_from_worker)
        self.fn = fn
        self._last_progress_signal = 0.0
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.progress_dialog: QProgressDialog | None = None
        self._last: tuple[int, int, str] = (0, 0, "")
        self._wants_dialog = dialog
        self._blocker: _InputBlocker | None = None
        if block_input:
            self._blocker = _InputBlocker(lambda: self.progress_dialog)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.timeout.connect(self.on_show_timer_timeout)

    def start(self, pool: QThreadPool) -> None:
        app = QApplication.instance()
        if self._blocker is not None and app is not None:
            app.installEventFilter(self._blocker)
        if self._wants_dialog:
            self._show_timer.start(SHOW_AFTER_MS)
        fn, ctx, post, mailbox = self.fn, self.ctx, self._post_wake, self.mailbox
        pool.start(lambda: _work(fn, ctx, post, mailbox))

    def _report_from_worker(self, done: int, total: int, text: str) -> None:
        with self.mailbox.lock:
            self.mailbox.progress = (done, total, text)
            if self.mailbox.wake_pending:
                return  # the GUI thread has not read the last report yet: replace it
            self.mailbox.wake_pending = True
        QCoreApplication.postEvent(self, _Wake())

    def _post_wake(self) -> None:
        with self.mailbox.lock:
            self.mailbox.wake_pending = True
        QCoreApplication.postEvent(self, _Wake())

    def customEvent(self, event: QEvent) -> None:
        if event.type() != _Wake.TYPE:
            return
        with self.mailbox.lock:
            progress, outcome = self.mailbox.progress, self.mailbox.outcome
            self.mailbox.progress = None
            self.mailbox.wake_pending = False
        if progress is not None:
            self._on_progress(*progress)
        if outcome is not None:
            returned, value = outcome
            if returned:
                self.result = value
                self._finish(None if not self.ctx.cancelled else TaskCancelledError())
            else:
                self._finish(value)

    def cancel(self) -> None:
        """Ask the function to stop; its result will not be delivered."""
        self.ctx.cancel()

    @Slot()
    def on_show_timer_timeout(self) -> None:
        if self.done:
            return
        dlg = QtWidgets.QProgressDialog(self.label, "Cancel", 0, 0, self.parent_widget)
        dlg.setWindowTitle("quizapp")
        # not modal: a modal QProgressDialog runs a nested event loop in setValue; store
        # work blocks input itself (block_input), other work may go on beside the dialog
        dlg.setWindowModality(QtCore.Qt.WindowModality.NonModal)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.setMinimumDuration(0)
        dlg.setMinimumWidth(max(380, dlg.fontMetrics().horizontalAdvance(self.label) + 60))
        dlg.canceled.connect(self.on_progress_dialog_canceled)
        self.progress_dialog = dlg
        self._show_progress(*self._last)
        dlg.show()

    @Slot()
    def on_progress_dialog_canceled(self) -> None:
        self.cancel()
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText(f"{self.label}\nCancelling…")

    def _on_progress(self, done: int, total: int, text: str) -> None:
        if self.done:
            return
        self._last = (done, total, text)
        self._show_progress(done, total, text)
        now = time.monotonic()
        if now - self._last_progress_signal >= PROGRESS_SIGNAL_EVERY_S or done >= total > 0:
            self._last_progress_signal = now
            self.progressed.emit(done, total, text)

    def _show_progress(self, done: int, total: int, text: str) -> None:
        dlg = self.progress_dialog
        if dlg is None or self.ctx.cancelled:
            return
        dlg.setRange(0, max(0, total))
        dlg.setValue(min(done, total) if total else 0)
        dlg.setLabelText(f"{self.label}\n{text}" if text else self.label)

    def _finish(self, exc: BaseException | None) -> None:
        if self.done:
            return
        self.done = True
        self._show_timer.stop()
        app = QApplication.instance()
        if self._blocker is not None and app is not None:
            app.removeEventFilter(self._blocker)
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.on_progress_dialog_canceled)
            self.progress_dialog.hide()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        if isinstance(exc, TaskCancelledError) or (exc is not None and self.ctx.cancelled):
            self.result = None
            self.cancelled.emit()
        elif exc is not None:
            self.error = exc
            self.failed.emit(exc)
        else:
            self.succeeded.emit(self.result)
        self.finished.emit()


class TaskRunner(QObject):
    """Runs a window's background work on its own thread pool.

    Signals:
        idle(): on the GUI thread when the last running task has delivered its outcome (and
            its handlers have run, including any task they started).
    """

    idle = Signal()

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        self.pool = QThreadPool(self)
        self.running: list[Task] = []

    def run(self, fn: Callable[[TaskContext], Any], *, label: str,
            on_done: Callable[[Any], object] | None = None,
            on_error: Callable[[BaseException], object] | None = None,
            on_cancel: Callable[[], object] | None = None,
            on_progress: Callable[[int, int, str], object] | None = None,
            dialog: bool = True, block_input: bool = False) -> Task:
        """Run ``fn(ctx)`` on a worker thread and call ``on_done(result)``,
        ``on_error(exception)`` or ``on_cancel()`` on the GUI thread. Without ``on_error``
        an exception goes to ``sys.excepthook`` (the app's error box), never lost.
        ``dialog`` shows a progress dialog with Cancel after :data:`SHOW_AFTER_MS`."""
        task = Task(fn, label=label, parent_widget=self.widget, dialog=dialog,
                    block_input=block_input, parent=self)
        if on_progress is not None:
            task.progressed.connect(on_progress)
        if on_done is not None:
            task.succeeded.connect(on_done)
        task.failed.connect(on_error if on_error is not None else self._unhandled)
        if on_cancel is not None:
            task.cancelled.connect(on_cancel)
        task.finished.connect(lambda: self._forget(task))
        self.running.append(task)
        gcpolicy.work_started()  # no full collection holds the window meanwhile
        task.start(self.pool)
        return task

    def import_modules(self, names: Sequence[str], *, label: str,
                       on_done: Callable[[], object] | None = None,
                       on_error: Callable[[BaseException], object] | None = None
                       ) -> Task | None:
        """Import the modules ``names`` (e.g. the charting library and the page that draws
        with it) on a worker thread, so that their first use does not freeze the window;
        ``on_done()`` is called on the GUI thread. Returns None, after calling ``on_done`` at
        once, when they are all imported already."""
        import importlib
        import sys

        missing = [n for n in names if n not in sys.modules]
        if not missing:
            if on_done is not None:
                on_done()
            return None

        def import_all(_ctx: TaskContext) -> None:
            for name in missing:
                importlib.import_module(name)

        return self.run(import_all, label=label,
                        on_done=None if on_done is None else lambda _r: on_done(),
                        on_error=on_error)

    @staticmethod
    def _unhandled(exc: BaseException) -> None:
        import sys

        sys.excepthook(type(exc), exc, exc.__traceback__)

    def _forget(self, task: Task) -> None:
        if task in self.running:
            self.running.remove(task)
            gcpolicy.work_finished()
        task.deleteLater()
        if not self.running:
            self.idle.emit()

    def busy(self) -> bool:
        return bool(self.running)

    def shutdown(self, wait_ms: int = 5000) -> None:
        """Cancel everything still running and wait (at most ``wait_ms``) for the workers."""
        for task in self.running:
            task.cancel()
        self.pool.waitForDone(wait_ms)
