"""Figures for the Progress dashboard, computed from the store's rolled-up aggregates.

:func:`compute` never reads every answer: it reads the store's
:class:`~quizapp.core.progress.aggregates.Aggregates` (answers per deck and UTC hour, per deck
and month, per unit) and the per-unit state, and reads answers (``Store.iter_answers``) only
for the months that the period's first or last day cuts in two, or, for mastery over a period
that ends before the latest answer, the months of that period. It returns a
:class:`Dashboard` of frozen dataclasses: accuracy per day and per week, answers per day,
the due forecast, mastery per deck and per tag, confidence calibration, time per question
and totals. Nothing here imports Qt or numpy.

Days are *local* days: an answer given at 00:30 local time counts on that local day, whatever
its UTC date. By default the computer's time zone rules are used, per quarter hour (or per
answer where a local midnight or an offset change falls inside a quarter hour), so days stay
right across daylight-saving changes; tests pass a fixed ``tz``.

**Time per question**: the histogram bins, counts and totals are exact; the median and the
9-in-10 time are those of whole seconds (``time_ms // 1000``), which is what the aggregates
keep and what the page shows.

**Mastery** of a deck or tag: of its study units answered in the chosen period, the share
whose *latest* answer in that period was right. ``coverage`` is the share of the group's units
answered at all. Groups answered in the period are listed weakest first (lowest mastery, then
more units wrong, then name); groups not yet answered come last. A student reads it as "of the
cards I have tried here, how many did I get right the last time I saw them" - the same
"incorrect last time" idea the session builder offers, so clicking a weak group can start a
session on exactly the units it counts as wrong.

**Calibration** follows certainty-based marking (Gardner-Medwin): with marks +1/0 at
confidence 1, +2/-2 at 2 and +3/-6 at 3, confidence 2 pays off from a 2/3 chance of being right
and confidence 3 from 80%. So a well-calibrated student is right under 67% of the time at
confidence 1, 67-80% at 2 and over 80% at 3 (:data:`CALIBRATION_IDEAL`).

The per-unit state (due, last result, last seen) is read from the store's in-memory state,
strictly read-only, with the public API as the fallback if those internals ever change
(see :func:`_scheduler_items`).
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any, Literal, cast

from quizapp.core import scoring
from quizapp.core.model import Case, Deck, Flashcard, Item, StudyUnit
from quizapp.core.planner import deck_counts, due_cutoff
from quizapp.core.progress.aggregates import (
    answer_place,
    hour_start,
    month_of_hour,
    month_start,
)
from quizapp.core.scheduling import format_timestamp, parse_timestamp, utc_now
from quizapp.core.session import SessionSettings
from quizapp.core.store import MODES, Mode, Store

__all__ = [
    "CALIBRATION_IDEAL",
    "FORECAST_DAYS",
    "TIME_BINS_S",
    "Bucket",
    "CalibrationBin",
    "Dashboard",
    "Filters",
    "MasteryRow",
    "TimeStats",
    "Totals",
    "compute",
    "time_bin_labels",
]

#: How many days the due forecast covers (day 0 is today and includes everything overdue).
FORECAST_DAYS = 30

#: Confidence level -> (lowest, highest) share of right answers at which that level earns the
#: most certainty-based marks: defined once in the marking rulebook.
CALIBRATION_IDEAL = scoring.CALIBRATION_IDEAL

#: Below this many answers at a confidence level its verdict is "too few answers".
CALIBRATION_MIN_ANSWERS = 5

#: Lower edges (seconds) of the time-per-question histogram bins; the last bin is open.
TIME_BINS_S: tuple[int, ...] = (0, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300)

#: A leading run of empty days is cut to at most this many (a "from 1990" filter would
#: otherwise draw decades of nothing).
MAX_EMPTY_LEAD_DAYS = 365

PRACTICE_LIMIT = 20



def items_of(unit_keys: Iterable[str]) -> int:
    """How many items the unit keys name (``deck::item`` and ``deck::item::part`` are one)."""
    return len({tuple(k.split("::", 2)[:2]) for k in unit_keys})

def time_bin_labels() -> tuple[str, ...]:
    """Human labels for :data:`TIME_BINS_S`: ``"<5 s"``, ``"5–10 s"``, ..., ``"90 s–2 min"``,
    ``"2–3 min"``, ``"3–5 min"``, ``"5 min+"``."""

    def fmt(s: int) -> str:
        return f"{s // 60} min" if s >= 120 and s % 60 == 0 else f"{s} s"

    out = [f"<{fmt(TIME_BINS_S[1])}"]
    for lo, hi in pairwise(TIME_BINS_S[1:]):
        a, b = fmt(lo), fmt(hi)
        if a.endswith(" s") and b.endswith(" s"):
            a = a[:-2]
        elif a.endswith(" min") and b.endswith(" min"):
            a = a[:-4]
        out.append(f"{a}–{b}")
    out.append(f"{fmt(TIME_BINS_S[-1])}+")
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Filters:
    """What the dashboard looks at.

    ``deck_ids`` empty means every deck (and every attempt in the store, including decks no
    longer in the library). ``start`` and ``end`` are local days, both included; ``None``
    means from the first answer / with no upper limit.
    """

    deck_ids: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    @classmethod
    def last_days(cls, days: int, today: date, deck_ids: Sequence[str] = ()) -> Filters:
        """The last ``days`` days up to and including ``today``."""
        if days < 1:
            raise ValueError("days must be at least 1")
        return cls(tuple(deck_ids), today - timedelta(days=days - 1), today)


@dataclass(frozen=True, slots=True)
class Bucket:
    """Answers in one local day (``days == 1``) or one Monday-to-Sunday week (``days == 7``)."""

    start: date
    days: int
    total: int
    correct: int

    @property
    def wrong(self) -> int:
        return self.total - self.correct

    @property
    def accuracy(self) -> float | None:
        """Share right (0..1), ``None`` with no answers."""
        return self.correct / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class MasteryRow:
    """Mastery of one deck (``kind == "deck"``, ``key`` its id) or tag (``key`` the tag).

    ``units`` study units in the group (within the filtered decks); ``seen`` of them answered
    in the period; ``mastered`` whose latest answer in the period was right. ``mode`` and
    ``selection`` are what :meth:`practice` will ask for: the item kind with more units wrong
    (questions -> tutor mode, flashcards -> flashcard review), and ``"incorrect"`` when the
    store has units of that kind wrong last time (else ``"all"``).
    """

    kind: Literal["deck", "tag"]
    key: str
    label: str
    deck_ids: tuple[str, ...]
    units: int
    seen: int
    mastered: int
    mode: Mode
    selection: str

    @property
    def wrong(self) -> int:
        return self.seen - self.mastered

    @property
    def mastery(self) -> float | None:
        """Share (0..1) of answered units whose latest answer was right; ``None`` if none."""
        return self.mastered / self.seen if self.seen else None

    @property
    def coverage(self) -> float:
        """Share (0..1) of the group's units answered in the period."""
        return self.seen / self.units if self.units else 0.0

    def practice(self, limit: int = PRACTICE_LIMIT) -> SessionSettings:
        """Session settings to practise this deck or tag."""
        return SessionSettings(
            mode=self.mode,
            deck_ids=self.deck_ids,
            tags=(self.key,) if self.kind == "tag" else (),
            selection=self.selection,
            limit=limit,
            shuffle=True,
        )


