"""The FSRS wrapper: ratings, reviews, previews, JSON round trips, time handling."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import fsrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.scheduling import (
    Rating,
    Scheduler,
    card_due,
    format_interval,
    format_timestamp,
    parse_timestamp,
    to_utc,
    validate_card,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_rating_matches_fsrs() -> None:
    assert [int(r) for r in Rating] == [int(r) for r in fsrs.Rating]
    assert [r.label for r in Rating] == ["Again", "Hard", "Good", "Easy"]


def test_default_scheduler_is_fsrs6_defaults_with_fuzzing() -> None:
    s = Scheduler()
    assert s.fuzzing
    assert s.desired_retention == 0.9
    assert s._fsrs.parameters == fsrs.Scheduler().parameters


def test_new_card_review_intervals() -> None:
    s = Scheduler()
    again = s.review(None, Rating.AGAIN, NOW)
    good = s.review(None, Rating.GOOD, NOW)
    easy = s.review(None, Rating.EASY, NOW)
    assert card_due(again) - NOW == timedelta(minutes=1)
    assert card_due(good) - NOW == timedelta(minutes=10)
    assert card_due(easy) - NOW >= timedelta(days=1)
    assert easy["state"] == int(fsrs.State.Review)


def test_review_output_is_json_and_feeds_back() -> None:
    s = Scheduler()
    card = s.review(None, Rating.GOOD, NOW)
    card = json.loads(json.dumps(card))
    later = NOW + timedelta(minutes=11)
    card2 = s.review(card, Rating.GOOD, later)
    assert card_due(card2) > later
    assert parse_timestamp(card2["last_review"]) == later
    validate_card(card2)


def test_card_with_z_timestamps_is_accepted() -> None:
    s = Scheduler()
    card = s.review(None, Rating.EASY, NOW)
    card["due"] = format_timestamp(card_due(card))  # "...Z"
    assert card["due"].endswith("Z")
    assert card_due(s.review(card, Rating.GOOD, card_due(card))) > card_due(card)


def test_preview_matches_unfuzzed_review() -> None:
    exact = Scheduler(enable_fuzzing=False)
    card = exact.review(None, Rating.EASY, NOW)
    when = card_due(card) + timedelta(days=1)
    preview = exact.preview(card, when)
    assert set(preview) == set(Rating)
    for rating, interval in preview.items():
        assert card_due(exact.review(card, rating, when)) - when == interval
    assert preview[Rating.AGAIN] < preview[Rating.HARD] <= preview[Rating.GOOD]
    assert preview[Rating.GOOD] <= preview[Rating.EASY]


def test_fuzzed_review_lands_near_preview() -> None:
    exact = Scheduler(enable_fuzzing=False)
    card = exact.review(None, Rating.EASY, NOW)
    for _ in range(4):  # grow the interval so fuzz applies (it starts at 2.5 days)
        card = exact.review(card, Rating.EASY, card_due(card))
    when = card_due(card)
    fuzzed = Scheduler()
    preview = fuzzed.preview(card, when)
    assert preview == fuzzed.preview(card, when)  # previews are never fuzzed
    good = preview[Rating.GOOD]
    assert good > timedelta(days=10)
    seen = set()
    for _ in range(30):
        actual = card_due(fuzzed.review(card, Rating.GOOD, when)) - when
        seen.add(actual)
        assert abs(actual - good) <= good * 0.1 + timedelta(days=1)
    assert len(seen) > 1  # fuzzing is on


def test_preview_for_new_unit() -> None:
    p = Scheduler().preview(None, NOW)
    assert p[Rating.AGAIN] == timedelta(minutes=1)
    assert p[Rating.GOOD] == timedelta(minutes=10)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Scheduler().review(None, Rating.GOOD, datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        parse_timestamp("2025-01-01T00:00:00")


def test_non_utc_times_are_converted() -> None:
    cet = timezone(timedelta(hours=1))
    card = Scheduler().review(None, Rating.AGAIN, NOW.astimezone(cet))
    assert card_due(card) == NOW + timedelta(minutes=1)
    assert to_utc(NOW.astimezone(cet)).tzinfo is timezone.utc


@given(st.datetimes(timezones=st.just(timezone.utc), min_value=datetime(1971, 1, 1)))
def test_timestamp_round_trip(moment: datetime) -> None:
    text = format_timestamp(moment)
    assert text.endswith("Z")
    back = parse_timestamp(text)
    assert back.tzinfo is timezone.utc
    assert abs(back - moment) < timedelta(milliseconds=1)


def test_parse_accepts_offsets() -> None:
    assert parse_timestamp("2025-03-01T10:00:00+01:00") == NOW + timedelta(hours=0)
    assert parse_timestamp("2025-03-01T09:00:00.000Z") == NOW


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {},
        {"card_id": 1, "state": 9, "step": 0, "due": "2025-01-01T00:00:00Z"},
        {"card_id": 1, "state": 1, "step": 0, "due": "tomorrow"},
        {"card_id": "x", "state": 1, "step": 0, "due": "2025-01-01T00:00:00Z"},
    ],
)
def test_validate_card_rejects_garbage(bad: object) -> None:
    with pytest.raises(ValueError):
        validate_card(bad)


def test_retrievability() -> None:
    s = Scheduler()
    assert s.retrievability(None, NOW) == 0.0
    card = s.review(None, Rating.EASY, NOW)
    r_soon = s.retrievability(card, NOW + timedelta(days=1))
    r_late = s.retrievability(card, NOW + timedelta(days=60))
    assert 0.0 < r_late < r_soon <= 1.0


@pytest.mark.parametrize(
    ("interval", "label"),
    [
        (timedelta(seconds=30), "<1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=61), "2mo"),
        (timedelta(days=365), "1y"),
        (timedelta(days=548), "1.5y"),
    ],
)
def test_format_interval(interval: timedelta, label: str) -> None:
    assert format_interval(interval) == label


# -- deterministic fuzz (issue 15: every computer derives the same state by replay) --------

_T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def _mature_card(s: Scheduler) -> dict[str, object]:
    card = s.review(None, Rating.GOOD, _T0, seed="a")
    for day in (1, 4, 15):
        card = s.review(card, Rating.GOOD, _T0 + timedelta(days=day), seed=f"b{day}")
    return card


def test_seeded_review_is_the_same_on_every_computer() -> None:
    first, second = Scheduler(), Scheduler()  # two computers, or two replays
    card = _mature_card(first)
    assert card == _mature_card(second)
    now = _T0 + timedelta(days=60)
    results = {json.dumps(Scheduler().review(card, Rating.GOOD, now, seed="same-id"))
               for _ in range(5)}
    assert len(results) == 1
    # different answer ids still spread the due dates, as fuzz is meant to
    spread = {Scheduler().review(card, Rating.GOOD, now, seed=f"id{i}")["due"]
              for i in range(40)}
    assert len(spread) > 1


@given(days=st.integers(min_value=0, max_value=40_000), draw=st.floats(0, 1, exclude_max=True))
def test_seeded_fuzz_follows_fsrs_rule(days: int, draw: float) -> None:
    from unittest import mock

    from quizapp.core.scheduling import _fuzzed_days

    reference = fsrs.Scheduler()
    with mock.patch("fsrs.scheduler.random", lambda: draw):
        expected = reference._get_fuzzed_interval(interval=timedelta(days=days))
    assert _fuzzed_days(timedelta(days=days), reference.maximum_interval, draw) == expected


def test_unseeded_review_is_unchanged() -> None:
    s = Scheduler(enable_fuzzing=False)
    card = _mature_card(Scheduler(enable_fuzzing=False))
    now = _T0 + timedelta(days=60)
    assert s.review(card, Rating.GOOD, now) == s.review(card, Rating.GOOD, now, seed="x")


# -- the fast path of parse_timestamp (quizapp's own form) is exactly the general parser ----

_DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=1)


def _general_or_error(text: str) -> datetime | str:
    from quizapp.core.scheduling import _parse_general

    try:
        return _parse_general(text)
    except ValueError:
        return "ValueError"


def _fast_or_error(text: str) -> datetime | str:
    try:
        return parse_timestamp(text)
    except ValueError:
        return "ValueError"


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                    timezones=st.just(timezone.utc)))
def test_parse_timestamp_reads_its_own_form_as_the_general_parser(moment: datetime) -> None:
    text = format_timestamp(moment)
    got = parse_timestamp(text)
    assert got == _general_or_error(text)
    assert got.tzinfo is timezone.utc
    assert format_timestamp(got) == text


@given(st.lists(_DIGITS, min_size=17, max_size=17), st.sampled_from(["Z", "z", "+00:00", ""]),
       st.sampled_from(["T", " ", "t"]))
def test_parse_timestamp_canonical_shapes_any_digits(digits: list[str], zone: str,
                                                       sep: str) -> None:
    """Impossible dates and times (month 13, hour 24, day 0, year 0) in the canonical shape
    are refused as the general parser refuses them, and the rest read the same."""
    d = "".join(digits)
    text = f"{d[0:4]}-{d[4:6]}-{d[6:8]}{sep}{d[8:10]}:{d[10:12]}:{d[12:14]}.{d[14:17]}{zone}"
    assert _fast_or_error(text) == _general_or_error(text)


@given(st.text(st.sampled_from("0123456789-T:.Z+ \u0661\uff10z"), max_size=30))
def test_parse_timestamp_any_text_as_the_general_parser(text: str) -> None:
    assert _fast_or_error(text) == _general_or_error(text)


def test_parse_timestamp_fast_path_refuses_non_ascii_digits() -> None:
    with pytest.raises(ValueError):
        parse_timestamp("2025-03-01T09:30:12.34\u0665Z")
