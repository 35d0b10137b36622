"""The main window: pages in a stack, menus and shortcuts, deck loading off the GUI thread."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import quizapp
from quizapp.core import resources
from quizapp.core.library import (
    DeckCache,
    LoadResult,
    bundled_decks_dir,
    find_deck_files,
    load_deck,
    resources_dir,
)
from quizapp.core.model import Deck
from quizapp.core.paths import user_decks_dir
from quizapp.core.planner import deck_counts
from quizapp.core.problems import Problem
from quizapp.core.scoring import count_of, plural
from quizapp.core.session import (
    MODES,
    Session,
    SessionError,
    SessionSettings,
    daily_queue,
    select_entries,
)
from quizapp.core.store import ImportNotConfirmedError, ImportPlan, Store, StoreError
from quizapp.ui.pages.builder import BuilderPage
from quizapp.ui.pages.library import LibraryPage, status_text
from quizapp.ui.pages.results import ResultsPage
from quizapp.ui.pages.study import ConfirmDialog, StudyPage
from quizapp.ui.reference_panel import ReferencePanel
from quizapp.ui.widgets import MAX_DOCUMENT_BYTES, SafeDocument, load_resource

if TYPE_CHECKING:
    from quizapp.ui.pages.stats import StatsPage

ZOOM_STEPS = [0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0]


class DeckLoader(QObject):
    """Parses deck files on a worker thread; the window stays responsive."""

    progress = Signal(int, int, str)
    done = Signal(object)  # list[LoadResult]

    def __init__(self, paths: list[Path], cache: DeckCache) -> None:
        super().__init__()
        self.paths = paths
        self.cache = cache

    @Slot()
    def run(self) -> None:
        results = []
        for i, p in enumerate(self.paths):
            self.progress.emit(i, len(self.paths), p.name)
            try:
                results.append(load_deck(p, self.cache))
            except Exception as e:
                results.append(LoadResult(p, None, (Problem(str(p), 0, 0,
                                                                     f"could not load: {e}"),)))
        self.done.emit(results)


class MainWindow(QMainWindow):
    decks_loaded = Signal()

    def __init__(self, *, store: Store, data_dir: Path, settings: QSettings, cache_dir: Path,
                 extra_decks: list[Path] | None = None) -> None:
        super().__init__()
        self.store = store
        self.data_dir = data_dir
        self.settings = settings
        self.cache = DeckCache(cache_dir)
        self.results: dict[str, LoadResult] = {}
        self.extra = [p.resolve() for p in (extra_decks or [])]
        self.session: Session | None = None
        self._threads: list[tuple[QThread, DeckLoader]] = []
        self._shown_warnings = 0
        self.setWindowTitle("quizapp")
        self.setAcceptDrops(True)
        self.setMinimumSize(900, 600)

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.library = LibraryPage()
        self.builder = BuilderPage(self._count)
        self.study = StudyPage(self.decks)
        self.results_page = ResultsPage()
        for page in (self.library, self.builder, self.study, self.results_page):
            self.stack.addWidget(page)
        self.library.study_due.connect(self.study_due)
        self.library.build_session.connect(self.show_builder)
        self.library.open_deck.connect(self.open_deck_dialog)
        self.library.reload_deck.connect(lambda p: self.load_decks([Path(p)]))
        self.library.deck_activated.connect(self._study_deck)
        self.builder.start.connect(self.start_session)
        self.builder.cancel.connect(self.show_library)
        self.study.finished.connect(self._session_finished)
        self.study.status_changed.connect(self.statusBar().showMessage)
        self.study.store_error.connect(self._store_error)
        self.results_page.home.connect(self.show_library)
        self.results_page.retry_missed.connect(self.retry_missed)
        self.results_page.review.connect(lambda: self.review_session(0))
        self.results_page.review_item.connect(self.review_session)
        self.stack.currentChanged.connect(lambda _i: self._update_actions())
        # "Flashcards · item 5 of 20" belongs to the study page only
        self.stack.currentChanged.connect(
            lambda _i: None if self.stack.currentWidget() is self.study
            else self.statusBar().clearMessage())
        self.stats_page: StatsPage | None = None  # built on first use (imports pyqtgraph)
        self.library.stats_button.clicked.connect(self.show_stats)
        for page in (self.builder, self.results_page):
            esc = QShortcut(QKeySequence("Esc"), page)
            esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            esc.activated.connect(self.show_library)
        self.references = ReferencePanel()
        self.references.leave.connect(self.study.setFocus)
        self.ref_dock = QDockWidget("Reference sheets", self)
        self.ref_dock.setObjectName("reference-sheets")
        self.ref_dock.setWidget(self.references)
        self.ref_dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                                      | Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.ref_dock)
        self.ref_dock.hide()
        self._build_actions()
        self._restore()
        self.store.on_warning = self._store_warning  # later warnings become banners

    # -- start-up ------------------------------------------------------------------------

    def start(self) -> None:
        """Show what needs saying, then load the decks (on a worker thread)."""
        for w in self.store.warnings:
            self.library.add_banner(w)
        self._shown_warnings = len(self.store.warnings)
        if self.store.read_only:
            self.library.add_banner("Read-only: another quizapp is using this data folder, so "
                                    "nothing you do here is saved.")
        elif not self.store.persistent and not self.store.warnings:  # else already said
            self._not_saving_banner()
        self.load_decks()

    def deck_paths(self) -> list[Path]:
        paths = find_deck_files([bundled_decks_dir()])
        user = user_decks_dir(self.data_dir)
        if user.is_dir():
            paths += find_deck_files([user])
        opened = self._opened()
        for p in [*(Path(o) for o in opened), *self.extra]:
            if p.exists() and p not in paths:
                paths.append(p)
        return paths

    def load_decks(self, only: list[Path] | None = None) -> None:
        paths = only if only is not None else self.deck_paths()
        if only is None:
            self.results = {k: v for k, v in self.results.items() if Path(k) in paths}
        bar = self.library.progress
        bar.setRange(0, 0)
        bar.setFormat("Loading decks…")
        bar.show()
        if not self._threads:
            # Python's cyclic GC runs in whichever thread allocates; if it ran in the loader
            # thread it could destroy Qt widgets off the GUI thread (a crash). Parsing makes
            # no reference cycles, so automatic collection pauses until the loader is done.
            self._gc_was_enabled = gc.isenabled()
            gc.disable()
        thread = QThread(self)
        loader = DeckLoader(paths, self.cache)
        loader.moveToThread(thread)
        thread.started.connect(loader.run)
        loader.progress.connect(self._on_progress)
        loader.done.connect(self._on_loaded)
        loader.done.connect(thread.quit)
        thread.finished.connect(lambda: self._forget(thread))
        self._threads.append((thread, loader))
        thread.start()

    def _forget(self, thread: QThread) -> None:
        self._threads = [(t, ld) for t, ld in self._threads if t is not thread]
        if not self._threads and getattr(self, "_gc_was_enabled", True):
            # Collect here, in a plain slot on the GUI thread, whatever cycle slipped through
            # (tests keep parsing free of them), before automatic collection resumes: left to
            # chance it could run inside Qt's deleteLater below, which froze the app once.
            gc.collect(0)  # everything made while paused is still in the youngest generation
            gc.enable()
        thread.deleteLater()

    @Slot(int, int, str)
    def _on_progress(self, i: int, n: int, name: str) -> None:
        self.library.progress.setFormat(f"Loading {name} ({i + 1} of {n})…")
        self.statusBar().showMessage(f"Loading {name}…")

    @Slot(object)
    def _on_loaded(self, results: list[LoadResult]) -> None:
        for r in results:
            self.results[str(r.path)] = r
        self._refuse_duplicate_ids()
        self.library.progress.hide()
        self.refresh_library()
        self.statusBar().showMessage(status_text(list(self.results.values())), 5000)
        if not self._threads[1:]:
            self._offer_resume()
        self.decks_loaded.emit()

    def _refuse_duplicate_ids(self) -> None:
        """Two files with one deck id would share progress: the later one is shown as a
        problem (bundled decks load first, then the user's folder, then opened files)."""
        first: dict[str, Path] = {}
        for key, r in list(self.results.items()):
            if r.deck is None:
                continue
            owner = first.setdefault(r.deck.id, r.path)
            if owner != r.path:
                self.results[key] = LoadResult(r.path, None, (Problem(
                    str(r.path), 1, 1, f"deck id '{r.deck.id}' is already used by {owner}; "
                    "give this deck its own id (progress is stored under it)"),))

    def decks(self) -> dict[str, Deck]:
        out: dict[str, Deck] = {}
        for r in self.results.values():
            if r.deck is not None and r.deck.id not in out:
                out[r.deck.id] = r.deck
        return out

    def refresh_library(self) -> None:
        banner = getattr(self, "_resume_banner", None)
        if banner is not None and not self.store.has_pending():
            banner.close()  # the session it offered was finished or replaced
        rows = []
        for r in sorted(self.results.values(), key=lambda r: (not r.ok, r.deck.title if r.deck
                                                               else r.path.name)):
            rows.append((r, self._counts(r.deck) if r.deck else {}))
        self.library.set_rows(rows)
        self._update_actions()

    def _counts(self, deck: Deck) -> dict[str, object]:
        # counted per item, as the session builder counts them, with the one "due" (by the
        # end of the study day): see quizapp.core.planner
        c = deck_counts(self.store, deck)
        last = ""
        for s in reversed(self.store.sessions()):
            # a session over several decks has one score for all of them: it says nothing
            # about this deck alone, so only sessions on this deck alone count here
            if list(s.deck_ids) == [deck.id] and s.score and s.score.get("questions"):
                last = f"{s.score.get('percent', 0):.0f}%"
                break
        return {"items": c.items, "new": c.new, "due": c.due, "seen": c.seen, "last": last}

    # -- actions and menus -----------------------------------------------------------------

    def _act(self, menu: Any, text: str, fn: Callable[[], object],
             key: str | QKeySequence | QKeySequence.StandardKey = "",
             tip: str = "", shown_key: str = "") -> QAction:
        """A menu action; its shortcut appears in the menu and the tooltip. ``shown_key`` is
        a key handled by the page itself (shown, not registered, to avoid ambiguity)."""
        a = QAction(text + (f"\t{shown_key}" if shown_key else ""), self)
        if key:
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        k = shown_key or (QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
                          if key else "")
        a.setToolTip(f"{tip or text} ({k})" if k else (tip or text))
        a.setStatusTip(tip or text)
        a.triggered.connect(lambda _=False: fn())
        menu.addAction(a)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self.a_open = self._act(f, "&Open deck…", self.open_deck_dialog, "Ctrl+O",
                                "Add a deck file to the library")
        self.a_reload = self._act(f, "&Reload decks", lambda: self.load_decks(), "F5",
                                  "Load every deck again")
        self.a_preview = self._act(f, "&Preview deck…", self.preview_deck_dialog, "Ctrl+Shift+P",
                                   "Open a deck in a live preview that reloads when you save it")
        self.a_import_questions = self._act(
            f, "Import &questions from Anki or Moodle…", self.import_questions_dialog, "Ctrl+I",
            "Convert an Anki text export, a Moodle GIFT file or Moodle XML into a deck")
        f.addSeparator()
        self.a_export_csv = self._act(f, "Export attempts as &CSV…", self.export_csv,
                                      "Ctrl+Shift+C", "Save every recorded answer as CSV")
        self.a_export = self._act(f, "&Export progress…", self.export_progress, "Ctrl+Shift+E",
                                  "Save all progress to one file to move to another computer")
        self.a_import = self._act(f, "&Import progress…", self.import_progress, "Ctrl+Shift+I",
                                  "Merge progress exported on another computer")
        f.addSeparator()
        self._act(f, "&Quit", self.close, "Ctrl+Q", "Quit quizapp")

        s = mb.addMenu("&Study")
        self.a_library = self._act(s, "&Library", self.show_library, "Ctrl+L",
                                   "Back to the library")
        self.a_due = self._act(s, "Study what is &due", self.study_due, "Ctrl+D",
                               "Due and new items from the selected decks")
        self.a_new = self._act(s, "&New session…", self.show_builder, "Ctrl+N",
                               "Choose decks, tags, mode and items")
        self.a_resume = self._act(s, "&Resume unfinished session", self.resume_pending,
                                  "Ctrl+R", "Carry on with the session you left unfinished")
        self.a_stats = self._act(s, "S&tatistics", self.show_stats, "Ctrl+T",
                                 "Charts of your progress: accuracy, reviews, due, mastery")
        s.addSeparator()
        st = self.study
        self.a_reveal = self._act(s, "Show answer", st.key_space, tip="Show the back of the "
                                  "flashcard", shown_key="Space")
        self.a_rate = []
        from quizapp.core.scheduling import Rating
        for r in Rating:
            self.a_rate.append(self._act(s, f"Rate {r.label}", partial(st.rate, r),
                                         shown_key=str(int(r))))
        self.a_undo = self._act(s, "&Undo last rating", st.undo, "Ctrl+Z",
                                "Take back the last flashcard rating")
        self.a_submit = self._act(s, "Submit answer", st.key_enter, tip="Submit the selected "
                                  "option(s)", shown_key="Enter")
        self.a_next = self._act(s, "Next item", st.key_next, shown_key="N")
        self.a_prev = self._act(s, "Previous item (exam)", st.prev, shown_key="P")
        self.a_flag = self._act(s, "Flag item", st.toggle_flag, shown_key="F")
        self._act(s, "Select option", lambda: None, tip="Select an option by its letter or "
                  "number", shown_key="A–J / 1–9")
        self._act(s, "Strike out option", lambda: None, tip="Strike an option out (also "
                  "right-click)", shown_key="Shift+A–J")
        self.a_pause = self._act(s, "&Pause / resume exam", st.pause, "Ctrl+P",
                                 "Stop or restart the exam clock")
        self.a_submit_block = self._act(s, "Submit exam &block", st.submit_block,
                                        "Ctrl+Shift+Return", "End the exam and see results")
        self.a_end = self._act(s, "&End session", st.end, "Ctrl+E", "End now and see results")
        self.a_references = self._act(s, "Reference &sheets", self.toggle_references, "F2",
                                      "Show or hide the deck's reference tables (e.g. Table 1)")

        v = mb.addMenu("&View")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key, name, sc in (("system", "&System theme", "Ctrl+Shift+0"),
                              ("light", "&Light theme", "Ctrl+Shift+1"),
                              ("dark", "&Dark theme", "Ctrl+Shift+2")):
            a = self._act(v, name, partial(self.set_theme, key), sc, f"Use the {key} theme")
            a.setCheckable(True)
            self.theme_group.addAction(a)
            self.theme_actions[key] = a
        v.addSeparator()
        zoom_in = self._act(v, "Zoom &in", lambda: self.zoom(+1), "Ctrl+=", "Larger text")
        zoom_in.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])  # = is + unshifted
        self._act(v, "Zoom &out", lambda: self.zoom(-1), "Ctrl+-",
                  "Smaller text")
        self._act(v, "&Reset zoom", lambda: self.zoom(0), "Ctrl+0", "Normal text size")

        h = mb.addMenu("&Help")
        self._act(h, "&Keyboard shortcuts", self.show_shortcuts, "F1", "List every key")
        self._act(h, "&User guide", self.show_guide, "Shift+F1", "Open the user guide (offline)")
        self._act(h, "&About quizapp", self.show_about, "", "Version, licences, data folder")

    def _update_actions(self) -> None:
        page = self.stack.currentWidget()
        studying = page is self.study and self.study.session is not None
        sess = self.study.session
        exam = bool(sess and sess.is_exam)
        for a in (self.a_reveal, *self.a_rate, self.a_undo, self.a_submit, self.a_next,
                  self.a_flag, self.a_end):
            a.setEnabled(studying)
        self.a_prev.setEnabled(studying and (exam or self.study.review))
        self.a_references.setEnabled(studying)
        if not studying:
            self.ref_dock.hide()
        self.a_pause.setEnabled(studying and exam)
        self.a_submit_block.setEnabled(studying and exam)
        has_decks = any(r.ok for r in self.results.values())
        self.a_due.setEnabled(has_decks)
        self.a_new.setEnabled(has_decks)
        self.library.due_button.setEnabled(has_decks)
        self.library.build_button.setEnabled(has_decks)

    def toggle_references(self) -> None:
        """F2: open the reference panel on the session's decks (focus in its filter), or
        close it and give the keyboard back to the question."""
        if self.ref_dock.isVisible():
            self.ref_dock.hide()
            self.study.setFocus()
            return
        sess = self.study.session
        if sess is None:
            return
        decks = self.decks()
        ids = dict.fromkeys(e.deck_id for e in sess.entries)
        self.references.set_decks([decks[i] for i in ids if i in decks])
        self.ref_dock.show()
        if not getattr(self, "_ref_dock_sized", False):  # a third of the window, once
            self._ref_dock_sized = True
            self.resizeDocks([self.ref_dock], [max(360, self.width() // 3)],
                             Qt.Orientation.Horizontal)
        self.references.focus_filter()

    # -- pages ---------------------------------------------------------------------------

    def _leave_study(self) -> bool:
        """Leaving a running session keeps it resumable; confirm first."""
        if self.stack.currentWidget() is self.study and self.study.session is not None \
                and not self.study.session.finished and not self.study.review:
            if not ConfirmDialog.ask(self, "Leave the session?",
                                     "Leave this session? Your answers so far are saved, and "
                                     "the library offers to resume it."):
                return False
            self.study.leave()
        return True

    def show_library(self) -> None:
        if not self._leave_study():
            return
        self.refresh_library()
        self.stack.setCurrentWidget(self.library)
        self.library.table.setFocus()
        self.statusBar().showMessage(status_text(list(self.results.values())))
        if self.study.session is not None and not self.study.session.finished:
            self._offer_resume()

    def show_builder(self) -> None:
        if not self._leave_study():
            return
        decks = list(self.decks().values())
        if not decks:
            return
        s = self.last_settings()
        loaded = {d.id for d in decks}
        if not any(i in loaded for i in s.deck_ids):
            # nothing ticked before: start from the library's selected decks. Ticked decks
            # are the student's choice and the selected row never replaces them.
            # (none selected: the deck on the library's current row, the first at start)
            s.deck_ids = tuple(d.id for d in self._selected_decks() or self._current_deck())
        self.builder.populate(decks, s)
        self.stack.setCurrentWidget(self.builder)

    def show_stats(self) -> None:
        """The progress dashboard; its charting library is imported on first use only."""
        if not self._leave_study():
            return
        if self.stats_page is None:
            try:
                from quizapp.ui.pages.stats import StatsPage
            except ImportError as e:  # a broken install without the charting library
                QMessageBox.warning(self, "Statistics unavailable",
                                    f"The charts need pyqtgraph, which could not be loaded "
                                    f"({e}). Reinstall quizapp with pip to fix this.")
                return

            page = StatsPage(self.store, self.decks,
                             lambda: str(self.settings.value("view/theme", "system")))
            # a one-off practice session: never replaces the builder's remembered choices
            page.start_session.connect(lambda s: self.start_session(s, remember=False))
            page.back.connect(self.show_library)  # the page handles Esc itself
            self.stack.addWidget(page)
            self.stats_page = page
        self.stats_page.refresh()
        self.stack.setCurrentWidget(self.stats_page)

    def _selected_decks(self) -> list[Deck]:
        out = []
        for p in self.library.selected_paths():
            r = self.results.get(p)
            if r is not None and r.deck is not None:
                out.append(r.deck)
        return out

    def _current_deck(self) -> list[Deck]:
        row = self.library.table.currentRow()
        r = self.library.results[row] if 0 <= row < len(self.library.results) else None
        return [r.deck] if r is not None and r.deck is not None else []

    def last_settings(self) -> SessionSettings:
        raw = self.settings.value("session/last", None)
        if isinstance(raw, dict):
            with contextlib.suppress(TypeError, ValueError):
                return SessionSettings.from_dict(raw)
        return SessionSettings()

    def _count(self, s: SessionSettings) -> int:
        return len(select_entries(self.decks().values(), s, self.store))

    def study_due(self) -> None:
        """One daily queue: everything due by the end of the study day (flashcards,
        questions and cases interleaved) plus a few new items. Never remembered as the
        builder's settings."""
        decks = self._selected_decks() or list(self.decks().values())
        if not decks:
            return
        last = self.last_settings()
        s = SessionSettings(mode="tutor", deck_ids=tuple(d.id for d in decks),
                            selection="due_new", limit=0, shuffle=True,
                            confidence=last.confidence)
        entries = daily_queue(self.decks().values(), s.deck_ids, self.store)
        if not entries:
            QMessageBox.information(self, "Nothing due",
                                    "Nothing is due and nothing is new in these decks. "
                                    "Build a session with 'All' or 'Incorrect last time' to "
                                    "practise anyway.")
            return
        if not self._may_replace_pending():
            return
        self._run(Session(entries, s, self.store))

    def _study_deck(self, path: str) -> None:
        self.study_due()

    def _pending_summary(self) -> str | None:
        """'unfinished tutor quiz session (3 of 20 items answered)', or None if none."""
        pending = self.store.pending()
        if not pending:
            return None
        mode = MODES.get(str(pending.get("settings", {}).get("mode")), "session")
        try:  # count as the session itself counts: an item is answered when all of it is
            done, n = Session.resume(pending, self.decks(), self.store).progress()
        except SessionError:
            n = len(pending.get("entries", []))
            return f"unfinished {mode.lower()} session ({plural(n, 'item')})"
        return f"unfinished {mode.lower()} session ({count_of(done, n, 'item')} answered)"

    def _may_replace_pending(self) -> bool:
        """A new session takes the place of the unfinished one: say so, and ask."""
        if self.study.session is not None and not self.study.session.finished \
                and self.stack.currentWidget() is self.study and not self.study.review:
            return True  # leaving the running session was confirmed already
        what = self._pending_summary()
        if what is None:
            return True
        return ConfirmDialog.ask(
            self, "Start a new session?",
            f"You have an {what}. Starting a new session means it can no longer be resumed "
            "(the answers you gave in it stay saved). Start the new session?")

    def start_session(self, s: SessionSettings, remember: bool = True) -> None:
        if not self._may_replace_pending():
            return
        if remember:
            self.settings.setValue("session/last", s.to_dict())
        try:
            entries = select_entries(self.decks().values(), s, self.store)
            session = Session(entries, s, self.store)
        except SessionError as e:
            QMessageBox.information(self, "Nothing to study", str(e))
            return
        self._run(session)

    def _run(self, session: Session, review: bool = False) -> None:
        self.session = session
        try:
            self.study.load(session, review=review)
        except (StoreError, OSError) as e:
            self._store_error(str(e))
            return
        self.stack.setCurrentWidget(self.study)
        self._update_actions()

    def _session_finished(self, summary: object) -> None:
        if self.session is None:
            return
        self.results_page.show_summary(self.session, summary)  # type: ignore[arg-type]
        self.study.review = False
        self.stack.setCurrentWidget(self.results_page)
        self.refresh_library()
        self.statusBar().showMessage("Session finished: every answer is saved.")

    def retry_missed(self) -> None:
        if self.session is None:
            return
        entries = self.session.missed_entries()
        if not entries:
            return
        if not self._may_replace_pending():
            return
        s = SessionSettings(**{**self.session.settings.to_dict(), "selection": "all"})
        s.deck_ids = tuple(s.deck_ids)
        s.tags = tuple(s.tags)
        self._run(Session(entries, s, self.store))

    def review_session(self, index: int) -> None:
        if self.session is None:
            return
        self.session.index = max(0, min(index, len(self.session) - 1))
        self._run(self.session, review=True)

    def _offer_resume(self) -> None:
        what = self._pending_summary()
        if what is None or self.stack.currentWidget() is self.study:
            return
        text = f"You have an {what}. Resume where you left off (Ctrl+R)?"
        banner = getattr(self, "_resume_banner", None)
        if banner is not None:
            banner.set_text(text)  # the counts change as the session goes on
            return
        self._resume_banner = self.library.add_banner(
            text, [("Resume", self.resume_pending), ("Discard", self.discard_pending)])
        self._resume_banner.destroyed.connect(lambda: setattr(self, "_resume_banner", None))

    def resume_pending(self) -> None:
        if self.stack.currentWidget() is self.study and not self.study.review:
            self.statusBar().showMessage("A session is already running.", 4000)
            return
        pending = self.store.pending()
        if not pending:
            self.statusBar().showMessage("There is no unfinished session to resume.", 4000)
            return
        try:
            session = Session.resume(pending, self.decks(), self.store)
        except SessionError as e:
            QMessageBox.warning(self, "Cannot resume", f"{e}. The paused session is discarded.")
            self.discard_pending()
            return
        self._run(session)

    def discard_pending(self) -> None:
        try:
            self.store.save_pending(None)
        except (StoreError, OSError) as e:
            self._store_error(str(e))

    # -- decks from files ----------------------------------------------------------------

    def _folder(self, kind: str, fallback: Path | None = None) -> Path:
        """The folder a file dialog of this kind opened in last time (remembered across
        restarts), else ``fallback`` (the home folder)."""
        value = self.settings.value(f"folders/{kind}", "")
        folder = Path(str(value)) if value else None
        if folder is not None and folder.is_dir():
            return folder
        return fallback or Path.home()

    def _remember_folder(self, kind: str, chosen: str) -> None:
        if chosen:
            self.settings.setValue(f"folders/{kind}", str(Path(chosen).parent))

    def open_deck_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open deck", str(self._folder("decks")),
                                              "Decks (*.yaml *.yml);;All files (*)")
        self._remember_folder("decks", name)
        if name:
            self.open_deck(Path(name))

    def preview_deck_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Preview deck", str(self._folder("decks")),
                                              "Decks (*.yaml *.yml);;All files (*)")
        self._remember_folder("decks", name)
        if name:
            self.preview_deck(Path(name))

    def import_questions_dialog(self) -> None:
        from quizapp.core.interchange.registry import import_suffixes

        patterns = " ".join("*" + s for s in import_suffixes())
        name, _ = QFileDialog.getOpenFileName(
            self, "Import questions from Anki or Moodle", str(self._folder("import")),
            f"Anki or Moodle files ({patterns});;All files (*)")
        self._remember_folder("import", name)
        if not name:
            return
        src = Path(name)
        folder = user_decks_dir(self.data_dir)
        try:  # on a fresh install the deck folder does not exist yet: the dialog would
            folder.mkdir(parents=True, exist_ok=True)  # fall back to the home folder
        except OSError:
            folder = self._folder("import")
        from quizapp.core.interchange.conversion import suggested_deck_path

        suggested = suggested_deck_path(src, folder)
        out, _ = QFileDialog.getSaveFileName(self, "Save the new deck as", str(suggested),
                                             "Decks (*.yaml *.yml)")
        if out:
            self.import_questions(src, Path(out))

    def import_questions(self, src: Path, out: Path) -> bool:
        """Convert ``src`` (an Anki package or text export, GIFT or Moodle XML) into the deck
        file ``out``, tell the user what was converted and skipped, and add the deck to the
        library. Nothing is written when nothing could be converted."""
        from quizapp.core.authoring import AuthoringError
        from quizapp.core.interchange.conversion import (
            import_deck,
            import_messages,
            with_deck_suffix,
        )
        from quizapp.core.interchange.messages import ConvertError

        out = with_deck_suffix(out)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:  # the save dialog has asked before replacing a deck: force
            result = import_deck(src, out, force=True)  # what `quizapp import` runs
        except ConvertError as e:
            QApplication.restoreOverrideCursor()
            self._import_report(QMessageBox.Icon.Warning, "Nothing imported",
                                f"Nothing could be imported from {src.name}; no deck was "
                                "written.", "\n".join(map(str, e.messages)))
            return False
        except AuthoringError as e:
            QApplication.restoreOverrideCursor()
            self._import_report(QMessageBox.Icon.Warning, "Nothing imported", str(e), "")
            return False
        QApplication.restoreOverrideCursor()
        n = len(result.deck.items)
        text = (f"{n} item{'s' if n != 1 else ''} imported from {src.name} "
                f"({result.format_label}) into {out.name}.")
        if result.skipped:
            text += (f"\n\n{len(result.skipped)} could not be converted and "
                     f"{'were' if len(result.skipped) != 1 else 'was'} left out: see Details.")
        text += ("\n\nThe deck cites a placeholder source: open the file in your editor, "
                 "check each item and name the real source before you share it.")
        details = "\n".join(str(m) for m in import_messages(result))
        self.open_deck(out)
        self._import_report(QMessageBox.Icon.Information, "Questions imported", text, details)
        return True

    def _import_report(self, icon: QMessageBox.Icon, title: str, text: str,
                       details: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # file names and deck text, as written
        if details:
            box.setDetailedText(details)
        box.exec()

    def preview_deck(self, path: Path) -> None:
        from quizapp.ui.preview import PreviewWindow

        win = PreviewWindow(path, self)
        win.setWindowFlag(Qt.WindowType.Window)
        win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        win.show()
        self._previews = [*getattr(self, "_previews", []), win]

    def open_deck(self, path: Path) -> None:
        path = path.resolve()
        opened = [p for p in self._opened() if p != str(path)]
        self.settings.setValue("library/opened", [*opened, str(path)])
        self.load_decks([path])
        self.decks_loaded.connect(lambda: self.library.select_path(str(path)),
                                  Qt.ConnectionType.SingleShotConnection)
        self.show_library()

    def _opened(self) -> list[str]:
        """Deck files the user opened before (remembered across restarts)."""
        value = self.settings.value("library/opened", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if any(u.toLocalFile().lower().endswith((".yaml", ".yml")) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for u in event.mimeData().urls():
            p = u.toLocalFile()
            if p.lower().endswith((".yaml", ".yml")):
                self.open_deck(Path(p))
        event.acceptProposedAction()

    # -- progress files ------------------------------------------------------------------

    def export_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export attempts", str(
            self._folder("export") / "quizapp-attempts.csv"), "CSV (*.csv)")
        self._remember_folder("export", name)
        if name:
            self._file_op(lambda: self.store.export_csv(Path(name)), f"Attempts saved to {name}.")

    def export_progress(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export progress", str(
            self._folder("export") / "quizapp-progress.json"), "JSON (*.json)")
        self._remember_folder("export", name)
        if name:
            self._file_op(lambda: self.store.export_json(Path(name)),
                          f"Progress saved to {name}. Import it on the other computer with "
                          "File ▸ Import progress.")

    def import_progress(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import progress",
                                              str(self._folder("export")), "JSON (*.json)")
        self._remember_folder("export", name)
        if not name:
            return
        def confirm(plan: ImportPlan) -> bool:  # only asked before removing or resetting
            return ConfirmDialog.ask(self, "Import progress?",
                                     f"Importing {plan.source.name} would change progress "
                                     f"recorded here:\n\n{plan.describe()}\n\nImport anyway?")

        try:
            counts = self.store.import_json(Path(name), confirm=confirm)
        except ImportNotConfirmedError:
            self.statusBar().showMessage(f"{name} was not imported; nothing changed.", 8000)
            return
        except (StoreError, OSError, ValueError) as e:
            QMessageBox.warning(self, "Import failed", f"{name} could not be imported:\n{e}")
            return
        QMessageBox.information(self, "Progress imported",
                                f"{counts.attempts_added} answers added, "
                                f"{counts.attempts_skipped} already here, "
                                f"{counts.attempts_undone} removed as undone; "
                                f"{counts.units_updated} items took the file's state.")
        self.refresh_library()

    def _file_op(self, fn: Callable[[], object], ok: str) -> None:
        try:
            fn()
        except (StoreError, OSError, ValueError) as e:
            QMessageBox.warning(self, "Could not save", str(e))
            return
        self.statusBar().showMessage(ok, 8000)

    # -- store problems ------------------------------------------------------------------

    def _store_warning(self, text: str) -> None:
        self.library.add_banner(text)
        if not self.store.persistent:
            self.statusBar().showMessage("Progress is NOT being saved — see the library.")

    def _not_saving_banner(self) -> None:
        self.library.add_banner(
            f"Your progress cannot be saved in {self.data_dir} (read-only folder or full disk). "
            "You can keep studying, but answers are kept only until you quit. Free some space "
            "or start quizapp with --data-dir pointing to a writable folder.")

    def _store_error(self, text: str) -> None:
        QMessageBox.warning(self, "Progress not saved",
                            f"{text}\n\nYou can keep studying; quizapp keeps your answers in "
                            "memory and tells you when saving works again.")

    # -- look ----------------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        from quizapp.ui.theme import apply_look

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
        if theme_name not in self.theme_actions:
            theme_name = "system"
        self.set_theme(theme_name)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.study.leave()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        for t, _loader in list(self._threads):
            t.quit()
            t.wait(5000)
        super().closeEvent(event)

    # -- help ----------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self, [a for a in self.actions() if a.isVisible() and a.text()]).exec()

    def show_guide(self) -> None:
        path = resources_dir().parent / "README.md"
        if not path.is_file():
            TextDialog(self, "quizapp user guide",
                       "The user guide is missing from this installation.").exec()
            return
        TextDialog(self, "quizapp user guide", "", source=path).exec()

    def show_about(self) -> None:
        from quizapp.core.versions import version_text

        text = (f"## quizapp {quizapp.__version__}\n\nOffline flashcards, quizzes and clinical "
                "vignettes for medicine.\n\n"
                f"**Your data folder:** `{self.data_dir}`\n\n"
                f"**Versions:** {version_text().replace(chr(10), ' — ')}\n\n"
                "**Licences:** quizapp is MIT-licensed. The bundled decks are CC BY 4.0 and cite "
                "their sources on every card. Qt and PySide6 are used under the LGPL v3; PyYAML "
                "(MIT), fsrs (MIT), platformdirs (MIT), pyqtgraph (MIT) and NumPy (BSD).\n\n"
                "Medical content is for study, not for patient care.")
        TextDialog(self, "About quizapp", text).exec()


