"""Study, quiz and exam sessions as Qt-free state machines.

A :class:`Session` holds an ordered list of :class:`Entry` (a flashcard, a question or a whole
case), the answers given so far, and talks to the :class:`~quizapp.core.store.Store`:

* flashcards: :meth:`Session.rate` records the rating at once; :meth:`Session.undo` takes it back;
* tutor mode: :meth:`Session.answer` marks and records each answer at once and returns the mark
  so the UI can show feedback;
* exam mode: answers may change until :meth:`Session.submit`; each change is saved durably as
  the store's *pending* block, so a crash or quit loses nothing and the block can be resumed
  (with the time left) after a restart; :meth:`Session.submit` records every answer.

Every step that changes the session also refreshes the pending block, so quitting mid-session
always offers to resume. :meth:`Session.summary` gives the results page its figures.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from quizapp.core.model import Case, Deck, Flashcard, Item, Question, Stage, StudyUnit
from quizapp.core.planner import due_cutoff
from quizapp.core.scheduling import Rating, format_interval
from quizapp.core.scoring import (
    BlankAnswerError,
    Mark,
    check_answer,
    letters_for,
    mark_question,
    unanswered_mark,
)
from quizapp.core.store import Mode, Store

MODES = {"flashcards": "Flashcards", "tutor": "Tutor quiz", "exam": "Timed exam"}
SELECTIONS = {
    "due_new": "Due and new",
    "due": "Due now",
    "new": "New (never studied)",
    "incorrect": "Incorrect last time",
    "flagged": "Flagged",
    "all": "All",
}
STATE_VERSION = 1


@dataclass
class SessionSettings:
    """What the session builder chose. Saved in the store with the session."""

    mode: Mode = "tutor"
    deck_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    selection: str = "due_new"
    limit: int = 20
    shuffle: bool = True
    confidence: bool = False
    seconds_per_question: int = 90
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["deck_ids"] = list(self.deck_ids)
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SessionSettings:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        s = cls(**known)
        s.deck_ids = tuple(s.deck_ids)
        s.tags = tuple(s.tags)
        if s.mode not in MODES:
            s.mode = "tutor"
        if s.selection not in SELECTIONS:
            s.selection = "due_new"
        return s


@dataclass
class Entry:
    """One thing the session presents: a flashcard side, a question or a whole case."""

    deck_id: str
    item: Item
    reverse: bool = False
    orders: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Display order of options per question part (indices into the deck order)."""

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def units(self) -> list[StudyUnit]:
        if isinstance(self.item, Case):
            return [StudyUnit(self.deck_id, self.item.id, p) for p, _q, _s in self.parts()]
        return [StudyUnit(self.deck_id, self.item.id, "reverse" if self.reverse else "")]

    def parts(self) -> list[tuple[str, Question, Stage | None]]:
        """Every question in the entry as (part, question, stage)."""
        it = self.item
        if isinstance(it, Question):
            return [("", it, None)]
        if isinstance(it, Case):
            return [(f"{st.id}/{q.id}", q, st) for st in it.stages for q in st.questions]
        return []

    def question(self, part: str) -> Question:
        for p, q, _s in self.parts():
            if p == part:
                return q
        raise KeyError(part)

    def unit(self, part: str = "") -> StudyUnit:
        if isinstance(self.item, Flashcard):
            return StudyUnit(self.deck_id, self.item.id, "reverse" if self.reverse else "")
        return StudyUnit(self.deck_id, self.item.id, part)

    def order(self, part: str) -> tuple[int, ...]:
        q = self.question(part)
        return self.orders.get(part) or tuple(range(len(q.options)))

    @property
    def tags(self) -> tuple[str, ...]:
        return self.item.tags

    @property
    def title(self) -> str:
        it = self.item
        if isinstance(it, Case):
            return it.title
        text = it.front if isinstance(it, Flashcard) else it.stem
        plain = re.sub(r"[*_`#>]+", "", " ".join(text.split()))  # Markdown marks off
        return plain if len(plain) <= 90 else plain[:89] + "…"


