"""Progress shared with the student's other computers, as the window shows it: noticing their
new answers while quizapp runs, and re-opening the store when Preferences changes the sync
folder. The merging itself is the store's (``Store.check_sync``); this module only decides
when to ask, runs it off the GUI thread and says what happened."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from quizapp.core import paths
from quizapp.core.progress.history_store import open_store
from quizapp.core.progress.sync import SyncNews, short_name
from quizapp.core.store import Store

if TYPE_CHECKING:
    from quizapp.ui.mainwindow import MainWindow

__all__ = ["DEBOUNCE_MS", "FALLBACK_MS", "SyncFollower", "news_text", "reopen_text"]

#: A burst of file changes (a sync tool writing several files) is checked once, this long
#: after the last change.
DEBOUNCE_MS = 1500
#: Checked this often anyway, for file systems whose changes are not reported (network
#: drives, some FUSE mounts).
FALLBACK_MS = 60_000
#: At most this many files are watched (a few years of monthly files of a few computers).
MAX_WATCHED = 400


def _computers(names: tuple[str, ...] | list[str]) -> str:
    shown = [short_name(n) for n in names]
    if not shown:
        return "another computer"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def news_text(news: SyncNews) -> str:
    """The status-bar line for what a check brought in ("" when nothing)."""
    if not news.new_answers:
        return ""
    n = news.new_answers
    return f"{n:,} new answer{'s' if n != 1 else ''} from {_computers(news.computers)}"


@dataclass(frozen=True)
class Reopened:
    """What re-opening the store with another sync folder gave."""

    store: Store
    folder: Path | None
    added: int
    computers: int
    problems: tuple[str, ...]
    error: str = ""  # the new folder could not be used: the store is open as before


def reopen_text(r: Reopened) -> str:
    """What Preferences says after the sync folder changed."""
    if r.error:
        return r.error
    if r.folder is None:
        return ("Stopped syncing. Your progress stays in this computer's data folder; the "
                "sync folder was left as it was.")
    damage = (f" {len(r.problems)} damaged line{'s' if len(r.problems) != 1 else ''} "
              "set aside: see the library." if r.problems else "")
    if not r.computers:
        return (f"Syncing through {r.folder}. No other computer has synced there yet: "
                "choose the same folder on your other computers." + damage)
    return (f"Synced with {r.computers} other computer{'s' if r.computers != 1 else ''}: "
            f"{r.added:,} answer{'s' if r.added != 1 else ''} added." + damage)


class SyncFollower(QObject):
    """Follows the sync folder of the window's store.

    A :class:`QFileSystemWatcher` on the folder's ``devices`` folders and files, and a slow
    timer as a fallback, ask for a check; checks are debounced, run on a worker thread through
    the window's task helper, and never run while a study session is on screen (what the
    student sees must not change mid-question): they wait until the session is left.

    Signals:
        checked(object): on the GUI thread after each check, with its :class:`SyncNews`.
        reopened(object): on the GUI thread after :meth:`reopen`, with a :class:`Reopened`.
    """

    checked = Signal(object)
    reopened = Signal(object)

    def __init__(self, window: MainWindow, choice: paths.SyncChoice) -> None:
        super().__init__(window)
        self.window = window
        self.choice = choice
        self.waiting = False  # a check was asked for while it could not run
        self.running = False
        self.reported: set[str] = set()  # damage already shown (a link is found every time)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self.on_watcher_changed)
        self.watcher.fileChanged.connect(self.on_watcher_changed)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.check)
        self.fallback = QTimer(self)
        self.fallback.setInterval(FALLBACK_MS)
        self.fallback.timeout.connect(self.check)
        self.follow()

    @property
    def folder(self) -> Path | None:
        return self.window.store.sync_dir

    def follow(self) -> None:
        """Watch the current sync folder (none: stop watching)."""
        self._unwatch()
        if self.folder is None:
            self.fallback.stop()
            self.debounce.stop()
            return
        self._watch()
        self.fallback.start()

    def _unwatch(self) -> None:
        watched = self.watcher.files() + self.watcher.directories()
        if watched:
            self.watcher.removePaths(watched)

    def _watch(self) -> None:
        root = self.folder
        if root is None:
            return
        wanted = [root, root / "devices"]
        me = self.window.store.device
        try:
            devices = sorted(os.scandir(root / "devices"), key=lambda e: e.name)
        except OSError:
            devices = []
        for entry in devices:
            if entry.name == me or not entry.is_dir(follow_symlinks=False):
                continue
            wanted.append(Path(entry.path))
            try:
                files = sorted(os.scandir(entry.path), key=lambda e: e.name)
            except OSError:
                continue
            wanted += [Path(f.path) for f in files
                       if f.name.endswith(".jsonl") and f.is_file(follow_symlinks=False)]
        have = set(self.watcher.files()) | set(self.watcher.directories())
        new = [os.fspath(p) for p in wanted[:MAX_WATCHED]
               if os.fspath(p) not in have and p.exists()]
        if new:
            self.watcher.addPaths(new)

    @Slot(str)
    def on_watcher_changed(self, _path: str) -> None:
        self.debounce.start()  # restarted by every change of a burst

    def _blocked(self) -> bool:
        """A check would change what the student sees mid-session, or the store is busy."""
        win = self.window
        studying = win.stack.currentWidget() is win.study and win.study.session is not None \
            and not win.study.session.finished and not win.study.review
        return studying or win.tasks.busy() or self.running

    @Slot()
    def check(self) -> None:
        """Ask the store what is new from the other computers (now, or once the student has
        left the session on screen)."""
        if self.folder is None:
            return
        if self._blocked():
            self.waiting = True
            return
        self.waiting = False
        self.running = True
        store = self.window.store
        # reads and merges into the store: input waits (a stat per file when nothing changed)
        self.window.tasks.run(lambda _ctx: store.check_sync(), label="Checking the sync folder…",
                              dialog=False, block_input=True, on_done=self._checked,
                              on_error=self._failed)

    def check_when_free(self) -> None:
        """A check asked for while blocked runs now if nothing blocks it any more."""
        if self.waiting and not self._blocked():
            self.check()

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.window.link.on_store_warning(f"The sync folder {self.folder} could not be read: {exc}")

    def _checked(self, news: SyncNews) -> None:
        self.running = False
        self._watch()  # files replaced by a rename drop out of the watch list; new ones join
        self._report(news.problems)
        if news.new_answers:
            self.window.statusBar().showMessage(news_text(news), 15000)
            self.window.link.on_progress_changed()
        self.checked.emit(news)

    def reopen(self, folder: Path | None) -> None:
        """Close the store and open it again with ``folder`` as the sync folder (None: stop
        syncing), on a worker thread; :attr:`reopened` says how it went. If the new folder
        cannot be used the store is opened as it was."""
        win = self.window
        old = win.store
        data, before, previous = win.data_dir, old.attempt_count, old.sync_dir
        self.fallback.stop()
        self.debounce.stop()
        self._unwatch()

        def work(_ctx: object) -> Reopened:
            keep = getattr(old, "keep_history_locally", None)
            if folder is None and keep is not None:
                keep()  # stop syncing: this computer keeps everything it saw
            old.close()
            try:
                store = open_store(data, sync_dir=folder)
            except Exception as e:  # said in Preferences, never a traceback
                store = open_store(data, sync_dir=previous)
                return Reopened(store, previous, 0, 0, (),
                                f"The sync folder {folder} could not be used: {e}")
            news = store.check_sync()
            added = max(store.attempt_count - before, news.new_answers)
            others = [r for r in store.sync_status() if not r.this_computer and r.answers]
            return Reopened(store, folder, added if folder is not None else 0, len(others),
                            news.problems)

        self.running = True
        win.tasks.run(work, label="Opening your progress with the sync folder…",
                      block_input=True, on_done=self._reopened, on_error=self._reopen_failed)

    def _reopened(self, r: Reopened) -> None:
        self.running = False
        self.window.link.set_store(r.store)
        self.follow()
        self._report(r.problems)
        self.reopened.emit(r)

    def _reopen_failed(self, exc: BaseException) -> None:
        self.running = False  # the store could not even be opened as before: the error box
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def _report(self, problems: tuple[str, ...]) -> None:
        """Damage in the sync folder, each shown once in the library's warnings."""
        for problem in problems:
            if problem not in self.reported:
                self.reported.add(problem)
                self.window.link.on_store_warning(problem)
