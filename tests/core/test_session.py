"""Sessions: selection, tutor recording, exam pending/resume, flashcard undo, summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.core import deckfile
from quizapp.core.scheduling import Rating
from quizapp.core.selection import candidate_entries, select_entries
from quizapp.core.session import Session, SessionError, SessionSettings
from quizapp.core.store import Store
from tests.helpers import VALID_DECK

DECK = deckfile.parse(VALID_DECK, "d.yaml")


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def settings(**kw):  # type: ignore[no-untyped-def]
    base = dict(mode="tutor", shuffle=False, limit=0, seed=1)
    base.update(kw)
    return SessionSettings(**base)


def test_candidates_by_mode() -> None:
    assert [e.item.id for e in candidate_entries([DECK], settings(mode="flashcards"))] == ["fc1"]
    assert [e.item.id for e in candidate_entries([DECK], settings())] == ["q1", "m1", "c1"]
    assert [e.item.id for e in candidate_entries([DECK], settings(tags=("nope",)))] == []


def test_tutor_answer_is_recorded_before_next(store: Store) -> None:
    clock = Clock()
    sess = Session(select_entries([DECK], settings(), store), settings(), store, clock=clock)
    sess.start()
    clock.t = 4.2
    mark = sess.answer("", [1])  # "Wrong"
    assert not mark.correct and mark.option_right == (False, False)
    (att,) = list(store.attempts())
    assert att.item_id == "q1" and att.answer == ["B"] and att.time_ms == 4200
    assert att.mode == "tutor" and att.session_id == sess.session_id
    with pytest.raises(SessionError):
        sess.answer("", [0])
    assert store.pending() is not None  # quitting now offers to resume


def test_confidence_required_when_enabled(store: Store) -> None:
    st = settings(confidence=True)
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    with pytest.raises(SessionError):
        sess.answer("", [0])
    mark = sess.answer("", [0], confidence=3)
    assert mark.marks == 3


def test_case_stages_reveal_after_answers(store: Store) -> None:
    st = settings()
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    sess.go(2)
    assert sess.stages_revealed() == 1
    sess.answer("s1/q1", [1])
    assert sess.entry_answered(2)
    assert [a.part for a in store.attempts()] == ["s1/q1"]


def test_selection_incorrect_and_new(store: Store) -> None:
    st = settings()
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    sess.answer("", [1])  # q1 wrong
    sess.next()
    sess.answer("", [0, 2])  # m1 right
    assert [e.item.id for e in select_entries([DECK], settings(selection="incorrect"), store)
            ] == ["q1"]
    assert [e.item.id for e in select_entries([DECK], settings(selection="new"), store)] == ["c1"]


def test_exam_answers_kept_pending_then_recorded_on_submit(store: Store, tmp_path: Path
                                                          ) -> None:
    st = settings(mode="exam", seconds_per_question=60)
    clock = Clock()
    sess = Session(select_entries([DECK], st, store), st, store, clock=clock)
    sess.start()
    assert sess.time_limit == 180
    sess.answer("", [0])
    sess.clear_answer("")
    sess.answer("", [1])
    sess.go(2)
    clock.t = 30
    sess.pause()
    clock.t = 100  # paused: the exam clock does not run
    assert sess.time_left() == 150
    assert list(store.attempts()) == []  # nothing recorded before the block ends
    state = store.pending()
    assert state is not None and state["index"] == 2
    # resume as after a restart
    store.close()
    store2 = Store.open(tmp_path / "data")
    resumed = Session.resume(store2.pending() or {}, {DECK.id: DECK}, store2, clock=Clock())
    assert resumed.index == 2 and resumed.response("", 0).selected == (1,)  # type: ignore[union-attr]
    assert resumed.time_left() == pytest.approx(150)
    resumed.clock.t = 20  # type: ignore[attr-defined]
    summary = resumed.finish()
    assert summary.questions == 3 and summary.answered == 1 and summary.correct == 0
    assert summary.time_ms == 50_000  # 30 s before the restart + 20 s after, pause excluded
    assert len(list(store2.attempts())) == 3 and store2.pending() is None
    store2.close()


def test_paused_time_is_not_charged_to_the_item(store: Store) -> None:
    st = settings(mode="exam", seconds_per_question=60)
    clock = Clock()
    sess = Session(select_entries([DECK], st, store), st, store, clock=clock)
    sess.start()
    clock.t = 10
    sess.pause()
    clock.t = 500  # a long break
    with pytest.raises(SessionError):  # no peeking at other items off the clock
        sess.go(1)
    sess.unpause()
    clock.t = 515
    sess.answer("", [0])
    assert sess.response("", 0).time_ms == 25_000  # type: ignore[union-attr]
    assert sess.seconds_on(1) == 0
    assert sess.finish().time_ms == 25_000


def test_flashcard_rate_and_undo(store: Store) -> None:
    st = settings(mode="flashcards")
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    labels = sess.intervals()
    assert set(labels) == set(Rating)
    sess.rate(Rating.GOOD)
    assert store.state(sess.current.unit()).due is not None
    assert sess.undo() is True
    assert store.state(sess.current.unit()).is_new and list(store.attempts()) == []
    assert sess.undo() is False


def test_summary_tags_calibration_and_missed(store: Store) -> None:
    st = settings(confidence=True)
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    sess.answer("", [0], confidence=3)       # right, sure
    sess.next()
    sess.answer("", [0], confidence=2)       # multi: partial (2 of 3 judged right)
    sess.next()
    sess.answer("s1/q1", [0], confidence=1)  # wrong
    s = sess.finish()
    assert (s.questions, s.correct) == (3, 1)
    assert s.select_all == 1  # m1: the results' Marks card then speaks of partial credit
    assert s.marks == 3 - 2 + 0 and s.max_marks == 9
    assert s.calibration == {1: (0, 1), 2: (0, 1), 3: (1, 1)}
    assert [m[0] for m in s.missed] == [1, 2]
    assert [e.item.id for e in sess.missed_entries()] == ["m1", "c1"]
    assert s.case_marks == [(2, 0.0, 3.0)]
    (done,) = store.sessions()
    assert done.finished and done.score and done.score["correct"] == 1


def test_resume_drops_entries_that_vanished(store: Store) -> None:
    st = settings()
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    state = sess.to_state()
    state["entries"][0]["item"] = "deleted"
    resumed = Session.resume(state, {DECK.id: DECK}, store)
    assert [e.item.id for e in resumed.entries] == ["m1", "c1"]
    with pytest.raises(SessionError):
        Session.resume({"version": 99}, {DECK.id: DECK}, store)


def test_unanswered_exam_questions_earn_nothing(store: Store) -> None:
    st = settings(mode="exam")
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    s = sess.finish()
    assert s.questions == 3 and s.credit == 0 and s.marks == 0 and s.correct == 0
    assert s.case_marks == [(2, 0.0, 1.0)]


def test_tutor_session_ended_early_scores_only_what_was_answered(store: Store) -> None:
    st = settings()
    sess = Session(select_entries([DECK], st, store), st, store)
    sess.start()
    sess.answer("", [0])  # q1 right; m1 and the case never reached
    s = sess.finish()
    assert (s.questions, s.answered, s.correct) == (1, 1, 1)
    assert s.missed == [] and s.case_marks == []
    (done,) = store.sessions()
    assert done.score is not None and done.score["questions"] == 1


def test_undo_survives_a_restart(store: Store) -> None:
    second = "  - id: fc2\n    type: flashcard\n    front: F2\n    back: B2\n    source: src\n"
    deck = deckfile.parse(VALID_DECK.replace("  - id: q1\n", second + "  - id: q1\n", 1), "d.yaml")
    st = settings(mode="flashcards", selection="all")
    sess = Session(select_entries([deck], st, store), st, store)
    sess.start()
    assert len(sess) == 2
    sess.rate(Rating.GOOD)
    assert sess.next()
    state = store.pending()
    assert state is not None and state["history"] == [0]
    resumed = Session.resume(state, {deck.id: deck}, store)  # as after quitting the app
    assert resumed.index == 1
    assert resumed.undo() is True and resumed.index == 0 and not resumed.ratings
    assert store.state(resumed.current.unit()).is_new
    assert resumed.undo() is False  # nothing more to undo


def test_a_mixed_session_counts_the_cards_time_as_statistics_and_the_csv_do(
        store: Store) -> None:
    """A daily review mixes flashcards and questions. Its results page said "Time 4 s, 2 s
    per answer" while Statistics and the exported answers gave 11 s (6.4 s on the card, 5 s
    on the question): the cards' time was left out of the session's total."""
    clock = Clock()
    st = settings(daily=True)
    entries = [*candidate_entries([DECK], settings(mode="flashcards")),
               candidate_entries([DECK], settings())[0]]
    sess = Session(entries, st, store, clock=clock)
    sess.start()
    clock.t = 6.4
    sess.rate(Rating.GOOD)
    sess.next()
    clock.t = 11.4
    sess.answer("", [1])
    recorded = sum(a.time_ms for a in store.attempts())
    assert recorded == 11_400
    assert sess.finish().time_ms == recorded
