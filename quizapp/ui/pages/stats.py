"""Progress dashboard: accuracy over time, answers per day, due forecast, mastery by deck and
tag (each weak one a click away from a practice session), confidence calibration and time per
question.

Figures come from :func:`quizapp.core.dashboard.compute`; this module only draws them. Charts
use pyqtgraph, imported inside the methods that draw (never at module level), so importing this
module costs nothing; in the app it is imported on the worker thread that computes the figures
the first time the page opens, so the GUI thread does not pay for it. Only the chart on the
visible tab is drawn; the others are drawn when their tab is first shown after a refresh.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from quizapp.core.dashboard import (
    Dashboard,
    Filters,
    MasteryRow,
    compute,
)
from quizapp.core.model import Deck
from quizapp.core.scoring import duration_text
from quizapp.core.store import Store, StoreError
from quizapp.ui import charts
from quizapp.ui import theme as look
from quizapp.ui.charts import clip, day, pct
from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import InkLabel, label, plain_tooltip, restyle

#: (label, days back including today); None = all time; "custom" = the date fields.
PERIODS: tuple[tuple[str, int | str | None], ...] = (
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last 12 months", 365),
    ("All time", None),
    ("Custom dates", "custom"),
)
DEFAULT_PERIOD = 1  # last 30 days

EMPTY_TEXT = "No answers yet — study a session and come back"
PERIOD_EMPTY = "No answers in this period. Try “All time” or another deck."

#: (tab title, key) in display order.
CHARTS = (
    ("Accuracy", "accuracy"),
    ("Answers per day", "reviews"),
    ("Due next 30 days", "forecast"),
    ("Mastery", "mastery"),
    ("Confidence", "calibration"),
    ("Time per question", "time"),
)
#: How a practice session is described in tooltips, per mode.
PRACTICE_NAMES = {"tutor": "a tutor quiz", "flashcards": "a flashcard review",
                  "exam": "a timed exam"}


def _import_charts() -> None:
    """Import pyqtgraph (and numpy) if not yet done: called on the worker thread that computes
    the figures, so the first Statistics open does not spend about half a second importing it
    on the GUI thread. An import error is left for the drawing code to raise as before."""
    if "pyqtgraph" not in sys.modules:
        with contextlib.suppress(ImportError):
            import pyqtgraph  # noqa: F401


class _WeakTable(QTableWidget):
    """The weakest decks and tags; a click, Enter or Space starts practising the row.

    Signals:
        activated_row(int): Enter or Space was pressed on this row.
    """

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) \
                and self.currentRow() >= 0:
            self.activated_row.emit(self.currentRow())
            return
        super().keyPressEvent(event)


class _Tile(QFrame):
    """A summary figure: a muted caption, a big number and a note."""

    def __init__(self, caption: str, tip: str) -> None:
        super().__init__()
        self.setProperty("role", "card")
        self.caption = caption
        lay = QVBoxLayout(self)
        lay.setContentsMargins(SPACE * 2, SPACE, SPACE * 2, SPACE)
        lay.setSpacing(0)
        head = label(caption, "muted")
        head.setWordWrap(False)  # a caption is never cut in two (the tiles reflow instead)
        lay.addWidget(head)
        self.value = label("–", "title")
        lay.addWidget(self.value)
        self.note = label("", "muted")
        lay.addWidget(self.note)
        self.setToolTip(tip)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set(self, value: str, note: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)
        self.setAccessibleName(f"{self.caption}: {value}" + (f", {note}" if note else ""))


class _Fitted(QWidget):
    """The scrolled page: as tall as its content at the window's width (a wrapped label's
    minimum height is measured at its narrowest, which would add blank space)."""

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), 0)


class StatsPage(QWidget):
    """The Progress page. Call :meth:`refresh` whenever it is shown.

    With ``run_task`` (the window's :meth:`quizapp.ui.tasks.TaskRunner.run`) the figures are
    computed in the background and drawn when they arrive; without it, at once.

    Signals:
        start_session(SessionSettings): the student asked to practise the weak items shown.
        back(): the student asked to leave the page (Esc or the Back button).
    """

    start_session = Signal(object)  # SessionSettings
    back = Signal()

    def __init__(self, store: Store, decks: Callable[[], dict[str, Deck]],
                 theme: Callable[[], str], parent: QWidget | None = None, *,
                 now: Callable[[], datetime] | None = None,
                 run_task: Callable[..., object] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.run_task = run_task
        self.store = store
        self.decks = decks
        self.theme = theme
        self._now = now or (lambda: datetime.now().astimezone())
        self.dashboard: Dashboard | None = None
        self._plots: dict[str, Any] = {}
        self._drawn: set[str] = set()
        self._drawn_theme = ""
        self._drawn_font = 0.0  # the text size the charts were drawn at (they follow zoom)
        self._weak_rows: list[MasteryRow] = []
        self._syncing = False

        page = QVBoxLayout(self)
        page.setContentsMargins(SPACE * 3, SPACE * 2, SPACE * 3, SPACE * 2)
        page.setSpacing(SPACE * 3 // 2)
        # Everything but the footer scrolls when large text needs more room than the window
        # has (at 125-200% zoom it was clipped instead).
        self.page_scroll = QScrollArea()
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = _Fitted()
        inner.setObjectName("page")
        self.page_scroll.setWidget(inner)
        page.addWidget(self.page_scroll, 1)
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(SPACE * 3 // 2)

        # -- header: title and filters ---------------------------------------------------
        self.head_grid = QGridLayout()
        self.head_grid.setSpacing(SPACE)
        title = label("Progress", "title")
        title.setWordWrap(False)
        self.title_label = title
        self.head_grid.addWidget(title, 0, 0)
        self.filters = QWidget()
        head = QHBoxLayout(self.filters)
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(SPACE)
        head.addStretch(1)
        self.deck_combo = QComboBox()
        self.deck_combo.setAccessibleName("Deck")
        self.deck_combo.setToolTip("Show progress for all decks or one deck")
        self.deck_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.deck_combo.setMaximumWidth(320)
        deck_label = InkLabel("&Deck")
        deck_label.setBuddy(self.deck_combo)
        head.addWidget(deck_label)
        head.addWidget(self.deck_combo)
        head.addSpacing(SPACE)
        self.period_combo = QComboBox()
        for text, _days in PERIODS:
            self.period_combo.addItem(text)
        self.period_combo.setCurrentIndex(DEFAULT_PERIOD)
        self.period_combo.setAccessibleName("Period")
        self.period_combo.setToolTip("Which days to include")
        period_label = InkLabel("&Period")
        period_label.setBuddy(self.period_combo)
        head.addWidget(period_label)
        head.addWidget(self.period_combo)
        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for edit, name, mnemonic, tip in (
                (self.from_edit, "From", "Fro&m", "First day included"),
                (self.to_edit, "To", "T&o", "Last day included")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setMinimumDate(QDate(2000, 1, 1))
            edit.setAccessibleName(f"{name} date")
            edit.setToolTip(f"{tip} (changing it switches the period to custom dates)")
            lab = InkLabel(mnemonic)  # Alt+F and Alt+S belong to the File and Study menus
            lab.setBuddy(edit)
            head.addWidget(lab)
            head.addWidget(edit)
        self._filters_below = False
        self.head_grid.addWidget(self.filters, 0, 1)
        self.head_grid.setColumnStretch(1, 1)
        outer.addLayout(self.head_grid)

        # -- summary tiles (as many per row as fit: they reflow at large text sizes) --------
        tiles = QGridLayout()
        tiles.setSpacing(SPACE)
        self.tile_grid = tiles
        self.tiles = {
            "answers": _Tile("Answers", "Questions answered and flashcards rated in the period"),
            "accuracy": _Tile("Accuracy", "Share of answers that were right: questions fully "
                              "right, and flashcards rated Hard, Good or Easy"),
            "seen": _Tile("Practised", "Items answered in the period (a case is one item, "
                          "however many of its questions) — over all time, the library's Seen "
                          "column summed"),
            "days": _Tile("Days studied", "Days with at least one answer"),
            "due": _Tile("Due today", "Items (a case is one) the scheduler wants to see by "
                         "the end of this study day (4 am), overdue included — the library's "
                         "Due column counts the same"),
            "time": _Tile("Study time", "Time spent answering (as measured in sessions)"),
        }
        self._tile_columns = 0
        outer.addLayout(tiles)

        # -- body: charts (tabs) beside the weakest-areas table; or the empty state ----------
        self.body = QStackedWidget()
        content = QSplitter(Qt.Orientation.Horizontal)
        self.splitter = content
        content.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Charts")
        self.tabs.setDocumentMode(True)
        self.chart_panels: dict[str, charts.ChartPanel] = {}
        for text, key in CHARTS:
            self._make_tab(text, key)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        content.addWidget(self.tabs)

        side = QFrame()
        self.side = side
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(SPACE, 0, 0, 0)
        side_lay.setSpacing(SPACE // 2)
        side_lay.addWidget(label("Weakest first", "subtitle"))
        side_lay.addWidget(label("Click a deck or tag to practise it — the items you got "
                                 "wrong last time, when there are any.", "muted"))
        self.weak_table = _WeakTable(0, 3)
        self.weak_table.setHorizontalHeaderLabels(["Deck or tag", "Mastery", "Right"])
        self.weak_table.verticalHeader().hide()
        self.weak_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.weak_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.weak_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.weak_table.setAlternatingRowColors(True)
        self.weak_table.setShowGrid(False)
        self.weak_table.setWordWrap(False)
        self.weak_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.weak_table.setMouseTracking(True)
        self.weak_table.setCursor(Qt.CursorShape.PointingHandCursor)
        self.weak_table.setAccessibleName("Weakest decks and tags")
        self.weak_table.setAccessibleDescription(
            "Press Enter or click a row to start a practice session on it")
        self.weak_table.setToolTip("Click (or press Enter) to practise this deck or tag")
        header = self.weak_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.weak_table.cellClicked.connect(lambda r, _c: self._practise(r))
        self.weak_table.activated_row.connect(self._practise)
        side_lay.addWidget(self.weak_table, 1)
        content.addWidget(side)
        content.setStretchFactor(0, 3)
        content.setStretchFactor(1, 1)
        content.setSizes([860, 340])
        self.body.addWidget(content)

        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addStretch(1)
        self.empty_label = label(EMPTY_TEXT, "title")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName(EMPTY_TEXT)
        el.addWidget(self.empty_label)
        hint = label("Your accuracy over time, what is due, your weakest decks and topics and "
                     "how well your confidence matches your answers will appear here.", "muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        el.addWidget(hint)
        el.addStretch(2)
        self.body.addWidget(empty)
        outer.addWidget(self.body, 1)
        self._fit_to_text()
        self._reflow_tiles()

        # -- footer: exports, status, back ------------------------------------------------------
        foot = QHBoxLayout()
        self.png_button = QPushButton("Export chart as PNG…")
        self.png_button.setToolTip("Save the chart on the current tab as a PNG image")
        self.png_button.setAccessibleName("Export chart as PNG")
        self.png_button.clicked.connect(self.export_png)
        self.csv_button = QPushButton("Export attempts as CSV…")
        self.csv_button.setToolTip("Save every recorded answer as a CSV file (for a "
                                   "spreadsheet)")
        self.csv_button.setAccessibleName("Export attempts as CSV")
        self.csv_button.clicked.connect(self.export_csv)
        self.status = label("", "muted")
        self.status.setAccessibleName("Export status")
        self.back_button = QPushButton("Back to library")
        self.back_button.setToolTip("Back to the library (Esc)")
        self.back_button.setAccessibleName("Back to library")
        self.back_button.clicked.connect(self.back)
        foot.addWidget(self.png_button)
        foot.addWidget(self.csv_button)
        foot.addWidget(self.status, 1)
        foot.addWidget(self.back_button)
        page.addLayout(foot)

        self.deck_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.period_combo.currentIndexChanged.connect(self._on_period_changed)
        self.from_edit.dateChanged.connect(self._on_date_changed)
        self.to_edit.dateChanged.connect(self._on_date_changed)

        order: list[QWidget] = [self.deck_combo, self.period_combo, self.from_edit,
                                self.to_edit, self.tabs, self.grain_combo,
                                self.weak_table, self.png_button, self.csv_button,
                                self.back_button]
        for a, b in pairwise(order):
            QWidget.setTabOrder(a, b)
        self._set_dates_for_period()

    # -- building --------------------------------------------------------------------------

    def _make_tab(self, text: str, key: str) -> None:
        header = None
        if key == "accuracy":
            header = QHBoxLayout()
            self.grain_combo = QComboBox()
            self.grain_combo.addItems(["Per day", "Per week"])
            self.grain_combo.setAccessibleName("Accuracy per day or per week")
            self.grain_combo.setToolTip("One point per day, or per week (Monday to Sunday)")
            self.grain_combo.currentIndexChanged.connect(lambda _i: self._redraw("accuracy"))
            show = InkLabel("Sho&w")
            show.setBuddy(self.grain_combo)
            header.addWidget(show)
            header.addWidget(self.grain_combo)
            header.addStretch(1)
        panel = charts.ChartPanel(header)
        self.chart_panels[key] = panel
        self.tabs.addTab(panel, text)
        self.tabs.setTabToolTip(self.tabs.count() - 1, text)

    def _plot(self, key: str, slot: int = 0) -> Any:
        """The ``slot``-th plot of a chart tab, created (and pyqtgraph imported) on first use."""
        plot = self._plots[f"{key}:{slot}"] = self.chart_panels[key].plot(slot)
        return plot

    # -- colours -----------------------------------------------------------------------------

    def _theme_name(self) -> str:
        return look.resolve(self.theme())

    def _palette(self) -> dict[str, str]:
        """The charts' colours, and the page's (zoomed) text size that their titles and
        the figures written on them follow."""
        return {**charts.palette(self._theme_name()), "text_pt": f"{self.font().pointSizeF():g}"}

    def _frame_colors(self) -> None:
        bg = QColor(self._palette()["bg"])
        for panel in self.chart_panels.values():
            panel.set_background(bg)

    # -- refresh -----------------------------------------------------------------------------

    def _filters(self) -> Filters:
        deck_id = self.deck_combo.currentData()
        deck_ids = (deck_id,) if isinstance(deck_id, str) else ()
        period = PERIODS[self.period_combo.currentIndex()][1]
        if period == "custom":
            a = self.from_edit.date().toPython()
            b = self.to_edit.date().toPython()
            assert isinstance(a, date) and isinstance(b, date)
            return Filters(deck_ids, min(a, b), max(a, b))
        if isinstance(period, int):
            return Filters.last_days(period, self._now().date(), deck_ids)
        return Filters(deck_ids)

    def _populate_decks(self) -> None:
        current = self.deck_combo.currentData()
        decks = sorted(self.decks().values(), key=lambda d: d.title.casefold())
        self._syncing = True
        try:
            self.deck_combo.clear()
            self.deck_combo.addItem("All decks", None)
            for d in decks:
                self.deck_combo.addItem(clip(d.title, 40), d.id)
                self.deck_combo.setItemData(self.deck_combo.count() - 1, d.title,
                                            Qt.ItemDataRole.ToolTipRole)
            i = self.deck_combo.findData(current) if current is not None else 0
            self.deck_combo.setCurrentIndex(max(0, i))
        finally:
            self._syncing = False

    def refresh(self) -> None:
        """Recompute every figure from the store and redraw the visible chart."""
        self._populate_decks()
        self._recompute()

    def _recompute(self) -> None:
        decks, filters, now, store = list(self.decks().values()), self._filters(), self._now(), \
            self.store
        if self.run_task is None:
            self._computed(compute(store, decks, filters, now))
            return
        def work(_ctx: object) -> Dashboard:
            _import_charts()  # the first time: pyqtgraph loads here, not on the GUI thread
            return compute(store, decks, filters, now)

        # reads the store: input waits (a few hundred ms at most) so nothing is recorded meanwhile
        self.run_task(work, label="Computing statistics…", on_done=self._computed,
                      block_input=True)

    def _computed(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self._drawn.clear()
        self._show_dashboard()

    def _show_dashboard(self) -> None:
        d = self.dashboard
        assert d is not None
        self._frame_colors()
        self._drawn_theme = self._theme_name()
        self._drawn_font = self.font().pointSizeF()
        self.body.setCurrentIndex(1 if d.history_empty else 0)
        self._fill_tiles(d)
        self._fill_weak_table(d)
        if PERIODS[self.period_combo.currentIndex()][1] is None and d.days:
            self._syncing = True
            try:
                self.from_edit.setDate(_qdate(d.days[0].start))
                self.to_edit.setDate(_qdate(d.days[-1].start))
            finally:
                self._syncing = False
        self.png_button.setEnabled(not d.history_empty)
        if not d.history_empty:
            self._draw_current()

    def _fill_tiles(self, d: Dashboard) -> None:
        t = d.totals
        self.tiles["answers"].set(f"{t.attempts:,}", f"in {t.sessions:,} session"
                                  f"{'' if t.sessions == 1 else 's'}"
                                  if t.sessions else "in this period")
        # cards included, unlike a session's score; Practised counts items, as the library
        self.tiles["accuracy"].set(pct(t.accuracy), f"{t.correct:,} of {t.attempts:,} answers "
                                   "right" if t.attempts else "no answers")
        self.tiles["seen"].set(f"{t.items_seen:,}", f"of {t.items:,} item"
                               f"{'' if t.items == 1 else 's'}" if t.items else "items")
        span = len(d.days)
        self.tiles["days"].set(f"{t.active_days:,}", f"of {span:,} days" if span else "")
        self.tiles["due"].set(f"{t.due_today:,}",  # items, as the library and quizapp stats
                              f"item{'' if t.due_today == 1 else 's'}; "
                              f"{t.due_week:,} within 7 days")
        per = t.study_ms / t.attempts if t.attempts and t.study_ms else None
        self.tiles["time"].set(duration_text(t.study_ms) if t.study_ms else "–",
                               f"{duration_text(per)} per answer" if per else "")

    def _fill_weak_table(self, d: Dashboard) -> None:
        rows = list(d.weakest)
        rows += [r for r in (*d.decks, *d.tags) if not r.seen and r.units]
        self._weak_rows = rows
        table = self.weak_table
        table.setRowCount(len(rows))
        kinds = {"deck": "Deck", "tag": "Tag"}
        for i, r in enumerate(rows):
            name = QTableWidgetItem(f"{kinds[r.kind]} · {clip(r.label, 34)}")
            what = PRACTICE_NAMES.get(r.mode, "session")
            if r.selection == "incorrect":
                tip = (f"Click to start {what} on the items of {r.kind} “{r.label}” you got "
                       "wrong last time")
            else:
                tip = f"Click to start {what} on {r.kind} “{r.label}”"
            tip = plain_tooltip(tip)  # deck titles and tags are plain text
            name.setToolTip(tip)
            mastery = QTableWidgetItem(pct(r.mastery) if r.seen else "not started")
            mastery.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            mastery.setToolTip(tip)
            right = QTableWidgetItem(f"{r.mastered:,} of {r.seen:,}" if r.seen else
                                     f"0 of {r.units:,}")
            right.setToolTip(f"{r.mastered} of the {r.seen} items you answered were right the "
                             f"last time; {r.units} items in all")
            right.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if r.mastery is not None and round(r.mastery * 100) < 60:
                mastery.setForeground(QColor(self._palette()["incorrect"]))
            for col, item in enumerate((name, mastery, right)):
                item.setData(Qt.ItemDataRole.AccessibleTextRole,
                             f"{kinds[r.kind]} {r.label}, mastery {pct(r.mastery)}"
                             if col == 0 else item.text())
                table.setItem(i, col, item)
        table.resizeRowsToContents()

    # -- drawing -----------------------------------------------------------------------------

    def _current_key(self) -> str:
        return CHARTS[self.tabs.currentIndex()][1]

    def _draw_current(self) -> None:
        key = self._current_key()
        if key not in self._drawn:
            self._redraw(key)

    def _redraw(self, key: str) -> None:
        d = self.dashboard
        if d is None or d.history_empty:
            return
        getattr(self, f"_draw_{key}")(d)
        self._drawn.add(key)

    def draw_all(self) -> None:
        """Draw every chart now (for tests and image export)."""
        for _text, key in CHARTS:
            if key not in self._drawn:
                self._redraw(key)

    def _set_empty(self, key: str, text: str | None) -> bool:
        """Show ``text`` instead of the chart (True) or the chart itself (False)."""
        return self.chart_panels[key].set_empty(text)

    def _scope(self, d: Dashboard) -> str:
        deck = self.deck_combo.currentText() if self.deck_combo.currentIndex() > 0 \
            else "all decks"
        period = PERIODS[self.period_combo.currentIndex()][0].lower()
        if period == "custom dates" and d.days:
            period = f"{day(d.days[0].start)} – {day(d.days[-1].start)}"
        return f"{period}, {deck}"

    def _draw_accuracy(self, d: Dashboard) -> None:
        if self._set_empty("accuracy", None if d.totals.attempts else PERIOD_EMPTY):
            return
        weekly = self.grain_combo.currentIndex() == 1
        self.chart_panels["accuracy"].show_text(charts.draw_accuracy(
            self._plot("accuracy"), d, self._palette(), scope=self._scope(d), weekly=weekly))

    def _draw_reviews(self, d: Dashboard) -> None:
        if self._set_empty("reviews", None if d.totals.attempts else PERIOD_EMPTY):
            return
        self.chart_panels["reviews"].show_text(charts.draw_reviews(
            self._plot("reviews"), d, self._palette(), scope=self._scope(d)))

    def _draw_forecast(self, d: Dashboard) -> None:
        if self._set_empty("forecast", None if sum(d.forecast) else
                           "Nothing is scheduled in the next 30 days for these decks."):
            return
        deck = self.deck_combo.currentText() if self.deck_combo.currentIndex() > 0 \
            else "all decks"
        self.chart_panels["forecast"].show_text(charts.draw_forecast(
            self._plot("forecast"), d, self._palette(), deck=deck))

    def _draw_mastery(self, d: Dashboard) -> None:
        if self._set_empty("mastery", None if any(r.seen for r in d.decks) else PERIOD_EMPTY):
            return
        self.chart_panels["mastery"].show_text(charts.draw_mastery(
            self._plot("mastery", 0), self._plot("mastery", 1), d, self._palette(),
            light=self._theme_name() == "light"))

    def _draw_calibration(self, d: Dashboard) -> None:
        rated = sum(b.total for b in d.calibration)
        if self._set_empty("calibration", None if rated else
                           "No confidence ratings in this period.\nTick “Rate confidence” when "
                           "you build a session to see how well your certainty matches your "
                           "answers."):
            return
        self.chart_panels["calibration"].show_text(charts.draw_calibration(
            self._plot("calibration"), d, self._palette(), scope=self._scope(d)))

    def _draw_time(self, d: Dashboard) -> None:
        if self._set_empty("time", None if any(t.count for t in d.times) else
                           ("No answer times recorded in this period." if d.totals.attempts
                            else PERIOD_EMPTY)):
            return
        self.chart_panels["time"].show_text(charts.draw_time(
            self._plot("time"), d, self._palette(), scope=self._scope(d),
            theme=self._theme_name()))

    # -- events ------------------------------------------------------------------------------

    @Slot(int)
    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.dashboard is not None and self._drawn_theme == self._theme_name():
            self._draw_current()
        elif self.dashboard is not None:
            self._restyle()

    def _restyle(self) -> None:
        if self.dashboard is not None:
            self._drawn.clear()
            self._show_dashboard()

    @Slot()
    def _on_filter_changed(self) -> None:
        if not self._syncing and self.dashboard is not None:
            self._recompute()

    @Slot()
    def _on_period_changed(self) -> None:
        if self._syncing:
            return
        self._set_dates_for_period()
        if self.dashboard is not None:
            self._recompute()

    @Slot()
    def _on_date_changed(self) -> None:
        if self._syncing:
            return
        custom = len(PERIODS) - 1
        if self.period_combo.currentIndex() != custom:
            self._syncing = True
            try:
                self.period_combo.setCurrentIndex(custom)
            finally:
                self._syncing = False
        if self.dashboard is not None:
            self._recompute()

    def _set_dates_for_period(self) -> None:
        period = PERIODS[self.period_combo.currentIndex()][1]
        today = self._now().date()
        self._syncing = True
        try:
            self.from_edit.setMaximumDate(_qdate(today + timedelta(days=1)))
            self.to_edit.setMaximumDate(_qdate(today + timedelta(days=1)))
            if isinstance(period, int):
                self.from_edit.setDate(_qdate(today - timedelta(days=period - 1)))
                self.to_edit.setDate(_qdate(today))
            elif period is None:
                self.to_edit.setDate(_qdate(today))
        finally:
            self._syncing = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # A key event, not a QShortcut: a window that also binds Esc on this page gets no
        # "ambiguous shortcut" (it then handles Esc itself and this never sees it).
        if event.key() == Qt.Key.Key_Escape and event.modifiers() in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            event.accept()
            self.back.emit()
            return
        super().keyPressEvent(event)

    def _reflow_tiles(self) -> None:
        """Fit the page to its width at any text size, without clipping: the filters go
        below the title, tiles fill as many columns as their captions fit (six at normal
        sizes), and the weak-areas table goes below the charts when both do not fit."""
        fm = self.fontMetrics()
        avail = max(1, self.page_scroll.viewport().width())
        below = (self.title_label.sizeHint().width() + self.filters.sizeHint().width()
                 + SPACE * 2 > avail)
        if below != self._filters_below:
            self._filters_below = below
            self.head_grid.removeWidget(self.filters)
            self.head_grid.addWidget(self.filters, *((1, 0, 1, 2) if below else (0, 1)))
        wide = self.tabs.minimumWidth() + self.side.minimumWidth() + SPACE * 2 <= avail
        want = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != want:
            self.splitter.setOrientation(want)
        self.body.setMinimumHeight(0 if wide else fm.height() * 36)
        widest = max(fm.horizontalAdvance(t.caption) for t in self.tiles.values())
        tile_w = widest + SPACE * 6  # a caption on one line, with the card's margins
        fits = avail // max(1, tile_w)
        cols = next((c for c in (len(self.tiles), 3, 2) if c <= fits), 2)  # even rows
        if cols == self._tile_columns:
            return
        self._tile_columns = cols
        for i, t in enumerate(self.tiles.values()):
            self.tile_grid.removeWidget(t)
            self.tile_grid.addWidget(t, i // cols, i % cols)

    def _fit_to_text(self) -> None:
        """Room for the chart tabs and the weak-area names at the current text size."""
        fm = self.fontMetrics()
        self.tabs.setMinimumWidth(self.tabs.tabBar().sizeHint().width() + SPACE)
        self.side.setMinimumWidth(fm.horizontalAdvance("Deck · Clinical vignettes: back")
                                  + fm.horizontalAdvance("not started  0 of 100") + SPACE * 6)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow_tiles()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_to_text()
            self._tile_columns = 0
            self._reflow_tiles()
            if self.dashboard is not None and self._drawn_font \
                    and self._drawn_font != self.font().pointSizeF():
                self._restyle()  # chart titles and figures at the new text size
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange) \
                and self.dashboard is not None and self._drawn_theme \
                and self._drawn_theme != self._theme_name():
            self._restyle()

    # -- actions -----------------------------------------------------------------------------

    @Slot(int)
    def _practise(self, row: int) -> None:
        if 0 <= row < len(self._weak_rows):
            self.start_session.emit(self._weak_rows[row].practice())

    @classmethod
    def ask_save_path(cls, parent: QWidget | None, caption: str, suggested: str,
                      file_filter: str) -> Path | None:
        """Ask where to save (a classmethod so tests can replace it); ``None`` if cancelled."""
        name, _ = QFileDialog.getSaveFileName(parent, caption, str(Path.home() / suggested),
                                              file_filter)
        return Path(name) if name else None

    def export_png(self) -> Path | None:
        """Save the chart on the current tab as a PNG; returns the file written."""
        key = self._current_key()
        if self.dashboard is None or self.dashboard.history_empty:
            return None
        self._draw_current()
        stamp = self._now().date().isoformat()
        path = self.ask_save_path(self, "Export chart as PNG", f"quizapp-{key}-{stamp}.png",
                                  "PNG images (*.png)")
        if path is None:
            return None
        if path.suffix.lower() != ".png":
            path = path.with_name(path.name + ".png")
        image = self.chart_panels[key].frame.grab()
        if image.isNull() or not image.save(str(path), "PNG"):
            self._say(f"Could not save the chart to {path}.", error=True)
            return None
        self._say(f"Chart saved to {path}")
        return path

    def export_csv(self) -> Path | None:
        """Save every attempt as CSV (``Store.export_csv``, in the background with
        ``run_task``); returns the file chosen."""
        stamp = self._now().date().isoformat()
        path = self.ask_save_path(self, "Export attempts as CSV", f"quizapp-attempts-{stamp}.csv",
                                  "CSV files (*.csv)")
        if path is None:
            return None
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        store = self.store

        def failed(e: BaseException) -> None:
            if not isinstance(e, (StoreError, OSError, ValueError)):
                raise e
            QMessageBox.warning(self, "Could not export", f"{path} could not be written:\n{e}")

        def saved(rows: int) -> None:
            self._say(f"{rows:,} answers saved to {path}")

        if self.run_task is not None:
            self.run_task(lambda _ctx: store.export_csv(path), label=f"Saving {path.name}…",
                          on_done=saved, on_error=failed, block_input=True)
            return path
        try:
            rows = store.export_csv(path)
        except (StoreError, OSError, ValueError) as e:
            failed(e)
            return None
        saved(rows)
        return path

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setProperty("role", "verdict-incorrect" if error else "muted")
        restyle(self.status)


def _qdate(day: date) -> QDate:
    """A Python date as a QDate (every PySide6 version takes the three numbers)."""
    return QDate(day.year, day.month, day.day)
