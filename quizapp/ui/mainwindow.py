"""The main window, a shell: pages in a stack, menus from the action table
(:mod:`quizapp.ui.actions`), page switching, the look (theme, zoom) and the window's
lifetime. Its other jobs live beside it: the score store and what needs it in
:mod:`quizapp.ui.storelink`, deck files in :mod:`quizapp.ui.deckloading`, the pages built on
first use in :mod:`quizapp.ui.pagestack`, sessions in :mod:`quizapp.ui.sessions`, the Help
menu in :mod:`quizapp.ui.helpmenu`, the File menu's transfers in :mod:`quizapp.ui.transfers`;
background work goes through :mod:`quizapp.ui.tasks`, dialogs through
:mod:`quizapp.ui.dialogs`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from quizapp.core.paths import SyncChoice
from quizapp.ui.deckloading import DeckLoader
from quizapp.ui.helpmenu import HelpMenu
from quizapp.ui.pages.library import LibraryPage, status_text
from quizapp.ui.pagestack import PageStack
from quizapp.ui.storelink import StoreLink
from quizapp.ui.theme import apply_look, saved_theme, saved_zoom
from quizapp.ui.transfers import Transfers

if TYPE_CHECKING:
    # Qt classes the first frame does not need (see quizapp.ui.app)
    from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent

    # the other pages are built (and their modules imported) on first use;
    # the core's modules are imported once the score store opens (off the GUI thread)
    from quizapp.core.coordinator import Coordinator, DeckRegistry, LibraryRow
    from quizapp.core.library import LoadResult
    from quizapp.core.model import Deck
    from quizapp.core.session import Session
    from quizapp.core.store import Store
    from quizapp.ui.pages.builder import BuilderPage
    from quizapp.ui.pages.results import ResultsPage
    from quizapp.ui.pages.stats import StatsPage
    from quizapp.ui.pages.study import StudyPage
    from quizapp.ui.sessions import SessionFlow
    from quizapp.ui.syncing import SyncFollower
    from quizapp.ui.tasks import TaskRunner

__all__ = ["MainWindow"]

#: the menu bar's titles, there from the first frame; ``quizapp.ui.actions`` fills them after
#: the first paint (its table's menus, in this order: a test checks)
MENU_TITLES = ("&File", "&Study", "&View", "&Help")
ZOOM_STEPS = [0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0]


class MainWindow(QMainWindow):
    """The application window.

    Signals:
        decks_loaded(): on the GUI thread after a deck load (all decks, or the files named
            by :meth:`load_decks`) has finished and the library shows the result.
    """

    decks_loaded = Signal()

    def __init__(self, *, store: Store | None, data_dir: Path | None, settings: QSettings,
                 cache_dir: Path | None, extra_decks: list[Path] | None = None,
                 sync: SyncChoice | None = None, defer_menus: bool = False) -> None:
        """``defer_menus``: the menu bar shows only its titles until :meth:`build_actions`
        (``quizapp`` calls it in the event loop's turn after the first paint).

        ``data_dir`` and ``cache_dir`` None: they are given by :meth:`set_folders` before the
        store is opened (``quizapp`` looks the platform's folders up after the first paint).

        ``store`` None: the window is usable before the score store is open (``quizapp``
        opens it in the background); until :meth:`attach_store`, what needs the store
        (studying, Statistics, progress export and import) is disabled, and the decks are
        loaded once it is open (:meth:`start`)."""
        super().__init__()
        self.closing = False
        self._data_dir = data_dir
        self.settings = settings
        self._registry: DeckRegistry | None = None
        self._flow: SessionFlow | None = None
        self._tasks: TaskRunner | None = None  # made on first use (after the first frame)
        self.transfers = Transfers(self, settings)
        self.help = HelpMenu(self)  # the Help menu's dialogs
        #: the score store (opened after the window) and what needs it
        self.link = StoreLink(self, sync)
        self.loader = DeckLoader(self, [p.resolve() for p in (extra_decks or [])],
                                 cache_dir)
        self.setWindowTitle("quizapp")
        self.setAcceptDrops(True)
        self.setMinimumSize(900, 600)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.library = LibraryPage()
        # the other pages, the reference panel and Statistics are built on first use, so
        # that the first window appears quickly
        self.pages = PageStack(self)
        self.stack.addWidget(self.library)
        self.library.study_due.connect(lambda: self.flow.study_due())
        self.library.build_session.connect(self.show_builder)
        self.library.open_deck.connect(self.loader.open_deck_dialog)
        self.library.reload_deck.connect(self.loader.reload_deck)
        self.library.deck_activated.connect(
            lambda path: self.flow.on_library_deck_activated(path))
        self.library.stats_button.clicked.connect(self.show_stats)
        self.stack.currentChanged.connect(self.on_stack_current_changed)
        #: the actions by name, e.g. self.act["import"] is Import progress; empty until
        #: :meth:`build_actions` when ``defer_menus``
        self.act: dict[str, QAction] = {}
        self.theme_actions: dict[str, QAction] = {}
        self._menus = {t: self.menuBar().addMenu(t) for t in MENU_TITLES}
        if not defer_menus:
            self.build_actions()
        self._restore()
        if store is not None:
            self.attach_store(store)
        else:
            self.loader.show_loading("Opening your progress…")
            self.update_actions()

    def build_actions(self) -> None:
        """Fill the menus and register every shortcut (once)."""
        if self.act:
            return
        from quizapp.ui.actions import build_menus  # the table needs the scheduler's ratings

        self.act = build_menus(self, menus=self._menus)
        self.theme_actions = {n[6:]: a for n, a in self.act.items() if n.startswith("theme_")}
        self.theme_actions[saved_theme(self.settings)].setChecked(True)
        self.update_actions()

    def set_folders(self, data_dir: Path, cache_dir: Path, sync: SyncChoice) -> None:
        """The data folder, the deck cache and the sync folder chosen for this run, when
        they were not known when the window was made."""
        self._data_dir = data_dir
        self.loader.cache_dir = cache_dir
        self.link.sync_choice = sync

    @property
    def data_dir(self) -> Path:
        """Progress and the user's decks (see :mod:`quizapp.core.paths`)."""
        if self._data_dir is None:
            raise RuntimeError("the data folder is not known yet (see set_folders)")
        return self._data_dir

    @property
    def tasks(self) -> TaskRunner:
        """Runs the window's background work (made on first use: the first frame does
        without the threads' Qt classes)."""
        if self._tasks is None:
            from quizapp.ui.tasks import TaskRunner

            self._tasks = TaskRunner(self)
        return self._tasks

    # -- the score store -------------------------------------------------------------------

    @property
    def has_store(self) -> bool:
        """The score store is open (see :meth:`attach_store`)."""
        return self.link.has_store

    @property
    def store(self) -> Store:
        return self.link.store

    @property
    def coordinator(self) -> Coordinator:
        return self.link.coordinator

    @property
    def registry(self) -> DeckRegistry:
        """The library's decks, one load result per file (made on first use)."""
        if self._registry is None:
            from quizapp.core.coordinator import DeckRegistry

            self._registry = DeckRegistry()
        return self._registry

    @property
    def flow(self) -> SessionFlow:
        """Starts, shows, finishes and resumes sessions (made on first use)."""
        if self._flow is None:
            from quizapp.ui.sessions import SessionFlow

            self._flow = SessionFlow(self)
        return self._flow

    def attach_store(self, store: Store) -> None:
        """The score store is open: what needs it is enabled (call :meth:`start` next)."""
        self.link.attach(store)

    @property
    def sync(self) -> SyncFollower:
        """Follows the sync folder (made once the store is open)."""
        return self.link.sync

    # -- pages built on first use (see :class:`PageStack`) ----------------------------

    @property
    def builder(self) -> BuilderPage:
        return self.pages.builder

    @property
    def study(self) -> StudyPage:
        return self.pages.study

    @property
    def results_page(self) -> ResultsPage:
        return self.pages.results_page

    @property
    def stats_page(self) -> StatsPage | None:
        """The Statistics page, None until it is first shown."""
        return self.pages.stats_page

    @property
    def results(self) -> dict[str, LoadResult]:
        """Each deck file's load result, keyed by path (see :class:`DeckRegistry`)."""
        return self.registry.results

    @property
    def session(self) -> Session | None:
        return self.coordinator.session

    # -- start-up and decks ----------------------------------------------------------------

    def start(self) -> None:
        """Show what needs saying, then load the decks (in the background)."""
        self.link.start()

    def load_decks(self, only: list[Path] | None = None) -> None:
        """Load every deck, or only the files ``only`` (see :class:`DeckLoader`)."""
        self.loader.load_decks(only)

    def open_deck(self, path: Path) -> None:
        """Add the deck file ``path`` to the library (see :class:`DeckLoader`)."""
        self.loader.open_deck(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.loader.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.loader.drop(event)

    def decks(self) -> dict[str, Deck]:
        return self.registry.decks()

    def refresh_library(self, rows: list[LibraryRow] | None = None) -> None:
        """Show the library's decks with their counts (``rows``: counted already)."""
        if not self.has_store:
            return  # nothing loaded yet: the library still says so
        banner = self._flow.resume_banner if self._flow is not None else None
        if banner is not None and not self.store.has_pending():
            banner.close()  # the session it offered was finished or replaced
        self.library.set_rows(rows if rows is not None else self.registry.rows(self.store))
        self.update_actions()

    def update_actions(self) -> None:
        studying = self.pages.studying()
        exam = bool(studying and self.study.session and self.study.session.is_exam)
        if not studying:
            self.pages.hide_references()
        has_decks = self.has_store and self.registry.has_decks()
        for b in (self.library.due_button, self.library.build_button):
            b.setEnabled(has_decks)
        self.library.stats_button.setEnabled(self.has_store)
        act = self.act
        if not act:  # the menus are built after the first paint (:meth:`build_actions`)
            return
        rates = [n for n in act if n.startswith("rate_")]
        for name in ("reveal", *rates, "undo", "submit", "next", "flag", "end", "references"):
            act[name].setEnabled(studying)
        act["prev"].setEnabled(studying and (exam or self.study.review))
        act["pause"].setEnabled(studying and exam)
        act["submit_block"].setEnabled(studying and exam)
        for a in (act["due"], act["new"]):
            a.setEnabled(has_decks)
        for a in (act["stats"], act["export_csv"], act["export"], act["import"]):
            a.setEnabled(self.has_store)
        act["preferences"].setEnabled(self.has_store)

    @Slot(int)
    def on_stack_current_changed(self, _index: int) -> None:
        self.update_actions()
        if self.link.follower is not None:  # news from another computer waited for the session
            self.link.follower.check_when_free()
        if self.pages.study_page is None or self.stack.currentWidget() is not self.pages.study_page:
            self.statusBar().clearMessage()  # "Flashcards · item 5 of 20" is the study page's

    # -- pages ---------------------------------------------------------------------------

    def leave_study(self) -> bool:
        """Leaving a running session keeps it resumable; confirm first."""
        sess = self.study.session if self.pages.studying() else None
        if sess is not None and not sess.finished and not self.study.review:
            from quizapp.ui.dialogs import ConfirmDialog

            if not ConfirmDialog.ask(self, "Leave the session?",
                                     "Leave this session? Your answers so far are saved, and "
                                     "the library offers to resume it."):
                return False
            self.study.leave()
        return True

    def show_library(self, *, recount: bool = True) -> None:
        """Back to the library; ``recount`` False when a deck load under way will show the
        counts (they are counted on its worker thread, not here)."""
        if not self.leave_study():
            return
        if recount:
            self.refresh_library()
        self.stack.setCurrentWidget(self.library)
        self.library.table.setFocus()
        self.statusBar().showMessage(status_text(self.registry.all()))
        sess = self.pages.study_page.session if self.pages.study_page is not None else None
        if sess is not None and not sess.finished:
            self.flow.offer_resume()

    def show_builder(self) -> None:
        if not self.leave_study():
            return
        decks = list(self.decks().values())
        if not decks:
            return
        s = self.flow.last_settings()
        if not any(i in self.decks() for i in s.deck_ids):
            # nothing ticked before: start from the library's selected decks. Ticked decks
            # are the student's choice and the selected row never replaces them.
            # (none selected: the deck on the library's current row, the first at start)
            paths = self.library.selected_paths() or self.library.current_path()
            s.deck_ids = tuple(d.id for d in self.registry.decks_at(paths))
        self.builder.populate(decks, s)
        self.stack.setCurrentWidget(self.builder)

    def show_stats(self) -> None:
        """The progress dashboard; its charting library is imported on first use only."""
        if not self.leave_study() or not self.has_store:
            return
        self.pages.show_stats()

    # -- look and lifetime ---------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        self.settings.setValue("view/theme", name)
        if name in self.theme_actions:  # else checked once the menus are built
            self.theme_actions[name].setChecked(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_look(app, name, saved_zoom(self.settings))

    def zoom(self, step: int) -> None:
        z = saved_zoom(self.settings)
        i = min(range(len(ZOOM_STEPS)), key=lambda k: abs(ZOOM_STEPS[k] - z))
        i = ZOOM_STEPS.index(1.0) if step == 0 else max(0, min(len(ZOOM_STEPS) - 1, i + step))
        self.settings.setValue("view/zoom", ZOOM_STEPS[i])
        self.set_theme(saved_theme(self.settings))
        self.statusBar().showMessage(f"Text size {ZOOM_STEPS[i]:.0%}", 3000)

    def _restore(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 800)
        self.set_theme(saved_theme(self.settings))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing = True
        if self.pages.study_page is not None:
            self.pages.study_page.leave()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        if self._tasks is not None:
            self._tasks.shutdown(5000)
        super().closeEvent(event)
