"""Format 1 -> the format-2 history records of one computer, counted and compared.

:func:`migrate` reads a format-1 data folder the way quizapp opens it (read-only, so every
damage rule of :mod:`quizapp.core.store` applies and nothing there is changed: the old files
stay where they are), turns it into records (:mod:`.records`) appended to
``devices/<device>/`` under ``root``, reads those files back and compares every answer, undo,
flag, count and scheduler state with what the format-1 store held. A migration cut short (a
crash, a kill) is simply run again: records already written are not written twice, and the
merge is by id anyway.

Mapping: each attempt becomes an ``answer`` (its id, unit key, ``timestamp`` -> ``at``,
``session_id`` -> ``session``, the other fields as they are); each undone id an ``undo``; each
flagged unit a ``set flagged true``; each unit with a scheduler state a ``base`` holding that
state as of the unit's last answer, so the due dates the student has do not move. Sessions
and a paused block belong to the hot state, not to this history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core.model import unit_key
from quizapp.core.progress.history_queries import canonical as _canonical
from quizapp.core.progress.hlc import Clock, Stamp, parse_stamp
from quizapp.core.progress.records import answer_from_attempt
from quizapp.core.progress.syncfolder import DEVICES, FileRead, append, read_device
from quizapp.core.scheduling import (
    CardData,
    Rating,
    Scheduler,
    format_timestamp,
    parse_timestamp,
    utc_now,
)
from quizapp.core.store import Store

__all__ = ["Migration", "migrate", "records_from_format1"]


@dataclass
class Migration:
    """What a migration found and wrote; :attr:`ok` only if every comparison held."""

    answers: int = 0  # attempts in the format-1 store
    undone: int = 0
    flags: int = 0
    bases: int = 0
    written: int = 0  # records appended by this run (0 when a previous run wrote them all)
    answers_read_back: int = 0
    problems: list[str] = field(default_factory=list)  # mismatches: the migration failed
    warnings: list[str] = field(default_factory=list)  # what the format-1 store reported
    #: the format-1 sessions (id -> session) and paused block, for the caller's hot state
    sessions: dict[str, Any] = field(default_factory=dict, repr=False)
    pending: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


def _key(a: Mapping[str, Any]) -> str:
    return unit_key(a["deck_id"], a["item_id"], a["part"])


_answer = answer_from_attempt


def _base_time(item: Mapping[str, Any], latest: str | None = None) -> str:
    """When the unit's format-1 scheduler state holds: at its last answer or review, and
    never before an answer of the unit (a format-1 import keeps the state of the side with the
    newer ``updated`` but every answer, so an answer can be newer than the state: replayed
    after the base, it would move the due date the student has -- and the check after the
    migration refused every such folder)."""
    times = [t for t in (item.get("last_seen"), item["fsrs"].get("last_review"), latest) if t]
    if not times:
        return format_timestamp(parse_timestamp(item["fsrs"]["due"]))
    return format_timestamp(max(parse_timestamp(t) for t in times))


def records_from_format1(doc: Mapping[str, Any], device: str, now: datetime
                         ) -> Iterator[dict[str, Any]]:
    """The records standing for a format-1 document (as *Export progress* writes it)."""
    clock = Clock(device)
    wall = int(now.timestamp() * 1000)
    for a in doc["attempts"]:
        yield _answer(a)
    stamp = format_timestamp(now)
    for rid in sorted(doc["undone"]):
        yield {"t": "undo", "id": rid, "at": stamp}
    latest: dict[str, tuple[datetime, str]] = {}
    for a in doc["attempts"]:
        when, key = parse_timestamp(a["timestamp"]), _key(a)
        if key not in latest or when > latest[key][0]:
            latest[key] = (when, a["timestamp"])
    for key, item in sorted(doc["items"].items()):
        if item.get("fsrs") is not None:
            last = latest.get(key)
            yield {"t": "base", "unit": key, "card": item["fsrs"],
                   "at": _base_time(item, None if last is None else last[1]),
                   "hlc": clock.tick(wall).to_json()}
        if item.get("flagged"):
            yield {"t": "set", "unit": key, "field": "flagged", "value": True,
                   "hlc": clock.tick(wall).to_json()}


def _identity(rec: Mapping[str, Any]) -> tuple[str, ...]:
    if rec["t"] in ("answer", "undo", "session"):
        return (rec["t"], rec["id"])
    return (rec["t"], rec["unit"], rec.get("field", ""))


def migrate(data_folder: Path, root: Path, device: str, *,
            now: datetime | None = None,
            on_count: Callable[[int], object] | None = None,
            keep: dict[str, FileRead] | None = None) -> Migration:
    """Migrate ``data_folder`` (format 1) into ``root/devices/<device>/``; see the module.
    ``on_count`` is told how many answers are being moved, once the old files are read.
    The files read back for the check are put in ``keep`` (see :func:`.read_device`), so
    that the store's rebuild that follows need not read and parse them again."""
    result = Migration()
    now = now or utc_now()
    with Store.open(data_folder, read_only=True) as store:
        result.warnings = list(store.warnings)
        # what *Export progress* would write, taken from memory (not written and parsed
        # again: at a million answers that was a fifth of the migration)
        state = store._state
        doc: dict[str, Any] = {
            "attempts": list(state.attempts.values()), "sessions": dict(state.sessions),
            "items": {k: v.to_dict() for k, v in state.items.items()},
            "undone": sorted(state.undone), "pending_session": state.pending}
    result.answers = len(doc["attempts"])
    if on_count is not None:
        on_count(result.answers)
    result.sessions, result.pending = doc["sessions"], doc.get("pending_session")
    result.undone = len(doc["undone"])
    folder = root / DEVICES / device
    before = read_device(folder, device) if folder.is_dir() else None
    have = {_identity(r) for r in before.records} if before else set()
    todo = []
    for rec in records_from_format1(doc, device, now):
        result.flags += rec["t"] == "set"
        result.bases += rec["t"] == "base"
        if _identity(rec) not in have:
            todo.append(rec)
    root.mkdir(parents=True, exist_ok=True)
    append(root, device, todo)
    result.written = len(todo)
    _verify(doc, read_device(folder, device, keep), result)
    return result


