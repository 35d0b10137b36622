"""The study engine (:class:`quizapp.core.session.Session`): its rules one by one, then a
hypothesis state machine that drives random intents through it and checks the invariants
after every step."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from quizapp.core.model import Case, Deck, Flashcard, Option, Question, Stage
from quizapp.core.scheduling import Rating
from quizapp.core.scoring import letters_for
from quizapp.core.session import Entry, Session, SessionError, SessionSettings
from quizapp.core.store import Store
from tests.helpers import examples


def _q(qid: str, kind: str, key: list[bool]) -> Question:
    return Question(qid, kind, f"Stem {qid}?",  # type: ignore[arg-type]
                    tuple(Option(f"opt {i}", k) for i, k in enumerate(key)))


CASE = Case("c1", "A case", "A patient.", (
    Stage("s1", (_q("a", "multi", [True, False, True, False]),)),
    Stage("s2", (_q("b", "single", [False, True, False]), _q("c", "multi", [True, True, False]))),
    Stage("s3", (_q("d", "single", [True, False]),)),
))
DECK = Deck("d", "Deck", {}, (
    Flashcard("f1", "Front 1", "Back 1", reversible=True),
    Flashcard("f2", "Front 2", "Back 2"),
    _q("q1", "single", [True, False, False]),
    _q("m1", "multi", [True, False, True]),
    CASE,
))
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


class Wall:
    """A settable wall clock shared by the store and the session."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t


class Tick:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _entries(mode: str) -> list[Entry]:
    if mode == "flashcards":
        return [Entry("d", DECK.items[0]), Entry("d", DECK.items[0], reverse=True),
                Entry("d", DECK.items[1])]
    return [Entry("d", it) for it in DECK.items[2:]]


def _session(tmp: Path, mode: str = "exam", confidence: bool = False,
             wall: Wall | None = None, tick: Tick | None = None) -> Session:
    wall = wall or Wall()
    store = Store.open(tmp, read_only=True, clock=wall)  # in memory: fast, same rules
    st_ = SessionSettings(mode=mode, shuffle=False, limit=0, confidence=confidence,  # type: ignore[arg-type]
                          seconds_per_question=60)
    sess = Session(_entries(mode), st_, store, clock=tick or Tick(), now=wall)
    sess.start()
    return sess


def _go_case(sess: Session) -> None:
    sess.go(next(i for i, e in enumerate(sess.entries) if isinstance(e.item, Case)))


# --------------------------------------------------------------------------- the rules


def test_exam_case_selecting_never_records_nor_opens_the_next_stage(tmp_path: Path) -> None:
    """Defect: 1 3 4 meant for stage 1 stored A on stage 1, C on stage 2, D on stage 3."""
    sess = _session(tmp_path)
    _go_case(sess)
    for option in (0, 2, 3):  # keys 1 3 4 on the select-all stage
        sess.select("s1/a", option)
    assert sess.selection("s1/a") == (0, 2, 3)
    assert sess.stages_revealed() == 1 and "s1/a" not in {p for _i, p in sess.responses}
    with pytest.raises(SessionError):  # stage 2 is not open: nothing can be chosen there
        sess.select("s2/b", 1)
    sess.save_stage()
    assert sess.stages_revealed() == 2 and sess.locked("s1/a")
    with pytest.raises(SessionError):  # an earlier stage is locked for good
        sess.select("s1/a", 1)
    assert sess.selection("s1/a") == (0, 2, 3)


def test_a_stage_cannot_be_saved_empty_and_confidence_alone_is_no_answer(tmp_path: Path
                                                                         ) -> None:
    sess = _session(tmp_path, confidence=True)
    _go_case(sess)
    sess.set_confidence("s1/a", 3)
    with pytest.raises(SessionError, match="cannot be saved empty"):
        sess.save_stage()
    assert sess.active_stage() == 0 and sess.entry_status(sess.index) == "not answered"
    sess.select("s1/a", 0)
    sess.save_stage()
    sess.select("s2/b", 1)  # one of the two questions of stage 2
    with pytest.raises(SessionError, match="question 2"):
        sess.save_stage()
    assert sess.entry_status(sess.index) == "partly answered"


