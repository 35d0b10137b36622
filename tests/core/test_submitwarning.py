"""The words of the exam's submit confirmation (quizapp.core.submitwarning)."""

from __future__ import annotations

from quizapp.core.submitwarning import item_numbers


def test_item_numbers_in_messages() -> None:
    assert item_numbers([4]) == "item 4"
    assert item_numbers([2, 5, 9]) == "items 2, 5 and 9"
    assert item_numbers(list(range(1, 31))) == (
        "items 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 18 more")
