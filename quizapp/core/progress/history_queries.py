"""Score-store format 2, the answers asked for by :class:`~.history_store.HistoryStore`:
answers by time, unit, deck or session (reading only the monthly files that can hold them),
and export and import of progress (:mod:`.exchange`)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core import fileio
from quizapp.core.model import parse_unit_key
from quizapp.core.progress.exchange import (
    HistoryImportPlan,
    export_document,
    plan_from_records,
    read_progress_records,
)
from quizapp.core.progress.hlc import parse_stamp
from quizapp.core.progress.records import read_lines
from quizapp.core.scheduling import (
    parse_timestamp,
    to_utc,
)
from quizapp.core.store import (
    Attempt,
    ImportCounts,
    ImportPlan,
    StoreError,
)

if TYPE_CHECKING:
    from quizapp.core.progress.history_store import HistoryStore


def month_key(name: str) -> str:
    return name[len("history-"):len("history-") + 7] if name.startswith("history-") else ""


def iter_answers(self: HistoryStore, since: datetime | None = None, until: datetime | None = None
                 ) -> Iterator[dict[str, Any]]:
    """The live answers with ``since <= at < until`` in time order, reading only the
    monthly files that can hold them (a record goes to the file of its own month or a
    later one). Lines that cannot hold an answer are not parsed, and times are compared as
    text (:func:`time_key`), so a month of answers is read quickly (the Statistics page reads
    the months its period cuts in two)."""
    low = None if since is None else to_utc(since)
    high = None if until is None else to_utc(until)
    low_key = None if low is None else low.isoformat(timespec="microseconds")[:26]
    high_key = None if high is None else high.isoformat(timespec="microseconds")[:26]
    first = "" if low is None else f"{low.year:04d}-{low.month:02d}"
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    undone = self._undone
    for _dev, _rel, path in self._history_files(others_only=False):
        month = month_key(path.name)
        if month and month < first:
            continue
        got = self._read_file(path)
        if got is None:
            continue
        data = got[0]
        for rec in read_lines(data[:data.rfind(b"\n") + 1], str(path),
                              answers_only=True).records:
            if rec["t"] != "answer" or rec["id"] in undone:
                continue
            key = time_key(rec["at"])
            if (low_key is not None and key < low_key) or (high_key is not None
                                                           and key >= high_key):
                continue
            held = found.get(rec["id"])
            if held is None or canonical(rec) < canonical(held[1]):
                found[rec["id"]] = (key, rec)
    # in time order; the same time in the order written (files are read in order)
    yield from (rec for _key, rec in sorted(found.values(), key=lambda kr: kr[0]))


_CANONICAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def time_key(at: str) -> str:
    """A checked timestamp as text that sorts as the instants do: UTC
    ``YYYY-MM-DDTHH:MM:SS.ffffff``. quizapp's own form (``...SS.mmmZ``) is turned into it
    without parsing."""
    if len(at) == 24 and _CANONICAL_TIME.fullmatch(at):
        return at[:23] + "000"
    return parse_timestamp(at).isoformat(timespec="microseconds")[:26]


def attempts(self: HistoryStore, *, unit: Any = None, deck_id: str | None = None,
             session_id: str | None = None, since: datetime | None = None
             ) -> Iterator[Attempt]:
    """Recorded answers (undone ones excluded) in time order, optionally filtered."""
    for rec in self.iter_answers(since):
        if unit is not None and rec["unit"] != unit.key:
            continue
        a = attempt_of(rec)
        if deck_id is not None and a.deck_id != deck_id:
            continue
        if session_id is not None and a.session_id != session_id:
            continue
        yield a


def export_json(self: HistoryStore, path: str | os.PathLike[str]) -> None:
    """Write every record (answers, undos, flags, bases, sessions) as one JSON Lines file
    that another quizapp imports; the first line is ``{"quizapp_progress": 2, ...}``."""
    self._check_open()
    answers, bases = self._scan(bases=True)
    fileio.atomic_write(Path(path), export_document(
        answers.values(), bases, self._undone,
        {k: m.sets for k, m in self._meta.items()}, self._state.sessions.values(),
        self.device, self._now()))


def all_answers(self: HistoryStore) -> dict[str, dict[str, Any]]:
    return self._scan()[0]


def scan(self: HistoryStore, *, bases: bool = False
          ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every answer in the history by id, and (with ``bases``) the winning ``base``
    record of every unit."""
    found: dict[str, dict[str, Any]] = {}
    won: dict[str, dict[str, Any]] = {}
    for _dev, _rel, path in self._history_files(others_only=False):
        got = self._read_file(path)
        if got is not None:
            data = got[0]
            for rec in read_lines(data[:data.rfind(b"\n") + 1], str(path)).records:
                if rec["t"] == "answer":
                    found.setdefault(rec["id"], rec)
                elif bases and rec["t"] == "base":
                    held = won.get(rec["unit"])
                    if held is None or parse_stamp(held["hlc"]) < parse_stamp(rec["hlc"]):
                        won[rec["unit"]] = rec
    return found, won


def plan_import(self: HistoryStore, path: str | os.PathLike[str]) -> ImportPlan:
    """Read a progress file (format 2 export, or format 1) and say what importing it
    would change; merged as sync merges (answers by id, undo tombstones, last writer wins
    per setting)."""
    self._check_open()
    source = Path(path)
    records = read_progress_records(source, self.device, self._warn)
    return plan_from_records(source, records, set(self._all_answers()), self._undone,
                             set(self._state.sessions), set(self._meta))


def apply_import(self: HistoryStore, plan: ImportPlan) -> ImportCounts:
    self._check_open()
    if not isinstance(plan, HistoryImportPlan):
        plan = self.plan_import(plan.source)
    assert isinstance(plan, HistoryImportPlan)
    records = [dict(r) for r in plan.records]
    if self._persistent:
        try:
            self._check_lock()
            self._write_own(records)
        except OSError as exc:
            raise StoreError(f"The import was not saved, and nothing changed: "
                             f"{exc.strerror or exc}") from None
    for rec in records:
        self._take(rec, self.device)
    if self._dirty:
        self._rebuild(None)
    self._save_state()
    return ImportCounts(attempts_added=plan.attempts_added,
                        attempts_skipped=plan.attempts_skipped,
                        attempts_undone=len(plan.attempts_undone),
                        sessions_added=plan.sessions_added,
                        units_updated=plan.units_added + len(plan.units_replaced))


def canonical(rec: Mapping[str, Any]) -> str:
    return json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def attempt_of(rec: Mapping[str, Any]) -> Attempt:
    unit = parse_unit_key(rec["unit"])
    return Attempt.from_dict({
        "id": rec["id"], "deck_id": unit.deck_id, "item_id": unit.item_id, "part": unit.part,
        "answer": rec["answer"], "correct": rec["correct"], "marks": rec["marks"],
        "confidence": rec["confidence"], "mode": rec["mode"], "time_ms": rec["time_ms"],
        "timestamp": rec["at"], "session_id": rec["session"], "rating": rec["rating"]})
