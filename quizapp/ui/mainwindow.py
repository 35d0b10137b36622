"""The main window, a shell: pages in a stack, menus from the action table
(:mod:`quizapp.ui.actions`), and the student's requests passed to the core coordinator
(:mod:`quizapp.core.coordinator`). Background work goes through :mod:`quizapp.ui.tasks`, the
File menu's transfers through :mod:`quizapp.ui.transfers`, dialogs through
:mod:`quizapp.ui.dialogs`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from quizapp.core.paths import SyncChoice
from quizapp.ui.actions import build_menus
from quizapp.ui.deckloading import DeckLoader
from quizapp.ui.helpmenu import HelpMenu
from quizapp.ui.pages.library import LibraryPage, status_text
from quizapp.ui.storelink import StoreLink
from quizapp.ui.tasks import TaskRunner
from quizapp.ui.theme import apply_look
from quizapp.ui.transfers import Transfers

if TYPE_CHECKING:  # the other pages are built (and their modules imported) on first use;
    # the core's modules are imported once the score store opens (off the GUI thread)
    from quizapp.core.coordinator import Coordinator, DeckRegistry, LibraryRow
    from quizapp.core.library import DeckCache, LoadResult
    from quizapp.core.model import Deck
    from quizapp.core.session import Session
    from quizapp.core.store import Store
    from quizapp.ui.pages.builder import BuilderPage
    from quizapp.ui.pages.results import ResultsPage
    from quizapp.ui.pages.stats import StatsPage
    from quizapp.ui.pages.study import StudyPage
    from quizapp.ui.reference_panel import ReferencePanel
    from quizapp.ui.sessions import SessionFlow
    from quizapp.ui.syncing import SyncFollower

__all__ = ["MainWindow"]

ZOOM_STEPS = [0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0]


class MainWindow(QMainWindow):
    """The application window.

    Signals:
        decks_loaded(): on the GUI thread after a deck load (all decks, or the files named
            by :meth:`load_decks`) has finished and the library shows the result.
    """

    decks_loaded = Signal()

    #: The charting library the Statistics page draws with; imported off the GUI thread
    #: before the page is first built (with numpy it takes about a second).
    CHARTS_MODULE = "pyqtgraph"

    def __init__(self, *, store: Store | None, data_dir: Path, settings: QSettings,
                 cache_dir: Path, extra_decks: list[Path] | None = None,
                 sync: SyncChoice | None = None) -> None:
        """``store`` None: the window is usable before the score store is open (``quizapp``
        opens it in the background); until :meth:`attach_store`, what needs the store
        (studying, Statistics, progress export and import) is disabled, and the decks are
        loaded once it is open (:meth:`start`)."""
        super().__init__()
        self.closing = False
        self.data_dir = data_dir
        self.settings = settings
        self.cache_dir = cache_dir
        self._cache: DeckCache | None = None
        self._registry: DeckRegistry | None = None
        self._flow: SessionFlow | None = None
        self.tasks = TaskRunner(self)
        self.transfers = Transfers(self, settings, self.tasks)
        self.help = HelpMenu(self)  # the Help menu's dialogs
        #: the score store (opened after the window) and what needs it
        self.link = StoreLink(self, sync)
        self.loader = DeckLoader(self, [p.resolve() for p in (extra_decks or [])])
        self.ref_dock_sized = False
        self._stats_importing = False
        self.setWindowTitle("quizapp")
        self.setAcceptDrops(True)
        self.setMinimumSize(900, 600)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.library = LibraryPage()
        # the other pages, the reference panel and Statistics are built on first use (see
        # their properties), so that the first window appears quickly
        self._builder: BuilderPage | None = None
        self._study: StudyPage | None = None
        self._results_page: ResultsPage | None = None
        self._ref_dock: QDockWidget | None = None
        self._references: ReferencePanel | None = None
        self.stats_page: StatsPage | None = None  # built on first use (imports pyqtgraph)
        self.stack.addWidget(self.library)
        self.library.study_due.connect(lambda: self.flow.study_due())
        self.library.build_session.connect(self.show_builder)
        self.library.open_deck.connect(self.loader.open_deck_dialog)
        self.library.reload_deck.connect(self.loader.reload_deck)
        self.library.deck_activated.connect(
            lambda path: self.flow.on_library_deck_activated(path))
        self.library.stats_button.clicked.connect(self.show_stats)
        self.stack.currentChanged.connect(self.on_stack_current_changed)
        self.act = build_menus(self)  # by name, e.g. self.act["import"] is Import progress
        self.theme_actions = {n[6:]: a for n, a in self.act.items() if n.startswith("theme_")}
        self._restore()
        if store is not None:
            self.attach_store(store)
        else:
            self.loader.show_loading("Opening your progress…")
            self.update_actions()

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
    def cache(self) -> DeckCache:
        """The decks' parse cache (made on first use)."""
        if self._cache is None:
            from quizapp.core.library import DeckCache

            self._cache = DeckCache(self.cache_dir)
        return self._cache

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

    # -- pages built on first use ----------------------------------------------------------

    def _add_page(self, page: QWidget, esc_to_library: bool = False) -> None:
        if esc_to_library:
            esc = QShortcut(QKeySequence("Esc"), page)
            esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            esc.activated.connect(self.show_library)
        self.stack.addWidget(page)

    @property
    def builder(self) -> BuilderPage:
        """The session builder (built on first use)."""
        if self._builder is None:
            from quizapp.ui.pages.builder import BuilderPage

            page = BuilderPage(self.coordinator.count)
            page.start.connect(self.flow.start_session)
            page.cancel.connect(self.show_library)
            self._builder = page
            self._add_page(page, esc_to_library=True)
        return self._builder

    @property
    def study(self) -> StudyPage:
        """The study page (built on first use)."""
        if self._study is None:
            from quizapp.ui.pages.study import StudyPage

            page = StudyPage(self.decks)
            page.finished.connect(self.flow.on_study_finished)
            page.status_changed.connect(self.statusBar().showMessage)
            page.store_error.connect(self.on_study_store_error)
            self._study = page
            self._add_page(page)
        return self._study

    @property
    def results_page(self) -> ResultsPage:
        """A finished session's results (built on first use)."""
        if self._results_page is None:
            from quizapp.ui.pages.results import ResultsPage

            page = ResultsPage()
            page.home.connect(self.show_library)
            page.retry_missed.connect(self.flow.retry_missed)
            page.review.connect(lambda: self.flow.review_session(0))
            page.review_item.connect(self.flow.review_session)
            self._results_page = page
            self._add_page(page, esc_to_library=True)
        return self._results_page

    @property
    def ref_dock(self) -> QDockWidget:
        """The dock that holds the reference panel (built on first use, hidden)."""
        if self._ref_dock is None:
            from quizapp.ui.reference_panel import ReferencePanel

            self._references = ReferencePanel()
            self._references.leave.connect(self.study.setFocus)
            dock = QDockWidget("Reference sheets", self)
            dock.setObjectName("reference-sheets")
            dock.setWidget(self._references)
            dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                                 | Qt.DockWidgetArea.RightDockWidgetArea)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            dock.hide()
            self._ref_dock = dock
        return self._ref_dock

    @property
    def references(self) -> ReferencePanel:
        """The reference panel in :attr:`ref_dock`."""
        _ = self.ref_dock
        assert self._references is not None
        return self._references

    def _studying(self) -> bool:
        """The study page is shown with a session (false before the page exists)."""
        return self._study is not None and self.stack.currentWidget() is self._study \
            and self._study.session is not None

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
        studying = self._studying()
        exam = bool(studying and self.study.session and self.study.session.is_exam)
        act = self.act
        rates = [n for n in act if n.startswith("rate_")]
        for name in ("reveal", *rates, "undo", "submit", "next", "flag", "end", "references"):
            act[name].setEnabled(studying)
        act["prev"].setEnabled(studying and (exam or self.study.review))
        if not studying and self._ref_dock is not None:
            self._ref_dock.hide()
        act["pause"].setEnabled(studying and exam)
        act["submit_block"].setEnabled(studying and exam)
        has_decks = self.has_store and self.registry.has_decks()
        for w in (act["due"], act["new"], self.library.due_button, self.library.build_button):
            w.setEnabled(has_decks)
        for w in (act["stats"], act["export_csv"], act["export"], act["import"],
                  self.library.stats_button):
            w.setEnabled(self.has_store)
        act["preferences"].setEnabled(self.has_store)

    @Slot(int)
    def on_stack_current_changed(self, _index: int) -> None:
        self.update_actions()
        if self.link.follower is not None:  # news from another computer waited for the session
            self.link.follower.check_when_free()
        if self._study is None or self.stack.currentWidget() is not self._study:
            self.statusBar().clearMessage()  # "Flashcards · item 5 of 20" is the study page's

    def toggle_references(self) -> None:
        """F2: open the reference panel on the session's decks (focus in its filter), or
        close it and give the keyboard back to the question."""
        if self._ref_dock is not None and self._ref_dock.isVisible():
            self._ref_dock.hide()
            self.study.setFocus()
            return
        sess = self._study.session if self._study is not None else None
        if sess is None:
            return
        decks = self.decks()
        ids = dict.fromkeys(e.deck_id for e in sess.entries)
        self.references.set_decks([decks[i] for i in ids if i in decks])
        self.ref_dock.show()
        if not self.ref_dock_sized:  # a third of the window, once
            self.ref_dock_sized = True
            self.resizeDocks([self.ref_dock], [max(360, self.width() // 3)],
                             Qt.Orientation.Horizontal)
        self.references.focus_filter()

    # -- pages ---------------------------------------------------------------------------

    def leave_study(self) -> bool:
        """Leaving a running session keeps it resumable; confirm first."""
        sess = self.study.session if self._studying() else None
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
        if self._study is not None and self._study.session is not None \
                and not self._study.session.finished:
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
        if self.stats_page is None:
            if self.CHARTS_MODULE not in sys.modules:  # pyqtgraph and numpy take a second
                if not self._stats_importing:  # to import: not on the GUI thread
                    self._stats_importing = True
                    self.tasks.import_modules(
                        [self.CHARTS_MODULE, "quizapp.ui.pages.stats"],
                        label="Opening Statistics…", on_done=self.on_stats_imported,
                        on_error=self.on_stats_import_failed)
                return
            from quizapp.ui.pages.stats import StatsPage

            page = StatsPage(self.store, self.decks,
                             lambda: str(self.settings.value("view/theme", "system")),
                             run_task=self.tasks.run)
            # a one-off practice session: never replaces the builder's remembered choices
            page.start_session.connect(lambda s: self.flow.start_session(s, remember=False))
            page.back.connect(self.show_library)  # the page handles Esc itself
            self.stack.addWidget(page)
            self.stats_page = page
        self.stats_page.refresh()
        self.stack.setCurrentWidget(self.stats_page)

    def on_stats_imported(self) -> None:
        self._stats_importing = False
        self.show_stats()

    def on_stats_import_failed(self, exc: BaseException) -> None:
        self._stats_importing = False
        if not isinstance(exc, ImportError):  # a broken install without the charting library
            raise exc
        QMessageBox.warning(self, "Statistics unavailable",
                            f"The charts need pyqtgraph, which could not be loaded "
                            f"({exc}). Reinstall quizapp with pip to fix this.")

    # -- store problems ------------------------------------------------------------------

    @Slot(str)
    def on_study_store_error(self, text: str) -> None:
        QMessageBox.warning(self, "Progress not saved",
                            f"{text}\n\nYou can keep studying; quizapp keeps your answers in "
                            "memory and tells you when saving works again.")

    # -- look and lifetime ---------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        self.settings.setValue("view/theme", name)
        self.theme_actions[name].setChecked(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_look(app, name, self.zoom_factor())

    def zoom_factor(self) -> float:
        try:
            return float(str(self.settings.value("view/zoom", 1.0)))
        except (TypeError, ValueError):
            return 1.0

    def zoom(self, step: int) -> None:
        z = self.zoom_factor()
        i = min(range(len(ZOOM_STEPS)), key=lambda k: abs(ZOOM_STEPS[k] - z))
        i = ZOOM_STEPS.index(1.0) if step == 0 else max(0, min(len(ZOOM_STEPS) - 1, i + step))
        self.settings.setValue("view/zoom", ZOOM_STEPS[i])
        self.set_theme(str(self.settings.value("view/theme", "system")))
        self.statusBar().showMessage(f"Text size {ZOOM_STEPS[i]:.0%}", 3000)

    def _restore(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 800)
        theme_name = str(self.settings.value("view/theme", "system"))
        self.set_theme(theme_name if theme_name in self.theme_actions else "system")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing = True
        if self._study is not None:
            self._study.leave()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.tasks.shutdown(5000)
        super().closeEvent(event)
