"""Rolled-up answer figures, kept current by the store, so statistics never read every answer.

The store calls :meth:`Aggregates.add` for every live answer record it takes in (recorded
here, merged from another computer or imported) and :meth:`Aggregates.remove` when an answer
is undone (the exact inverse), keeps :meth:`Aggregates.to_json` in a file of its own and
reads it back with :meth:`Aggregates.from_json`, which raises :class:`ValueError` for anything
damaged or impossible (the store then rebuilds the figures from the history).

What is kept (answer records as in :mod:`quizapp.core.progress.records`):

* per deck and UTC hour: answers and right answers, split by quarter hour, so the answers of
  *local* days come out exactly in every time zone whose offsets and changes fall on quarter
  hours (every zone in use since the 1970s); an hour where that does not hold is read again
  from the history by the caller;
* per deck and UTC month: answered and right at each confidence, and per mode the answers
  with a recorded time, their total milliseconds and an exact histogram of their *whole
  seconds* (``time_ms // 1000``), from which the median, the 9-in-10 time and the
  time-per-question bins are exact (the bins' edges are whole seconds; the median and
  9-in-10 time are those of the whole seconds);
* per unit: answers and right answers.

Its size grows with the hours and months studied, not with the answers: about 1.5 MB for a
million answers spread evenly over five years. :meth:`add` and :meth:`remove` are O(1).
Nothing here imports Qt.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timezone
from operator import add, le, lt, sub
from typing import Any

from quizapp.core.scheduling import parse_timestamp

__all__ = ["FORMAT", "MODES", "Aggregates", "MonthFigures", "answer_place", "hour_start",
           "month_of_hour", "month_start"]

FORMAT = 1
MODES = ("flashcards", "tutor", "exam")
#: bounds for :meth:`Aggregates.from_json` (far above any real history)
MAX_COUNT = 1 << 40
MAX_ENTRIES = 20_000_000
_HOUR_LEN = 9  # hour, answers, right, then (answers, right) in quarters 1..3
_HOUR_MAX = 24 * date.max.toordinal() + 24


def answer_place(at: str) -> tuple[int, int]:
    """(UTC hour index, quarter 0-3 of that hour) of the timestamp ``at``. The hour index
    counts hours from 0001-01-01 00:00 UTC (``date.toordinal() * 24 + hour``)."""
    if len(at) >= 17 and at[-1] == "Z" and at[4] == "-" and at[10] == "T" and at[13] == ":":
        try:
            day = date(int(at[0:4]), int(at[5:7]), int(at[8:10])).toordinal()
            hour, minute = int(at[11:13]), int(at[14:16])
        except ValueError:
            pass
        else:
            if 0 <= hour < 24 and 0 <= minute < 60:
                return day * 24 + hour, minute // 15
    moment = parse_timestamp(at).astimezone(timezone.utc)
    return moment.toordinal() * 24 + moment.hour, moment.minute // 15


def hour_start(hour: int) -> datetime:
    """The UTC start of the hour index ``hour``."""
    day, h = divmod(hour, 24)
    d = date.fromordinal(day)
    return datetime(d.year, d.month, d.day, h, tzinfo=timezone.utc)


def month_of_hour(hour: int) -> int:
    """The month index (``year * 12 + month - 1``) of the hour index ``hour``."""
    d = date.fromordinal(hour // 24)
    return d.year * 12 + d.month - 1


def month_start(month: int) -> datetime:
    """The UTC start of the month index ``month``."""
    year, m = divmod(month, 12)
    return datetime(year, m + 1, 1, tzinfo=timezone.utc)


class MonthFigures:
    """One deck's answers in one UTC month: ``cal[2 * (confidence - 1) + right]`` counts
    answers per confidence and result; ``timed[mode] = [answers with a time, total ms]`` and
    ``seconds[mode][whole seconds] = answers``."""

    __slots__ = ("cal", "seconds", "timed")

    def __init__(self) -> None:
        self.cal = [0] * 6
        self.timed: dict[str, list[int]] = {}
        self.seconds: dict[str, dict[int, int]] = {}

    def empty(self) -> bool:
        return not any(self.cal) and not self.timed


class Aggregates:
    """The rolled-up figures of a history of answers (see the module docstring)."""

    __slots__ = ("_hours", "_months", "_places", "_units", "total")

    def __init__(self) -> None:
        self.total = 0
        self._places: dict[str, tuple[int, int]] = {}  # "YYYY-MM-DDTHH" -> (hour, month)
        self._hours: dict[str, dict[int, list[int]]] = {}
        self._months: dict[str, dict[int, MonthFigures]] = {}
        self._units: dict[str, list[int]] = {}

    # -- keeping current -----------------------------------------------------------------------

    def add(self, rec: Mapping[str, Any]) -> None:
        """Count one live answer record (``unit``, ``at``, ``correct``, ``confidence``,
        ``mode``, ``time_ms``)."""
        self._change(rec, 1)

    def remove(self, rec: Mapping[str, Any]) -> None:
        """Take back an answer counted by :meth:`add` (it was undone): the exact inverse."""
        self._change(rec, -1)

    def _change(self, rec: Mapping[str, Any], sign: int) -> None:
        unit: str = rec["unit"]
        deck = unit.split("::", 1)[0]
        ok = 1 if rec["correct"] else 0
        at: str = rec["at"]
        # the hour and month of "YYYY-MM-DDTHH:MM...Z" looked up once per hour (a rebuild
        # adds a million answers)
        canonical = at[-1] == "Z" and len(at) >= 17 and at[13] == ":"
        place = self._places.get(at[:13]) if canonical else None
        if place is None:
            hour, quarter = answer_place(at)
            month = month_of_hour(hour)
            if canonical:
                if len(self._places) >= 100_000:
                    self._places.clear()
                self._places[at[:13]] = (hour, month)
        else:
            hour, month = place
            quarter = int(at[14:16]) // 15
        # per hour
        hours = self._hours.get(deck)
        if hours is None:
            hours = self._hours[deck] = {}
        h = hours.get(hour)
        if h is None:
            h = hours[hour] = [0] * (_HOUR_LEN - 1)
        h[0] += sign
        h[1] += sign * ok
        if quarter:
            h[2 * quarter] += sign
            h[2 * quarter + 1] += sign * ok
        if sign < 0 and not h[0]:
            del hours[hour]
            if not hours:
                del self._hours[deck]
        # per month (only answers with a confidence or a time have anything to count there)
        conf = rec.get("confidence")
        ms: int = rec.get("time_ms") or 0
        if conf or ms:
            months = self._months.get(deck)
            if months is None:
                months = self._months[deck] = {}
            m = months.get(month)
            if m is None:
                m = months[month] = MonthFigures()
            if conf:
                m.cal[2 * (conf - 1) + ok] += sign
            if ms:
                mode: str = rec["mode"]
                timed = m.timed.get(mode)
                if timed is None:
                    timed = m.timed[mode] = [0, 0]
                    m.seconds[mode] = {}
                timed[0] += sign
                timed[1] += sign * ms
                secs = m.seconds[mode]
                s = ms // 1000
                left = secs.get(s, 0) + sign
                if left:
                    secs[s] = left
                else:
                    del secs[s]
                if not timed[0]:
                    del m.timed[mode], m.seconds[mode]
            if sign < 0 and m.empty():
                del months[month]
                if not months:
                    del self._months[deck]
        # per unit
        u = self._units.get(unit)
        if u is None:
            u = self._units[unit] = [0, 0]
        u[0] += sign
        u[1] += sign * ok
        if sign < 0 and not u[0]:
            del self._units[unit]
        self.total += sign

    # -- queries ---------------------------------------------------------------------------------

    def decks(self) -> list[str]:
        """The decks with answers."""
        return list(self._hours)

    def hours(self, deck: str) -> Mapping[int, list[int]]:
        """Hour index -> ``[answers, right, answers in quarter 1, right in quarter 1, ...
        quarter 3]`` (quarter 0 is what the others leave) for ``deck``; read only."""
        return self._hours.get(deck, {})

    def months(self, deck: str) -> Mapping[int, MonthFigures]:
        """Month index -> :class:`MonthFigures` for ``deck``; read only."""
        return self._months.get(deck, {})

    def unit_totals(self, unit: str) -> tuple[int, int]:
        """(answers, right answers) of the unit key ``unit``."""
        u = self._units.get(unit)
        return (u[0], u[1]) if u is not None else (0, 0)

    def units(self) -> Iterator[tuple[str, int, int]]:
        """(unit key, answers, right answers) of every unit with answers."""
        for key, (n, ok) in self._units.items():
            yield key, n, ok

    # -- persistence -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_json` reads it back. Its layout::

            {"format": 1, "total": <live answers>,
             "hours": {<deck id>: [<hour indices, ascending>, <answers>, <right>,
                                   <answers>, <right> in quarter 1, ... quarter 3]},
             "months": {<deck id>: [[<month index>,
                                     [<wrong>, <right> at confidence 1, ... 2, ... 3],
                                     {<mode>: [<answers with a time>, <total ms>,
                                               [[<whole seconds>, <answers>], ...]]}], ...]},
             "units": {<unit key>: [<answers>, <right>]}}

        Each of the nine lists under "hours" has one entry per hour (columns). The hour index
        is ``date.toordinal() * 24 + hour`` in UTC; the month index ``year * 12 + month - 1``
        in UTC; quarter q of an hour is its minutes 15q to 15q+14 (quarter 0 is what the other
        three leave). Entries with no answers are left out."""
        months: dict[str, list[Any]] = {}
        for deck, per in self._months.items():
            rows: list[Any] = []
            for month, m in sorted(per.items()):
                modes = {mode: [t[0], t[1], sorted(m.seconds[mode].items())]
                         for mode, t in m.timed.items()}
                rows.append([month, m.cal, modes])
            months[deck] = rows
        return {
            "format": FORMAT,
            "total": self.total,
            "hours": {deck: [list(col) for col in zip(*([hour, *h] for hour, h
                                                          in sorted(per.items())), strict=True)]
                      for deck, per in self._hours.items()},
            "months": months,
            "units": {key: list(v) for key, v in self._units.items()},
        }

    @classmethod
    def from_json(cls, data: object) -> Aggregates:
        """Read what :meth:`to_json` wrote. Raises :class:`ValueError` naming what is damaged
        or impossible (then the store rebuilds the figures from the history)."""
        # tens of thousands of small lists that are all kept: pausing the cyclic garbage
        # collector meanwhile saves its passes over a large heap (as the store's loading does)
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            return cls._from_json(data)
        finally:
            if gc_was_on:
                gc.enable()

    @classmethod
    def _from_json(cls, data: object) -> Aggregates:
        budget = [MAX_ENTRIES]

        def spend(n: int) -> None:
            budget[0] -= n
            if budget[0] < 0:
                raise ValueError("aggregates: too many entries")

        def count(v: object, where: str) -> int:
            if type(v) is not int or not 0 <= v <= MAX_COUNT:
                raise ValueError(f"aggregates: {where}: {v!r:.40} is not a count")
            return v

        def obj(v: object, where: str) -> dict[str, Any]:
            if not isinstance(v, dict):
                raise ValueError(f"aggregates: {where} is not an object")
            return v

        def arr(v: object, where: str, length: int | None = None) -> list[Any]:
            if not isinstance(v, list) or (length is not None and len(v) != length):
                raise ValueError(f"aggregates: {where} is not a list"
                                 + (f" of {length}" if length is not None else ""))
            return v

        def deck_name(v: object) -> str:
            if not isinstance(v, str) or not 0 < len(v) <= 1024 or "::" in v:
                raise ValueError(f"aggregates: {v!r:.40} is not a deck id")
            return v

        doc = obj(data, "the document")
        if doc.get("format") != FORMAT:
            raise ValueError(f"aggregates: format {doc.get('format')!r:.20} is not {FORMAT}")
        out = cls()
        out.total = count(doc.get("total"), "total")
        sum_hours = 0
        in_month: dict[tuple[str, int], int] = {}  # answers per deck and month
        for deck, cols in obj(doc.get("hours"), "hours").items():
            where = f"hours of {deck_name(deck)!r:.40}"
            if type(cols) is not list or len(cols) != _HOUR_LEN or any(
                    type(c) is not list or len(c) != len(cols[0]) for c in cols):
                raise ValueError(f"aggregates: {where} is not {_HOUR_LEN} columns")
            spend(len(cols[0]))
            # checked column by column (C loops): reading stays fast at years of hours
            for c in cols:
                if c and (set(map(type, c)) != {int} or min(c) < 0 or max(c) > MAX_COUNT):
                    raise ValueError(f"aggregates: {where}: a column holds a non-count")
            hours, n, ok, n1, ok1, n2, ok2, n3, ok3 = cols
            if not hours:
                raise ValueError(f"aggregates: {where}: no hours")
            n_q = list(map(add, map(add, n1, n2), n3))
            ok_q = list(map(add, map(add, ok1, ok2), ok3))
            if hours[0] < 24 or hours[-1] >= _HOUR_MAX or not all(map(lt, hours, hours[1:])) \
                    or min(n) < 1 or not all(map(le, ok, n)) or not all(map(le, ok1, n1)) \
                    or not all(map(le, ok2, n2)) or not all(map(le, ok3, n3)) \
                    or not all(map(le, n_q, n)) or not all(map(le, ok_q, ok)) \
                    or not all(map(le, map(sub, ok, ok_q), map(sub, n, n_q))):
                raise ValueError(f"aggregates: {where}: impossible hours or counts")
            out._hours[deck] = dict(zip(hours, map(list, zip(n, ok, n1, ok1, n2, ok2, n3, ok3,
                                                             strict=True)), strict=True))
            sum_hours += sum(n)
            day_months: dict[int, int] = {}
            for hour, c in zip(hours, n, strict=True):
                month = day_months.get(hour // 24)
                if month is None:
                    month = day_months[hour // 24] = month_of_hour(hour)
                place = (deck, month)
                in_month[place] = in_month.get(place, 0) + c
        sum_cal = 0
        for deck, rows in obj(doc.get("months"), "months").items():
            where = f"months of {deck_name(deck)!r:.40}"
            mper: dict[int, MonthFigures] = {}
            spend(len(arr(rows, where)))
            for row in rows:
                month_v, cal, modes = arr(row, where, 3)
                month = count(month_v, where)
                if not 12 <= month < 12 * 10_000 or month in mper:
                    raise ValueError(f"aggregates: {where}: month {month} is impossible")
                m = MonthFigures()
                m.cal = [count(v, where) for v in arr(cal, where, 6)]
                sum_cal += sum(m.cal)
                for mode, fig in obj(modes, where).items():
                    if mode not in MODES:
                        raise ValueError(f"aggregates: {where}: mode {mode!r:.20} is unknown")
                    n_v, ms_v, secs_v = arr(fig, where, 3)
                    n, ms = count(n_v, where), count(ms_v, where)
                    secs: dict[int, int] = {}
                    spend(len(arr(secs_v, where)))
                    for pair in secs_v:
                        if type(pair) is not list or len(pair) != 2:
                            raise ValueError(f"aggregates: {where}: impossible seconds")
                        s, c = pair
                        if type(s) is not int or type(c) is not int or s in secs \
                                or not 0 <= s <= MAX_COUNT or not 0 < c <= MAX_COUNT:
                            raise ValueError(f"aggregates: {where}: impossible seconds")
                        secs[s] = c
                    low = sum(s * c for s, c in secs.items()) * 1000
                    if not n or sum(secs.values()) != n or not low <= ms < low + 1000 * n:
                        raise ValueError(f"aggregates: {where}: times do not add up")
                    m.timed[mode] = [n, ms]
                    m.seconds[mode] = secs
                answers = in_month.get((deck, month), 0)
                if m.empty() or sum(m.cal) > answers \
                        or sum(t[0] for t in m.timed.values()) > answers:
                    raise ValueError(f"aggregates: {where}: month {month} does not match "
                                     "its hours")
                mper[month] = m
            if mper:
                out._months[deck] = mper
        sum_units = 0
        units = obj(doc.get("units"), "units")
        spend(len(units))
        for key, v in units.items():
            parts = key.split("::")
            if len(parts) not in (2, 3) or not all(parts) or len(key) > 1024:
                raise ValueError(f"aggregates: {key!r:.60} is not a unit key")
            if type(v) is not list or len(v) != 2:
                raise ValueError(f"aggregates: unit {key!r:.60} has impossible counts")
            n, ok = v
            if type(n) is not int or type(ok) is not int or not 0 <= ok <= n <= MAX_COUNT \
                    or not n:
                raise ValueError(f"aggregates: unit {key!r:.60} has impossible counts")
            out._units[key] = [n, ok]
            sum_units += n
        if not sum_hours == sum_units == out.total or sum_cal > out.total:
            raise ValueError("aggregates: the totals do not add up")
        return out
