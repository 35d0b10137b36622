"""The Statistics charts' rules that a student reads off the screen (quizapp.ui.charts)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from quizapp.ui import charts

COLOURS = {"incorrect": "red", "accent": "blue", "correct": "green"}


@given(st.floats(min_value=0, max_value=100))
def test_a_mastery_bar_has_the_colour_of_the_legend_band_its_label_shows(percent: float) -> None:
    """The legend says "Under 60%", "60–79%" and "80% or more" of the label under the bar
    (rounded), so a bar labelled 60% is never red and one labelled 80% is green."""
    shown = int(f"{percent:.0f}")  # what the bar's label says
    expected = "red" if shown < 60 else "blue" if shown < 80 else "green"
    assert charts.mastery_colour(COLOURS, percent) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
       st.integers(min_value=1, max_value=800), st.sampled_from([1, 7]))
def test_date_ticks_are_in_range_in_order_and_few(start: date, n: int, step: int) -> None:
    starts = [start + timedelta(days=i * step) for i in range(n)]
    ticks = charts.date_ticks(starts)
    xs = [x for x, _ in ticks]
    assert ticks and xs == sorted(set(xs)) and all(0 <= x < n for x in xs)
    assert len(ticks) <= 10
    assert all(text for _, text in ticks)
