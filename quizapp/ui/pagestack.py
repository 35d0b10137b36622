"""The window's pages after the library, each built on first use (so that the first window
appears quickly, without importing them): the session builder, the study page, a session's
results, Statistics (whose charting library is imported off the GUI thread first) and the
reference-sheets dock. Each page's signals are wired to the session flow and the window
when it is built."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets  # looked up when used (see quizapp.ui.app)
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from quizapp.ui.mainwindow import MainWindow
    from quizapp.ui.pages.builder import BuilderPage
    from quizapp.ui.pages.results import ResultsPage
    from quizapp.ui.pages.stats import StatsPage
    from quizapp.ui.pages.study import StudyPage
    from quizapp.ui.reference_panel import ReferencePanel

__all__ = ["PageStack"]


class PageStack:
    """``window``'s pages in its stack (the library is there from the start)."""

    #: The charting library the Statistics page draws with; imported off the GUI thread
    #: before the page is first built (with numpy it takes about a second).
    CHARTS_MODULE = "pyqtgraph"

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._builder: BuilderPage | None = None
        #: the study page, None until it is first shown (see :attr:`study`)
        self.study_page: StudyPage | None = None
        self._results_page: ResultsPage | None = None
        self._ref_dock: QDockWidget | None = None
        self._references: ReferencePanel | None = None
        self.stats_page: StatsPage | None = None  # built on first use (imports pyqtgraph)
        self.ref_dock_sized = False
        self._stats_importing = False

    def _add(self, page: QWidget, esc_to_library: bool = False) -> None:
        if esc_to_library:
            esc = QtGui.QShortcut(QtGui.QKeySequence("Esc"), page)
            esc.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
            esc.activated.connect(self.window.show_library)
        self.window.stack.addWidget(page)

    @property
    def builder(self) -> BuilderPage:
        """The session builder (built on first use)."""
        if self._builder is None:
            from quizapp.ui.pages.builder import BuilderPage

            win = self.window
            page = BuilderPage(win.coordinator.count)
            page.start.connect(win.flow.start_session)
            page.cancel.connect(win.show_library)
            self._builder = page
            self._add(page, esc_to_library=True)
        return self._builder

    @property
    def study(self) -> StudyPage:
        """The study page (built on first use)."""
        if self.study_page is None:
            from quizapp.ui.pages.study import StudyPage

            win = self.window
            page = StudyPage(win.decks)
            page.finished.connect(win.flow.on_study_finished)
            page.status_changed.connect(win.statusBar().showMessage)
            page.store_error.connect(self.on_study_store_error)
            self.study_page = page
            self._add(page)
        return self.study_page

    @property
    def results_page(self) -> ResultsPage:
        """A finished session's results (built on first use)."""
        if self._results_page is None:
            from quizapp.ui.pages.results import ResultsPage

            win = self.window
            page = ResultsPage()
            page.home.connect(win.show_library)
            page.retry_missed.connect(win.flow.retry_missed)
            page.review.connect(lambda: win.flow.review_session(0))
            page.review_item.connect(win.flow.review_session)
            self._results_page = page
            self._add(page, esc_to_library=True)
        return self._results_page

    @property
    def ref_dock(self) -> QDockWidget:
        """The dock that holds the reference panel (built on first use, hidden)."""
        if self._ref_dock is None:
            from quizapp.ui.reference_panel import ReferencePanel

            win = self.window
            self._references = ReferencePanel()
            self._references.leave.connect(self.study.setFocus)
            dock = QtWidgets.QDockWidget("Reference sheets", win)
            dock.setObjectName("reference-sheets")
            dock.setWidget(self._references)
            dock.setAllowedAreas(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
                                 | QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
            win.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
            dock.hide()
            self._ref_dock = dock
        return self._ref_dock

    @property
    def references(self) -> ReferencePanel:
        """The reference panel in :attr:`ref_dock`."""
        _ = self.ref_dock
        assert self._references is not None
        return self._references

    def studying(self) -> bool:
        """The study page is shown with a session (false before the page exists)."""
        return self.study_page is not None \
            and self.window.stack.currentWidget() is self.study_page \
            and self.study_page.session is not None

    def hide_references(self) -> None:
        """Close the reference panel (if it was ever opened)."""
        if self._ref_dock is not None:
            self._ref_dock.hide()

    def toggle_references(self) -> None:
        """F2: open the reference panel on the session's decks (focus in its filter), or
        close it and give the keyboard back to the question."""
        if self._ref_dock is not None and self._ref_dock.isVisible():
            self._ref_dock.hide()
            self.study.setFocus()
            return
        sess = self.study_page.session if self.study_page is not None else None
        if sess is None:
            return
        win = self.window
        decks = win.decks()
        ids = dict.fromkeys(e.deck_id for e in sess.entries)
        self.references.set_decks([decks[i] for i in ids if i in decks])
        self.ref_dock.show()
        if not self.ref_dock_sized:  # a third of the window, once
            self.ref_dock_sized = True
            win.resizeDocks([self.ref_dock], [max(360, win.width() // 3)],
                            QtCore.Qt.Orientation.Horizontal)
        self.references.focus_filter()

    def show_stats(self) -> None:
        """The progress dashboard; its charting library is imported on first use only."""
        win = self.window
        if self.stats_page is None:
            if self.CHARTS_MODULE not in sys.modules:  # pyqtgraph and numpy take a second
                if not self._stats_importing:  # to import: not on the GUI thread
                    self._stats_importing = True
                    win.tasks.import_modules(
                        [self.CHARTS_MODULE, "quizapp.ui.pages.stats"],
                        label="Opening Statistics…", on_done=self.on_stats_imported,
                        on_error=self.on_stats_import_failed)
                return
            from quizapp.ui.pages.stats import StatsPage
            from quizapp.ui.theme import saved_theme

            page = StatsPage(win.store, win.decks,
                             lambda: saved_theme(win.settings),
                             run_task=win.tasks.run)
            # a one-off practice session: never replaces the builder's remembered choices
            page.start_session.connect(lambda s: win.flow.start_session(s, remember=False))
            page.back.connect(win.show_library)  # the page handles Esc itself
            win.stack.addWidget(page)
            self.stats_page = page
        self.stats_page.refresh()
        win.stack.setCurrentWidget(self.stats_page)

    def on_stats_imported(self) -> None:
        self._stats_importing = False
        self.window.show_stats()

    def on_stats_import_failed(self, exc: BaseException) -> None:
        self._stats_importing = False
        if not isinstance(exc, ImportError):  # a broken install without the charting library
            raise exc
        QtWidgets.QMessageBox.warning(self.window, "Statistics unavailable",
                                      f"The charts need pyqtgraph, which could not be loaded "
                                      f"({exc}). Reinstall quizapp with pip to fix this.")

    def on_study_store_error(self, text: str) -> None:
        QtWidgets.QMessageBox.warning(self.window, "Progress not saved",
                                      f"{text}\n\nYou can keep studying; quizapp keeps your "
                                      "answers in memory and tells you when saving works again.")
