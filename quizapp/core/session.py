"""The study engine: study, quiz and exam sessions as Qt-free state machines.

A :class:`Session` owns a session's whole state — the ordered :class:`Entry` list (a
flashcard, a question or a whole case), the current item, the active stage of a case, the
current selection and confidence of every question (*drafts*), struck options, what is saved,
what is recorded, what is locked, the clock and the flashcard relearning queue — and talks to
the :class:`~quizapp.core.store.Store`. The study page renders :meth:`Session.part_view` /
:meth:`Session.entry_status` / :meth:`Session.counters` and forwards the student's intents:

``select(part, option)``, ``strike(part, option)``, ``set_confidence(part, level)``,
``submit_part(part)`` (Enter / Submit / Save), ``save_stage()``, ``rate(rating)``, ``undo()``,
``toggle_flag()``, ``pause()`` / ``unpause()``, ``go(i)`` / ``next()`` / ``prev()``,
``submit()`` (end an exam) and ``finish()``. An intent that breaks a rule raises
:class:`SessionError` with a sentence for the student; nothing changes then.

The rules (see also :mod:`quizapp.core.scoring` and the README's user guide):

* **Selecting never records.** A selection is a draft until it is submitted (tutor: marked and
  recorded at once, final) or saved (exam). A blank selection is never submitted or saved, and
  a confidence level alone is never an answer.
* **Exam, single questions:** the selection is kept as the answer as soon as it is made (and
  can change until the block is submitted); clearing it takes the answer back.
* **Exam, cases:** the stages work like sequential item sets. Only the active stage can be
  answered; :meth:`Session.save_stage` saves it (every question needs an option), which opens
  the next stage and locks the saved one read-only for good. Nothing of a later stage is shown
  before then.
* **Exam clock:** it stops while paused and for good when the block is submitted.
* **Flashcards relearn:** a card whose next learning step falls within the study day comes
  back in the same session when that step is due (or up to :data:`LEARN_AHEAD` early when
  nothing else is left, like Anki's learn-ahead limit).

Every step that changes the session also refreshes the pending block, so quitting mid-session
always offers to resume. :meth:`Session.summary` gives the results page its figures.

:mod:`quizapp.core.sessionmodel` holds the data a session is made of,
:mod:`quizapp.core.selection` chooses its items and :mod:`quizapp.core.sessionstate` saves and
restores it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from quizapp.core.model import Case, Deck, Flashcard, Question
from quizapp.core.planner import due_cutoff
from quizapp.core.scheduling import Rating, format_interval, utc_now
from quizapp.core.scoring import (
    BlankAnswerError,
    Mark,
    check_answer,
    letters_for,
    mark_question,
    unanswered_mark,
)
from quizapp.core.sessionmodel import (
    LEARN_AHEAD,
    Draft,
    Entry,
    PartView,
    Response,
    SessionError,
    SessionSettings,
    Summary,
)
from quizapp.core.sessionstate import resume_session, session_state
from quizapp.core.sessionsummary import summarize
from quizapp.core.store import Store

# --------------------------------------------------------------------------- the session


def save_stage_label(case: Case, stage: int) -> str:
    """The exam button that saves stage ``stage`` (0-based) of ``case``, as the page shows it
    and the hint under its questions names it."""
    return "Save answer and continue" if stage + 1 < len(case.stages) else "Save answer"


class Session:
    """A running session. See the module docstring for the life cycle."""

    def __init__(
        self,
        entries: Sequence[Entry],
        settings: SessionSettings,
        store: Store,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        if not entries:
            raise SessionError("nothing to study with these settings")
        self.now = now  # wall clock for flashcard learning steps (the store's clock in tests)
        self.drafts: dict[tuple[int, str], Draft] = {}
        self.relearn: list[tuple[datetime, int]] = []
        """Flashcards waiting for their next learning step: (due, entry index rated)."""
        self.made_by: dict[int, int] = {}
        """Entries added for a relearning step -> the entry whose rating queued them."""
        self.entries = list(entries)
        self.settings = settings
        self.store = store
        self.clock = clock
        self.index = 0
        self.responses: dict[tuple[int, str], Response] = {}
        self.struck: dict[tuple[int, str], set[int]] = {}
        self.ratings: dict[int, Rating] = {}
        self.history: list[int] = []  # entry indices of recorded flashcard ratings, for undo
        self.session_id: str | None = None
        self.finished = False
        self.submitted = False
        self.elapsed_before = 0.0  # exam seconds used before the last resume
        self.paused = False
        self._started_at = clock()
        self._shown_at = clock()
        self._time_on: dict[int, float] = {}

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.session_id is None:
            self.session_id = self.store.start_session(
                self.settings.mode, self.settings.to_dict(), sorted({e.deck_id for e in
                                                                     self.entries}))
        self._shown_at = self._started_at = self.clock()
        self._save_pending()

    @property
    def mode(self) -> str:
        return self.settings.mode

    @property
    def is_exam(self) -> bool:
        return self.settings.mode == "exam"

    @property
    def current(self) -> Entry:
        return self.entries[self.index]

    def __len__(self) -> int:
        return len(self.entries)

    # -- navigation -----------------------------------------------------------------------

    def _leave(self) -> None:
        now = self.clock()
        if not self.paused:
            self._time_on[self.index] = self._time_on.get(self.index, 0.0) + now - self._shown_at
        self._shown_at = now

    def go(self, index: int) -> None:
        """Move to entry ``index`` (exam mode navigates freely; other modes move forward).

        Moving does not write: the pending block is saved when something is answered and on
        :meth:`pause`; a resumed session opens at its first unanswered entry."""
        if not 0 <= index < len(self.entries):
            raise IndexError(index)
        if self.paused and not self.finished:
            raise SessionError("The exam is paused: press Ctrl+P to resume.")
        self._leave()
        self.index = index

    def next(self) -> bool:
        """Advance; returns False at the end (then call :meth:`finish`).

        Flashcards whose learning step is due come back first; at the end of the list, one
        due within :data:`LEARN_AHEAD` comes back early."""
        if self.relearn:
            now = self.now()
            at_end = self.index + 1 >= len(self.entries)
            ready = [(d, i) for d, i in self.relearn
                     if d <= now or (at_end and d <= now + LEARN_AHEAD)]
            if ready:
                item = min(ready)
                self.relearn.remove(item)
                src = self.entries[item[1]]
                self.entries.append(Entry(src.deck_id, src.item, src.reverse, dict(src.orders)))
                new = len(self.entries) - 1
                self.made_by[new] = item[1]
                # the repeat goes right after the current entry
                if new != self.index + 1:
                    self._move_entry(new, self.index + 1)
                self.go(self.index + 1)
                return True
        if self.index + 1 >= len(self.entries):
            self._leave()
            return False
        self.go(self.index + 1)
        return True

    def _move_entry(self, old: int, new: int) -> None:
        """Move entry ``old`` to position ``new`` (``new`` < ``old``), renumbering every
        per-entry record (only unanswered entries lie between, so little moves)."""
        order = list(range(len(self.entries)))
        order.insert(new, order.pop(old))
        remap = {o: n for n, o in enumerate(order)}
        self.entries = [self.entries[o] for o in order]
        self.responses = {(remap[i], p): r for (i, p), r in self.responses.items()}
        self.drafts = {(remap[i], p): d for (i, p), d in self.drafts.items()}
        self.struck = {(remap[i], p): v for (i, p), v in self.struck.items()}
        self.ratings = {remap[i]: r for i, r in self.ratings.items()}
        self.history = [remap[i] for i in self.history]
        self.relearn = [(d, remap[i]) for d, i in self.relearn]
        self.made_by = {remap[i]: remap[j] for i, j in self.made_by.items()}
        self._time_on = {remap[i]: t for i, t in self._time_on.items()}

    def prev(self) -> bool:
        if self.index == 0:
            return False
        self.go(self.index - 1)
        return True

    def seconds_on(self, index: int) -> float:
        """Seconds spent on an entry (time while the exam is paused does not count)."""
        t = self._time_on.get(index, 0.0)
        if index == self.index and not self.paused:
            t += self.clock() - self._shown_at
        return t

    def _ms_for(self, index: int, part: str) -> int:
        """Milliseconds to record for one question of an entry: the time on the entry not
        already given to its other questions, so a case's questions add up to the time on
        the case (each used to get the whole time so far, and a 46 s exam of three cases
        showed as 2 min 44 s of study time)."""
        given = sum(r.time_ms for (i, p), r in self.responses.items()
                    if i == index and p != part)
        return max(0, int(1000 * self.seconds_on(index)) - given)

    # -- exam clock -----------------------------------------------------------------------

    @property
    def time_limit(self) -> float:
        n = sum(max(1, len(e.parts())) for e in self.entries)
        return float(n * max(1, self.settings.seconds_per_question))

    def time_used(self) -> float:
        if self.paused or self.submitted:  # the clock stops at submit
            return self.elapsed_before
        return self.elapsed_before + (self.clock() - self._started_at)

    def pause(self) -> None:
        """Stop the exam clock and save the block (call on Pause and before quitting)."""
        if not self.paused:
            self.elapsed_before = self.time_used()
            self._leave()
            self.paused = True
        self._save_pending()

    def unpause(self) -> None:
        if self.paused:
            self._shown_at = self._started_at = self.clock()
            self.paused = False

    def time_left(self) -> float:
        return max(0.0, self.time_limit - self.time_used())

    # -- flashcards -----------------------------------------------------------------------

    def intervals(self) -> dict[Rating, str]:
        """The next interval each rating would give the current flashcard (button labels)."""
        unit = self.current.unit()
        return {r: format_interval(d) for r, d in self.store.next_intervals(unit).items()}

    def rate(self, rating: Rating) -> None:
        """Record a rating for the current flashcard (durably) and remember it for undo.

        If the card's next learning step falls within the study day, it joins the relearning
        queue and comes back in this session (see :meth:`next`)."""
        entry = self.current
        if not isinstance(entry.item, Flashcard):
            raise SessionError("only flashcards are rated")
        if self.index in self.ratings:
            raise SessionError("this card is rated already: Ctrl+Z takes the rating back")
        ms = int(1000 * self.seconds_on(self.index))
        self.store.record_attempt(
            entry.unit(), answer=rating.label, correct=rating != Rating.AGAIN,
            mode="flashcards", rating=rating, time_ms=ms, session_id=self.session_id,
            marks=1.0 if rating != Rating.AGAIN else 0.0,
        )
        self.ratings[self.index] = rating
        self.history.append(self.index)
        due = self.store.state(entry.unit()).due
        now = self.now()
        if due is not None and due - now < timedelta(days=1) and due <= due_cutoff(now):
            self.relearn.append((due, self.index))
        self._save_pending()  # the resume offer and Ctrl+Z after a restart know this rating

    def undo(self) -> bool:
        """Undo the last flashcard rating and go back to that card. False if nothing to undo."""
        if not self.history:
            return False
        idx = self.history.pop()
        self.store.undo_last(self.entries[idx].unit())
        self.ratings.pop(idx, None)
        self.relearn = [(d, i) for d, i in self.relearn if i != idx]
        # a repeat already shown for a step of this rating goes (never rated: the last rating
        # is undone first)
        for j in sorted((j for j, by in self.made_by.items() if by == idx), reverse=True):
            self._drop_entry(j)
            if j < idx:  # everything after j moved up one place
                idx -= 1
        self.finished = False
        self._leave()
        self.index = idx
        self._save_pending()
        return True

    def _drop_entry(self, j: int) -> None:
        last = len(self.entries) - 1
        if j != last:
            self._move_entry(j, last)
        self.entries.pop()
        self.made_by.pop(last, None)
        self._time_on.pop(last, None)
        for key in [k for k in self.drafts if k[0] == last]:
            del self.drafts[key]
        for key in [k for k in self.struck if k[0] == last]:
            del self.struck[key]
        self.index = min(self.index, last - 1)

    def counters(self) -> tuple[int, int, int]:
        """(new, learning, due) items still to come in this session, the current one
        included (shown while studying, as Anki does). Flashcards, questions and cases all
        count (a Ctrl+D queue mixes them: counting cards alone said "item 1 of 10 · New 5");
        a question or case is new when none of it was ever answered, due when any of it is
        due by the end of the study day (a case part-way through: any of the questions it
        still has open)."""
        new = learning = due = 0
        now = self.now()
        cutoff = due_cutoff(now)
        for i in range(self.index, len(self.entries)):
            e = self.entries[i]
            if not isinstance(e.item, Flashcard):
                if self.entry_answered(i):
                    continue
                # a case part-way through counts by the questions it still has open: those
                # just answered fall due again in minutes, but the case on screen is not
                # "due" for that (it said "New 13 · Due 1" on the first new case)
                states = [self.store.state(u) for (p, _q, _s), u in zip(e.parts(), e.units,
                                                                        strict=True)
                          if (i, p) not in self.responses]
                if all(st.is_new for st in states):
                    new += 1
                elif any(st.due is not None and st.due <= cutoff for st in states):
                    due += 1
                continue
            if i in self.ratings:
                continue
            if i in self.made_by:
                learning += 1
                continue
            st = self.store.state(e.unit())
            if st.is_new:
                new += 1
            elif st.due is not None and st.last_seen is not None and \
                    st.due - st.last_seen < timedelta(days=1):
                learning += 1
            else:
                due += 1
        learning += sum(1 for d, _i in self.relearn if d <= due_cutoff(now))
        return new, learning, due

    # -- questions ------------------------------------------------------------------------

    def response(self, part: str = "", index: int | None = None) -> Response | None:
        return self.responses.get((self.index if index is None else index, part))

    def _stage_of(self, entry: Entry, part: str) -> int:
        """The stage number (0-based) of a case question; 0 for a single question."""
        if isinstance(entry.item, Case):
            for si, st in enumerate(entry.item.stages):
                if any(f"{st.id}/{q.id}" == part for q in st.questions):
                    return si
        return 0

    def _check_open(self, part: str) -> tuple[Entry, Question]:
        """The current entry and question ``part``, if the student may change it now."""
        if self.finished or self.submitted:
            raise SessionError("This session has ended: answers can no longer change.")
        if self.paused:
            raise SessionError("The exam is paused: press Ctrl+P to resume.")
        entry = self.current
        try:
            q = entry.question(part)
        except KeyError:
            raise SessionError("there is no such question here") from None
        if isinstance(entry.item, Case) and self._stage_of(entry, part) >= self.stages_revealed():
            raise SessionError("that stage has not opened yet: answer this one first")
        if self.locked(part):
            raise SessionError("This answer is locked: it was saved and the case has moved "
                               "on." if self.is_exam else "This question is answered already.")
        return entry, q

    def locked(self, part: str, index: int | None = None) -> bool:
        """Whether nothing about question ``part`` can change any more: recorded (tutor),
        a saved exam case stage, or the session has ended."""
        i = self.index if index is None else index
        if self.finished or self.submitted:
            return True
        resp = self.responses.get((i, part))
        if resp is None:
            return False
        return resp.recorded or isinstance(self.entries[i].item, Case)

    def selection(self, part: str, index: int | None = None) -> tuple[int, ...]:
        """The options shown as chosen: the draft if there is one, else the saved answer."""
        i = self.index if index is None else index
        d = self.drafts.get((i, part))
        if d is not None:
            return tuple(sorted(d.selected))
        r = self.responses.get((i, part))
        return r.selected if r is not None else ()

    def confidence_of(self, part: str, index: int | None = None) -> int | None:
        i = self.index if index is None else index
        d = self.drafts.get((i, part))
        if d is not None and d.confidence is not None:
            return d.confidence
        r = self.responses.get((i, part))
        return r.confidence if r is not None else None

    def _draft(self, part: str) -> Draft:
        key = (self.index, part)
        d = self.drafts.get(key)
        if d is None:
            r = self.responses.get(key)
            d = Draft(set(r.selected), r.confidence) if r is not None else Draft()
            self.drafts[key] = d
        return d

    def _autosave(self, part: str) -> None:
        """Exam, single question: the selection is the answer as soon as it is made."""
        key = (self.index, part)
        d = self.drafts.pop(key)
        if d.selected:
            self.answer(part, d.selected, d.confidence)
        else:
            self.responses.pop(key, None)
            if d.confidence is not None:  # confidence alone is not an answer: keep it aside
                self.drafts[key] = d

    def _changed(self, part: str) -> None:
        if self.is_exam and not isinstance(self.current.item, Case):
            self._autosave(part)
        self._save_pending()

    def select(self, part: str, option: int) -> tuple[int, ...]:
        """Choose option ``option`` (deck order) of question ``part``: select-all questions
        toggle it, single-best questions choose it. Never records. Returns the selection."""
        _entry, q = self._check_open(part)
        if not 0 <= option < len(q.options):
            raise SessionError(f"no option {option + 1} here")
        d = self._draft(part)
        if q.kind == "multi":
            d.selected.symmetric_difference_update({option})
        else:
            d.selected = {option}
        if option in d.selected:  # choosing a struck option brings it back
            order = self.current.order(part)
            self.struck.get((self.index, part), set()).discard(order.index(option))
        self._changed(part)
        return self.selection(part)

    def clear_selection(self, part: str) -> None:
        """Take the current selection of ``part`` back (an exam answer too, until saved)."""
        self._check_open(part)
        self._draft(part).selected = set()
        self._changed(part)

    def set_confidence(self, part: str, level: int) -> None:
        """Say how sure the student is (1-3). Never an answer by itself."""
        if not self.settings.confidence:
            raise SessionError("certainty-based marking is off for this session")
        if level not in (1, 2, 3):
            raise SessionError("confidence is 1, 2 or 3")
        self._check_open(part)
        self._draft(part).confidence = level
        self._changed(part)

    def strike(self, part: str, option: int) -> set[int]:
        """Strike option ``option`` (deck order) out, or back in; a struck option is not
        chosen. Returns the struck display positions."""
        _entry, q = self._check_open(part)
        if not 0 <= option < len(q.options):
            raise SessionError(f"no option {option + 1} here")
        display = self.current.order(part).index(option)
        struck = self.struck.setdefault((self.index, part), set())
        struck.symmetric_difference_update({display})
        if display in struck and option in self.selection(part):
            self._draft(part).selected.discard(option)
            self._changed(part)
        else:
            self._save_pending()
        return set(struck)

    def can_submit(self, part: str) -> str:
        """Why ``part`` cannot be submitted or saved now ('' when it can)."""
        try:
            self._check_open(part)
        except SessionError as e:
            return str(e)
        if not self.selection(part):
            q = self.current.question(part)
            return ("Choose at least one option first." if q.kind == "multi"
                    else "Choose an option first.")
        if self.settings.confidence and not self.is_exam and self.confidence_of(part) is None:
            return "Now say how sure you are (1–3)."
        return ""

    def submit_part(self, part: str) -> Mark | None:
        """Enter / Submit / Save on question ``part``.

        Tutor: marks and records the answer (final) and returns the mark. Exam, single
        question: the answer is kept already; returns ``None``. Exam, case: saves the active
        stage (see :meth:`save_stage`); returns ``None``."""
        why = self.can_submit(part)
        if why:
            raise SessionError(why)
        if self.is_exam:
            if isinstance(self.current.item, Case):
                self.save_stage()
            return None
        d = self._draft(part)
        mark = self.answer(part, d.selected, d.confidence)
        self.drafts.pop((self.index, part), None)
        self._save_pending()
        return mark

    def active_stage(self, index: int | None = None) -> int:
        """The stage of a case being answered now (0-based); the number of stages when all
        are done; 0 for anything else."""
        i = self.index if index is None else index
        e = self.entries[i]
        if not isinstance(e.item, Case):
            return 0
        for si, st in enumerate(e.item.stages):
            if not all((i, f"{st.id}/{q.id}") in self.responses for q in st.questions):
                return si
        return len(e.item.stages)

    def save_stage(self) -> None:
        """Exam: save the active stage of the current case (every question needs an option;
        nothing is saved otherwise). Opens the next stage and locks this one for good."""
        e = self.current
        if not isinstance(e.item, Case):
            raise SessionError("only a case has stages")
        if not self.is_exam:
            raise SessionError("in tutor mode each question is submitted on its own")
        si = self.active_stage()
        if si >= len(e.item.stages):
            raise SessionError("every stage of this case is saved already")
        st = e.item.stages[si]
        parts = [f"{st.id}/{q.id}" for q in st.questions]
        for p in parts:
            self._check_open(p)
        blank = [n + 1 for n, p in enumerate(parts) if not self.selection(p)]
        if blank:
            which = (f"question {blank[0]}" if len(blank) == 1 else
                     "questions " + ", ".join(map(str, blank)))
            raise SessionError(f"Stage {si + 1}: choose an answer for {which} of this stage "
                               "before saving (a stage cannot be saved empty).")
        for p in parts:
            d = self._draft(p)
            self.answer(p, d.selected, d.confidence)
            self.drafts.pop((self.index, p), None)
        self._save_pending()

    def answer(self, part: str, selected: Iterable[int], confidence: int | None = None
               ) -> Mark:
        """Answer a question of the current entry. ``selected`` are deck-order option indices.

        Tutor mode records at once (durably) and the answer is final. Exam mode keeps the
        answer (changeable for a single question) in the pending block until :meth:`submit`.
        Lower level than the intents above (which the page uses); the same rules apply.
        """
        entry, q = self._check_open(part)
        key = (self.index, part)
        if self.settings.confidence and confidence is None and not self.is_exam:
            raise SessionError("rate your confidence (1-3) before submitting")
        sel = tuple(sorted(set(selected)))
        try:
            check_answer(sel)
        except BlankAnswerError as e:
            raise SessionError(str(e)) from None
        mark = self.mark_of(q, sel, confidence)
        resp = Response(sel, confidence, self._ms_for(self.index, part), mark)
        self.responses[key] = resp
        if not self.is_exam:
            self._record(entry, part, resp)
        self._save_pending()
        return mark

    def mark_of(self, q: Question, sel: tuple[int, ...], confidence: int | None) -> Mark:
        """The rulebook's mark; with CBM on, an exam answer saved without a confidence is
        marked at level 1 (+1/0) — the confidence itself stays "not given"."""
        level = 1 if self.settings.confidence and confidence is None else confidence
        return mark_question(q, sel, level)

    def clear_answer(self, part: str = "") -> None:
        """Exam mode, single question: take an answer back before submitting."""
        self.clear_selection(part)

    def _record(self, entry: Entry, part: str, resp: Response) -> None:
        assert resp.mark is not None
        self.store.record_attempt(
            entry.unit(part), answer=letters_for(resp.selected), correct=resp.mark.correct,
            marks=resp.mark.marks, confidence=resp.confidence, mode=self.settings.mode,
            time_ms=resp.time_ms, session_id=self.session_id,
        )
        resp.recorded = True

    def stages_revealed(self, index: int | None = None) -> int:
        """How many stages of a case are visible: the next one opens when every question of
        the previous stages has been answered (tutor) or saved (exam)."""
        i = self.index if index is None else index
        e = self.entries[i]
        if not isinstance(e.item, Case):
            return 0
        return min(len(e.item.stages), self.active_stage(i) + 1)

    def part_view(self, part: str, index: int | None = None, review: bool = False
                  ) -> PartView:
        """Everything the page shows for question ``part`` (see :class:`PartView`)."""
        i = self.index if index is None else index
        r = self.responses.get((i, part))
        locked = review or self.locked(part, i)
        show_mark = r is not None and r.mark is not None and (review or not self.is_exam)
        why = "" if review or i != self.index else self.can_submit(part)
        if locked:
            hint = ""
        elif self.is_exam and isinstance(case := self.entries[i].item, Case):
            button = save_stage_label(case, self._stage_of(self.entries[i], part))
            hint = why or f"Press Enter or “{button}” to save this stage."
        elif self.is_exam:
            hint = ("Answer kept — you can change it until you submit the block." if r
                    else why)
        else:
            hint = why or "Press Enter to submit."
        return PartView(
            selected=self.selection(part, i), struck=frozenset(self.struck.get((i, part), ())),
            confidence=self.confidence_of(part, i), saved=r is not None, locked=locked,
            mark=r.mark if show_mark and r is not None else None,
            can_submit=not locked and not why, hint=hint)

    def entry_status(self, index: int) -> str:
        """``"answered"``, ``"partly answered"`` or ``"not answered"`` (navigator, submit
        dialog). A case is partly answered while some but not all of its questions are saved
        or it has an unsaved selection; a question with only a confidence is not answered."""
        if self.entry_answered(index):
            return "answered"
        e = self.entries[index]
        if isinstance(e.item, Case):
            some = any((index, p) in self.responses
                       or bool((d := self.drafts.get((index, p))) and d.selected)
                       for p, _q, _s in e.parts())
            return "partly answered" if some else "not answered"
        return "not answered"

    def entry_answered(self, index: int) -> bool:
        e = self.entries[index]
        if isinstance(e.item, Flashcard):
            return index in self.ratings
        return all((index, p) in self.responses for p, _q, _s in e.parts())

    def progress(self) -> tuple[int, int]:
        """(items answered in full, items): the one count of how far a session has got."""
        return sum(self.entry_answered(i) for i in range(len(self.entries))), len(self.entries)

    def flagged(self, index: int | None = None) -> bool:
        e = self.entries[self.index if index is None else index]
        return self.store.is_flagged(e.units[0])

    def toggle_flag(self, index: int | None = None) -> bool:
        if self.paused and not self.finished:
            raise SessionError("The exam is paused: resume it (Ctrl+P) to flag items.")
        e = self.entries[self.index if index is None else index]
        now = not self.flagged(index)
        for u in e.units:
            self.store.set_flagged(u, now)
        return now

    def toggle_strike(self, part: str, option: int) -> set[int]:
        """Strike by display position (older name; :meth:`strike` takes a deck index)."""
        return self.strike(part, self.current.order(part)[option])

    # -- ending ---------------------------------------------------------------------------

    def submit(self) -> None:
        """Exam mode: record every answer (unanswered questions count as wrong)."""
        if self.submitted:
            return
        self._leave()
        self.elapsed_before = self.time_used()  # the clock stops here, for good
        self.drafts.clear()  # selections never saved are not answers
        for i, e in enumerate(self.entries):
            for part, q, _st in e.parts():
                key = (i, part)
                resp = self.responses.get(key)
                if resp is None or not resp.selected:
                    resp = Response((), resp.confidence if resp else None,
                                    self._ms_for(i, part),
                                    unanswered_mark(q, self.settings.confidence))
                    self.responses[key] = resp
                if not resp.recorded:
                    self._record(e, part, resp)
        self.submitted = True

    def finish(self) -> Summary:
        """End the session: exam answers are recorded, the session is closed in the store and
        the pending block cleared. Returns the summary."""
        if self.is_exam:
            self.submit()
        summary = self.summary()
        if not self.finished:
            self.finished = True
            if self.session_id is not None:
                self.store.finish_session(self.session_id, summary.to_score())
            self.store.save_pending(None)
        return summary

    def summary(self) -> Summary:
        """The results page's figures (:func:`quizapp.core.sessionsummary.summarize`)."""
        return summarize(self)

    def missed_entries(self) -> list[Entry]:
        """Fresh entries for "Retry missed" (one per entry with any missed part)."""
        return [Entry(self.entries[i].deck_id, self.entries[i].item, self.entries[i].reverse,
                      dict(self.entries[i].orders)) for i in self.missed_indices()]

    def missed_indices(self) -> list[int]:
        """Entries missed in this session, once per card or question even when a relearning
        card was shown several times: any question not fully right, any card rated Again."""
        seen: dict[int, None] = {}
        for i, _part in self.summary().missed:
            seen.setdefault(i, None)
        for i, r in self.ratings.items():
            if r == Rating.AGAIN:
                seen.setdefault(i, None)
        out: dict[str, int] = {}
        for i in sorted(seen):
            e = self.entries[i]
            out.setdefault(f"{e.unit().key}", i)
        return list(out.values())

    # -- pause and resume -----------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything needed to resume this session after a restart (JSON; see
        :mod:`quizapp.core.sessionstate`)."""
        return session_state(self)

    def _save_pending(self) -> None:
        if not self.finished:
            self.store.save_pending(self.to_state())

    @classmethod
    def resume(cls, state: Mapping[str, Any], decks: Mapping[str, Deck], store: Store,
               *, clock: Callable[[], float] = time.monotonic) -> Session:
        """Rebuild a paused session. Entries whose deck or item no longer exists are dropped;
        raises :class:`SessionError` if nothing is left or the state is unreadable."""
        return resume_session(cls, state, decks, store, clock=clock)
