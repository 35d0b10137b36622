"""Marking rules: single-best answer, select-all partial credit, certainty-based marks.

Everything works on option *indices* in the order the deck defines them (``Question.options``);
shuffling for display is the session's business, and the store records option letters.

Certainty-based marking (CBM, after Gardner-Medwin, UCL): the student rates their confidence
1 (low), 2 (mid) or 3 (high) before seeing the answer::

    confidence        1     2     3
    correct          +1    +2    +3
    wrong             0    -2    -6

The rulebook (every screen, the CSV export and ``quizapp stats`` use these functions):

* **A blank answer is never marked.** Every question needs at least one chosen option before
  it can be submitted or saved (:func:`check_answer`); a question still blank when an exam
  ends is *unanswered*: wrong, no credit at all (:func:`unanswered_mark`).
* **"Fully right"** (``Mark.correct``): single-best, the keyed option chosen; select-all,
  every option judged right (chosen if correct, left out if not).
* **Partial credit** applies to select-all questions *without* CBM only: the share of options
  judged right (``Mark.fraction``).
* **With CBM there is no partial credit:** an answer is either fully right (+1/+2/+3) or it
  counts as wrong (0/-2/-6), and its credit (``fraction``) is 1 or 0. The feedback says so
  (:func:`verdict`), so the screen never promises credit the marks do not give.
* Marks are shown rounded to at most one decimal by :func:`format_marks`; counts name their
  unit (:func:`count_of`, :func:`plural`).

:func:`rating_for` turns a result and a confidence into the FSRS rating that schedules the next
review of the question: wrong -> Again, right but unsure -> Hard, right -> Good,
right and sure -> Easy.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from quizapp.core.model import LETTERS, Question
from quizapp.core.scheduling import Rating

__all__ = [
    "CALIBRATION_IDEAL",
    "CBM_MARKS",
    "CONFIDENCE_LEVELS",
    "BlankAnswerError",
    "Mark",
    "calibration_band",
    "cbm_mark",
    "check_answer",
    "count_of",
    "duration_text",
    "format_marks",
    "indices_from_letters",
    "letters_for",
    "mark_multi",
    "mark_question",
    "mark_single",
    "plural",
    "rating_for",
    "unanswered_mark",
    "verdict",
]

#: Valid confidence levels for certainty-based marking.
CONFIDENCE_LEVELS = (1, 2, 3)

#: confidence -> (marks if correct, marks if wrong)
CBM_MARKS: dict[int, tuple[int, int]] = {1: (1, 0), 2: (2, -2), 3: (3, -6)}

#: The most a question can score under CBM (correct at confidence 3).
CBM_MAX = 3

#: Well-calibrated share of right answers per confidence level, as (low, high). With marks
#: +1/0, +2/-2 and +3/-6, confidence 2 pays from a 2/3 chance of being right and confidence 3
#: from 80%: right under 67% at 1, 67-80% at 2 and over 80% at 3. Results and Statistics
#: both use this (and :func:`calibration_band` to say it).
CALIBRATION_IDEAL: dict[int, tuple[float, float]] = {
    1: (0.0, 2 / 3),
    2: (2 / 3, 0.8),
    3: (0.8, 1.0),
}


def calibration_band(confidence: int) -> str:
    """The well-calibrated range for a confidence level in words: ``"under 67%"``,
    ``"67–80%"``, ``"over 80%"``."""
    low, high = CALIBRATION_IDEAL[confidence]
    if low <= 0:
        return f"under {high:.0%}"
    if high >= 1:
        return f"over {low:.0%}"
    return f"{low * 100:.0f}–{high:.0%}"


class BlankAnswerError(ValueError):
    """An answer with no option chosen was submitted; blank answers are never marked."""


def check_answer(selected: Collection[int]) -> None:
    """Raise :class:`BlankAnswerError` if nothing is chosen (the one rule for every mode)."""
    if not selected:
        raise BlankAnswerError("choose at least one option before saving the answer")


def duration_text(ms: float) -> str:
    """A time for display, rounded to the second: ``6 s``, ``1 min 08 s``, ``12 min``,
    ``1 h 05 min``. Every screen (results, Statistics, the charts) says times through this,
    so the same time reads the same everywhere."""
    s = round(ms / 1000)
    if s < 60:
        return f"{s} s"
    m = s // 60
    if m < 60:
        return f"{m} min {s % 60:02d} s" if m < 10 else f"{m} min"
    return f"{m // 60} h {m % 60:02d} min"


def format_marks(value: float, signed: bool = False) -> str:
    """Marks for display, rounded to at most one decimal: ``13``, ``13.1``, ``-2``, ``0``
    (``+3`` with ``signed``)."""
    text = f"{float(value):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    if text == "-0":
        text = "0"
    return "+" + text if signed and not text.startswith("-") and text != "0" else text


def plural(n: int, unit: str, units: str | None = None) -> str:
    """``plural(1, "case") == "1 case"``, ``plural(14, "case") == "14 cases"``."""
    return f"{n} {unit if n == 1 else (units or unit + 's')}"


def count_of(k: int, n: int, unit: str, units: str | None = None) -> str:
    """``count_of(3, 9, "question") == "3 of 9 questions"`` (the unit agrees with ``n``)."""
    return f"{k} of {plural(n, unit, units)}"


def _check_confidence(confidence: int | None) -> None:
    if confidence is not None and (isinstance(confidence, bool) or confidence not in CBM_MARKS):
        raise ValueError(f"confidence must be 1, 2 or 3 (or None), got {confidence!r}")


def cbm_mark(correct: bool, confidence: int) -> int:
    """The certainty-based mark for a result at a confidence level (table above)."""
    _check_confidence(confidence)
    right, wrong = CBM_MARKS[confidence]
    return right if correct else wrong


def rating_for(correct: bool, confidence: int | None) -> Rating:
    """The scheduling rating for a question's result.

    Wrong -> AGAIN whatever the confidence; right at confidence 1 -> HARD; right at
    confidence 2 or with no confidence given -> GOOD; right at confidence 3 -> EASY.
    """
    _check_confidence(confidence)
    if not correct:
        return Rating.AGAIN
    if confidence == 1:
        return Rating.HARD
    if confidence == 3:
        return Rating.EASY
    return Rating.GOOD


@dataclass(frozen=True, slots=True)
class Mark:
    """The outcome of marking one answer.

    Attributes:
        correct: fully correct (single-best: the keyed option chosen; select-all: every
            option judged right).
        fraction: credit from 0.0 to 1.0 before CBM (single-best: 1 or 0; select-all: the
            fraction of options judged right).
        marks: what the answer scores: the CBM mark when a confidence was given, otherwise
            ``fraction``.
        max_marks: the most this question could have scored under the same scheme
            (3 with CBM, 1 without), for "marks / max" totals.
        option_right: per option, in deck order, whether the student's judgement of that
            option was right (chosen and correct, or left out and incorrect); the UI colours
            options with it.
        confidence: the confidence given, or ``None``.
    """

    correct: bool
    fraction: float
    marks: float
    max_marks: float
    option_right: tuple[bool, ...]
    confidence: int | None = None

    @property
    def judged_right(self) -> int:
        """How many options the student judged right."""
        return sum(self.option_right)

    @property
    def rating(self) -> Rating:
        """The scheduling rating this result implies (see :func:`rating_for`)."""
        return rating_for(self.correct, self.confidence)


def _finish(
    correct: bool, fraction: float, option_right: tuple[bool, ...], confidence: int | None
) -> Mark:
    if confidence is None:
        return Mark(correct, fraction, fraction, 1.0, option_right, None)
    # CBM: fully right or wrong; no partial credit (see the module docstring)
    return Mark(
        correct, 1.0 if correct else 0.0, float(cbm_mark(correct, confidence)), float(CBM_MAX),
        option_right, confidence,
    )


def _check_indices(selected: Collection[int], n: int) -> frozenset[int]:
    chosen = frozenset(selected)
    bad = sorted(i for i in chosen if not 0 <= i < n)
    if bad:
        raise ValueError(f"option index out of range 0..{n - 1}: {bad}")
    return chosen


def mark_single(
    key: Sequence[bool], chosen: int | None, confidence: int | None = None
) -> Mark:
    """Mark a single-best-answer question.

    ``key`` says, per option, whether it is the correct one; ``chosen`` is the index picked
    (``None`` when unanswered, which is wrong).
    """
    _check_confidence(confidence)
    if not key:
        raise ValueError("a question needs at least one option")
    picked = _check_indices(() if chosen is None else (chosen,), len(key))
    correct = chosen is not None and key[chosen]
    option_right = tuple((i in picked) == is_key for i, is_key in enumerate(key))
    return _finish(bool(correct), 1.0 if correct else 0.0, option_right, confidence)


def mark_multi(
    key: Sequence[bool], selected: Collection[int], confidence: int | None = None
) -> Mark:
    """Mark a select-all-that-apply question: each option is a true/false judgement.

    ``fraction`` is the share of options judged right; ``correct`` only when all are.
    With a confidence, ``marks`` is the CBM mark for ``correct`` and ``fraction`` 1 or 0.
    """
    _check_confidence(confidence)
    if not key:
        raise ValueError("a question needs at least one option")
    picked = _check_indices(selected, len(key))
    option_right = tuple((i in picked) == is_key for i, is_key in enumerate(key))
    right = sum(option_right)
    return _finish(right == len(key), right / len(key), option_right, confidence)


def mark_question(
    question: Question, selected: Collection[int], confidence: int | None = None
) -> Mark:
    """Mark an answer to ``question`` by its kind; ``selected`` holds chosen option indices.

    For a single-best question more than one selection is an error; none means unanswered.
    """
    key = [o.correct for o in question.options]
    if question.kind == "single":
        chosen = list(selected)
        if len(chosen) > 1:
            raise ValueError("a single-best-answer question takes at most one option")
        return mark_single(key, chosen[0] if chosen else None, confidence)
    return mark_multi(key, selected, confidence)


def letters_for(indices: Collection[int]) -> list[str]:
    """Option indices as sorted letters (``[2, 0] -> ["A", "C"]``), the form the store keeps."""
    return [LETTERS[i] for i in sorted(indices)]


def indices_from_letters(letters: Collection[str]) -> list[int]:
    """The inverse of :func:`letters_for`; raises :class:`ValueError` on an unknown letter."""
    out: list[int] = []
    for letter in letters:
        index = LETTERS.find(letter.upper()) if len(letter) == 1 else -1
        if index < 0:
            raise ValueError(f"not an option letter: {letter!r}")
        out.append(index)
    return sorted(out)


def unanswered_mark(question: Question, cbm: bool = False) -> Mark:
    """A question left unanswered when an exam ends: wrong, no credit at all (a select-all
    question left blank earns nothing for the options it 'correctly' left out)."""
    return Mark(False, 0.0, 0.0, float(CBM_MAX) if cbm else 1.0,
                tuple(False for _ in question.options))


def verdict(mark: Mark, multi: bool, answered: bool = True) -> tuple[str, str]:
    """What the feedback says about a mark, and its kind (``"correct"``, ``"partial"``,
    ``"wrong"`` or ``"unanswered"``). The text never contradicts the marks: with CBM a
    partly right select-all answer is called wrong, with the options judged right beside it.
    """
    n = len(mark.option_right)
    if not answered:
        return "Not answered", "unanswered"
    if mark.correct:
        text, kind = "Correct", "correct"
    elif multi and mark.confidence is None and mark.judged_right:
        text = (f"Partly right: {count_of(mark.judged_right, n, 'option')} judged right, "
                f"{format_marks(mark.fraction)} of 1 mark")
        kind = "partial"
    elif multi and mark.judged_right:
        text = (f"Not fully right ({count_of(mark.judged_right, n, 'option')} judged right), "
                "so it counts as wrong")
        kind = "wrong"
    else:
        text, kind = "Incorrect", "wrong"
    if mark.confidence is not None:
        text += (f" · confidence {mark.confidence}: {format_marks(mark.marks, signed=True)} "
                 f"mark{'' if abs(mark.marks) == 1 else 's'}")
    return text, kind
