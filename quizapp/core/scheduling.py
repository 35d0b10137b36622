"""Spaced-repetition scheduling: a thin, typed wrapper over the ``fsrs`` package (FSRS-6).

The rest of quizapp talks to this module only, so nothing else needs to import ``fsrs``:

* :class:`Rating` is our own enum (``AGAIN=1`` .. ``EASY=4``, the values FSRS uses).
* Scheduler memory for one study unit is a plain JSON dict (:data:`CardData`, exactly what
  ``fsrs.Card.to_dict()`` produces), so the score store can keep it as it is.
* :class:`Scheduler` reviews such a dict with a rating and previews the interval each rating
  would give (for the four flashcard buttons).

All datetimes here are timezone-aware; they are converted to UTC before ``fsrs`` sees them
(``fsrs`` insists on ``tzinfo == timezone.utc``). Naive datetimes are refused.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first needed: start-up does not pay for it
    import fsrs

__all__ = [
    "CardData",
    "Rating",
    "Scheduler",
    "card_due",
    "format_interval",
    "format_timestamp",
    "parse_timestamp",
    "to_utc",
    "utc_now",
    "validate_card",
]

#: The JSON form of one unit's scheduler memory (``fsrs.Card.to_dict()``): keys ``card_id``,
#: ``state`` (1 learning, 2 review, 3 relearning), ``step``, ``stability``, ``difficulty``,
#: ``due`` and ``last_review`` (ISO 8601 strings).
CardData = dict[str, Any]


class Rating(IntEnum):
    """How well a unit was recalled; the values are the FSRS ratings."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """The button text: ``"Again"``, ``"Hard"``, ``"Good"`` or ``"Easy"``."""
        return self.name.capitalize()


# --------------------------------------------------------------------------------------------
# Time helpers shared by the scheduler and the store


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def to_utc(moment: datetime) -> datetime:
    """``moment`` converted to UTC; a naive datetime is a programming error."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(timezone.utc)


def format_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with millisecond precision and a ``Z`` suffix, e.g.
    ``2025-03-01T09:30:12.345Z``."""
    return to_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 timestamp with a ``Z`` or numeric offset into an aware UTC datetime.

    Raises :class:`ValueError` for text that is not such a timestamp (including naive ones).
    """
    if not isinstance(text, str):
        raise ValueError(f"timestamp must be a string, got {type(text).__name__}")
    if len(text) == 24 and text[23] == "Z" and text[19] == "." and text.isascii():
        # quizapp's own form (format_timestamp; millions of calls in a migration): the
        # general path below without its regex and conversion, which change nothing here
        return datetime.fromisoformat(text[:23] + "+00:00")
    return _parse_general(text)


