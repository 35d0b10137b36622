"""Per-deck aggregates and the ``quizapp stats`` text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.model import Case, Deck, Flashcard, Option, Question, Stage, StudyUnit
from quizapp.core.planner import deck_counts
from quizapp.core.scheduling import Rating
from quizapp.core.stats import DeckStats, deck_stats, format_score, format_stats, stats_report
from quizapp.core.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def _q(qid: str) -> Question:
    return Question(
        id=qid, kind="single", stem="Which?", options=(Option("yes", True), Option("no", False))
    )


ASPS = Deck(
    id="asps",
    title="ASPS essentials",
    sources={},
    items=(
        Flashcard(id="fc1", front="Front", back="Back", reversible=True),
        _q("q1"),
        Case(
            id="c1",
            title="Back pain",
            stem="A 14-year-old...",
            stages=(Stage(id="s1", questions=(_q("a"), _q("b"))),),
        ),
    ),
)
FLAGS = Deck(id="red-flags", title="Red flags of back pain", sources={}, items=(_q("rf1"),))


def _populate(folder: Path) -> None:
    with Store.open(folder, clock=lambda: T0) as s:
        sid = s.start_session("tutor", {}, ["asps"])
        s.record_attempt(StudyUnit("asps", "q1"), answer=["A"], correct=True, mode="tutor",
                         confidence=3, session_id=sid)  # due in days
        s.record_attempt(StudyUnit("asps", "c1", "s1/a"), answer=["B"], correct=False,
                         mode="tutor", session_id=sid)  # due in a minute
        s.record_attempt(StudyUnit("asps", "c1", "s1/a"), answer=["A"], correct=True,
                         mode="tutor", confidence=1, session_id=sid)
        s.record_attempt(StudyUnit("asps", "fc1"), answer="Easy", correct=True,
                         mode="flashcards", rating=Rating.EASY)
        s.set_flagged(StudyUnit("asps", "c1", "s1/b"))
        s.finish_session(sid, {"questions": 3, "correct": 2, "total": 3, "percent": 66.7,
                               "marks": 4, "max_marks": 9})
        other = s.start_session("exam", {}, ["red-flags"])
        s.finish_session(other, {"correct": 0, "total": 0})


def test_deck_stats(tmp_path: Path) -> None:
    _populate(tmp_path)
    with Store.open(tmp_path, read_only=True) as s:
        asps, flags = deck_stats(s, [ASPS, FLAGS], now=T0 + timedelta(hours=1))
    assert isinstance(asps, DeckStats)
    assert (asps.units, asps.seen, asps.attempts, asps.correct) == (5, 3, 4, 3)
    assert asps.accuracy == pytest.approx(0.75)
    assert asps.new == 2  # fc1 reverse and c1 s1/b
    assert asps.flagged == 1
    assert asps.due_today == 1  # the case question answered wrong then "hard"
    assert 1 <= asps.due_week <= 3
    assert asps.last_session is not None and asps.last_session.score is not None
    assert asps.last_session.score["percent"] == 66.7
    assert (flags.units, flags.seen, flags.attempts) == (1, 0, 0)
    assert flags.accuracy is None and flags.due_today == 0
    # an exam ended before any question was answered is no score, here as in the library
    assert flags.last_session is None


def test_due_week_counts_the_next_seven_days(tmp_path: Path) -> None:
    _populate(tmp_path)
    with Store.open(tmp_path, read_only=True) as s:
        units = ASPS.study_units()
        (asps,) = deck_stats(s, [ASPS], now=T0)
        # counted in items, as the library counts them (a case is one item)
        assert asps.due_week == deck_counts(s, ASPS, T0).due_week
        assert asps.due_week <= sum(s.forecast(units, days=7, now=T0))
        (later,) = deck_stats(s, [ASPS], now=T0 + timedelta(days=60))
        assert later.due_today == later.due_week == 3  # every item seen is overdue


@pytest.mark.parametrize(
    ("score", "text"),
    [
        (None, "-"),
        ({}, "-"),
        ({"percent": 80.0}, "80%"),
        ({"correct": 8, "total": 10}, "8/10"),
        ({"correct": 2, "total": 3, "marks": 4, "max_marks": 9}, "2/3 marks 4/9"),
        ({"marks": -2.5}, "marks -2.5"),
        ({"correct": 0, "total": 0}, "-"),
    ],
)
def test_format_score(score: dict[str, float] | None, text: str) -> None:
    assert format_score(score) == text


def test_format_stats_table(tmp_path: Path) -> None:
    _populate(tmp_path)
    with Store.open(tmp_path, read_only=True) as s:
        text = format_stats(deck_stats(s, [ASPS, FLAGS], now=T0), now=T0)
    lines = text.splitlines()
    assert lines[0].split() == ["deck", "items", "seen", "questions+cards", "accuracy", "due",
                                "today", "due", "7", "days", "last", "session"]
    assert lines[1].startswith("ASPS essentials [asps]")
    assert "75%" in lines[1] and "67% marks 4/9 (Tutor quiz, 2025-03-01)" in lines[1]
    assert lines[2].startswith("Red flags of back pain [red-flags]")
    assert " - " in lines[2]
    assert lines[-1].startswith(
        "2 decks, 4 items (6 questions and cards): 3 of 4 items seen, 4 answers, 75% correct")
    # columns line up
    assert lines[1].index("75%") + 3 == lines[0].index("accuracy") + len("accuracy")
    assert format_stats([]) == "No decks.\n"


def test_stats_report_on_empty_folder_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "nothing-yet"
    text = stats_report(folder, [ASPS], now=T0)
    assert f"Progress in {folder}" in text and "No answers recorded yet." in text
    assert "ASPS essentials [asps]" in text
    assert not folder.exists()


def test_stats_report_while_the_gui_holds_the_lock(tmp_path: Path) -> None:
    _populate(tmp_path)
    with Store.open(tmp_path) as gui:
        gui.record_attempt(StudyUnit("red-flags", "rf1"), answer=["A"], correct=True, mode="exam")
        text = stats_report(tmp_path, [ASPS, FLAGS], now=T0)
        assert "warning" not in text
        assert "3 of 4 items seen" not in text
        assert "4 of 4 items seen, 5 answers" in text
        assert gui.persistent


def test_stats_report_reports_damage_without_touching_it(tmp_path: Path) -> None:
    (tmp_path / "progress.json").write_text("{oops")
    assert "warning: The progress file progress.json" in stats_report(tmp_path, [ASPS])
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]


def test_due_means_by_the_end_of_the_study_day() -> None:
    from quizapp.core.planner import study_day_end

    tz = timezone(timedelta(hours=2))
    late = datetime(2025, 3, 1, 23, 30, tzinfo=tz)
    assert study_day_end(late) == datetime(2025, 3, 2, 4, 0, tzinfo=tz)
    small_hours = datetime(2025, 3, 2, 1, 0, tzinfo=tz)  # still "yesterday"
    assert study_day_end(small_hours) == datetime(2025, 3, 2, 4, 0, tzinfo=tz)
    assert study_day_end(datetime(2025, 3, 2, 4, 0, tzinfo=tz)) == datetime(2025, 3, 3, 4, 0,
                                                                             tzinfo=tz)


def test_stats_and_library_count_the_same_due_items(tmp_path: Path) -> None:
    """`quizapp stats` and the library's Due column agree (both count items due by the end of
    the study day), whatever the time of day."""
    _populate(tmp_path)
    with Store.open(tmp_path, read_only=True) as s:
        for hours in (0, 5, 20, 26, 24 * 8):
            moment = T0 + timedelta(hours=hours)
            (asps,) = deck_stats(s, [ASPS], now=moment)
            c = deck_counts(s, ASPS, moment)
            assert (asps.items, asps.due_today, asps.due_week) == (c.items, c.due, c.due_week)
            assert c.items == len(ASPS.items)


def test_statistics_page_due_today_is_the_library_due_column(tmp_path: Path) -> None:
    """Statistics once counted question/card units due by midnight while the library counted
    items due now (38 vs 6); both now count items due by the end of the study day."""
    from quizapp.core.dashboard import compute

    _populate(tmp_path)
    with Store.open(tmp_path, read_only=True) as s:
        for hours in (0, 5, 26, 24 * 60):
            moment = T0 + timedelta(hours=hours)
            d = compute(s, [ASPS, FLAGS], now=moment, tz=timezone.utc)
            library = sum(deck_counts(s, deck, moment).due for deck in (ASPS, FLAGS))
            assert d.totals.due_today == library


def test_seen_counts_items_on_every_screen(tmp_path: Path) -> None:
    """Found by a new-user pass: the library's Seen counted items, ``quizapp stats`` and the
    Statistics tile counted questions and card sides, so a case answered in full said 1 in
    one place and 2 in the others. All three count items now (over all time; the tile in its
    period, which here holds every answer)."""
    from quizapp.core.dashboard import Filters, compute

    _populate(tmp_path)
    with Store.open(tmp_path, clock=lambda: T0) as s:  # both questions of the case c1
        s.record_attempt(StudyUnit("asps", "c1", "s1/b"), answer=["A"], correct=True,
                         mode="tutor")
        s.record_attempt(StudyUnit("asps", "fc1", "reverse"), answer="Good", correct=True,
                         mode="flashcards", rating=Rating.GOOD)
    with Store.open(tmp_path, read_only=True) as s:
        moment = T0 + timedelta(hours=1)
        library = [deck_counts(s, deck, moment).seen for deck in (ASPS, FLAGS)]
        assert library == [3, 0]  # fc1 (both sides), q1, c1 (both questions)
        assert [x.seen for x in deck_stats(s, [ASPS, FLAGS], now=moment)] == library
        d = compute(s, [ASPS, FLAGS], Filters(), now=moment, tz=timezone.utc)
        assert (d.totals.items_seen, d.totals.items) == (3, 4)
        assert d.totals.units_seen == 5  # what the mastery rows count: questions and cards
        text = format_stats(deck_stats(s, [ASPS, FLAGS], now=moment), now=moment)
        assert "2 decks, 4 items (6 questions and cards): 3 of 4 items seen" in text


@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=80),
       st.from_regex(r"[a-z0-9][a-z0-9-]{0,39}", fullmatch=True))
def test_a_long_deck_title_is_shortened_never_its_id(title: str, deck_id: str) -> None:
    """Found by a new-user pass: "Clinical vignettes: back pain and soft-tiss…" hid the deck
    id that the other commands take. The cell keeps the id whole whenever it fits."""
    from quizapp.core.stats import _deck_cell

    cell = _deck_cell(title, deck_id)
    assert len(cell) <= 44
    if len(deck_id) + 3 <= 22:
        assert cell.endswith(f" [{deck_id}]")
        assert cell == f"{title} [{deck_id}]" or "…" in cell
