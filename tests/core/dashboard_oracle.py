"""The Statistics page's figures computed the old way, from every answer: the test oracle
for :func:`quizapp.core.dashboard.compute`, which reads rolled-up aggregates instead.

This is ``quizapp/core/dashboard.py``'s ``compute`` as it was before the aggregates (one pass
over every answer), with two changes only: the answers come from the public
``Store.iter_answers()`` (so it keeps working on format 2), and the median and 9-in-10 time
per mode are taken over whole seconds (``time_ms // 1000``), as the aggregates keep them.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from operator import itemgetter
from typing import Any, Literal, cast

from quizapp.core.dashboard import (
    CALIBRATION_IDEAL,
    FORECAST_DAYS,
    MAX_EMPTY_LEAD_DAYS,
    TIME_BINS_S,
    Bucket,
    CalibrationBin,
    Dashboard,
    Filters,
    MasteryRow,
    TimeStats,
    Totals,
)
from quizapp.core.model import Case, Deck, Flashcard, Item
from quizapp.core.planner import deck_counts, due_cutoff
from quizapp.core.scheduling import parse_timestamp, utc_now
from quizapp.core.store import MODES, Mode, Store


def _attempt_records(store: Store) -> Iterable[Mapping[str, Any]]:
    """Every live answer, in the format-1 attempt shape the old algorithm read."""
    for rec in store.iter_answers():
        deck_id, item_id, *part = rec["unit"].split("::")
        yield {"deck_id": deck_id, "item_id": item_id, "part": part[0] if part else "",
               "timestamp": rec["at"], "correct": rec["correct"],
               "confidence": rec["confidence"], "time_ms": rec["time_ms"],
               "mode": rec["mode"]}


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


_OUT = -2  # a cached lookup: outside the date range
_EACH = -1  # a cached lookup: convert each answer alone
_SKIP: list[int] = [_OUT, 0, 0]  # the bucket of every hour outside the date range
_HOUR_END = timedelta(hours=1, microseconds=-1)
_DAY_END = timedelta(days=1, microseconds=-1)


class _LocalDays:
    """Maps a UTC hour ``YYYY-MM-DDTHH`` (or a whole timestamp not ending in ``Z``) to its
    local day ordinal, ``_OUT`` if that day is outside ``lo..hi``, or ``_EACH`` when a local
    midnight or a zone offset change falls inside the hour (then each answer is converted
    alone). The zone's offset is looked up once per UTC day, so a year of history costs a few
    hundred zone conversions, not one per answer or per hour."""

    __slots__ = ("_offsets", "hi", "lo", "tz")

    def __init__(self, tz: tzinfo | None, lo: int, hi: int) -> None:
        self.tz = tz
        self.lo = lo
        self.hi = hi
        self._offsets: dict[str, tuple[int, int | None]] = {}

    def classify(self, key: str) -> int:
        day = self._hour_day(key) if len(key) == 13 else \
            parse_timestamp(key).astimezone(self.tz).toordinal()
        if day == _EACH:
            return _EACH
        return day if self.lo <= day <= self.hi else _OUT

    def _hour_day(self, key: str) -> int:
        info = self._offsets.get(key[:10])
        if info is None:
            midnight = datetime(int(key[0:4]), int(key[5:7]), int(key[8:10]),
                                tzinfo=timezone.utc)
            first = midnight.astimezone(self.tz).utcoffset()
            last = (midnight + _DAY_END).astimezone(self.tz).utcoffset()
            same = first is not None and first == last
            info = (midnight.toordinal(), int(first.total_seconds()) if same and first
                    is not None else None)
            self._offsets[key[:10]] = info
        ordinal, offset = info
        if offset is None:  # the offset changes on this UTC day: look at this hour itself
            return _exact_hour_day(key, self.tz)
        seconds = int(key[11:13]) * 3600 + offset
        day = seconds // 86400
        if (seconds + 3599) // 86400 != day:  # local midnight inside the hour (UTC+5:30...)
            return _EACH
        return ordinal + day


def _exact_hour_day(key: str, tz: tzinfo | None) -> int:
    """The local day ordinal of the UTC hour ``YYYY-MM-DDTHH``, or ``_EACH`` when a local
    midnight or a zone offset change falls inside that hour."""
    start = datetime(int(key[0:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]),
                     tzinfo=timezone.utc)
    a = start.astimezone(tz)
    b = (start + _HOUR_END).astimezone(tz)
    if a.utcoffset() == b.utcoffset() and a.date() == b.date():
        return a.toordinal()
    return _EACH


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

    # -- the one pass over the history ------------------------------------------------------
    # Answers are counted per UTC hour ("YYYY-MM-DDTHH" of a "...Z" timestamp); each hour is
    # given its local day once (see _LocalDays), so one dict lookup per answer does both the
    # date filter and the day count.
    hours: dict[str, list[int]] = {}  # hour key -> [local day, answers, right]; or _SKIP
    odd_days: dict[int, list[int]] = {}  # answers in hours that straddle a local midnight
    cal = [0] * 8  # confidence * 2 + right
    times: dict[str, list[int]] = {m: [] for m in MODES}
    study_ms = 0
    latest: dict[tuple[str, str, str], bool] = {}  # unit -> latest result (recorded order)
    classify = _LocalDays(tz, lo, hi).classify
    fields = itemgetter("deck_id", "correct", "confidence", "time_ms", "mode", "item_id", "part")
    skip = _SKIP
    for a in _attempt_records(store):
        ts: str = a["timestamp"]
        key = ts[:13] if ts[-1] == "Z" else ts
        bucket = hours.get(key)
        if bucket is None:
            day = classify(key)
            bucket = hours[key] = skip if day == _OUT else [day, 0, 0]
        if bucket is skip:
            continue
        deck_id, ok, conf, spent, mode, item_id, part = fields(a)
        if wanted is not None and deck_id not in wanted:
            continue
        if bucket[0] == _EACH:
            day = parse_timestamp(ts).astimezone(tz).toordinal()
            if day < lo or day > hi:
                continue
            bucket = odd_days.get(day) or odd_days.setdefault(day, [day, 0, 0])
        bucket[1] += 1
        if ok:
            bucket[2] += 1
        if conf:
            cal[conf * 2 + ok] += 1
        if spent:
            study_ms += spent
            spent_in = times.get(mode)
            if spent_in is not None:
                spent_in.append(spent)
        latest[deck_id, item_id, part] = ok
    day_total: dict[int, int] = {}
    day_ok: dict[int, int] = {}
    for day, n, right in (*hours.values(), *odd_days.values()):
        if day >= 0 and n:
            day_total[day] = day_total.get(day, 0) + n
            day_ok[day] = day_ok.get(day, 0) + right

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
    items = _scheduler_items(store)
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
                unit = (deck.id, item.id, part)
                result = latest.get(unit)
                if items is None:
                    now_wrong = unit in wrong_now
                else:  # as Store.wrong_last_time and Store.forecast, without StudyUnits
                    state = items.get(f"{deck.id}::{item.id}::{part}" if part
                                      else f"{deck.id}::{item.id}")
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
        CalibrationBin(c, cal[2 * c] + cal[2 * c + 1], cal[2 * c + 1], *CALIBRATION_IDEAL[c])
        for c in (1, 2, 3)
    )
    time_stats = tuple(_time_stats(cast(Mode, m), times[m]) for m in MODES)
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
        items_seen=len({(deck_id, item_id) for deck_id, item_id, _part in latest}),
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
        history_empty=store.attempt_count == 0,
    )


def _time_stats(mode: Mode, exact: list[int]) -> TimeStats:
    if not exact:
        return TimeStats(mode, 0, None, None, 0, (0,) * len(TIME_BINS_S))
    values = sorted(v // 1000 * 1000 for v in exact)  # whole seconds
    n = len(values)
    edges = [bisect_left(values, s * 1000) for s in TIME_BINS_S[1:]]
    hist = [b - a for a, b in zip([0, *edges], [*edges, n], strict=True)]
    return TimeStats(
        mode=mode,
        count=n,
        median_ms=float(statistics.median(values)),
        p90_ms=float(values[max(0, math.ceil(0.9 * n) - 1)]),  # nearest rank
        total_ms=sum(exact),
        histogram=tuple(hist),
    )