def test_exam_single_question_keeps_the_selection_and_never_a_lone_confidence(
        tmp_path: Path) -> None:
    sess = _session(tmp_path, confidence=True)
    sess.set_confidence("", 2)
    assert sess.response("") is None and sess.entry_status(0) == "not answered"
    sess.select("", 1)
    assert sess.response("").selected == (1,) and sess.response("").confidence == 2  # type: ignore[union-attr]
    sess.select("", 0)
    assert sess.response("").selected == (0,)  # type: ignore[union-attr]


def test_blank_answers_are_refused_in_tutor_mode(tmp_path: Path) -> None:
    """Defect: with nothing ticked, Enter gave "Partly right ... 50% credit"."""
    sess = _session(tmp_path, mode="tutor")
    sess.go(1)  # the select-all question
    with pytest.raises(SessionError, match="at least one option"):
        sess.submit_part("")
    assert list(sess.store.attempts()) == []


def test_exam_clock_stops_at_submit(tmp_path: Path) -> None:
    tick = Tick()
    sess = _session(tmp_path, tick=tick)
    tick.t = 60
    sess.submit()
    tick.t = 76
    assert sess.time_used() == 60 and sess.finish().time_ms == 60_000


def test_again_comes_back_in_the_same_session(tmp_path: Path) -> None:
    """Defect: a card rated Again showed "Again (1m)" and never came back."""
    wall = Wall()
    sess = _session(tmp_path, mode="flashcards", wall=wall)
    assert sess.counters() == (3, 0, 0)
    sess.rate(Rating.AGAIN)  # f1, due again in a minute
    assert sess.counters() == (2, 1, 0)
    assert sess.next()  # f1 reversed (new): the relearning card is not due yet
    wall.t += timedelta(minutes=2)
    sess.rate(Rating.EASY)
    assert sess.next()
    assert sess.current.item.id == "f1" and not sess.current.reverse  # back, a minute later
    assert sess.counters()[1] == 1
    sess.rate(Rating.GOOD)
    assert sess.next() and sess.current.item.id == "f2"
    sess.rate(Rating.EASY)
    # f1 (Good in relearning) is due in about 10 minutes: within the learn-ahead limit
    assert sess.next() and sess.current.item.id == "f1"
    sess.rate(Rating.EASY)
    assert not sess.next()
    s = sess.finish()  # five ratings of three cards (f1 both ways, f2): "Cards reviewed 3"
    assert s.cards == 3 and s.flashcards == {"Again": 1, "Good": 1, "Easy": 3}


def test_undo_takes_back_the_rating_and_its_relearning_step(tmp_path: Path) -> None:
    wall = Wall()
    sess = _session(tmp_path, mode="flashcards", wall=wall)
    sess.rate(Rating.AGAIN)
    assert sess.relearn
    assert sess.undo() and not sess.relearn and sess.index == 0
    sess.rate(Rating.EASY)
    assert not sess.relearn


def test_resume_keeps_unsaved_stage_selections(tmp_path: Path) -> None:
    sess = _session(tmp_path)
    _go_case(sess)
    sess.select("s1/a", 2)
    state = sess.to_state()
    again = Session.resume(state, {"d": DECK}, sess.store)
    again.go(2)
    assert again.selection("s1/a") == (2,) and not again.responses


# --------------------------------------------------------------------------- state machine

PARTS = [""] + [f"{st_.id}/{q.id}" for st_ in CASE.stages for q in st_.questions]


