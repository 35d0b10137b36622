"""Marking: single-best, select-all partial credit, certainty-based marks, ratings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.model import Option, Question
from quizapp.core.scheduling import Rating
from quizapp.core.scoring import (
    CBM_MARKS,
    BlankAnswerError,
    Mark,
    calibration_band,
    cbm_mark,
    check_answer,
    count_of,
    format_marks,
    indices_from_letters,
    letters_for,
    mark_multi,
    mark_question,
    mark_single,
    plural,
    rating_for,
    verdict,
)


def _question(kind: str, key: list[bool]) -> Question:
    return Question(
        id="q1",
        kind=kind,  # type: ignore[arg-type]
        stem="Which?",
        options=tuple(Option(text=f"option {i}", correct=c) for i, c in enumerate(key)),
    )


@pytest.mark.parametrize(
    ("confidence", "right", "wrong"), [(1, 1, 0), (2, 2, -2), (3, 3, -6)]
)
def test_cbm_table(confidence: int, right: int, wrong: int) -> None:
    assert cbm_mark(True, confidence) == right
    assert cbm_mark(False, confidence) == wrong
    assert CBM_MARKS[confidence] == (right, wrong)


@pytest.mark.parametrize("bad", [0, 4, -1, True])
def test_cbm_rejects_bad_confidence(bad: int) -> None:
    with pytest.raises(ValueError, match="confidence"):
        cbm_mark(True, bad)


@pytest.mark.parametrize(
    ("correct", "confidence", "rating"),
    [
        (False, None, Rating.AGAIN),
        (False, 1, Rating.AGAIN),
        (False, 2, Rating.AGAIN),
        (False, 3, Rating.AGAIN),
        (True, 1, Rating.HARD),
        (True, 2, Rating.GOOD),
        (True, None, Rating.GOOD),
        (True, 3, Rating.EASY),
    ],
)
def test_rating_for(correct: bool, confidence: int | None, rating: Rating) -> None:
    assert rating_for(correct, confidence) is rating


def test_rating_for_rejects_bad_confidence() -> None:
    with pytest.raises(ValueError):
        rating_for(True, 7)


def test_single_best_right_and_wrong() -> None:
    key = [False, True, False, False]
    right = mark_single(key, 1)
    assert right == Mark(True, 1.0, 1.0, 1.0, (True, True, True, True), None)
    wrong = mark_single(key, 2)
    assert not wrong.correct and wrong.fraction == 0.0 and wrong.marks == 0.0
    # the chosen wrong option and the missed key are the two misjudged options
    assert wrong.option_right == (True, False, False, True)
    assert wrong.rating is Rating.AGAIN


def test_single_best_unanswered_is_wrong() -> None:
    m = mark_single([True, False], None)
    assert not m.correct and m.marks == 0.0
    assert m.option_right == (False, True)


@pytest.mark.parametrize(("confidence", "marks"), [(1, 1.0), (2, 2.0), (3, 3.0)])
def test_single_best_cbm(confidence: int, marks: float) -> None:
    key = [True, False, False]
    m = mark_single(key, 0, confidence)
    assert m.marks == marks and m.max_marks == 3.0 and m.confidence == confidence
    w = mark_single(key, 1, confidence)
    assert w.marks == float(cbm_mark(False, confidence))


def test_single_best_index_out_of_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        mark_single([True, False], 5)


def test_select_all_partial_credit() -> None:
    key = [True, False, True, False, True]
    m = mark_multi(key, {0, 1, 2})
    # judged right: A (chosen, true), C (chosen, true), D (left, false); wrong: B, E
    assert m.option_right == (True, False, True, True, False)
    assert m.fraction == pytest.approx(3 / 5)
    assert m.marks == pytest.approx(3 / 5)
    assert not m.correct
    full = mark_multi(key, [0, 2, 4])
    assert full.correct and full.fraction == 1.0 and full.marks == 1.0


def test_select_all_none_selected_when_none_true() -> None:
    m = mark_multi([False, False], [])
    assert m.correct and m.fraction == 1.0


def test_select_all_cbm_uses_full_correctness() -> None:
    key = [True, False, True]
    almost = mark_multi(key, [0], confidence=3)
    assert almost.judged_right == 2
    assert almost.fraction == 0.0  # with CBM no partial credit: it counts as wrong
    assert almost.marks == -6.0  # not fully correct -> the CBM "wrong" mark
    exact = mark_multi(key, [0, 2], confidence=3)
    assert exact.marks == 3.0 and exact.rating is Rating.EASY
    unsure = mark_multi(key, [0, 2], confidence=1)
    assert unsure.marks == 1.0 and unsure.rating is Rating.HARD


def test_mark_question_dispatches_on_kind() -> None:
    single = _question("single", [False, True, False])
    assert mark_question(single, [1]).correct
    assert not mark_question(single, []).correct
    with pytest.raises(ValueError, match="at most one"):
        mark_question(single, [0, 1])
    multi = _question("multi", [True, True, False])
    assert mark_question(multi, [0, 1]).correct
    assert mark_question(multi, [0]).fraction == pytest.approx(2 / 3)


def test_empty_question_is_an_error() -> None:
    with pytest.raises(ValueError):
        mark_multi([], [])
    with pytest.raises(ValueError):
        mark_single([], None)


def test_letters_round_trip() -> None:
    assert letters_for([2, 0]) == ["A", "C"]
    assert indices_from_letters(["c", "A"]) == [0, 2]
    with pytest.raises(ValueError):
        indices_from_letters(["AB"])
    with pytest.raises(ValueError):
        indices_from_letters(["Z"])


@given(
    key=st.lists(st.booleans(), min_size=1, max_size=10),
    data=st.data(),
    confidence=st.sampled_from([None, 1, 2, 3]),
)
def test_multi_properties(key: list[bool], data: st.DataObject, confidence: int | None) -> None:
    selected = data.draw(st.sets(st.integers(0, len(key) - 1)))
    m = mark_multi(key, selected, confidence)
    assert len(m.option_right) == len(key)
    if confidence is None:
        assert m.fraction == pytest.approx(sum(m.option_right) / len(key))
    else:
        assert m.fraction == (1.0 if m.correct else 0.0)
    assert m.correct == all(m.option_right)
    assert m.correct == (selected == {i for i, k in enumerate(key) if k})
    if confidence is None:
        assert m.marks == m.fraction and m.max_marks == 1.0
    else:
        assert m.marks == cbm_mark(m.correct, confidence) and m.max_marks == 3.0
    assert m.marks <= m.max_marks
    assert m.rating is rating_for(m.correct, confidence)


# -- the rulebook: blank answers, verdicts that agree with marks, display rounding ------------


def test_blank_answer_is_refused() -> None:
    with pytest.raises(BlankAnswerError):
        check_answer([])
    check_answer([0])


def test_partly_right_with_cbm_is_called_wrong_and_promises_no_credit() -> None:
    m = mark_multi([True, True, False, False, True], [0, 1, 4, 3], confidence=2)
    text, kind = verdict(m, multi=True)
    assert kind == "wrong" and m.marks == -2.0
    assert "%" not in text and "credit" not in text
    assert "4 of 5 options judged right" in text and "-2 marks" in text


def test_partly_right_without_cbm_says_the_same_credit_as_the_mark() -> None:
    m = mark_multi([True, True, False, False, True], [0, 1, 4, 3])
    text, kind = verdict(m, multi=True)
    assert kind == "partial" and f"{format_marks(m.marks)} of 1 mark" in text


@pytest.mark.parametrize(("value", "shown"), [
    (13.0333, "13"), (2.43333, "2.4"), (-2.0, "-2"), (-0.04, "0"), (28, "28"), (0.05, "0.1"),
    (1234567.25, "1234567.2"),
])
def test_marks_show_at_most_one_decimal(value: float, shown: str) -> None:
    assert format_marks(value) == shown


def test_counts_name_their_unit() -> None:
    assert count_of(3, 9, "question") == "3 of 9 questions"
    assert count_of(1, 1, "question") == "1 of 1 question"
    assert plural(14, "case") == "14 cases" and plural(1, "case") == "1 case"


def test_calibration_band_is_said_once() -> None:
    assert [calibration_band(c) for c in (1, 2, 3)] == ["under 67%", "67–80%", "over 80%"]


@pytest.mark.parametrize(("ms", "text"), [
    (0, "0 s"), (5_750, "6 s"), (5_499, "5 s"), (59_600, "1 min 00 s"), (68_000, "1 min 08 s"),
    (725_000, "12 min"), (3_900_000, "1 h 05 min")])
def test_a_time_reads_the_same_on_every_screen(ms: float, text: str) -> None:
    """Found as a new user: 23 s over 4 answers read "5 s per answer" on the results page
    (cut to the second) and "6 s per answer" on Statistics (rounded). Both, and the charts,
    now say a time through duration_text."""
    from quizapp.core.scoring import duration_text

    assert duration_text(ms) == text
