"""Export and import of progress in score-store format 2: one JSON Lines file whose first
line is ``{"quizapp_progress": 2, ...}``, then records (:mod:`.records`); a format-1 export
(``progress.json``) imports too. Imported records are merged with the rules of sync."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp import __version__
from quizapp.core import fileio
from quizapp.core.progress.hlc import Stamp
from quizapp.core.progress.hotstate import FORMAT
from quizapp.core.progress.records import answer_from_attempt, encode, read_lines
from quizapp.core.scheduling import format_timestamp, parse_timestamp, to_utc
from quizapp.core.store import ImportPlan, StoreDataError, StoreFormatError, read_progress_document

__all__ = ["EXPORT_KEY", "HistoryImportPlan", "export_document", "plan_from_records",
           "read_progress_records", "records_from_document"]

EXPORT_KEY = "quizapp_progress"


@dataclass(frozen=True)
class HistoryImportPlan(ImportPlan):
    """An :class:`ImportPlan` of format 2: the records to append."""

    records: tuple[Mapping[str, Any], ...] = ()


def export_document(answers: Iterable[Mapping[str, Any]], bases: Mapping[str, Mapping[str, Any]],
                    undone: Iterable[str], sets: Mapping[str, Mapping[str, tuple[Stamp, Any]]],
                    sessions: Iterable[Mapping[str, Any]], device: str, now: datetime) -> bytes:
    """The export file: every answer, undo, winning base and setting, and session."""
    stamp = format_timestamp(now)
    lines = [json.dumps({EXPORT_KEY: FORMAT, "app": __version__, "device": device,
                         "exported": stamp}).encode() + b"\n"]
    lines.extend(encode(rec) for rec in answers)
    lines.extend(encode({"t": "undo", "id": rid, "at": stamp}) for rid in sorted(undone))
    for key in sorted(set(bases) | set(sets)):
        if key in bases:
            lines.append(encode(bases[key]))
        for name, (when, v) in sorted(sets.get(key, {}).items()):
            lines.append(encode({"t": "set", "unit": key, "field": name, "value": v,
                                 "hlc": when.to_json()}))
    for session in sessions:
        lines.append(encode({"t": "session", **session,
                             "at": session["ended"] or session["started"]}))
    return b"".join(lines)


def read_progress_records(source: Path, device: str, warn: Callable[[str], None]
                          ) -> list[dict[str, Any]]:
    """The records of a progress file (format-2 export or format 1), every line checked;
    :class:`StoreFormatError` naming the file and the first problem otherwise."""
    try:
        raw = fileio.read_regular(source, follow_links=True)
    except fileio.UnsafeFileError as exc:
        raise StoreFormatError(f"cannot import {source}: {exc.strerror}") from None
    except OSError as exc:
        raise StoreFormatError(f"cannot read {source}: {exc.strerror}") from None
    first, _, rest = raw.partition(b"\n")
    try:
        head = json.loads(first) if first.lstrip().startswith(b'{"' + EXPORT_KEY.encode()) \
            else None
    except ValueError:
        head = None
    if isinstance(head, dict) and EXPORT_KEY in head:
        if head[EXPORT_KEY] != FORMAT:
            raise StoreFormatError(
                f"{source} was exported by a newer quizapp (progress format "
                f"{head[EXPORT_KEY]!r:.20}); update quizapp to import it")
        reading = read_lines(rest, f"{source}", 2)
        if reading.problems:
            raise StoreFormatError(f"{source} is not a usable quizapp progress file: "
                                   f"{reading.problems[0]}")
        for message in reading.warnings:
            warn(message)
        return reading.records
    try:
        doc = read_progress_document(raw)
    except StoreDataError as exc:
        raise StoreFormatError(f"{source} is not a usable quizapp progress file: {exc}"
                               ) from None
    return records_from_document(doc, device)


def plan_from_records(source: Path, records: list[dict[str, Any]], have: set[str],
                      undone: set[str], sessions: set[str], units: set[str]
                      ) -> HistoryImportPlan:
    """What importing ``records`` would change in a store holding the answers ``have``."""
    new_answers = {r["id"] for r in records if r["t"] == "answer"
                   and r["id"] not in have and r["id"] not in undone}
    undos = {r["id"] for r in records if r["t"] == "undo"} - undone
    removed = sorted(undos & (have - undone))
    new_sessions = {r["id"] for r in records if r["t"] == "session"} - sessions
    touched = {r["unit"] for r in records if r["t"] in ("set", "base")}
    # a computer's name belongs to its own folder: never copied into this computer's
    todo = [r for r in records if (r["t"] != "answer" or r["id"] in new_answers)
            and r["t"] != "device"]
    return HistoryImportPlan(
        source=source, attempts_added=len(new_answers),
        attempts_skipped=sum(r["t"] == "answer" for r in records) - len(new_answers),
        attempts_undone=tuple(removed), sessions_added=len(new_sessions),
        units_added=len(touched - units), units_replaced=tuple(sorted(touched & units)),
        units_reset=(), _merge=None, _base_seq=0, _base_count=0,  # type: ignore[arg-type]
        records=tuple(todo))


def records_from_document(doc: Mapping[str, Any], device: str) -> list[dict[str, Any]]:
    """The records of a format-1 progress file, flags and scheduler states stamped with the
    time the file says they last changed (so a newer change here still wins)."""
    out: list[dict[str, Any]] = [answer_from_attempt(a) for a in doc["attempts"]]
    stamp = format_timestamp(to_utc(datetime.now().astimezone()))
    out.extend({"t": "undo", "id": rid, "at": stamp} for rid in doc["undone"])
    for key, item in doc["items"].items():
        changed = item.get("updated") or item.get("last_seen")
        wall = 0 if changed is None else int(parse_timestamp(changed).timestamp() * 1000)
        stamp_json = [wall, 0, device]
        if item.get("fsrs") is not None:
            at = max([t for t in (item.get("last_seen"), item["fsrs"].get("last_review")) if t]
                     or [item["fsrs"]["due"]], key=parse_timestamp)
            out.append({"t": "base", "unit": key, "card": item["fsrs"],
                        "at": format_timestamp(parse_timestamp(at)), "hlc": stamp_json})
        if item.get("flagged"):
            out.append({"t": "set", "unit": key, "field": "flagged", "value": True,
                        "hlc": [wall, 1, device]})
    for s in doc["sessions"].values():
        out.append({"t": "session", **s, "at": s.get("ended") or s["started"]})
    return out