Verdict = Literal["no answers", "too few answers", "overconfident", "well calibrated",
                  "underconfident"]


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Answers given at one confidence level and how often they were right."""

    confidence: int
    total: int
    correct: int
    ideal_low: float
    ideal_high: float

    @property
    def share(self) -> float | None:
        return self.correct / self.total if self.total else None

    @property
    def verdict(self) -> Verdict:
        share = self.share
        if share is None:
            return "no answers"
        if self.total < CALIBRATION_MIN_ANSWERS:
            return "too few answers"
        if share < self.ideal_low:
            return "overconfident"
        if share > self.ideal_high:
            return "underconfident"
        return "well calibrated"


@dataclass(frozen=True, slots=True)
class TimeStats:
    """Time per answer in one mode. Answers with no recorded time (0 ms) are left out.
    ``median_ms`` and ``p90_ms`` are those of whole seconds (``time_ms // 1000 * 1000``)."""

    mode: Mode
    count: int
    median_ms: float | None
    p90_ms: float | None
    total_ms: int
    histogram: tuple[int, ...]
    """Answers per bin of :data:`TIME_BINS_S`."""


@dataclass(frozen=True, slots=True)
class Totals:
    attempts: int
    correct: int
    units_seen: int
    active_days: int
    study_ms: int
    sessions: int
    """Sessions started in the period (on the filtered decks)."""
    due_today: int
    """Items of the filtered decks due by the end of this study day, overdue included (the
    library's Due column counts the same: :func:`quizapp.core.planner.deck_counts`)."""
    due_week: int = 0
    """Items due by the end of the 7th study day, today included (``quizapp stats``' "due 7
    days" counts the same)."""
    items_seen: int = 0
    """Items (a case is one, a card with its reverse one) answered in the period: over all
    time the library's and ``quizapp stats``' Seen count the same."""
    items: int = 0
    """Items in the filtered decks (the library's Items column, summed)."""

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None


@dataclass(frozen=True, slots=True)
class Dashboard:
    filters: Filters
    today: date
    days: tuple[Bucket, ...]
    """Every local day of the period (empty days included), oldest first."""
    weeks: tuple[Bucket, ...]
    """Monday-to-Sunday weeks covering :attr:`days`."""
    forecast: tuple[int, ...]
    """Units due on each of the next :data:`FORECAST_DAYS` days; day 0 includes overdue."""
    decks: tuple[MasteryRow, ...]
    """Weakest first; decks not answered in the period last."""
    tags: tuple[MasteryRow, ...]
    """Weakest first; tags not answered in the period last."""
    calibration: tuple[CalibrationBin, ...]
    """Confidence 1, 2 and 3."""
    times: tuple[TimeStats, ...]
    """One per mode, in :data:`quizapp.core.store.MODES` order."""
    totals: Totals
    history_empty: bool
    """True when the store has no answers at all (not just none matching the filters)."""

    @property
    def empty(self) -> bool:
        """No answers match the filters."""
        return self.totals.attempts == 0

    @property
    def weakest(self) -> tuple[MasteryRow, ...]:
        """Decks and tags answered in the period, weakest first."""
        rows = [r for r in (*self.decks, *self.tags) if r.seen]
        rows.sort(key=_weak_key)
        return tuple(rows)


# --------------------------------------------------------------------------------------------
# Computing


def _scheduler_items(store: Store) -> Mapping[str, Any] | None:
    """The store's per-unit state (unit key -> object with ``due`` and ``last_correct``),
    read-only, or ``None`` if the store's internals changed (then the public API is used)."""
    state = getattr(store, "_state", None)
    items = getattr(state, "items", None)
    if not isinstance(items, dict):
        return None
    sample = next(iter(items.values()), None)
    if sample is not None and not (hasattr(sample, "due") and hasattr(sample, "last_correct")):
        return None
    return items


_DAY_END = timedelta(days=1, microseconds=-1)
_QUARTER = timedelta(minutes=15)
_QUARTER_END = timedelta(minutes=15, microseconds=-1)
_UNKNOWN = object()
HourDays = int | tuple[int, int, int, int] | None


class _HourDays:
    """Maps a UTC hour index (:func:`~quizapp.core.progress.aggregates.answer_place`) to its
    local day ordinal; to the local days of its four quarter hours when a local midnight falls
    on a quarter hour inside it (UTC+5:30, +5:45...); or to ``None`` when a midnight or an
    offset change falls inside a quarter hour (then its answers are read one by one). The
    zone's offset is looked up once per UTC day, so years of history cost a few thousand zone
    conversions."""

    __slots__ = ("_days", "tz")

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self._days: dict[int, _Day] = {}

    def __call__(self, hour: int) -> HourDays:
        d, h = divmod(hour, 24)
        return self.day(d).hours[h]

    def day(self, d: int) -> _Day:
        """The UTC day ordinal ``d``: its month index and each of its hours' local days."""
        got = self._days.get(d)
        if got is None:
            got = self._days[d] = self._make(d)
        return got

    def _make(self, d: int) -> _Day:
        midnight = hour_start(d * 24)
        first = midnight.astimezone(self.tz).utcoffset()
        last = (midnight + _DAY_END).astimezone(self.tz).utcoffset()
        hours: list[HourDays]
        if first is not None and first == last:
            offset = int(first.total_seconds())
            hours = []
            for h in range(24):
                s = h * 3600 + offset
                day = s // 86400
                hours.append(d + day if (s + 3599) // 86400 == day else _quarters(d, s))
        else:  # the offset changes on this UTC day: look at each hour itself
            hours = [self._exact(d * 24 + h) for h in range(24)]
        seq: list[int] = []
        for x in hours:
            if x is None:
                seq = []
                break
            if isinstance(x, int):
                seq.append(x)
            else:
                seq.extend(x)
        steady = bool(seq) and all(a <= b for a, b in pairwise(seq))
        return _Day(midnight.year * 12 + midnight.month - 1, tuple(hours),
                    seq[0] if steady else None, seq[-1] if steady else None)

    def _exact(self, hour: int) -> HourDays:
        days = []
        start = hour_start(hour)
        for q in range(4):
            a = (start + q * _QUARTER).astimezone(self.tz)
            b = (start + q * _QUARTER + _QUARTER_END).astimezone(self.tz)
            if a.utcoffset() != b.utcoffset() or a.date() != b.date():
                return None
            days.append(a.toordinal())
        if len(set(days)) == 1:
            return days[0]
        return (days[0], days[1], days[2], days[3])


def _quarters(d: int, s: int) -> HourDays:
    """The local days of the quarter hours of an hour starting ``s`` local seconds after
    the UTC day ``d``'s local midnight, or ``None`` if a midnight falls inside one."""
    days = []
    for q in range(4):
        a = s + 900 * q
        if (a + 899) // 86400 != a // 86400:
            return None
        days.append(d + a // 86400)
    return (days[0], days[1], days[2], days[3])


@dataclass(frozen=True, slots=True)
class _Day:
    month: int
    hours: tuple[HourDays, ...]
    first: int | None  # the local day of its first and last instant, None unless its local
    last: int | None  # days never run backwards and no hour is read answer by answer


def _items_units(item: Item) -> list[tuple[str, bool]]:
    """(part, is_flashcard) of every study unit of ``item`` (as ``Deck.study_units``)."""
    if isinstance(item, Case):
        return [(f"{st.id}/{q.id}", False) for st in item.stages for q in st.questions]
    if isinstance(item, Flashcard):
        return [("", True), ("reverse", True)] if item.reversible else [("", True)]
    return [("", False)]


def _weak_key(r: MasteryRow) -> tuple[int, float, int, str, str]:
    m = r.mastery
    return (0 if m is not None else 1, m if m is not None else 0.0, -r.wrong,
            r.label.casefold(), r.key)


class _Group:
    __slots__ = ("deck_ids", "fc_units", "fc_wrong", "fc_wrong_now", "mastered", "q_units",
                 "q_wrong", "q_wrong_now", "seen", "units")

    def __init__(self) -> None:
        self.deck_ids: dict[str, None] = {}
        self.units = self.seen = self.mastered = 0
        self.q_units = self.q_wrong = self.q_wrong_now = 0
        self.fc_units = self.fc_wrong = self.fc_wrong_now = 0

    def add(self, deck_id: str, result: bool | None, flashcard: bool, wrong_now: bool) -> None:
        self.deck_ids[deck_id] = None
        self.units += 1
        wrong = result is False
        if result is not None:
            self.seen += 1
            self.mastered += result
        if flashcard:
            self.fc_units += 1
            self.fc_wrong += wrong
            self.fc_wrong_now += wrong_now
        else:
            self.q_units += 1
            self.q_wrong += wrong
            self.q_wrong_now += wrong_now

    def row(self, kind: Literal["deck", "tag"], key: str, label: str,
            deck_ids: tuple[str, ...] | None) -> MasteryRow:
        questions = self.q_units > 0 and (self.q_wrong >= self.fc_wrong or self.fc_units == 0)
        mode: Mode = "tutor" if questions else "flashcards"
        wrong_now = self.q_wrong_now if questions else self.fc_wrong_now
        return MasteryRow(
            kind=kind, key=key, label=label,
            deck_ids=deck_ids if deck_ids is not None else tuple(self.deck_ids),
            units=self.units, seen=self.seen, mastered=self.mastered,
            mode=mode, selection="incorrect" if wrong_now else "all",
        )  # fmt: skip


def compute(
    store: Store,
    decks: Iterable[Deck],
    filters: Filters | None = None,
    now: datetime | None = None,
    *,
    tz: tzinfo | None = None,
) -> Dashboard:
    """Every dashboard figure for the attempts matching ``filters``.

    ``decks`` are the decks in the library (mastery and the forecast cover these; the other
    figures cover every matching attempt). ``now`` (aware; default: the current time) decides
    "today". ``tz`` is the zone of local days; ``None`` uses the computer's zone rules.
    """
    flt = filters or Filters()
    moment = now if now is not None else utc_now()
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = moment.astimezone(tz)
    today = local_now.date()
    wanted = set(flt.deck_ids) if flt.deck_ids else None
    lo = flt.start.toordinal() if flt.start is not None else -1
    hi = flt.end.toordinal() if flt.end is not None else 1 << 30

    # -- answers per local day, from the per-hour figures -----------------------------------
    # Each UTC hour is given its local day (or the days of its quarter hours) once, see
    # _HourDays; a month whose answers all fall inside the period is then taken whole from the
    # per-month figures, one with answers both inside and outside is read answer by answer.
    agg = store.aggregates
    deck_ids = [d for d in agg.decks() if wanted is None or d in wanted]
    classify = _HourDays(tz)
    day_total: dict[int, int] = {}
    day_ok: dict[int, int] = {}
    months_in: set[int] = set()  # months with answers in the period
    months_out: set[int] = set()  # ... outside it
    odd_hours: set[int] = set()  # hours whose answers are given their day one by one
    after = False  # some answer falls after the period
    # A UTC day's instants fall on local days d-1 .. d+1 (zones are at most a day off UTC), so
    # a UTC day that far outside the period needs no zone lookups.
    near_lo, near_hi = lo - 1, hi + 1
    far_months: dict[int, int] = {}  # UTC day ordinal -> month index
    answered_days: set[int] = set()  # UTC days near or after the period's start
    for deck_id in deck_ids:
        for hour, h in agg.hours(deck_id).items():
            d = hour // 24
            if d < near_lo or d > near_hi:
                month = far_months.get(d)
                if month is None:
                    month = far_months[d] = month_of_hour(hour)
                months_out.add(month)
                if d > near_hi:
                    after = True
                    answered_days.add(d)
                continue
            answered_days.add(d)
            info = classify.day(d)
            days_of = info.hours[hour - d * 24]
            if days_of.__class__ is int:
                day = days_of
                if lo <= day <= hi:
                    months_in.add(info.month)
                    day_total[day] = day_total.get(day, 0) + h[0]
                    day_ok[day] = day_ok.get(day, 0) + h[1]
                else:
                    months_out.add(info.month)
                    after = after or day > hi
                continue
            if days_of is None:
                odd_hours.add(hour)
                months_in.add(info.month)
                months_out.add(info.month)
                continue
            quarters = cast(tuple[int, int, int, int], days_of)
            parts = ((quarters[0], h[0] - h[2] - h[4] - h[6], h[1] - h[3] - h[5] - h[7]),
                     (quarters[1], h[2], h[3]), (quarters[2], h[4], h[5]),
                     (quarters[3], h[6], h[7]))
            for day, n, right in parts:
                if not n:
                    continue
                if lo <= day <= hi:
                    months_in.add(info.month)
                    day_total[day] = day_total.get(day, 0) + n
                    day_ok[day] = day_ok.get(day, 0) + right
                else:
                    months_out.add(info.month)
                    after = after or day > hi
    read = months_in & months_out  # months the period cuts in two: read answer by answer
    inside = months_in - months_out

    cal = [0] * 6  # 2 * (confidence - 1) + right
    seconds: dict[str, dict[int, int]] = {m: {} for m in MODES}
    timed: dict[str, list[int]] = {m: [0, 0] for m in MODES}
    for deck_id in deck_ids:
        for month, fig in agg.months(deck_id).items():
            if month not in inside:
                continue
            for i, c in enumerate(fig.cal):
                cal[i] += c
            for mode, (n, ms) in fig.timed.items():
                sums = timed[mode]
                sums[0] += n
                sums[1] += ms
                into = seconds[mode]
                for sec, c in fig.seconds[mode].items():
                    into[sec] = into.get(sec, 0) + c

    # -- the latest answer of each unit in the period ---------------------------------------
    # When no answer falls after the period and local days never run backwards, that is the
    # unit's latest answer of all (the store's per-unit state) if it falls in the period;
    # otherwise the months of the period are read.
    # (answers on UTC days before near_lo all fall before the period: whatever order their
    # local days run in, they cannot come after an answer inside it)
    steady = [classify.day(d) for d in sorted(answered_days)] if not after else []
    shortcut = not after and all(x.first is not None for x in steady) and all(
        cast(int, a.last) <= cast(int, b.first) for a, b in pairwise(steady))
    latest: dict[str, bool] = {}  # unit key -> latest result in the period
    items = _scheduler_items(store)
    if shortcut:
        answered = {k for k, _n, _ok in agg.units()
                    if wanted is None or k.split("::", 1)[0] in wanted}
        seen: Iterable[tuple[str, object, bool | None]]
        if items is not None and all(hasattr(it, "last_seen") for it in
                                     itertools.islice(items.values(), 1)):
            seen = ((k, it.last_seen, it.last_correct) for k, it in items.items())
        else:
            seen = ((k, st.last_seen, st.last_correct) for k, st in
                    ((k, store.state(StudyUnit(*k.split("::"))))
                     for k, _n, _ok in agg.units()))
        found = 0
        for key, last_seen, last_correct in seen:
            if last_seen is None or last_correct is None or key not in answered:
                continue
            found += 1
            if lo < 0:
                latest[key] = last_correct
                continue
            moment = last_seen if isinstance(last_seen, datetime) else \
                parse_timestamp(cast(str, last_seen))
            if moment.astimezone(tz).toordinal() >= lo:
                latest[key] = last_correct
        if found != len(answered):  # the per-unit state does not match the answers
            shortcut = False
            latest.clear()
    latest_at: dict[str, str] = {}  # unit key -> when its latest answer was (canonical UTC)
    places: dict[str, tuple[int, HourDays]] = {}  # "YYYY-MM-DDTHH" -> hour and its days
    deck_of: dict[str, bool] = {}  # unit key -> is its deck wanted
    for month in sorted(read if shortcut else months_in):
        each = month in read
        for rec in store.iter_answers(month_start(month), month_start(month + 1)):
            key = rec["unit"]
            if wanted is not None:
                keep = deck_of.get(key)
                if keep is None:
                    keep = deck_of[key] = key.split("::", 1)[0] in wanted
                if not keep:
                    continue
            at: str = rec["at"]
            ok = bool(rec["correct"])
            if each:
                place = places.get(at[:13]) if at[-1] == "Z" else None
                if place is None:
                    hour = answer_place(at)[0]
                    place = (hour, classify(hour))
                    if at[-1] == "Z":
                        places[at[:13]] = place
                hour, days_of = place
                if days_of.__class__ is int:
                    day = days_of
                elif days_of is None:
                    day = parse_timestamp(at).astimezone(tz).toordinal()
                else:
                    day = cast(tuple[int, ...], days_of)[answer_place(at)[1]]
                if day < lo or day > hi:
                    continue
                if hour in odd_hours:
                    day_total[day] = day_total.get(day, 0) + 1
                    day_ok[day] = day_ok.get(day, 0) + ok
                conf = rec.get("confidence")
                if conf:
                    cal[2 * (conf - 1) + ok] += 1
                spent = rec.get("time_ms") or 0
                got = timed.get(rec["mode"])
                if spent and got is not None:
                    got[0] += 1
                    got[1] += spent
                    into = seconds[rec["mode"]]
                    into[spent // 1000] = into.get(spent // 1000, 0) + 1
            if not shortcut:
                when = at if len(at) == 24 and at[-1] == "Z" and at[10] == "T" else \
                    format_timestamp(parse_timestamp(at))
                before = latest_at.get(key)
                if before is None or when >= before:
                    latest_at[key] = when
                    latest[key] = ok
    study_ms = sum(v[1] for v in timed.values())

    # -- days and weeks ---------------------------------------------------------------------
    days: list[Bucket] = []
    weeks: list[Bucket] = []
    if day_total or flt.start is not None:
        first = min(day_total) if day_total else today.toordinal()
        last_day = max(day_total) if day_total else today.toordinal()
        end = flt.end.toordinal() if flt.end is not None else max(today.toordinal(), last_day)
        start = flt.start.toordinal() if flt.start is not None else first
        start = max(start, min(first, end - MAX_EMPTY_LEAD_DAYS))
        week_total: dict[int, list[int]] = {}
        for d in range(start, end + 1):
            total, correct = day_total.get(d, 0), day_ok.get(d, 0)
            days.append(Bucket(date.fromordinal(d), 1, total, correct))
            monday = d - date.fromordinal(d).weekday()
            w = week_total.setdefault(monday, [0, 0])
            w[0] += total
            w[1] += correct
        weeks = [Bucket(date.fromordinal(m), 7, t, c) for m, (t, c) in week_total.items()]

    # -- mastery, "wrong last time" and the forecast: one pass over the decks' units --------
    chosen = [d for d in decks if wanted is None or d.id in wanted]
    forecast_counts = [0] * FORECAST_DAYS
    wrong_now: set[tuple[str, str, str]] = set()
    if items is None:  # public API (slower): StudyUnit objects for every unit
        all_units = [u for d in chosen for u in d.study_units()]
        wrong_now = {(u.deck_id, u.item_id, u.part) for u in store.wrong_last_time(all_units)}
        if all_units:
            forecast_counts = store.forecast(all_units, FORECAST_DAYS, local_now)
    zone = local_now.tzinfo
    today_ordinal = today.toordinal()
    cutoff = due_cutoff(local_now)  # "due today": by the end of the study day, in items
    week_cutoff = cutoff + timedelta(days=6)  # the end of the 7th study day, as planner's
    due_items = due_week_items = 0
    deck_rows: list[MasteryRow] = []
    tag_groups: dict[str, _Group] = {}
    for deck in chosen:
        group = _Group()
        for item in deck.items:
            item_groups = []
            for t in item.tags:
                g = tag_groups.get(t)
                if g is None:
                    g = tag_groups[t] = _Group()
                item_groups.append(g)
            first_due: datetime | None = None
            for part, flashcard in _items_units(item):
                key = f"{deck.id}::{item.id}::{part}" if part else f"{deck.id}::{item.id}"
                result = latest.get(key)
                if items is None:
                    now_wrong = (deck.id, item.id, part) in wrong_now
                else:  # as Store.wrong_last_time and Store.forecast, without StudyUnits
                    state = items.get(key)
                    now_wrong = state is not None and state.last_correct is False
                    due = None if state is None else state.due
                    if due is not None:
                        first_due = due if first_due is None else min(first_due, due)
                        index = due.astimezone(zone).toordinal() - today_ordinal
                        if index < FORECAST_DAYS:
                            forecast_counts[max(0, index)] += 1
                group.add(deck.id, result, flashcard, now_wrong)
                for g in item_groups:
                    g.add(deck.id, result, flashcard, now_wrong)
            if first_due is not None and first_due <= cutoff:
                due_items += 1
            if first_due is not None and first_due <= week_cutoff:
                due_week_items += 1
        deck_rows.append(group.row("deck", deck.id, deck.title, (deck.id,)))
    tag_deck_ids = tuple(flt.deck_ids) if flt.deck_ids else None
    tag_rows = [g.row("tag", t, t, tag_deck_ids) for t, g in tag_groups.items()]
    deck_rows.sort(key=_weak_key)
    tag_rows.sort(key=_weak_key)

    # -- calibration, times, totals ---------------------------------------------------------
    forecast = tuple(forecast_counts)
    calibration = tuple(
        CalibrationBin(c, cal[2 * c - 2] + cal[2 * c - 1], cal[2 * c - 1], *CALIBRATION_IDEAL[c])
        for c in (1, 2, 3)
    )
    time_stats = tuple(_time_stats(cast(Mode, m), timed[m][1], seconds[m]) for m in MODES)
    sessions = 0
    for s in store.sessions():
        d = s.started.astimezone(tz).toordinal()
        if lo <= d <= hi and (wanted is None or wanted.intersection(s.deck_ids)):
            sessions += 1
    if items is None:
        counts = [deck_counts(store, d, local_now) for d in chosen]
        due_items = sum(c.due for c in counts)
        due_week_items = sum(c.due_week for c in counts)
    total = sum(day_total.values())
    totals = Totals(
        attempts=total,
        correct=sum(day_ok.values()),
        units_seen=len(latest),
        active_days=len(day_total),
        study_ms=study_ms,
        sessions=sessions,
        due_today=due_items,
        due_week=due_week_items,
        items_seen=items_of(latest),
        items=sum(len(d.items) for d in chosen),
    )
    return Dashboard(
        filters=flt,
        today=today,
        days=tuple(days),
        weeks=tuple(weeks),
        forecast=forecast,
        decks=tuple(deck_rows),
        tags=tuple(tag_rows),
        calibration=calibration,
        times=time_stats,
        totals=totals,
        history_empty=agg.total == 0,
    )


def _time_stats(mode: Mode, total_ms: int, seconds: Mapping[int, int]) -> TimeStats:
    """Time per answer in ``mode`` from the exact histogram of whole seconds
    (``time_ms // 1000`` -> answers) and the exact total: the median and the 9-in-10 time
    are those of the whole seconds."""
    n = sum(seconds.values())
    if not n:
        return TimeStats(mode, 0, None, None, 0, (0,) * len(TIME_BINS_S))
    hist = [0] * len(TIME_BINS_S)
    ranks = sorted({(n - 1) // 2, n // 2, max(0, math.ceil(0.9 * n) - 1)})
    at_rank: dict[int, int] = {}
    done = 0
    for sec in sorted(seconds):
        c = seconds[sec]
        hist[bisect_right(TIME_BINS_S, sec) - 1] += c
        while ranks and ranks[0] < done + c:
            at_rank[ranks.pop(0)] = sec * 1000
        done += c
    return TimeStats(
        mode=mode,
        count=n,
        median_ms=(at_rank[(n - 1) // 2] + at_rank[n // 2]) / 2,
        p90_ms=float(at_rank[max(0, math.ceil(0.9 * n) - 1)]),  # nearest rank
        total_ms=total_ms,
        histogram=tuple(hist),
    )
