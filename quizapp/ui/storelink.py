"""The window's link to the score store: the store once it is open (``quizapp`` opens it in
the background, after the first window), the coordinator and the sync-folder follower that
need it, the banners for what the store warns about, a store re-opened by Preferences, and
progress that arrived from another computer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from quizapp.core.paths import SyncChoice

if TYPE_CHECKING:  # the core's modules are imported once the score store opens
    from quizapp.core.coordinator import Coordinator
    from quizapp.core.store import Store
    from quizapp.ui.mainwindow import MainWindow
    from quizapp.ui.syncing import SyncFollower

__all__ = ["StoreLink"]


class StoreLink(QObject):
    """``window``'s score store and what needs it; ``choice``: where this computer shares
    its progress (``quizapp --sync-dir``, the environment or Preferences), and what was wrong
    with it, followed once the store is open.

    Signals:
        warned(str): a warning from the score store (text), which may come from a worker
            thread (a sync check): emitted there, shown by :meth:`on_store_warning` on the
            GUI thread.
    """

    warned = Signal(str)

    def __init__(self, window: MainWindow, choice: SyncChoice | None) -> None:
        super().__init__(window)
        self.window = window
        self.sync_choice = choice or SyncChoice(None, "")
        self._store: Store | None = None
        self._coordinator: Coordinator | None = None
        #: follows the sync folder (made once the store is open)
        self.follower: SyncFollower | None = None
        self.warned.connect(self.on_store_warning)  # queued from a worker thread

    @property
    def has_store(self) -> bool:
        """The score store is open (see :meth:`attach`)."""
        return self._store is not None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the score store is not open yet")
        return self._store

    @property
    def coordinator(self) -> Coordinator:
        if self._coordinator is None:
            raise RuntimeError("the score store is not open yet")
        return self._coordinator

    @property
    def sync(self) -> SyncFollower:
        """Follows the sync folder (made once the store is open)."""
        if self.follower is None:
            raise RuntimeError("the score store is not open yet")
        return self.follower

    def attach(self, store: Store) -> None:
        """The score store is open: what needs it is enabled (call :meth:`start` next)."""
        from quizapp.core.coordinator import Coordinator  # imported by the store's opener

        win = self.window
        self._store = store
        self._coordinator = Coordinator(store, win.registry)
        store.on_warning = self.warned.emit  # later warnings become banners
        if self.follower is None:
            from quizapp.ui.syncing import SyncFollower

            self.follower = SyncFollower(win, self.sync_choice)
            win.tasks.idle.connect(self.follower.check_when_free)
        win.update_actions()

    def start(self) -> None:
        """Show what needs saying, then load the decks (in the background)."""
        win, store = self.window, self.store
        for w in store.warnings:
            win.library.add_banner(w)
        if store.read_only:
            win.library.add_banner("Read-only: another quizapp is using this data folder, so "
                                   "nothing you do here is saved.")
        elif not store.persistent and not store.warnings:  # else already said
            win.library.add_banner(
                f"Your progress cannot be saved in {win.data_dir} (read-only folder or full "
                "disk). You can keep studying, but answers are kept only until you quit. Free "
                "some space or start quizapp with --data-dir pointing to a writable folder.")
        if self.sync_choice.problem:
            win.library.add_banner(
                f"Not syncing with your other computers: {self.sync_choice.problem} Your "
                "progress is kept on this computer; choose a sync folder in File > "
                "Preferences.")
        win.load_decks()
        self.sync.check()  # what the other computers did since the last start

    def set_store(self, store: Store) -> None:
        """Use ``store`` from now on (Preferences re-opened it with another sync folder)."""
        win = self.window
        self._store = store
        self.coordinator.store = store
        if win.pages.stats_page is not None:
            win.pages.stats_page.store = store
        store.on_warning = self.warned.emit
        for w in store.warnings:
            win.library.add_banner(w)
        self.on_progress_changed()

    def on_progress_changed(self) -> None:
        """Answers arrived from elsewhere (another computer): every count shown is redone."""
        win = self.window
        if win.loader.running:
            return  # the load that is running counts them when it ends
        win.refresh_library()
        if win.pages.stats_page is not None and win.stack.currentWidget() is win.pages.stats_page:
            win.pages.stats_page.refresh()

    @Slot(str)
    def on_store_warning(self, text: str) -> None:
        self.window.library.add_banner(text)
        if not self.store.persistent:
            self.window.statusBar().showMessage(
                "Progress is NOT being saved — see the library.")

    def show_preferences(self) -> None:
        """File > Preferences: the sync folder (changing it re-opens the store)."""
        if self.follower is None or not self.window.leave_study():
            return
        from quizapp.ui.dialogs import PreferencesDialog

        PreferencesDialog.edit(self.sync)
