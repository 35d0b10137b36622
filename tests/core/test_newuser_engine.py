"""Engine rules found wrong in a new-user pass (the installed app, real window)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.model import Case
from tests.core.test_engine import Tick, _go_case, _session


def _case_ms(sess, case_id: str = "c1") -> list[int]:  # type: ignore[no-untyped-def]
    return [a.time_ms for a in sess.store.attempts() if a.item_id == case_id]


def test_exam_case_questions_add_up_to_the_time_on_the_case(tmp_path: Path) -> None:
    """Defect: each question of a case was given the whole time on the case so far, so a
    46 s exam of three cases showed 2 min 44 s of study time (Statistics, CSV, time per
    question)."""
    tick = Tick()
    sess = _session(tmp_path, tick=tick)
    _go_case(sess)
    tick.t = 10
    sess.select("s1/a", 0)
    sess.save_stage()  # 10 s on stage 1
    tick.t = 25
    sess.select("s2/b", 1)
    sess.select("s2/c", 0)
    sess.save_stage()  # 15 s more on stage 2 (two questions)
    tick.t = 40  # 15 s on stage 3, never saved
    sess.submit()
    ms = _case_ms(sess)
    assert len(ms) == 4 and sum(ms) == 40_000
    assert sorted(ms) == [0, 10_000, 15_000, 15_000]
    assert sess.finish().time_ms == 40_000  # the exam clock agrees


def test_tutor_case_time_is_not_counted_once_per_question(tmp_path: Path) -> None:
    tick = Tick()
    sess = _session(tmp_path, mode="tutor", tick=tick)
    _go_case(sess)
    case = sess.current.item
    assert isinstance(case, Case)
    for n, (part, q, _stage) in enumerate(sess.current.parts(), start=1):
        tick.t = 5.0 * n
        right = next(i for i, o in enumerate(q.options) if o.correct)
        sess.answer(part, [right])
    ms = _case_ms(sess)
    assert sum(ms) == 20_000 and ms == [5_000] * 4
    assert sess.finish().time_ms == 20_000  # Results' Time is the time spent


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=120), min_size=4, max_size=4))
def test_exam_times_always_add_up(tmp_path_factory, steps: list[float]) -> None:  # type: ignore[no-untyped-def]
    """Whatever the pace, every exam question's recorded time adds up to the exam clock."""
    tick = Tick()
    sess = _session(tmp_path_factory.mktemp("s"), tick=tick)
    for i, step in enumerate(steps):
        tick.t += step
        if i < len(steps) - 1 and sess.index + 1 < len(sess.entries):
            sess.go(sess.index + 1)
    sess.submit()
    total = sum(a.time_ms for a in sess.store.attempts())
    assert abs(total - 1000 * sess.time_used()) <= len(list(sess.store.attempts()))


def test_quizapp_stats_shows_an_empty_session_as_nothing_answered(tmp_path: Path) -> None:
    """Defect: a session ended before answering anything showed as "0% marks 0/0"."""
    from quizapp.core.stats import format_score

    sess = _session(tmp_path, mode="tutor")
    score = sess.finish().to_score()
    assert format_score(score) == "nothing answered"
    assert format_score({**score, "questions": 2, "percent": 50.0}).startswith("50%")


def test_counters_count_questions_and_cases_too(tmp_path: Path) -> None:
    """Defect: a Ctrl+D queue of 10 new items (5 cards, 5 questions) said
    "item 1 of 10 · New 5": the counters counted flashcards only."""
    sess = _session(tmp_path, mode="tutor")  # a single, a select-all and a case, all new
    assert sess.counters() == (3, 0, 0)
    q = sess.current.item
    right = [i for i, o in enumerate(q.options) if o.correct]
    sess.answer("", right)
    assert sess.counters() == (2, 0, 0)  # the answered question is no longer to come
