"""``quizapp stats`` and the library name the same last session for a deck.

Found on the installed app with two computers syncing: after a Daily review over two decks
on one computer, the library said "Last score 67%" for ASPS essentials (its last session
on that deck alone, as the README promises) while ``quizapp stats`` said
"23% marks 0.7/3 (tutor, ...)" for *both* decks: the mixed session's score copied to each,
and the Daily review called "tutor".
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from quizapp.core.coordinator import library_counts
from quizapp.core.model import Deck, Option, Question
from quizapp.core.stats import deck_stats, format_stats
from quizapp.core.store import Store

T0 = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)


def _deck(deck_id: str, title: str) -> Deck:
    q = Question(id="q1", kind="single", stem="Which?",
                 options=(Option("yes", True), Option("no", False)))
    return Deck(id=deck_id, title=title, sources={}, items=(q,))


ASPS = _deck("asps", "ASPS essentials")
VIGNETTES = _deck("vignettes", "Clinical vignettes")


def _sessions(folder: Path) -> None:
    with Store.open(folder, clock=lambda: T0) as s:
        alone = s.start_session("tutor", {"mode": "tutor", "daily": True}, ["asps"])
        s.finish_session(alone, {"questions": 3, "answered": 3, "correct": 2,
                                 "percent": 66.7, "marks": 2.0, "max_marks": 3.0})
        mixed = s.start_session("tutor", {"mode": "tutor", "daily": True},
                                ["asps", "vignettes"], at=T0 + timedelta(minutes=5))
        s.finish_session(mixed, {"questions": 3, "answered": 3, "correct": 0,
                                 "percent": 23.3, "marks": 0.7, "max_marks": 3.0})


def test_stats_and_library_show_the_same_last_session(tmp_path: Path) -> None:
    _sessions(tmp_path)
    with Store.open(tmp_path, read_only=True) as s:
        stats = deck_stats(s, [ASPS, VIGNETTES], now=T0 + timedelta(hours=1))
        library = {d.id: library_counts(s, d)["last"] for d in (ASPS, VIGNETTES)}
    text = format_stats(stats, now=T0 + timedelta(hours=1)).splitlines()
    asps_line = next(line for line in text if line.startswith("ASPS essentials"))
    vignettes_line = next(line for line in text if line.startswith("Clinical vignettes"))
    assert library == {"asps": "67%", "vignettes": ""}
    # the session on this deck alone, as the library says, not the later mixed one
    assert asps_line.endswith("67% marks 2/3 (Daily review, 2026-12-01)")
    assert "23%" not in asps_line
    # never studied alone: nothing, as in the library
    assert vignettes_line.endswith(" -")
    assert "23%" not in vignettes_line


def test_stats_names_the_mode_as_the_study_header_does(tmp_path: Path) -> None:
    with Store.open(tmp_path, clock=lambda: T0) as s:
        exam = s.start_session("exam", {"mode": "exam"}, ["asps"])
        s.finish_session(exam, {"questions": 2, "answered": 2, "correct": 1, "percent": 50.0})
    with Store.open(tmp_path, read_only=True) as s:
        (asps,) = deck_stats(s, [ASPS], now=T0)
        assert library_counts(s, ASPS)["last"] == "50%"
    line = format_stats([asps], now=T0).splitlines()[1]
    assert line.endswith("50% (Timed exam, 2026-12-01)")