@dataclass
class Response:
    """The answer to one question part."""

    selected: tuple[int, ...] = ()
    confidence: int | None = None
    time_ms: int = 0
    mark: Mark | None = None
    recorded: bool = False


@dataclass
class TagScore:
    tag: str
    correct: int = 0
    total: int = 0
    credit: float = 0.0

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.total if self.total else 0.0


@dataclass
class Summary:
    """Figures for the results page."""

    mode: str
    questions: int = 0
    answered: int = 0
    correct: int = 0
    credit: float = 0.0
    marks: float = 0.0
    max_marks: float = 0.0
    cbm: bool = False
    time_ms: int = 0
    flashcards: dict[str, int] = field(default_factory=dict)
    per_tag: list[TagScore] = field(default_factory=list)
    calibration: dict[int, tuple[int, int]] = field(default_factory=dict)
    missed: list[tuple[int, str]] = field(default_factory=list)
    """(entry index, part) of every question not fully right."""
    case_marks: list[tuple[int, float, float]] = field(default_factory=list)
    """(entry index, marks, max) per case."""

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.questions if self.questions else 0.0

    def to_score(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "answered": self.answered,
            "correct": self.correct,
            "percent": round(self.percent, 1),
            "marks": self.marks,
            "max_marks": self.max_marks,
            "time_ms": self.time_ms,
            "flashcards": dict(self.flashcards),
        }


class SessionError(Exception):
    pass


# --------------------------------------------------------------------------- building


def _matches_tags(item: Item, tags: Sequence[str]) -> bool:
    return not tags or any(t in item.tags for t in tags)


def _kinds_for(mode: str) -> set[str]:
    return {"flashcard"} if mode == "flashcards" else {"single", "multi", "case"}


def candidate_entries(decks: Iterable[Deck], settings: SessionSettings) -> list[Entry]:
    """Every entry of the chosen decks, kinds and tags, in deck order (no store filter)."""
    kinds = _kinds_for(settings.mode)
    out: list[Entry] = []
    for deck in decks:
        if settings.deck_ids and deck.id not in settings.deck_ids:
            continue
        for it in deck.items:
            if it.kind not in kinds or not _matches_tags(it, settings.tags):
                continue
            out.append(Entry(deck.id, it))
            if isinstance(it, Flashcard) and it.reversible:
                out.append(Entry(deck.id, it, reverse=True))
    return out


def select_entries(
    decks: Iterable[Deck], settings: SessionSettings, store: Store, now: Any = None
) -> list[Entry]:
    """The entries a new session should present, per the settings and the store's history.

    "Due" is due by the end of the study day (:func:`quizapp.core.planner.due_cutoff`)."""
    now = due_cutoff(now)
    cands = candidate_entries(decks, settings)
    by_unit: dict[str, int] = {}
    for i, e in enumerate(cands):
        for u in e.units:
            by_unit[u.key] = i
    units = [u for e in cands for u in e.units]

    def pick(found: Iterable[StudyUnit]) -> list[int]:
        seen: dict[int, None] = {}
        for u in found:
            seen.setdefault(by_unit[u.key], None)
        return list(seen)

    sel = settings.selection
    if sel == "due":
        chosen = pick(store.due(units, now))
    elif sel == "new":
        chosen = [i for i, e in enumerate(cands) if all(store.state(u).is_new for u in e.units)]
    elif sel == "incorrect":
        chosen = pick(store.wrong_last_time(units))
    elif sel == "flagged":
        chosen = pick(store.flagged(units))
    elif sel == "all":
        chosen = list(range(len(cands)))
    else:  # due_new: what is due first (most overdue first), then new ones in deck order
        due = pick(store.due(units, now))
        due_set = set(due)
        new = [i for i, e in enumerate(cands)
               if i not in due_set and all(store.state(u).is_new for u in e.units)]
        chosen = due + new
    rng = random.Random(settings.seed)
    if settings.shuffle:
        if sel == "due_new":  # keep due before new, shuffle within each group
            k = len([i for i in chosen if i in set(pick(store.due(units, now)))])
            head, tail = chosen[:k], chosen[k:]
            rng.shuffle(head)
            rng.shuffle(tail)
            chosen = head + tail
        else:
            rng.shuffle(chosen)
    if settings.limit and settings.limit > 0:
        chosen = chosen[: settings.limit]
    entries = [cands[i] for i in chosen]
    for e in entries:
        for part, q, _st in e.parts():
            order = list(range(len(q.options)))
            if settings.shuffle and q.shuffle:
                rng.shuffle(order)
            e.orders[part] = tuple(order)
    return entries


