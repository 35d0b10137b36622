"""The store's public records: an attempt, a session, a unit's state, and the plan and
counts of a progress import."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from quizapp.core.model import Mode, StudyUnit
from quizapp.core.progress.errors import (
    StoreError,
)
from quizapp.core.progress.state1 import (
    MergeResult,
)
from quizapp.core.scheduling import (
    Rating,
    format_timestamp,
    parse_timestamp,
)

# --------------------------------------------------------------------------------------------
# Public records


@dataclass(frozen=True, slots=True)
class Attempt:
    """One recorded answer or rating.

    ``answer`` is whatever JSON value the UI recorded: a list of option letters for a
    question, the rating name for a flashcard. ``rating`` is the rating that updated the
    scheduler (``None`` when the attempt was not scheduled).
    """

    id: str
    deck_id: str
    item_id: str
    part: str
    answer: Any
    correct: bool
    marks: float
    confidence: int | None
    mode: Mode
    time_ms: int
    timestamp: datetime
    session_id: str | None = None
    rating: Rating | None = None

    @property
    def unit(self) -> StudyUnit:
        return StudyUnit(self.deck_id, self.item_id, self.part)

    @property
    def stage(self) -> str | None:
        """The case stage id, for a question inside a case (``part == "STAGE/QUESTION"``)."""
        return self.part.split("/", 1)[0] if "/" in self.part else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in the snapshot and the journal."""
        return {
            "id": self.id,
            "deck_id": self.deck_id,
            "item_id": self.item_id,
            "part": self.part,
            "answer": self.answer,
            "correct": self.correct,
            "marks": self.marks,
            "confidence": self.confidence,
            "mode": self.mode,
            "time_ms": self.time_ms,
            "timestamp": format_timestamp(self.timestamp),
            "session_id": self.session_id,
            "rating": None if self.rating is None else int(self.rating),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attempt:
        """Build from the JSON form; the data must have passed validation."""
        rating = data.get("rating")
        answer = data["answer"]
        return cls(
            id=data["id"],
            deck_id=data["deck_id"],
            item_id=data["item_id"],
            part=data["part"],
            answer=copy.deepcopy(answer) if isinstance(answer, (list, dict)) else answer,
            correct=data["correct"],
            marks=float(data["marks"]),
            confidence=data["confidence"],
            mode=data["mode"],
            time_ms=data["time_ms"],
            timestamp=parse_timestamp(data["timestamp"]),
            session_id=data.get("session_id"),
            rating=None if rating is None else Rating(rating),
        )


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A study session: flashcard review, tutor-mode block or timed exam block."""

    id: str
    mode: Mode
    settings: dict[str, Any]
    deck_ids: tuple[str, ...]
    started: datetime
    ended: datetime | None = None
    score: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.ended is not None


@dataclass(frozen=True, slots=True)
class UnitState:
    """What the store knows about one study unit."""

    unit: StudyUnit
    due: datetime | None
    """When the scheduler wants to see it again; ``None`` for a new (never scheduled) unit."""
    stability: float | None
    difficulty: float | None
    flagged: bool
    last_correct: bool | None
    """Result of the latest attempt; ``None`` if never answered."""
    last_seen: datetime | None
    attempts: int
    correct: int

    @property
    def is_new(self) -> bool:
        return self.due is None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What :meth:`Store.import_json` merged."""

    attempts_added: int = 0
    attempts_skipped: int = 0
    attempts_undone: int = 0
    sessions_added: int = 0
    units_updated: int = 0
    units_reset: int = 0


@dataclass(frozen=True)
class ImportPlan:
    """What importing a progress file would change (:meth:`Store.plan_import`), to show the
    user before anything happens."""

    source: Path
    attempts_added: int
    """Answers in the file that this store does not have."""
    attempts_skipped: int
    """Answers already here (or undone here)."""
    attempts_undone: tuple[str, ...]
    """Ids of answers recorded here that the file's ``undone`` list would remove."""
    sessions_added: int
    units_added: int
    """Units the file has state for and this store does not."""
    units_replaced: tuple[str, ...]
    """Unit keys whose state here (scheduling, flag, last result) the file's later-changed
    entry replaces."""
    units_reset: tuple[str, ...]
    """Of those, the units whose replacement discards scheduling: the file's entry has no
    scheduler state or an older last review than ours, or claims a change in the future."""
    _merge: MergeResult = field(repr=False, compare=False)
    _base_seq: int = field(repr=False, compare=False)
    _base_count: int = field(repr=False, compare=False)

    @property
    def needs_confirmation(self) -> bool:
        """Whether the import would remove answers or discard scheduling (ask first)."""
        return bool(self.attempts_undone or self.units_reset)

    def describe(self) -> str:
        """The plan in plain words, e.g. for a confirmation dialog."""
        lines = [
            f"{self.attempts_added} answer(s) added, {self.attempts_skipped} already here, "
            f"{self.sessions_added} session(s) added."
        ]
        if self.units_replaced:
            lines.append(
                f"{len(self.units_replaced)} item(s) take the file's more recent state "
                "(scheduling, flag, last result)."
            )
        if self.attempts_undone:
            lines.append(
                f"{len(self.attempts_undone)} answer(s) recorded here would be REMOVED: the "
                "file says they were undone."
            )
        if self.units_reset:
            lines.append(
                f"{len(self.units_reset)} item(s) would LOSE their scheduling here (the file's "
                "state for them is older, empty, or dated in the future)."
            )
        return "\n".join(lines)


class ImportNotConfirmedError(StoreError):
    """An import that would remove answers or discard scheduling was not confirmed; nothing
    changed. ``plan`` says what it would have done."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        super().__init__(
            f"{plan.source} was not imported, because it would change progress recorded "
            f"here:\n{plan.describe()}"
        )


# --------------------------------------------------------------------------------------------
# The lock file


def new_record_id() -> str:
    import uuid  # here, not at the top: start-up does not need it

    return uuid.uuid4().hex


def session_from_dict(s: Mapping[str, Any]) -> SessionRecord:
    return SessionRecord(
        id=s["id"],
        mode=cast(Mode, s["mode"]),
        settings=copy.deepcopy(s["settings"]),
        deck_ids=tuple(s["deck_ids"]),
        started=parse_timestamp(s["started"]),
        ended=None if s.get("ended") is None else parse_timestamp(s["ended"]),
        score=copy.deepcopy(s.get("score")),
    )