def _add_close_button(dialog: QDialog, lay: QVBoxLayout) -> None:
    bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    bb.rejected.connect(dialog.reject)
    lay.addWidget(bb)


class _Browser(QTextBrowser):
    """Shows the bundled guide: pages and pictures only from ``folder`` (the installation's own
    files), through the same resolver as deck pictures; pictures scaled to the text width (the
    README's screenshots are 1280 px). Without a folder it loads nothing."""

    def __init__(self, folder: Path | None) -> None:
        super().__init__()
        self.folder = folder
        self.safe_document = SafeDocument(folder, self, max_width=680)
        self.setDocument(self.safe_document)

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url) if isinstance(url, str) else url
        return load_resource(self.folder, kind, url, self.safe_document.refused, 680)


class TextDialog(QDialog):
    """Markdown text, or a local Markdown file whose pictures and links to other local files
    (the deck format guide, the progress format) work; web links are never followed."""

    def __init__(self, parent: QWidget | None, title: str, markdown: str,
                 source: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        view = _Browser(source.parent if source is not None else None)
        view.setOpenExternalLinks(False)
        if source is not None:
            view.setOpenLinks(False)
            view.anchorClicked.connect(self._follow)
            view.setSearchPaths([str(source.parent)])
            view.setSource(QUrl.fromLocalFile(str(source)),
                           QTextDocument.ResourceType.MarkdownResource)
        else:
            view.setOpenLinks(False)
            view.setMarkdown(markdown)
        view.setAccessibleName(title)
        lay.addWidget(view)
        _add_close_button(self, lay)
        self.resize(760, 640)
        self.view = view

    def _follow(self, url: QUrl) -> None:
        if url.scheme() not in ("", "file"):  # offline: nothing is fetched
            return
        target = self.view.source().resolved(url)
        path = Path(target.toLocalFile())
        folder = self.view.folder
        if folder is None or path.suffix.lower() != ".md":
            return
        # the guide's own pages only (the same resolver as every picture): else stay here
        ref = Path(os.path.relpath(path, folder)).as_posix()
        if isinstance(resources.resolve_image(folder, ref, max_bytes=MAX_DOCUMENT_BYTES),
                      resources.Refused):
            return
        self.view.setSource(target, QTextDocument.ResourceType.MarkdownResource)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None, actions: list[QAction]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        rows = []
        for a in actions:
            text = a.text().replace("&", "")
            name, _, shown = text.partition("\t")
            key = shown or a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if key:
                rows.append((name, key))
        rows += [("Confidence 1–3 (when rating confidence)", "1 / 2 / 3"),
                 ("Select option (no confidence rating)", "1–9"),
                 ("Scroll a long item or case", "PgUp / PgDn / ↑ / ↓ / Home / End"),
                 ("Go to a case's next stage", "N or Enter"),
                 ("Move between controls", "Tab / Shift+Tab")]
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels(["Action", "Key"])
        table.verticalHeader().hide()
        for i, (name, key) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(name))
            table.setItem(i, 1, QTableWidgetItem(key))
        table.resizeColumnsToContents()
        table.setAccessibleName("Keyboard shortcuts")
        lay.addWidget(table)
        _add_close_button(self, lay)
        self.resize(560, 620)
        self.table = table


__all__ = ["MainWindow", "QUrl"]