# --------------------------------------------------------------------------- the session


class Session:
    """A running session. See the module docstring for the life cycle."""

    def __init__(
        self,
        entries: Sequence[Entry],
        settings: SessionSettings,
        store: Store,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not entries:
            raise SessionError("nothing to study with these settings")
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
        self._leave()
        self.index = index

    def next(self) -> bool:
        """Advance; returns False at the end (then call :meth:`finish`)."""
        if self.index + 1 >= len(self.entries):
            self._leave()
            return False
        self.go(self.index + 1)
        return True

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

    # -- exam clock -----------------------------------------------------------------------

    @property
    def time_limit(self) -> float:
        n = sum(max(1, len(e.parts())) for e in self.entries)
        return float(n * max(1, self.settings.seconds_per_question))

    def time_used(self) -> float:
        if self.paused:
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
        """Record a rating for the current flashcard (durably) and remember it for undo."""
        entry = self.current
        if not isinstance(entry.item, Flashcard):
            raise SessionError("only flashcards are rated")
        ms = int(1000 * self.seconds_on(self.index))
        self.store.record_attempt(
            entry.unit(), answer=rating.label, correct=rating != Rating.AGAIN,
            mode="flashcards", rating=rating, time_ms=ms, session_id=self.session_id,
            marks=1.0 if rating != Rating.AGAIN else 0.0,
        )
        self.ratings[self.index] = rating
        self.history.append(self.index)
        self._save_pending()  # the resume offer and Ctrl+Z after a restart know this rating

    def undo(self) -> bool:
        """Undo the last flashcard rating and go back to that card. False if nothing to undo."""
        if not self.history:
            return False
        idx = self.history.pop()
        self.store.undo_last(self.entries[idx].unit())
        self.ratings.pop(idx, None)
        self.finished = False
        self._leave()
        self.index = idx
        self._save_pending()
        return True

    # -- questions ------------------------------------------------------------------------

    def response(self, part: str = "", index: int | None = None) -> Response | None:
        return self.responses.get((self.index if index is None else index, part))

    def answer(self, part: str, selected: Iterable[int], confidence: int | None = None
               ) -> Mark:
        """Answer a question of the current entry. ``selected`` are deck-order option indices.

        Tutor mode records at once (durably) and the answer is final. Exam mode keeps the
        answer (changeable) in the pending block until :meth:`submit`.
        """
        entry = self.current
        q = entry.question(part)
        key = (self.index, part)
        old = self.responses.get(key)
        if old is not None and old.recorded:
            raise SessionError("this question has already been answered")
        if self.settings.confidence and confidence is None and not self.is_exam:
            raise SessionError("rate your confidence (1-3) before submitting")
        sel = tuple(sorted(set(selected)))
        try:
            check_answer(sel)
        except BlankAnswerError as e:
            raise SessionError(str(e)) from None
        mark = mark_question(q, sel, confidence)
        ms = int(1000 * self.seconds_on(self.index))
        resp = Response(sel, confidence, ms, mark)
        self.responses[key] = resp
        if not self.is_exam:
            self._record(entry, part, resp)
        self._save_pending()
        return mark

    def clear_answer(self, part: str = "") -> None:
        """Exam mode: take an answer back before submitting."""
        key = (self.index, part)
        r = self.responses.get(key)
        if r is not None and not r.recorded:
            del self.responses[key]
            self._save_pending()

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
        the previous stages has been answered."""
        entry = self.entries[self.index if index is None else index]
        if not isinstance(entry.item, Case):
            return 0
        n = 1
        for st in entry.item.stages[:-1]:
            if all((self.index if index is None else index, f"{st.id}/{q.id}") in self.responses
                   for q in st.questions):
                n += 1
            else:
                break
        return n

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
        e = self.entries[self.index if index is None else index]
        now = not self.flagged(index)
        for u in e.units:
            self.store.set_flagged(u, now)
        return now

    def toggle_strike(self, part: str, option: int) -> set[int]:
        s = self.struck.setdefault((self.index, part), set())
        s.symmetric_difference_update({option})
        return s

    # -- ending ---------------------------------------------------------------------------

    def submit(self) -> None:
        """Exam mode: record every answer (unanswered questions count as wrong)."""
        if self.submitted:
            return
        self._leave()
        for i, e in enumerate(self.entries):
            for part, q, _st in e.parts():
                key = (i, part)
                resp = self.responses.get(key)
                if resp is None or not resp.selected:
                    resp = Response((), resp.confidence if resp else None,
                                    int(1000 * self.seconds_on(i)),
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
        s = Summary(mode=self.settings.mode, cbm=self.settings.confidence)
        tags: dict[str, TagScore] = {}
        cal: dict[int, list[int]] = {}
        for i, e in enumerate(self.entries):
            if isinstance(e.item, Flashcard):
                r = self.ratings.get(i)
                if r is not None:
                    s.flashcards[r.label] = s.flashcards.get(r.label, 0) + 1
                continue
            case_marks = [0.0, 0.0]
            reached = False
            for part, _q, _st in e.parts():
                resp = self.responses.get((i, part))
                if resp is None and not self.is_exam:
                    continue  # not reached (the session ended early): not part of the score
                reached = True
                s.questions += 1
                mark = resp.mark if resp else None
                ok = bool(mark and mark.correct)
                credit = mark.fraction if mark else 0.0
                if resp is not None and resp.selected:
                    s.answered += 1
                s.correct += ok
                s.credit += credit
                if mark:
                    s.marks += mark.marks
                    s.max_marks += mark.max_marks
                    case_marks[0] += mark.marks
                    case_marks[1] += mark.max_marks
                else:
                    s.max_marks += 3.0 if self.settings.confidence else 1.0
                    case_marks[1] += 3.0 if self.settings.confidence else 1.0
                if resp is not None:
                    s.time_ms += resp.time_ms
                    if resp.confidence:
                        c = cal.setdefault(resp.confidence, [0, 0])
                        c[0] += ok
                        c[1] += 1
                if not ok:
                    s.missed.append((i, part))
                for t in e.tags:
                    ts = tags.setdefault(t, TagScore(t))
                    ts.total += 1
                    ts.correct += ok
                    ts.credit += credit
            if isinstance(e.item, Case) and reached:
                s.case_marks.append((i, case_marks[0], case_marks[1]))
        s.per_tag = sorted(tags.values(), key=lambda t: (t.percent, t.tag))
        s.calibration = {k: (v[0], v[1]) for k, v in sorted(cal.items())}
        if self.is_exam:  # the exam clock: every second of the block, none of the pauses
            s.time_ms = int(1000 * self.time_used())
        elif not s.questions:
            s.time_ms = int(1000 * sum(self.seconds_on(i) for i in range(len(self.entries))))
        return s

    def missed_entries(self) -> list[Entry]:
        """Fresh entries for "Retry missed" (one per entry with any missed part)."""
        seen: dict[int, None] = {}
        for i, _part in self.summary().missed:
            seen.setdefault(i, None)
        for i, r in self.ratings.items():
            if r == Rating.AGAIN:
                seen.setdefault(i, None)
        return [Entry(self.entries[i].deck_id, self.entries[i].item, self.entries[i].reverse,
                      dict(self.entries[i].orders)) for i in sorted(seen)]

    # -- pause and resume -----------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything needed to resume this session after a restart (JSON)."""
        return {
            "version": STATE_VERSION,
            "session_id": self.session_id,
            "settings": self.settings.to_dict(),
            "index": self.index,
            "time_used": self.time_used(),
            "entries": [
                {"deck": e.deck_id, "item": e.item.id, "reverse": e.reverse,
                 "orders": {p: list(o) for p, o in e.orders.items()}}
                for e in self.entries
            ],
            "responses": [
                {"entry": i, "part": p, "selected": list(r.selected),
                 "confidence": r.confidence, "time_ms": r.time_ms, "recorded": r.recorded}
                for (i, p), r in self.responses.items()
            ],
            "ratings": {str(i): int(r) for i, r in self.ratings.items()},
            "history": list(self.history),  # Ctrl+Z still works after a restart
            "struck": [{"entry": i, "part": p, "options": sorted(s)}
                       for (i, p), s in self.struck.items() if s],
        }

    def _save_pending(self) -> None:
        if not self.finished:
            self.store.save_pending(self.to_state())

    @classmethod
    def resume(cls, state: Mapping[str, Any], decks: Mapping[str, Deck], store: Store,
               *, clock: Callable[[], float] = time.monotonic) -> Session:
        """Rebuild a paused session. Entries whose deck or item no longer exists are dropped;
        raises :class:`SessionError` if nothing is left or the state is unreadable."""
        try:
            if state.get("version") != STATE_VERSION:
                raise SessionError("the paused session was saved by another quizapp version")
            settings = SessionSettings.from_dict(state["settings"])
            remap: dict[int, int] = {}
            entries: list[Entry] = []
            for old, raw in enumerate(state["entries"]):
                deck = decks.get(raw["deck"])
                item = deck.item(raw["item"]) if deck else None
                if item is None:
                    continue
                orders = {p: tuple(o) for p, o in raw.get("orders", {}).items()}
                e = Entry(raw["deck"], item, bool(raw.get("reverse")), orders)
                ok = all(sorted(e.orders.get(p, range(len(q.options)))) ==
                         list(range(len(q.options))) for p, q, _ in e.parts())
                if not ok:
                    e.orders = {}
                remap[old] = len(entries)
                entries.append(e)
            sess = cls(entries, settings, store, clock=clock)
            sess.session_id = state.get("session_id")
            sess.index = min(remap.get(int(state.get("index", 0)), 0), len(entries) - 1)
            resume_at = sess.index
            for r in state.get("responses", []):
                i = remap.get(int(r["entry"]))
                if i is None:
                    continue
                try:
                    q = entries[i].question(r["part"])
                except KeyError:
                    continue
                sel = tuple(int(x) for x in r["selected"] if 0 <= int(x) < len(q.options))
                conf = r.get("confidence")
                sess.responses[(i, r["part"])] = Response(
                    sel, conf, int(r.get("time_ms", 0)), mark_question(q, sel, conf),
                    bool(r.get("recorded")))
            for k, v in state.get("ratings", {}).items():
                i = remap.get(int(k))
                if i is not None:
                    sess.ratings[i] = Rating(int(v))
            for h in state.get("history", []):
                i = remap.get(int(h))
                if i is not None and i in sess.ratings:
                    sess.history.append(i)
            for s in state.get("struck", []):
                i = remap.get(int(s["entry"]))
                if i is not None:
                    sess.struck[(i, s["part"])] = {int(x) for x in s["options"]}
            sess.elapsed_before = float(state.get("time_used", 0.0))
            if settings.mode != "exam":  # carry on with the first item not yet answered
                open_items = [i for i in range(len(entries)) if not sess.entry_answered(i)]
                resume_at = open_items[0] if open_items else len(entries) - 1
            sess.index = resume_at
            return sess
        except SessionError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise SessionError(f"the paused session could not be read ({e})") from None
