"""Dashboard aggregates: exact figures from a small, known history."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from quizapp.core.dashboard import (
    CALIBRATION_IDEAL,
    FORECAST_DAYS,
    TIME_BINS_S,
    Filters,
    compute,
    time_bin_labels,
)
from quizapp.core.model import Case, Deck, Flashcard, Option, Question, Stage, StudyUnit
from quizapp.core.scheduling import Rating
from quizapp.core.session import SessionSettings
from quizapp.core.store import Store

UTC = timezone.utc
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # a Monday
DAY1 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # the Monday before
DAY3 = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)


def _q(qid: str, tags: tuple[str, ...] = ()) -> Question:
    return Question(id=qid, kind="single", stem="Which?",
                    options=(Option("yes", True), Option("no", False)), tags=tags)


ASPS = Deck(
    id="asps",
    title="ASPS essentials",
    sources={},
    items=(
        Flashcard(id="fc1", front="Front", back="Back", reversible=True, tags=("facts",)),
        _q("q1", ("red-flags",)),
        _q("q2", ("red-flags", "imaging")),
        Case(id="c1", title="Back pain", stem="A 14-year-old...", tags=("cases",),
             stages=(Stage(id="s1", questions=(_q("a"), _q("b"))),)),
    ),
)
FLAGS = Deck(id="flags", title="Red flags", sources={}, items=(_q("rf1", ("red-flags",)),
                                                                _q("rf2", ("fever",))))
DECKS = [ASPS, FLAGS]


def _u(deck: str, item: str, part: str = "") -> StudyUnit:
    return StudyUnit(deck, item, part)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A history with known figures (all times UTC):

    day 1 (3 Mar): q1 wrong (conf 3, 10 s), q1 right (conf 3, 20 s), fc1 Good (flashcards, 4 s)
    day 3 (5 Mar): q2 wrong (conf 1, 40 s), rf1 right (exam, conf 2, 90 s),
                   c1 s1/a right (no time recorded)
    """
    s = Store.open(tmp_path / "data", clock=lambda: NOW)
    sid = s.start_session("tutor", {}, ["asps"], at=DAY1)
    h = timedelta(minutes=1)
    s.record_attempt(_u("asps", "q1"), answer=["B"], correct=False, mode="tutor", confidence=3,
                     time_ms=10_000, at=DAY1, session_id=sid)
    s.record_attempt(_u("asps", "q1"), answer=["A"], correct=True, mode="tutor", confidence=3,
                     time_ms=20_000, at=DAY1 + h, session_id=sid)
    s.record_attempt(_u("asps", "fc1"), answer="Good", correct=True, mode="flashcards",
                     rating=Rating.GOOD, time_ms=4_000, at=DAY1 + 2 * h)
    s.start_session("exam", {}, ["flags"], at=DAY3)
    s.record_attempt(_u("asps", "q2"), answer=["B"], correct=False, mode="tutor", confidence=1,
                     time_ms=40_000, at=DAY3)
    s.record_attempt(_u("flags", "rf1"), answer=["A"], correct=True, mode="exam", confidence=2,
                     time_ms=90_000, at=DAY3 + h)
    s.record_attempt(_u("asps", "c1", "s1/a"), answer=["A"], correct=True, mode="tutor",
                     at=DAY3 + 2 * h)
    yield s
    s.close()


def test_per_day_and_per_week_accuracy(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    assert d.today == date(2025, 3, 10)
    # from the first answer to today, empty days included
    assert [b.start for b in d.days] == [date(2025, 3, 3) + timedelta(days=i) for i in range(8)]
    assert [(b.total, b.correct) for b in d.days] == [
        (3, 2), (0, 0), (3, 2), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)]
    assert d.days[0].accuracy == pytest.approx(2 / 3)
    assert d.days[1].accuracy is None
    assert d.days[0].wrong == 1
    assert [(b.start, b.days, b.total, b.correct) for b in d.weeks] == [
        (date(2025, 3, 3), 7, 6, 4), (date(2025, 3, 10), 7, 0, 0)]


