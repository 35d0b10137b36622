"""The conflict-free merge of histories from several computers (a state-based CRDT).

* **Answers** are a grow-only set keyed by id: adding a record twice, or in any order, gives
  the same set. Two different records with one id (never written by quizapp; damage or
  tampering) are resolved the same way everywhere -- the one whose canonical JSON sorts first
  is kept -- and reported.
* **Undo** is a tombstone: a grow-only set of undone ids. An undone answer stays undone even
  if it arrives after its tombstone.
* **Per-unit settings** (flags, suspend) are last-writer-wins per field, ordered by the
  hybrid logical clock (:mod:`.hlc`); stamps never tie between computers.
* **The spaced-repetition state is derived, never copied**: a unit's state is the result of
  replaying its live answers in time order (ties by id), each review's fuzz seeded by its
  answer id (:meth:`quizapp.core.scheduling.Scheduler.review`), so every computer holding the
  same records computes the same state. A ``base`` record (last writer wins per unit, by
  clock) is the starting state instead of "new"; only answers made after its time are
  replayed on top (the migration from format 1 writes one per unit, so the due dates a
  student already has do not move).

A :class:`Replica` is therefore a function of the *set* of records it has been given, which is
what makes every computer converge once every file has reached every computer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from quizapp.core.progress.hlc import Stamp, parse_stamp
from quizapp.core.scheduling import CardData, Rating, Scheduler, parse_timestamp

__all__ = ["Replica", "UnitView"]


@dataclass(frozen=True, slots=True)
class UnitView:
    """What the merged history says about one unit."""

    card: CardData | None
    attempts: int
    correct: int
    last_correct: bool | None
    last_seen: str | None
    flagged: bool
    suspended: bool


def _canonical(rec: Mapping[str, Any]) -> str:
    return json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Replica:
    """The merged state of every record seen so far (records already checked by
    :func:`quizapp.core.progress.records.read_lines`)."""

    def __init__(self, scheduler: Scheduler | None = None) -> None:
        self.scheduler = scheduler or Scheduler()
        self.answers: dict[str, dict[str, Any]] = {}
        self.tombstones: set[str] = set()
        self.settings: dict[tuple[str, str], tuple[Stamp, Any]] = {}
        self.bases: dict[str, tuple[Stamp, dict[str, Any]]] = {}
        self.problems: list[str] = []
        self.latest: Stamp | None = None
        self._by_unit: dict[str, set[str]] = {}
        self._views: dict[str, UnitView] = {}

    # -- adding records -------------------------------------------------------------------

    def add(self, rec: Mapping[str, Any]) -> bool:
        """Merge one record; whether anything changed."""
        kind = rec["t"]
        if kind == "answer":
            return self._add_answer(dict(rec))
        if kind == "undo":
            if rec["id"] in self.tombstones:
                return False
            self.tombstones.add(rec["id"])
            old = self.answers.get(rec["id"])
            if old is not None:
                self._views.pop(old["unit"], None)
            return True
        if kind == "base":
            stamp = parse_stamp(rec["hlc"])
            if self.latest is None or stamp > self.latest:
                self.latest = stamp
            held_base = self.bases.get(rec["unit"])
            if held_base is not None and held_base[0] >= stamp:
                return False
            self.bases[rec["unit"]] = (stamp, dict(rec))
            self._views.pop(rec["unit"], None)
            return True
        if kind == "set":
            stamp = parse_stamp(rec["hlc"])
            if self.latest is None or stamp > self.latest:
                self.latest = stamp
            key = (rec["unit"], rec["field"])
            held = self.settings.get(key)
            if held is not None and held[0] >= stamp:
                return False
            self.settings[key] = (stamp, rec["value"])
            self._views.pop(rec["unit"], None)
            return True
        return False

    def add_all(self, records: Iterable[Mapping[str, Any]]) -> int:
        return sum(self.add(r) for r in records)

    def _add_answer(self, rec: dict[str, Any]) -> bool:
        rid = rec["id"]
        old = self.answers.get(rid)
        if old is not None:
            if old == rec:
                return False
            a, b = _canonical(old), _canonical(rec)
            self.problems.append(f"two different answers carry the id {rid}; kept one of them")
            if a <= b:
                return False
            self._by_unit.get(old["unit"], set()).discard(rid)
            self._views.pop(old["unit"], None)
        self.answers[rid] = rec
        self._by_unit.setdefault(rec["unit"], set()).add(rid)
        self._views.pop(rec["unit"], None)
        return True

    # -- reading the merged state -----------------------------------------------------------

    def live(self) -> set[str]:
        """Ids of the answers that count (seen and not undone)."""
        return set(self.answers) - self.tombstones

    def units(self) -> set[str]:
        return (set(self._by_unit) | {unit for unit, _field in self.settings}
                | set(self.bases))

    def unit(self, key: str) -> UnitView:
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = self._derive(key)
        return view

    def _derive(self, key: str) -> UnitView:
        order = sorted(
            (parse_timestamp(a["at"]), a["id"], a)
            for rid in self._by_unit.get(key, ())
            if rid not in self.tombstones
            for a in (self.answers[rid],)
        )
        card: CardData | None = None
        since = None
        base = self.bases.get(key)
        if base is not None:
            card = dict(base[1]["card"])
            since = parse_timestamp(base[1]["at"])
        correct = 0
        for when, rid, a in order:
            correct += a["correct"]
            if a["rating"] is not None and (since is None or when > since):
                card = self.scheduler.review(card, Rating(a["rating"]), when, seed=rid)
        last = order[-1][2] if order else None
        flagged = self.settings.get((key, "flagged"))
        suspended = self.settings.get((key, "suspended"))
        return UnitView(
            card=card, attempts=len(order), correct=correct,
            last_correct=None if last is None else last["correct"],
            last_seen=None if last is None else last["at"],
            flagged=bool(flagged and flagged[1]), suspended=bool(suspended and suspended[1]),
        )
