"""The study page: flashcard review, tutor questions, cases revealed stage by stage, timed exams,
and the review of a finished exam. A thin view over :class:`quizapp.core.session.Session`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from quizapp.core.model import LETTERS, Case, Deck, Flashcard, Question
from quizapp.core.scheduling import Rating
from quizapp.core.scoring import count_of, format_marks
from quizapp.core.session import Entry, Session, SessionError
from quizapp.core.store import StoreError
from quizapp.core.submitwarning import item_numbers, submit_warning
from quizapp.ui.dialogs import ConfirmDialog
from quizapp.ui.pages.exam_navigator import Navigator
from quizapp.ui.pages.study_items import (
    ItemColumn,
    clock_text,
    render_case,
    render_flashcard,
    sources_text,
)
from quizapp.ui.theme import SPACE, TEXT_WIDTH
from quizapp.ui.widgets import QuestionView, label


class StudyPage(QWidget):
    """The session being studied, one item at a time (see the module docstring).

    Signals:
        finished(Summary): the session ended (last item done, ended or submitted), with its
            summary; every answer is saved by then.
        status_changed(str): a line for the status bar (position, "Answer saved.", ...).
        store_error(str): saving an answer failed; the text says why (answers stay in memory).
    """

    finished = Signal(object)  # Summary
    status_changed = Signal(str)
    store_error = Signal(str)

    def __init__(self, decks: Callable[[], dict[str, Deck]], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self._decks = decks
        self.session: Session | None = None
        self.review = False
        self.revealed = False
        self.views: list[QuestionView] = []
        self.save_stage_button: QPushButton | None = None
        self._syncing = False
        #: (entry index, part) of the question keys act on when several are open at once (a
        #: case stage of several questions): chosen with Tab / Shift+Tab or by a click.
        self._key_part: tuple[int, str] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE * 3, SPACE * 2, SPACE * 3, SPACE * 2)
        outer.setSpacing(SPACE * 3 // 2)
        head = QHBoxLayout()
        self.where = label("", "muted")
        self.where.setAccessibleName("Position in session")
        self.flag_label = label("", "verdict-incorrect")
        self.timer_label = label("", "subtitle")
        self.timer_label.setAccessibleName("Time")
        head.addWidget(self.where, 1)
        head.addWidget(self.flag_label)
        head.addWidget(self.timer_label)
        outer.addLayout(head)

        body = QHBoxLayout()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body.addWidget(self.scroll_area, 1)
        self.paused_label = label("Paused\n\nThe clock is stopped and the question is hidden."
                                  "\nPress Ctrl+P or Resume to carry on.", "subtitle")
        self.paused_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paused_label.setVisible(False)
        body.addWidget(self.paused_label, 1)
        self.side = QWidget()
        sl = QVBoxLayout(self.side)
        sl.setContentsMargins(0, 0, 0, 0)
        self.nav_title = label("Navigator", "subtitle")
        sl.addWidget(self.nav_title)
        self.navigator = Navigator()
        self.navigator.jump.connect(self.go)
        self.nav_scroll = QScrollArea()  # a long block scrolls; the panel never clips a column
        self.nav_scroll.setWidgetResizable(True)
        self.nav_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.nav_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.nav_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav_scroll.setWidget(self.navigator)
        self.legend = label("Filled: answered · ◐ partly answered · ⚑ flagged · bold border: "
                            "current", "muted")
        self.legend.setWordWrap(True)
        sl.addWidget(self.legend)
        sl.addWidget(self.nav_scroll, 1)
        self.side.setFixedWidth(240)
        body.addWidget(self.side)
        outer.addLayout(body, 1)

        self.footer = QHBoxLayout()
        self.footer.setSpacing(SPACE)
        self.footer.addStretch(1)
        self.prev_button = self._button("◀ Previous", "Previous item (P)", self.prev)
        self.reveal_button = self._button("Show answer", "Show the answer (Space)", self.reveal,
                                          primary=True)
        self.rate_buttons: dict[Rating, QPushButton] = {}
        for r in Rating:
            b = self._button(r.label, f"{r.label} ({int(r)})", lambda _=False, r=r: self.rate(r))
            self.rate_buttons[r] = b
        self.flag_button = self._button("⚑ Flag", "Flag this item for later (F)",
                                        self.toggle_flag)
        self.pause_button = self._button("Pause", "Pause the exam clock (Ctrl+P)", self.pause)
        self.next_button = self._button("Next ▶", "Next item (N)", self.next, primary=True)
        self.stage_button = self._button("Next stage ▼", "Go to the case's next question (N)",
                                         self.key_next, primary=True)
        self.submit_block_button = self._button("Submit block", "End the exam and see "
                                                "results (Ctrl+Shift+Enter)",
                                                lambda: self.submit_block())
        self.end_button = self._button("End session", "End now and see results (Ctrl+E)",
                                       self.end)
        outer.addLayout(self.footer)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self._shortcuts()

    def _button(self, text: str, tip: str, fn: Callable[..., object], primary: bool = False
                ) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setAccessibleName(text)
        if primary:
            b.setProperty("role", "primary")
        b.clicked.connect(fn)
        self.footer.addWidget(b)
        return b

    def _shortcuts(self) -> None:
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def sc(key: str, fn: Callable[[], object]) -> None:
            s = QShortcut(QKeySequence(key), self)
            s.setContext(ctx)
            s.activated.connect(fn)

        for i, letter in enumerate(LETTERS):
            if letter not in ("F", "N", "P"):  # F flags (or option F), N next, P previous
                sc(letter, partial(self.key_option, i))
            sc(f"Shift+{letter}", partial(self.key_strike, i))
        for d in range(1, 10):
            sc(str(d), partial(self.key_digit, d))
        for key, fn in (("Space", self.key_space), ("Return", self.key_enter),
                        ("Enter", self.key_enter), ("N", self.key_next)):
            sc(key, fn)
        # The page keeps the focus (keys pick options), so it scrolls the item itself.
        bar = self.scroll_area.verticalScrollBar
        sc("PgDown", lambda: bar().setValue(bar().value() + bar().pageStep()))
        sc("PgUp", lambda: bar().setValue(bar().value() - bar().pageStep()))
        sc("Down", lambda: bar().setValue(bar().value() + bar().singleStep() * 3))
        sc("Up", lambda: bar().setValue(bar().value() - bar().singleStep() * 3))
        sc("Home", lambda: bar().setValue(bar().minimum()))
        sc("End", lambda: bar().setValue(bar().maximum()))
        sc("Esc", self.key_escape)
        sc("P", self.prev)
        sc("F", self.key_f)

    # -- starting ------------------------------------------------------------------------

    def load(self, session: Session, review: bool = False) -> None:
        self.session = session
        self.review = review
        exam = session.is_exam
        self.side.setVisible(exam)
        if exam:
            self.navigator.build(len(session))
        if not review:
            if session.session_id is None or session.elapsed_before:
                session.start()
            session.unpause()
            self.timer.start()
        self.show_current()
        self.setFocus()

    # -- rendering -----------------------------------------------------------------------

    def _sources(self, entry: Entry) -> str:
        return sources_text(self._decks().get(entry.deck_id), entry)

    def show_current(self) -> None:
        s = self.session
        if s is None:
            return
        entry = s.current
        self.revealed = False
        self.views = []
        self.save_stage_button = None
        content = ItemColumn()
        row = QHBoxLayout(content)  # a centred column of readable width
        row.setContentsMargins(SPACE * 2, SPACE, SPACE * 2, SPACE * 2)
        inner = QWidget()
        inner.setMaximumWidth(TEXT_WIDTH + SPACE * 4)
        row.addStretch(1)
        row.addWidget(inner, 100)
        row.addStretch(1)
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(SPACE * 2)
        it = entry.item
        if isinstance(it, Flashcard):
            self.back_box = render_flashcard(lay, entry, it, self._sources(entry),
                                             review=self.review)
            self.revealed = self.review
        elif isinstance(it, Question):
            self._render_question(lay, entry, "", it, number="")
        elif isinstance(it, Case):
            self.save_stage_button = render_case(
                lay, entry, it, s, review=self.review, sources=self._sources(entry),
                add_question=lambda lay, part, q, number: self._render_question(
                    lay, entry, part, q, number=number),
                save_stage=self.save_stage, stage_ready=self._stage_ready)
        lay.addStretch(1)
        self._show_key_question()
        old = self.scroll_area.takeWidget()
        if old is not None:  # destroy the previous item once the new one is on screen
            old.hide()
            QTimer.singleShot(250, old.deleteLater)
        self.scroll_area.setWidget(content)
        self._update_chrome()
        paused = s.paused and not self.review
        self.scroll_area.setVisible(not paused)
        self.paused_label.setVisible(paused)
        if paused:
            self._content_enabled(False)
        self.setFocus()

    def _render_question(self, lay: QVBoxLayout, entry: Entry, part: str, q: Question,
                         number: str) -> QuestionView:
        s = self.session
        assert s is not None
        case_exam = s.is_exam and isinstance(entry.item, Case)
        view = QuestionView(part, q, entry.order(part), confidence=s.settings.confidence,
                            exam=s.is_exam, number=number)
        if case_exam:  # a case stage is saved as a whole, by the stage's own button
            view.submit_button.hide()
        view.submitted.connect(self.submit)
        view.on_choose = partial(self._choose, view)
        view.on_confidence = partial(self._confide, view)
        for row in view.rows:
            row.strike_toggled.connect(partial(self._strike_row, view))
        self._show_part(view)
        lay.addWidget(view)
        self.views.append(view)
        return view

    def _show_part(self, view: QuestionView) -> None:
        """Render one question from the engine's view state."""
        s = self.session
        assert s is not None
        pv = s.part_view(view.part, review=self.review)
        self._syncing = True  # showing struck options is not the student striking them
        try:
            view.show_state(pv.selected, pv.struck, pv.confidence, pv.can_submit, pv.hint)
        finally:
            self._syncing = False
        if pv.mark is not None:
            # a case names its sources once, at its end
            sources = "" if isinstance(s.current.item, Case) else self._sources(s.current)
            view.show_feedback(pv.mark, pv.selected, sources)
        elif pv.locked and not view.answered:
            view.lock("Saved — locked." if pv.saved else "Not answered.")

    def _choose(self, view: QuestionView, option: int) -> None:
        s = self.session
        if s is None or self.review:
            return
        self._keys_to(view)  # a click on a question's option: its keys follow
        self._guard(lambda: s.select(view.part, option))
        self._show_part(view)
        self._after_change()

    def _confide(self, view: QuestionView, level: int) -> None:
        s = self.session
        if s is None or self.review:
            return
        self._keys_to(view)
        self._guard(lambda: s.set_confidence(view.part, level))
        self._show_part(view)
        self._after_change()

    def _strike_row(self, view: QuestionView, display: int) -> None:
        s = self.session
        if s is None or self.review or self._syncing:
            return
        self._guard(lambda: s.strike(view.part, view.order[display]))
        self._show_part(view)

    def _after_change(self) -> None:
        """A selection or confidence changed: the stage button and the navigator follow."""
        s = self.session
        if s is None:
            return
        if self.save_stage_button is not None:
            self.save_stage_button.setEnabled(self._stage_ready())
        if s.is_exam:
            self.navigator.update_state(s, self.review)

    def _stage_ready(self) -> bool:
        s = self.session
        if s is None or not isinstance(s.current.item, Case):
            return False
        case = s.current.item
        si = s.active_stage()
        if si >= len(case.stages):
            return False
        return all(not s.can_submit(f"{case.stages[si].id}/{q.id}")
                   for q in case.stages[si].questions)

    def open_views(self) -> list[QuestionView]:
        """The questions on screen that can still be answered."""
        s = self.session
        if s is None or self.review:
            return []
        return [v for v in self.views if not s.locked(v.part)]

    def active_view(self) -> QuestionView | None:
        """The question that keys act on: the one chosen with Tab / Shift+Tab or by a click
        when several are open (a case stage of several questions), else the first one still
        open (not submitted in tutor mode; in an exam, not in a saved stage). Keys never jump
        to another question by themselves: what a key means does not depend on what the
        previous key did."""
        s = self.session
        open_views = self.open_views()
        if s is None or not open_views:
            return None
        if self._key_part is not None and self._key_part[0] == s.index:
            chosen = next((v for v in open_views if v.part == self._key_part[1]), None)
            if chosen is not None:
                return chosen
        return open_views[0]

    def _keys_to(self, view: QuestionView) -> None:
        s = self.session
        if s is not None:
            self._key_part = (s.index, view.part)
            self._show_key_question()

    def _show_key_question(self) -> None:
        """With several questions open, each says whether keys act on it now."""
        open_views = self.open_views()
        active = self.active_view() if len(open_views) > 1 else None
        for v in self.views:
            v.show_keys_here(None if active is None or v not in open_views else v is active)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab / Shift+Tab move the keys to the next / previous open question when several
        are open; otherwise they move the focus as usual."""
        open_views = self.open_views()
        current = self.active_view()
        if len(open_views) > 1 and current is not None:
            i = open_views.index(current) + (1 if next else -1)
            view = open_views[i % len(open_views)]
            self._keys_to(view)
            self._bring_into_view(view)
            return True
        return super().focusNextPrevChild(next)

    def _update_chrome(self) -> None:
        s = self.session
        if s is None:
            return
        entry = s.current
        fc = isinstance(entry.item, Flashcard)
        done = s.entry_answered(s.index)
        exam = s.is_exam
        deck = self._decks().get(entry.deck_id)
        title = deck.title if deck else entry.deck_id
        mode = "Review" if self.review else s.settings.label
        where = f"{mode} · {title} · item {s.index + 1} of {len(s)}"
        if not exam and not self.review:
            new, learning, due = s.counters()
            where += f" · New {new} · Learning {learning} · Due {due}"
        self.where.setText(where)
        flagged = s.flagged()
        self.flag_label.setText("⚑ Flagged" if flagged else "")
        self.flag_button.setText("⚑ Unflag" if flagged else "⚑ Flag")
        self.prev_button.setVisible(exam or self.review)
        self.prev_button.setEnabled(s.index > 0)
        self.reveal_button.setVisible(fc and not self.revealed and not self.review)
        intervals = s.intervals() if fc and self.revealed and not self.review else {}
        for r, b in self.rate_buttons.items():
            b.setVisible(fc and self.revealed and not self.review)
            if r in intervals:
                b.setText(f"{int(r)} · {r.label}\n{intervals[r]}")
                b.setToolTip(f"{r.label} (key {int(r)}): next review in {intervals[r]}")
        self.pause_button.setVisible(exam and not self.review)
        self.submit_block_button.setVisible(exam and not self.review)
        self.end_button.setVisible(not exam and not self.review)
        self.end_button.setText("Back to results" if self.review else "End session")
        if self.review:
            self.end_button.setVisible(True)
        show_next = (exam or self.review or (not fc and done))
        active = None if exam or self.review else self.active_view()
        self.stage_button.setVisible(active is not None and bool(self.views)
                                     and active is not self.views[0])
        self.next_button.setVisible(show_next)
        last = s.index + 1 >= len(s)
        self.next_button.setText("Finish ▶" if last and not exam and not self.review
                                 else "Next ▶")
        self.next_button.setEnabled(not (last and (exam or self.review)))
        if exam:
            self.navigator.update_state(s, self.review)
            self.legend.setText("✔ right · ✘ not fully right · ⚑ flagged · bold border: current"
                                if self.review else
                                "Filled: answered · ◐ partly answered · ⚑ flagged · "
                                "bold border: current")
            self._fit_side()
            if 0 <= s.index < len(self.navigator.buttons):
                self.nav_scroll.ensureWidgetVisible(self.navigator.buttons[s.index])
        self._tick()
        self.status_changed.emit(self.status_text())

    def changeEvent(self, event: QEvent) -> None:
        """A new zoom or theme changes the button sizes: refit the navigator panel."""
        super().changeEvent(event)
        if (event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange)
                and self.session is not None and self.session.is_exam and self.isVisible()):
            QTimer.singleShot(0, self, self._fit_side)  # dropped if the page is gone by then

    def _fit_side(self) -> None:
        """Size the navigator panel to its buttons at the current zoom (plus a scroll bar),
        and never narrower than its title or than one part of its legend on each line (a
        one-item block said "Navigato" over a legend one word a line)."""
        self.navigator.equalise()
        self.navigator.adjustSize()
        bar = self.nav_scroll.verticalScrollBar().sizeHint().width()
        want = self.navigator.sizeHint().width() + bar + SPACE
        fm = self.legend.fontMetrics()
        legend = max(fm.horizontalAdvance(part + " ·") for part in self.legend.text().split(" · "))
        self.side.setFixedWidth(max(12 * self.fontMetrics().averageCharWidth(), want,
                                    self.nav_title.sizeHint().width(), legend + SPACE // 2))

    def status_text(self) -> str:
        s = self.session
        if s is None:
            return ""
        summ = s.summary()
        score = ""
        if summ.questions and not s.is_exam:
            score = f" · {count_of(summ.correct, summ.questions, 'question')} fully right"
            if summ.cbm:
                score += f", {format_marks(summ.marks)} of {format_marks(summ.max_marks)} marks"
        if summ.flashcards:
            score += " · " + ", ".join(f"{k} {v}" for k, v in summ.flashcards.items())
        return f"{s.settings.label} · item {s.index + 1} of {len(s)}{score}"

    def _tick(self) -> None:
        s = self.session
        if s is None or self.review:
            self.timer_label.setText("")
            return
        if s.is_exam:
            left = s.time_left()
            self.timer_label.setText(("Paused · " if s.paused else "") + clock_text(left) + " left")
            if left <= 0 and not s.submitted:
                self.timer.stop()
                QMessageBox.information(self, "Time is up",
                                        "The exam time is over; your answers are submitted.")
                self._finish()
        else:
            self.timer_label.setText("Time " + clock_text(s.seconds_on(s.index)))

    # -- actions -------------------------------------------------------------------------

    def _guard(self, fn: Callable[[], object]) -> bool:
        """Run a step that writes to the store; report store trouble instead of crashing."""
        try:
            fn()
            return True
        except SessionError as e:
            self.status_changed.emit(str(e))
            v = self.active_view()
            if v is not None:
                v.status.setText(str(e))
            return False
        except (StoreError, OSError) as e:
            self.store_error.emit(str(e))
            return False

    def _bring_into_view(self, v: QuestionView) -> None:
        """Scroll so the question ``v`` keys act on is on screen (a case's next stage opens
        below the feedback): from its stage's heading and new information when they fit with
        the first option, else from the question."""
        content = self.scroll_area.widget()
        if content is None or not v.isVisible() or not content.isAncestorOf(v):
            return
        bar = self.scroll_area.verticalScrollBar()
        height = self.scroll_area.viewport().height()

        def y(w: QWidget, bottom: bool = False) -> int:
            r = w.rect()
            return w.mapTo(content, r.bottomLeft() if bottom else r.topLeft()).y()

        top = y(v)
        first = y(v.rows[0], bottom=True) if v.rows else top + v.height()
        if bar.value() <= top and first <= bar.value() + height:
            return  # its stem and first option are on screen
        box = v.parentWidget()
        in_box = [w for w in self.views if w.parentWidget() is box]
        if box is not None and in_box and in_box[0] is v and first - y(box) + SPACE * 2 <= height:
            top = y(box)  # the stage's heading and text come first
        bar.setValue(max(0, top - SPACE * 2))

    def key_option(self, i: int) -> None:
        v = self.active_view()
        if v is not None and 0 <= i < len(v.rows):
            v.toggle(i)  # forwarded to the engine (select)
            self._bring_into_view(v)

    def key_f(self) -> None:
        """F flags the item, except that it picks option F of a question with six or more."""
        v = self.active_view()
        if v is not None and len(v.rows) > 5:
            self.key_option(5)
        else:
            self.toggle_flag()

    def key_strike(self, i: int) -> None:
        v = self.active_view()
        if v is not None and 0 <= i < len(v.rows) and self.session is not None:
            self._guard(lambda: self.session.strike(v.part, v.order[i])  # type: ignore[union-attr]
                        )
            self._show_part(v)

    def key_digit(self, d: int) -> None:
        s = self.session
        if s is None or self.review:
            return
        if isinstance(s.current.item, Flashcard):
            if self.revealed and 1 <= d <= 4:
                self.rate(Rating(d))
            return
        v = self.active_view()
        if v is None:
            return
        if s.settings.confidence:  # digits rate confidence; letters pick options
            if 1 <= d <= 3:
                v.set_confidence(d)  # forwarded to the engine
        else:
            self.key_option(d - 1)
        self._bring_into_view(v)

    def key_space(self) -> None:
        s = self.session
        if s is None:
            return
        if isinstance(s.current.item, Flashcard) and not self.revealed and not self.review:
            self.reveal()

    def key_enter(self) -> None:
        s = self.session
        if s is None:
            return
        if isinstance(s.current.item, Flashcard):
            if not self.revealed and not self.review:
                self.reveal()
            return
        if self.review:
            self.next()
            return
        v = self.active_view()
        if s.is_exam and isinstance(s.current.item, Case) and v is not None:
            self.save_stage()  # Enter saves the stage (or says what is missing)
        elif v is not None and not s.is_exam:
            if s.selection(v.part) or not (len(self.views) > 1 and v is not self.views[0]):
                self.submit(v.part)  # says what is missing when it cannot submit yet
            else:  # a case's next stage, still below the feedback: go to it
                self._bring_into_view(v)
        elif s.entry_answered(s.index) or s.is_exam:
            self.next()

    def key_escape(self) -> None:
        """In the review of a finished session, Esc goes back to the results."""
        if self.review and self.session is not None:
            self.finished.emit(self.session.summary())

    def key_next(self) -> None:
        s = self.session
        if s is None:
            return
        if s.is_exam or self.review or (not isinstance(s.current.item, Flashcard) and
                                        s.entry_answered(s.index)):
            self.next()
            return
        v = self.active_view()
        if v is not None:  # N in a case goes on to its next stage
            self._bring_into_view(v)

    def reveal(self) -> None:
        if self.session is None or not isinstance(self.session.current.item, Flashcard):
            return
        self.revealed = True
        self.back_box.show()
        self._update_chrome()

    def rate(self, rating: Rating) -> None:
        s = self.session
        if s is None or not self.revealed or self.review:
            return
        if self._guard(lambda: s.rate(rating)):
            self._advance()

    def undo(self) -> None:
        s = self.session
        if s is None or self.review:
            return
        undone: list[bool] = []
        if self._guard(lambda: undone.append(s.undo())) and undone[0]:
            self.show_current()
            self.status_changed.emit("Last rating undone.")
        elif undone:
            self.status_changed.emit("Nothing to undo: no flashcard rated in this session yet.")

    def submit(self, part: str) -> None:
        """Enter / Submit on a question (tutor: mark it; exam: keep it)."""
        s = self.session
        if s is None or self.review:
            return
        view = next((v for v in self.views if v.part == part), None)
        if view is None:
            return
        if s.is_exam and isinstance(s.current.item, Case):
            self.save_stage()
            return
        marks: list[object] = []
        if not self._guard(lambda: marks.append(s.submit_part(part))):
            return
        if s.is_exam:
            self.status_changed.emit("Answer saved.")
            self._show_part(view)
            self._update_chrome()
        elif isinstance(s.current.item, Case):
            self.show_current()  # the next stage opens
            self._scroll_to_answered(part)
        else:  # mark this question in place: no need to rebuild the page
            self._show_part(view)
            self._update_chrome()

    def save_stage(self) -> None:
        """Exam case: save the active stage (Enter or "Save answer and continue")."""
        s = self.session
        if s is None or self.review or not isinstance(s.current.item, Case):
            return
        before = s.active_stage()
        if not self._guard(s.save_stage):
            return
        self.status_changed.emit(f"Stage {before + 1} saved and locked.")
        self.show_current()  # the next stage opens
        self._scroll_to_latest()

    def _scroll_to_answered(self, part: str) -> None:
        """After answering a case stage, show the feedback from its top (the next stage is
        below it)."""
        view = next((v for v in self.views if v.part == part), None)
        if view is None:
            return

        def go() -> None:
            content = self.scroll_area.widget()
            if content is not None and view is not None and content.isAncestorOf(view):
                y = view.mapTo(content, view.rect().topLeft()).y()
                self.scroll_area.verticalScrollBar().setValue(max(0, y - SPACE * 6))

        QTimer.singleShot(0, go)

    def _scroll_to_latest(self) -> None:
        """After saving a stage, bring the next stage's question into view."""
        target = self.active_view() or (self.views[-1] if self.views else None)
        if target is not None:
            QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(target, 0, SPACE * 4))

    def _advance(self) -> None:
        s = self.session
        assert s is not None
        if s.next():
            self.show_current()
        else:
            self._finish()

    def next(self) -> None:
        s = self.session
        if s is None:
            return
        if self.review or s.is_exam:
            if s.index + 1 < len(s):
                self.go(s.index + 1)
            return
        if isinstance(s.current.item, Flashcard) or not s.entry_answered(s.index):
            return
        self._advance()

    def prev(self) -> None:
        s = self.session
        if s is not None and (s.is_exam or self.review) and s.index > 0:
            self.go(s.index - 1)

    def go(self, index: int) -> None:
        s = self.session
        if s is None:
            return
        if self._guard(lambda: s.go(index)):  # the engine refuses while paused
            self.show_current()

    def toggle_flag(self) -> None:
        s = self.session
        if s is not None and self._guard(s.toggle_flag):  # refused while paused
            self._update_chrome()

    def pause(self) -> None:
        s = self.session
        if s is None or not s.is_exam or self.review:
            return
        if s.paused:
            s.unpause()
            self._content_enabled(True)
            for v in self.views:  # hints drawn while paused said "The exam is paused"
                if not s.locked(v.part):
                    self._show_part(v)
            self.status_changed.emit("Resumed: the clock is running again.")
            self.pause_button.setText("Pause")
        else:
            self._guard(s.pause)
            self._content_enabled(False)
            self.pause_button.setText("Resume")
        self._tick()

    def _content_enabled(self, on: bool) -> None:
        """Paused: the question is hidden, so nobody can think about it off the clock."""
        w = self.scroll_area.widget()
        if w is not None:
            w.setEnabled(on)
            w.setVisible(on)
        self.scroll_area.setVisible(on)
        self.paused_label.setVisible(not on)
        # moving and flagging are refused while paused: say so by greying them out (they
        # looked usable and only a status message said no)
        for b in (self.prev_button, self.next_button, self.flag_button,
                  *self.navigator.buttons):
            b.setEnabled(on)
        if on and self.session is not None:
            self._update_chrome()  # Previous/Next as the position allows
        self.where.setText(self.where.text().split(" · PAUSED")[0] +
                           ("" if on else " · PAUSED — press Ctrl+P to resume"))

    def submit_block(self) -> None:
        """End the exam after asking (the clock running out ends it without asking)."""
        s = self.session
        if s is None or not s.is_exam or self.review:
            return
        text = "Submit the block and see your results?" + submit_warning(s)
        flagged = [i + 1 for i in range(len(s)) if s.flagged(i)]
        if flagged:
            text += f"\n\nFlagged for another look: {item_numbers(flagged)}."
        if not ConfirmDialog.ask(self, "Submit block", text):
            return
        self._finish()

    def end(self) -> None:
        s = self.session
        if s is None:
            return
        if self.review:
            self.finished.emit(s.summary())
            return
        if s.is_exam:  # an exam ends by submitting the block, with its confirmation
            self.submit_block()
            return
        left = sum(1 for i in range(len(s)) if not s.entry_answered(i))
        if left and not ConfirmDialog.ask(
                self, "End session",
                f"End the session now? {left} item{'s' if left != 1 else ''} you have not "
                f"finished {'are' if left != 1 else 'is'} left out of the score and "
                f"{'stay' if left != 1 else 'stays'} in your decks for next time."):
            return
        self._finish()

    def _finish(self) -> None:
        s = self.session
        assert s is not None
        self.timer.stop()
        try:
            summary = s.finish()
        except (StoreError, OSError) as e:
            self.store_error.emit(str(e))
            summary = s.summary()
        self.finished.emit(summary)

    def leave(self) -> None:
        """The window is closing or the user went elsewhere: keep the block resumable."""
        s = self.session
        self.timer.stop()
        if s is not None and not s.finished and not self.review:
            with contextlib.suppress(StoreError, OSError):
                s.pause()