def _parse_general(text: str) -> datetime:
    """:func:`parse_timestamp` for any form it takes (the reference of its fast path)."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.10 reads fractions of a second only with 3 or 6 digits; newer ones with 1 to 6
    text = _FRACTION.sub(lambda m: "." + m.group(1).ljust(6, "0"), text, count=1)
    return to_utc(datetime.fromisoformat(text))


_FRACTION = re.compile(r"\.(\d{1,6})(?=[+-]\d\d:\d\d$)")


def card_due(card: Mapping[str, Any]) -> datetime:
    """When a unit with this scheduler memory is next due (aware, UTC)."""
    return parse_timestamp(card["due"])


# --------------------------------------------------------------------------------------------


def _card_from_data(data: Mapping[str, Any] | None, now: datetime) -> fsrs.Card:
    """Build an ``fsrs.Card``; raises ``KeyError``/``ValueError``/``TypeError`` on bad data."""
    import fsrs

    if data is None:
        # card_id is irrelevant to us (units are keyed by StudyUnit.key); passing it explicitly
        # also avoids fsrs.Card's 1 ms sleep that guarantees unique default ids.
        return fsrs.Card(card_id=int(now.timestamp() * 1000), due=now)
    last_review = data.get("last_review")
    stability = data.get("stability")
    difficulty = data.get("difficulty")
    step = data.get("step")
    return fsrs.Card(
        card_id=int(data["card_id"]),
        state=fsrs.State(int(data["state"])),
        step=None if step is None else int(step),
        stability=None if stability is None else float(stability),
        difficulty=None if difficulty is None else float(difficulty),
        due=parse_timestamp(data["due"]),
        last_review=None if last_review is None else parse_timestamp(last_review),
    )


def validate_card(data: object) -> CardData:
    """Check that ``data`` is usable scheduler memory and return it as a dict.

    Raises :class:`ValueError` describing the problem otherwise. Used by the store when it
    loads a file, so a damaged item is reported instead of crashing a later review.
    """
    if not isinstance(data, dict):
        raise ValueError(f"scheduler state must be an object, got {type(data).__name__}")
    try:
        _card_from_data(data, utc_now())
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"invalid scheduler state {data!r}: {exc}") from None
    return data


class Scheduler:
    """FSRS-6 with the default parameters and interval fuzzing on.

    Every method is pure: it takes a unit's :data:`CardData` (or ``None`` for a unit never
    reviewed) and returns new data; nothing is mutated.
    """

    def __init__(self, *, enable_fuzzing: bool = True, desired_retention: float = 0.9) -> None:
        self._retention = float(desired_retention)
        self._fuzzing = bool(enable_fuzzing)
        self._schedulers: tuple[fsrs.Scheduler, fsrs.Scheduler] | None = None

    def _pair(self) -> tuple[fsrs.Scheduler, fsrs.Scheduler]:
        """(the scheduler, the preview scheduler), made on first use (fsrs loads then)."""
        if self._schedulers is None:
            import fsrs

            # Previews show the unfuzzed interval (as Anki does): fuzz is random by design, so
            # a preview cannot promise the exact day; the real review lands within a few %.
            self._schedulers = (
                fsrs.Scheduler(desired_retention=self._retention,
                               enable_fuzzing=self._fuzzing),
                fsrs.Scheduler(desired_retention=self._retention, enable_fuzzing=False),
            )
        return self._schedulers

    @property
    def _fsrs(self) -> fsrs.Scheduler:
        return self._pair()[0]

    @property
    def _preview(self) -> fsrs.Scheduler:
        return self._pair()[1]

    @property
    def desired_retention(self) -> float:
        return float(self._fsrs.desired_retention)

    @property
    def fuzzing(self) -> bool:
        return bool(self._fsrs.enable_fuzzing)

    def review(
        self, card: Mapping[str, Any] | None, rating: Rating, now: datetime, *,
        seed: str | None = None,
    ) -> CardData:
        """The scheduler memory after reviewing ``card`` with ``rating`` at ``now``.

        With a ``seed`` (e.g. the answer's id) the interval fuzz is drawn from a generator
        seeded with it, so the same review gives the same due date on every computer and in
        every replay; without one it is random, as in ``fsrs``.
        """
        import fsrs

        moment = to_utc(now)
        if seed is None or not self._fuzzing:
            new_card, _log = self._fsrs.review_card(
                _card_from_data(card, moment), fsrs.Rating(int(rating)), review_datetime=moment
            )
            return dict(new_card.to_dict())
        new_card, _log = self._preview.review_card(
            _card_from_data(card, moment), fsrs.Rating(int(rating)), review_datetime=moment
        )
        if new_card.state == fsrs.State.Review:
            # fsrs fuzzes exactly these reviews; the same rule with a seeded draw
            fuzzed = _fuzzed_days(new_card.due - moment, self._preview.maximum_interval,
                                  random.Random(seed).random())
            new_card.due = moment + fuzzed
        return dict(new_card.to_dict())

    def preview(
        self, card: Mapping[str, Any] | None, now: datetime
    ) -> dict[Rating, timedelta]:
        """The interval from ``now`` until the unit would next be due, for each rating."""
        import fsrs

        moment = to_utc(now)
        base = _card_from_data(card, moment)
        result: dict[Rating, timedelta] = {}
        for rating in Rating:
            new_card, _log = self._preview.review_card(
                base, fsrs.Rating(int(rating)), review_datetime=moment
            )
            result[rating] = new_card.due - moment
        return result

    def retrievability(self, card: Mapping[str, Any] | None, now: datetime) -> float:
        """Predicted probability (0..1) of recalling the unit at ``now``; 0 for a new unit."""
        if card is None:
            return 0.0
        moment = to_utc(now)
        fcard = _card_from_data(card, moment)
        return float(self._fsrs.get_card_retrievability(fcard, current_datetime=moment))


#: fsrs's fuzz ranges (fsrs.scheduler.FUZZ_RANGES, FSRS-6): (start days, end days, factor).
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, float("inf"), 0.05))


def _fuzzed_days(interval: timedelta, maximum: int, draw: float) -> timedelta:
    """``fsrs.Scheduler._get_fuzzed_interval`` with the random draw (0 <= draw < 1) given."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0
    for start, end, factor in _FUZZ_RANGES:
        delta += factor * max(min(float(days), end) - start, 0.0)
    low = max(2, round(days - delta))
    high = min(round(days + delta), maximum)
    low = min(low, high)
    return timedelta(days=min(round(draw * (high - low + 1) + low), maximum))


def format_interval(interval: timedelta) -> str:
    """A short human label for a button: ``<1m``, ``10m``, ``5h``, ``3d``, ``2mo``, ``1.5y``."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{round(days / 30.4)}mo"
    years = days / 365
    return f"{years:.1f}y".replace(".0y", "y")