def _verify(doc: Mapping[str, Any], back: Any, result: Migration) -> None:
    """Compare what was read back with the format-1 document, straight from the records (a
    :class:`~.merge.Replica` would replay every answer through the scheduler: a quarter of
    a migration at a million answers). The rules are the Replica's: an answer counts unless
    undone; per unit, the base and the flag with the newest clock stamp hold; the scheduler
    state is the base's, and only a rated answer after the base would change it (the
    migration places every base at or after its unit's last answer, so only a unit with
    such an answer is replayed through the scheduler)."""
    result.problems.extend(back.problems)
    answers: dict[str, dict[str, Any]] = {}
    tombstones: set[str] = set()
    bases: dict[str, tuple[Stamp, Mapping[str, Any]]] = {}
    flags: dict[str, tuple[Stamp, Any]] = {}
    doubled = 0
    for rec in back.records:
        kind = rec["t"]
        if kind == "answer":
            held = answers.get(rec["id"])
            if held is not None and held != rec:
                doubled += 1
                if _canonical(held) <= _canonical(rec):
                    continue
            answers[rec["id"]] = rec
        elif kind == "undo":
            tombstones.add(rec["id"])
        elif kind == "base":
            stamp = parse_stamp(rec["hlc"])
            if rec["unit"] not in bases or bases[rec["unit"]][0] < stamp:
                bases[rec["unit"]] = (stamp, rec)
        elif kind == "set" and rec["field"] == "flagged":
            stamp = parse_stamp(rec["hlc"])
            if rec["unit"] not in flags or flags[rec["unit"]][0] < stamp:
                flags[rec["unit"]] = (stamp, rec["value"])
    if doubled:
        result.problems.append(f"{doubled} ids carry two different answers")
    live = set(answers) - tombstones
    result.answers_read_back = len(live)
    want = {a["id"]: _answer(a) for a in doc["attempts"]}
    if live != set(want):
        missing, extra = set(want) - live, live - set(want)
        result.problems.append(f"{len(missing)} answers missing and {len(extra)} extra "
                               "after the migration")
    # equal as parsed JSON, and of the same types (1 and 1.0 compare equal)
    changed = sum(1 for rid, rec in want.items()
                  if rid in answers and (answers[rid] != rec or any(
                      type(v) is not type(rec.get(k)) for k, v in answers[rid].items())))
    if changed:
        result.problems.append(f"{changed} answers read back differently")
    if not set(doc["undone"]) <= tombstones:
        result.problems.append("some undone answers are not undone after the migration")
    totals: dict[str, list[int]] = {}
    for a in doc["attempts"]:
        t = totals.setdefault(_key(a), [0, 0])
        t[0] += 1
        t[1] += bool(a["correct"])
    counted: dict[str, list[int]] = {}
    rated: dict[str, datetime] = {}  # per unit, the time of its latest rated answer
    for rid in live:
        a = answers[rid]
        t = counted.setdefault(a["unit"], [0, 0])
        t[0] += 1
        t[1] += a["correct"]
        if a["rating"] is not None:
            when = parse_timestamp(a["at"])
            if a["unit"] not in rated or when > rated[a["unit"]]:
                rated[a["unit"]] = when
    by_unit: dict[str, list[dict[str, Any]]] | None = None
    scheduler: Scheduler | None = None
    for key in sorted(set(doc["items"]) | set(totals) | set(counted) | set(bases)
                      | set(flags)):
        item = doc["items"].get(key, {})
        got = counted.get(key, [0, 0])
        if got != totals.get(key, [0, 0]):
            result.problems.append(f"{key}: {got[0]} answers after the migration, "
                                   f"{totals.get(key, [0, 0])[0]} before")
        if bool(flags[key][1] if key in flags else False) != bool(item.get("flagged")):
            result.problems.append(f"{key}: the flag changed in the migration")
        base = bases.get(key)
        card = None if base is None else base[1]["card"]
        if key in rated and (base is None or rated[key] > parse_timestamp(base[1]["at"])):
            by_unit = by_unit if by_unit is not None else _by_unit(answers, live)
            card = _replay(base, by_unit.get(key, []), scheduler := scheduler or Scheduler())
        if card != item.get("fsrs"):
            result.problems.append(f"{key}: the scheduler state changed in the migration")


def _by_unit(answers: Mapping[str, dict[str, Any]], live: set[str]
             ) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for rid in live:
        out.setdefault(answers[rid]["unit"], []).append(answers[rid])
    return out


def _replay(base: tuple[Stamp, Mapping[str, Any]] | None, answers: list[dict[str, Any]],
            scheduler: Scheduler) -> CardData | None:
    """A unit's scheduler state as :meth:`~.merge.Replica.unit` derives it: the base's,
    then every rated answer after it replayed in time order (only for a unit with such an
    answer, which a migration does not write: a difference, or damage)."""
    card: CardData | None = None if base is None else dict(base[1]["card"])
    since = None if base is None else parse_timestamp(base[1]["at"])
    for when, rid, a in sorted((parse_timestamp(a["at"]), a["id"], a) for a in answers):
        if a["rating"] is not None and (since is None or when > since):
            card = scheduler.review(card, Rating(a["rating"]), when, seed=rid)
    return card