class EngineMachine(RuleBasedStateMachine):
    """Random intents across flashcards, single, select-all and case items, in tutor and
    exam modes, with and without certainty-based marking."""

    sess: Session
    runs = 0  # machines started and intents sent, over a test run (for the report)
    total_intents = 0

    @initialize(mode=st.sampled_from(["tutor", "exam", "flashcards"]), cbm=st.booleans())
    def start(self, mode: str, cbm: bool) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.wall = Wall()
        self.tick = Tick()
        self.sess = _session(Path(self.tmp.name), mode, cbm and mode != "flashcards",
                             self.wall, self.tick)
        self.saved: dict[tuple[int, str], tuple[tuple[int, ...], int | None]] = {}
        self.recorded: list[tuple[str, list[str], int | None]] = []  # tutor, in order
        self.ratings: list[tuple[str, str]] = []
        self.locked_seen: dict[tuple[int, str], tuple[int, ...]] = {}
        self.intents = 0
        EngineMachine.runs += 1

    def teardown(self) -> None:
        EngineMachine.total_intents += getattr(self, "intents", 0)
        if hasattr(self, "sess"):
            self.sess.store.close()
            self.tmp.cleanup()

    # -- helpers ------------------------------------------------------------------------

    def _snapshot(self) -> Any:
        s = self.sess
        return ({k: (r.selected, r.confidence, r.recorded) for k, r in s.responses.items()},
                {k: (tuple(sorted(d.selected)), d.confidence) for k, d in s.drafts.items()},
                dict(s.ratings), len(list(s.store.attempts())), s.index, s.finished)

    def _try(self, fn: Any) -> bool:
        """Run an intent; a refused one must change nothing."""
        self.intents += 1
        before = self._snapshot()
        try:
            fn()
        except SessionError:
            assert self._snapshot() == before
            return False
        return True

    def _part(self, data: st.DataObject) -> str:
        """Mostly a question that is open now, sometimes any (even one not there)."""
        s = self.sess
        parts = [p for p, _q, _s in s.current.parts()] or [""]
        open_now = [p for p in parts if not s.locked(p) and (
            not isinstance(s.current.item, Case)
            or s._stage_of(s.current, p) < s.stages_revealed())]
        return data.draw(st.sampled_from(open_now * 4 + parts + ["s9/zz"]))

    def _question_entry(self) -> bool:
        return not isinstance(self.sess.current.item, Flashcard) and not self.sess.finished

    # -- intents ------------------------------------------------------------------------

    @precondition(lambda self: self._question_entry())
    @rule(data=st.data(), option=st.integers(0, 4))
    def select(self, data: st.DataObject, option: int) -> None:
        s = self.sess
        part = self._part(data)
        is_single_exam = s.is_exam and not isinstance(s.current.item, Case)
        if self._try(lambda: s.select(part, option)) and is_single_exam:
            sel = s.selection(part)
            if sel:  # the selection is the saved answer at once
                conf = s.confidence_of(part)
                self.saved[(s.index, part)] = (sel, conf)
            else:
                self.saved.pop((s.index, part), None)

    @precondition(lambda self: self._question_entry())
    @rule(data=st.data(), option=st.integers(0, 4))
    def strike(self, data: st.DataObject, option: int) -> None:
        s = self.sess
        part = self._part(data)
        had = s.selection(part) if part in [p for p, _q, _s in s.current.parts()] else ()
        if self._try(lambda: s.strike(part, option)) and s.is_exam and \
                not isinstance(s.current.item, Case) and option in had:
            sel = s.selection(part)
            if sel:
                self.saved[(s.index, part)] = (sel, s.response(part).confidence)  # type: ignore[union-attr]
            else:
                self.saved.pop((s.index, part), None)

    @precondition(lambda self: self._question_entry())
    @rule(data=st.data(), level=st.integers(0, 3))
    def set_confidence(self, data: st.DataObject, level: int) -> None:
        s = self.sess
        part = self._part(data)
        if self._try(lambda: s.set_confidence(part, level)) and (s.index, part) in self.saved \
                and s.is_exam and not isinstance(s.current.item, Case):
            self.saved[(s.index, part)] = (self.saved[(s.index, part)][0], level)

    @precondition(lambda self: self._question_entry())
    @rule(data=st.data())
    def submit_part(self, data: st.DataObject) -> None:
        s = self.sess
        part = self._part(data)
        known = part in [p for p, _q, _s in s.current.parts()]
        sel = s.selection(part) if known else ()
        conf = s.confidence_of(part) if known else None
        stage = s.active_stage()
        case = isinstance(s.current.item, Case)
        if self._try(lambda: s.submit_part(part)):
            assert sel, "a blank answer was accepted"
            if not s.is_exam:
                self.recorded.append((s.current.unit(part).key, letters_for(sel), conf))
            elif case:
                self._saved_stage(stage)

    def _saved_stage(self, stage: int) -> None:
        s = self.sess
        assert isinstance(s.current.item, Case)
        for q in s.current.item.stages[stage].questions:
            p = f"{s.current.item.stages[stage].id}/{q.id}"
            conf = s.response(p).confidence  # type: ignore[union-attr]
            self.saved[(s.index, p)] = (s.selection(p), conf)

    @precondition(lambda self: self._question_entry())
    @rule()
    def save_stage(self) -> None:
        s = self.sess
        stage = s.active_stage()
        pending = {}
        if isinstance(s.current.item, Case) and stage < len(s.current.item.stages):
            st_ = s.current.item.stages[stage]
            pending = {f"{st_.id}/{q.id}": s.selection(f"{st_.id}/{q.id}")
                       for q in st_.questions}
        if self._try(s.save_stage):
            assert all(pending.values()), "a stage was saved with a blank question"
            for p, sel in pending.items():
                assert s.response(p).selected == sel  # type: ignore[union-attr]
            self._saved_stage(stage)

    @precondition(lambda self: not self.sess.finished and isinstance(
        self.sess.current.item, Flashcard))
    @rule(r=st.sampled_from(list(Rating)))
    def rate(self, r: Rating) -> None:
        s = self.sess
        key = s.current.unit().key
        if self._try(lambda: s.rate(r)):
            self.ratings.append((key, r.label))

    @precondition(lambda self: not self.sess.finished)
    @rule()
    def undo(self) -> None:
        s = self.sess
        if self._try(s.undo) and self.ratings and s.mode == "flashcards":
            pass
        if s.mode == "flashcards":
            got = [(a.unit.key, a.answer) for a in s.store.attempts()]
            self.ratings = self.ratings[:len(got)]

    @precondition(lambda self: not self.sess.finished)
    @rule(i=st.integers(0, 6))
    def go(self, i: int) -> None:
        s = self.sess
        if i < len(s):
            self._try(lambda: s.go(i))

    @precondition(lambda self: not self.sess.finished)
    @rule()
    def next(self) -> None:
        self._try(self.sess.next)

    @precondition(lambda self: not self.sess.finished and self.sess.is_exam)
    @rule()
    def pause_or_resume(self) -> None:
        s = self.sess
        self.intents += 1
        if s.paused:
            s.unpause()
        else:
            s.pause()

    @rule(minutes=st.integers(1, 30))
    def wait(self, minutes: int) -> None:
        self.wall.t += timedelta(minutes=minutes)
        self.tick.t += 60 * minutes

    @precondition(lambda self: not self.sess.finished)
    @rule()
    def flag(self) -> None:
        self._try(self.sess.toggle_flag)

    @precondition(lambda self: not self.sess.finished and self.intents >= 20)
    @rule()
    def finish(self) -> None:
        s = self.sess
        self.intents += 1
        if s.paused:
            s.unpause()
        used = s.time_used()
        s.finish()
        if s.is_exam:
            assert s.time_used() == used  # the clock stopped at submit
            self.tick.t += 100
            assert s.time_used() == used

    # -- invariants ---------------------------------------------------------------------

    def _question_attempts(self) -> list[Any]:
        return [a for a in self.sess.store.attempts(session_id=self.sess.session_id)
                if a.rating is None or a.mode != "flashcards"]

    @invariant()
    def recorded_is_exactly_what_was_saved(self) -> None:
        s = self.sess
        if not hasattr(self, "sess"):
            return
        got = [(a.unit.key, a.answer, a.confidence) for a in self._question_attempts()
               if a.mode != "flashcards"]
        if s.mode == "tutor":
            assert got == self.recorded
        elif s.mode == "exam" and not s.submitted:
            assert got == []  # nothing is recorded before the block is submitted
            for key, (sel, conf) in self.saved.items():
                r = s.responses.get(key)
                assert r is not None and (r.selected, r.confidence) == (sel, conf)
            assert set(s.responses) == set(self.saved)
        elif s.mode == "exam":
            want = []
            for i, e in enumerate(s.entries):
                for p, _q, _st in e.parts():
                    sel, conf = self.saved.get((i, p), ((), None))
                    want.append((e.unit(p).key, letters_for(sel), conf if sel else None))
            assert sorted(got, key=str) == sorted(want, key=str)
        # nothing recorded twice
        keys = [k for k, _a, _c in got]
        assert len(keys) == len(set(keys))

    @invariant()
    def ratings_are_recorded_once_each(self) -> None:
        s = self.sess
        if s.mode != "flashcards":
            return
        got = [(a.unit.key, a.answer) for a in s.store.attempts()]
        assert got == self.ratings
        assert len(s.ratings) == len(got)

    @invariant()
    def locked_answers_never_change(self) -> None:
        s = self.sess
        for i, e in enumerate(s.entries):
            for p, _q, _st in e.parts():
                if s.locked(p, i):
                    sel = s.selection(p, i) if not s.submitted else (
                        s.responses[(i, p)].selected if (i, p) in s.responses else ())
                    if (i, p) in self.locked_seen:
                        assert self.locked_seen[(i, p)] == sel
                    elif not s.submitted:
                        self.locked_seen[(i, p)] = sel

    @invariant()
    def only_saved_stages_are_open(self) -> None:
        s = self.sess
        for i, e in enumerate(s.entries):
            if isinstance(e.item, Case):
                active = s.active_stage(i)
                assert s.stages_revealed(i) == min(active + 1, len(e.item.stages))
                for si, st_ in enumerate(e.item.stages):
                    for q in st_.questions:
                        saved = (i, f"{st_.id}/{q.id}") in s.responses
                        if si < active:  # every earlier stage is complete
                            assert saved
                        elif not s.submitted and (si > active or s.is_exam):
                            assert not saved  # later stages untouched; exam stages save whole

    @invariant()
    def displayed_figures_are_one_recomputation(self) -> None:
        s = self.sess
        summ = s.summary()
        done, n = s.progress()
        assert done == sum(s.entry_answered(i) for i in range(n)) and n == len(s.entries)
        if s.mode == "tutor" or s.submitted:
            atts = [a for a in self._question_attempts() if a.mode != "flashcards"]
            assert summ.questions == len(atts)
            assert summ.correct == sum(a.correct for a in atts)
            assert summ.marks == pytest.approx(sum(a.marks for a in atts))
            assert summ.answered == sum(bool(a.answer) for a in atts)
        if s.mode == "flashcards":
            assert sum(summ.flashcards.values()) == len(self.ratings)
        if s.mode == "tutor":  # the mark each question's feedback shows is the recorded one
            by_unit = {a.unit.key: a for a in self._question_attempts()}
            for i, p in s.responses:
                shown = s.part_view(p, i).mark
                att = by_unit[s.entries[i].unit(p).key]
                assert shown is not None and shown.marks == att.marks
                assert shown.correct == att.correct
        for i in range(len(s.entries)):
            status = s.entry_status(i)
            assert (status == "answered") == s.entry_answered(i)


EngineMachine.TestCase.settings = settings(
    max_examples=examples(300), stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_engine_state_machine = EngineMachine.TestCase


def test_exam_answer_without_confidence_is_marked_at_level_one(tmp_path: Path) -> None:
    sess = _session(tmp_path, confidence=True)
    sess.select("", 0)  # right, no confidence given
    assert sess.confidence_of("") is None  # the screen does not pretend one was chosen
    summary = sess.finish()
    (att,) = [a for a in sess.store.attempts() if a.item_id == "q1"]
    assert att.confidence is None and att.marks == 1.0 and att.correct
    assert summary.max_marks == 3 * 6  # six questions, all under certainty-based marks