def test_totals(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    t = d.totals
    assert (t.attempts, t.correct, t.units_seen, t.active_days) == (6, 4, 5, 2)
    assert t.accuracy == pytest.approx(4 / 6)
    assert t.study_ms == 164_000
    assert t.sessions == 2
    assert t.due_today == d.forecast[0]
    assert not d.empty and not d.history_empty


def _store_at(tmp_path: Path, moments: list[datetime]) -> Store:
    s = Store.open(tmp_path / "tz", clock=lambda: NOW)
    for i, at in enumerate(moments):
        s.record_attempt(_u("asps", f"q{i}"), answer=["A"], correct=True, mode="tutor", at=at)
    return s


def test_local_day_with_a_fixed_offset(tmp_path: Path) -> None:
    with _store_at(tmp_path, [datetime(2025, 3, 3, 22, 30, tzinfo=UTC)]) as s:
        plus2 = timezone(timedelta(hours=2))
        assert compute(s, [], Filters(), NOW, tz=UTC).days[0].start == date(2025, 3, 3)
        assert compute(s, [], Filters(), NOW, tz=plus2).days[0].start == date(2025, 3, 4)


def test_local_day_with_a_half_hour_offset(tmp_path: Path) -> None:
    # India (UTC+5:30): local midnight falls at 18:30 UTC, inside one UTC hour
    moments = [datetime(2025, 3, 3, 18, 20, tzinfo=UTC), datetime(2025, 3, 3, 18, 40, tzinfo=UTC)]
    with _store_at(tmp_path, moments) as s:
        ist = timezone(timedelta(hours=5, minutes=30))
        d = compute(s, [], Filters(), NOW, tz=ist)
        assert [(b.start, b.total) for b in d.days[:2]] == [
            (date(2025, 3, 3), 1), (date(2025, 3, 4), 1)]


def test_local_day_across_daylight_saving(tmp_path: Path) -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        london = zoneinfo.ZoneInfo("Europe/London")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database")
    moments = [
        datetime(2025, 3, 1, 23, 30, tzinfo=UTC),  # GMT: 23:30 on 1 March
        datetime(2025, 6, 1, 23, 30, tzinfo=UTC),  # BST: 00:30 on 2 June
    ]
    with _store_at(tmp_path, moments) as s:
        now = datetime(2025, 6, 5, 12, tzinfo=UTC)
        d = compute(s, [], Filters(), now, tz=london)
        answered = {b.start: b.total for b in d.days if b.total}
        assert answered == {date(2025, 3, 1): 1, date(2025, 6, 2): 1}


def test_timestamps_with_offsets_are_read(tmp_path: Path) -> None:
    """Stores written by other tools may use ``+00:00`` or other offsets."""
    folder = tmp_path / "offsets"
    folder.mkdir()
    base = {"answer": ["A"], "marks": 1, "confidence": None, "mode": "tutor", "time_ms": 5000,
            "session_id": None, "rating": 3, "deck_id": "asps", "part": ""}
    attempts = [
        {**base, "id": "a1", "item_id": "q1", "correct": True,
         "timestamp": "2025-03-03T23:30:00+00:00"},
        {**base, "id": "a2", "item_id": "q2", "correct": False,
         "timestamp": "2025-03-03T22:30:00-02:00"},  # 00:30 UTC on 4 March
        {**base, "id": "a3", "item_id": "q1", "correct": False,
         "timestamp": "2025-03-04T10:00Z"},
    ]
    doc = {"format": 1, "seq": 3, "attempts": attempts, "sessions": {}, "items": {},
           "undone": [], "pending_session": None}
    (folder / "progress.json").write_text(json.dumps(doc), encoding="utf-8")
    with Store.open(folder, read_only=True) as s:
        d = compute(s, [ASPS], Filters(), NOW, tz=UTC)
        assert [(b.start, b.total, b.correct) for b in d.days[:2]] == [
            (date(2025, 3, 3), 1, 1), (date(2025, 3, 4), 2, 0)]
        asps = d.decks[0]
        assert (asps.seen, asps.mastered) == (2, 0)  # q1's latest answer was wrong


def test_calibration(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    c1, c2, c3 = d.calibration
    assert [(b.confidence, b.total, b.correct) for b in d.calibration] == [
        (1, 1, 0), (2, 1, 1), (3, 2, 1)]
    assert c3.share == pytest.approx(0.5)
    assert (c1.ideal_low, c1.ideal_high) == (0.0, pytest.approx(2 / 3))
    assert (c2.ideal_low, c2.ideal_high) == (pytest.approx(2 / 3), 0.8)
    assert (c3.ideal_low, c3.ideal_high) == (0.8, 1.0)
    assert CALIBRATION_IDEAL[3] == (0.8, 1.0)
    assert c1.verdict == "too few answers"


@pytest.mark.parametrize(
    ("confidence", "right", "total", "verdict"),
    [
        (3, 3, 6, "overconfident"),  # 50% at "sure"
        (3, 5, 6, "well calibrated"),  # 83%
        (2, 4, 5, "well calibrated"),  # exactly 80%: the band is inclusive
        (2, 6, 6, "underconfident"),
        (1, 5, 5, "underconfident"),  # always right while "unsure"
        (1, 2, 5, "well calibrated"),
    ],
)
def test_calibration_verdicts(tmp_path: Path, confidence: int, right: int, total: int,
                              verdict: str) -> None:
    with Store.open(tmp_path / "cal", clock=lambda: NOW) as s:
        for i in range(total):
            s.record_attempt(_u("asps", "q1"), answer=["A"], correct=i < right, mode="tutor",
                             confidence=confidence, at=DAY1 + timedelta(minutes=i))
        d = compute(s, [ASPS], Filters(), NOW, tz=UTC)
    b = d.calibration[confidence - 1]
    assert (b.total, b.correct, b.verdict) == (total, right, verdict)
    assert d.calibration[0 if confidence != 1 else 1].verdict == "no answers"


def test_mastery_per_deck_and_tag_weakest_first(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    # asps: 6 units (fc1, fc1 reverse, q1, q2, c1 s1/a, c1 s1/b); seen fc1, q1, q2, s1/a;
    # latest right: fc1, q1 (wrong then right), s1/a -> 3 of 4
    # flags: rf1 right -> 1 of 1
    assert [(r.key, r.units, r.seen, r.mastered) for r in d.decks] == [
        ("asps", 6, 4, 3), ("flags", 2, 1, 1)]
    assert d.decks[0].mastery == pytest.approx(0.75)
    assert d.decks[0].coverage == pytest.approx(4 / 6)
    tags = {r.key: (r.units, r.seen, r.mastered) for r in d.tags}
    assert tags == {
        "facts": (2, 1, 1),
        "red-flags": (3, 3, 2),  # q1 right, q2 wrong, rf1 right
        "imaging": (1, 1, 0),
        "cases": (2, 1, 1),
        "fever": (1, 0, 0),
    }
    # weakest first; ties by more wrong, then name; never answered last
    assert [r.key for r in d.tags] == ["imaging", "red-flags", "cases", "facts", "fever"]
    assert d.tags[-1].mastery is None
    assert [r.key for r in d.weakest] == ["imaging", "red-flags", "asps", "cases", "facts",
                                          "flags"]


def test_practice_settings(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    tags = {r.key: r for r in d.tags}
    red = tags["red-flags"].practice()
    assert isinstance(red, SessionSettings)
    assert red.mode == "tutor" and red.selection == "incorrect"
    assert red.tags == ("red-flags",) and set(red.deck_ids) == {"asps", "flags"}
    # facts holds only flashcards, none wrong: review them all as flashcards
    facts = tags["facts"].practice(limit=5)
    assert (facts.mode, facts.selection, facts.limit, facts.deck_ids) == (
        "flashcards", "all", 5, ("asps",))
    deck = d.decks[0].practice()
    assert (deck.mode, deck.selection, deck.tags, deck.deck_ids) == (
        "tutor", "incorrect", (), ("asps",))


def test_deck_filter(store: Store) -> None:
    d = compute(store, DECKS, Filters(deck_ids=("flags",)), NOW, tz=UTC)
    assert (d.totals.attempts, d.totals.correct, d.totals.sessions) == (1, 1, 1)
    assert [r.key for r in d.decks] == ["flags"]
    assert {r.key for r in d.tags} == {"red-flags", "fever"}
    assert all(r.deck_ids == ("flags",) for r in d.tags)
    assert d.tags[0].units == 1  # red-flags within this deck only
    assert [(b.confidence, b.total) for b in d.calibration] == [(1, 0), (2, 1), (3, 0)]


def test_date_filter(store: Store) -> None:
    day3 = Filters(start=date(2025, 3, 4), end=date(2025, 3, 6))
    d = compute(store, DECKS, day3, NOW, tz=UTC)
    assert [(b.start, b.total) for b in d.days] == [
        (date(2025, 3, 4), 0), (date(2025, 3, 5), 3), (date(2025, 3, 6), 0)]
    assert (d.totals.attempts, d.totals.sessions) == (3, 1)
    # in this period q1 was not answered: asps has q2 (wrong) and s1/a (right)
    assert (d.decks[0].seen, d.decks[0].mastered) == (2, 1)
    last7 = Filters.last_days(7, NOW.date())
    assert (last7.start, last7.end) == (date(2025, 3, 4), date(2025, 3, 10))
    d7 = compute(store, DECKS, last7, NOW, tz=UTC)
    assert len(d7.days) == 7 and d7.totals.attempts == 3
    with pytest.raises(ValueError):
        Filters.last_days(0, NOW.date())


def test_period_without_answers(store: Store) -> None:
    d = compute(store, DECKS, Filters(start=date(2025, 1, 1), end=date(2025, 1, 3)), NOW,
                tz=UTC)
    assert d.empty and not d.history_empty
    assert [(b.total) for b in d.days] == [0, 0, 0]
    assert d.weakest == ()
    assert d.decks[-1].mastery is None


def test_far_start_is_cut_to_a_year_of_empty_days(store: Store) -> None:
    d = compute(store, DECKS, Filters(start=date(1990, 1, 1)), NOW, tz=UTC)
    assert d.days[0].start == NOW.date() - timedelta(days=365)
    assert d.totals.attempts == 6


def test_time_per_question(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    times = {t.mode: t for t in d.times}
    assert list(times) == ["flashcards", "tutor", "exam"]
    tutor = times["tutor"]  # 10, 20, 40 s; the case answer has no time and is left out
    assert (tutor.count, tutor.median_ms, tutor.p90_ms, tutor.total_ms) == (
        3, 20_000.0, 40_000.0, 70_000)
    assert len(tutor.histogram) == len(TIME_BINS_S) == len(time_bin_labels())
    edges = dict(zip(TIME_BINS_S, tutor.histogram, strict=True))
    assert (edges[10], edges[20], edges[30]) == (1, 1, 1)  # 10 s in 10-20, 20 in 20-30, 40 ...
    assert sum(tutor.histogram) == 3
    assert times["exam"].histogram[TIME_BINS_S.index(90)] == 1
    assert times["flashcards"].histogram[0] == 1
    assert time_bin_labels()[0] == "<5 s" and time_bin_labels()[-1] == "5 min+"
    assert "90 s–2 min" in time_bin_labels()


def test_forecast_matches_the_store(store: Store) -> None:
    local = NOW.astimezone(UTC)
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    units = [u for deck in DECKS for u in deck.study_units()]
    assert len(d.forecast) == FORECAST_DAYS
    assert list(d.forecast) == store.forecast(units, FORECAST_DAYS, local)
    assert sum(d.forecast) == 5  # every answered unit is scheduled


def test_undone_attempts_do_not_count(store: Store) -> None:
    store.undo_last(_u("asps", "c1", "s1/a"))
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    assert (d.totals.attempts, d.totals.units_seen) == (5, 4)


def test_empty_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty", clock=lambda: NOW) as s:
        d = compute(s, DECKS, Filters(), NOW, tz=UTC)
    assert d.empty and d.history_empty
    assert d.days == () and d.weeks == ()
    assert d.forecast == (0,) * FORECAST_DAYS
    assert d.weakest == ()
    assert [r.seen for r in d.decks] == [0, 0]
    assert all(t.count == 0 and t.median_ms is None for t in d.times)
    assert d.totals.accuracy is None
    assert compute(s, [], None, NOW, tz=UTC).forecast == (0,) * FORECAST_DAYS


def test_results_are_frozen(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW, tz=UTC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.totals.attempts = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.decks[0].mastered = 0  # type: ignore[misc]


def test_now_must_be_aware(store: Store) -> None:
    with pytest.raises(ValueError):
        compute(store, DECKS, Filters(), datetime(2025, 3, 10))


def test_default_zone_is_the_computers(store: Store) -> None:
    d = compute(store, DECKS, Filters(), NOW)
    assert d.today == NOW.astimezone().date()
    assert d.totals.attempts == 6


class _PublicOnly:
    """A store seen only through its public API (no ``_state``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._store, name)


@pytest.mark.parametrize("filters", [Filters(), Filters(deck_ids=("asps",)),
                                     Filters(start=date(2025, 3, 4), end=date(2025, 3, 9))])
def test_public_api_fallback_gives_the_same_figures(store: Store, filters: Filters) -> None:
    store.set_flagged(_u("asps", "q2"))
    fast = compute(store, DECKS, filters, NOW, tz=UTC)
    slow = compute(cast(Store, _PublicOnly(store)), DECKS, filters, NOW, tz=UTC)
    assert slow == fast
