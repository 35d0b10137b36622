"""What a study session is made of: the builder's settings, the entries it presents (a
flashcard side, a question or a whole case), the responses and drafts it keeps, and the
read-only views and summary it hands the pages. Plain data; the rules are in
:mod:`quizapp.core.session`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from quizapp.core.model import Case, Flashcard, Item, Mode, Question, Stage, StudyUnit
from quizapp.core.scoring import (
    Mark,
)

MODE_LABELS = {"flashcards": "Flashcards", "tutor": "Tutor quiz", "exam": "Timed exam"}
#: What "Study what is due" (Ctrl+D) is called: a day's queue of cards and questions mixed
#: (run with the tutor rules, but not a "Tutor quiz").
DAILY_LABEL = "Daily review"
SELECTIONS = {
    "due_new": "Due and new",
    "due": "Due now",
    "new": "New (never studied)",
    "incorrect": "Incorrect last time",
    "flagged": "Flagged",
    "all": "All",
}
STATE_VERSION = 1

#: How early a relearning flashcard may come back when nothing else is left (Anki's default).
LEARN_AHEAD = timedelta(minutes=20)


@dataclass
class SessionSettings:
    """What the session builder chose. Saved in the store with the session."""

    mode: Mode = "tutor"
    deck_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    selection: str = "due_new"
    limit: int = 20
    shuffle: bool = True
    confidence: bool = False
    seconds_per_question: int = 90
    seed: int | None = None
    daily: bool = False  # the daily queue (Ctrl+D), not a session built in the builder

    @property
    def label(self) -> str:
        """What the student calls this session: "Tutor quiz", "Daily review"..."""
        return DAILY_LABEL if self.daily else MODE_LABELS.get(self.mode, "Session")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["deck_ids"] = list(self.deck_ids)
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SessionSettings:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        s = cls(**known)
        s.deck_ids = tuple(s.deck_ids)
        s.tags = tuple(s.tags)
        if s.mode not in MODE_LABELS:
            s.mode = "tutor"
        if s.selection not in SELECTIONS:
            s.selection = "due_new"
        return s


@dataclass
class Entry:
    """One thing the session presents: a flashcard side, a question or a whole case."""

    deck_id: str
    item: Item
    reverse: bool = False
    orders: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Display order of options per question part (indices into the deck order)."""

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def units(self) -> list[StudyUnit]:
        if isinstance(self.item, Case):
            return [StudyUnit(self.deck_id, self.item.id, p) for p, _q, _s in self.parts()]
        return [StudyUnit(self.deck_id, self.item.id, "reverse" if self.reverse else "")]

    def parts(self) -> list[tuple[str, Question, Stage | None]]:
        """Every question in the entry as (part, question, stage)."""
        it = self.item
        if isinstance(it, Question):
            return [("", it, None)]
        if isinstance(it, Case):
            return [(f"{st.id}/{q.id}", q, st) for st in it.stages for q in st.questions]
        return []

    def question(self, part: str) -> Question:
        for p, q, _s in self.parts():
            if p == part:
                return q
        raise KeyError(part)

    def unit(self, part: str = "") -> StudyUnit:
        if isinstance(self.item, Flashcard):
            return StudyUnit(self.deck_id, self.item.id, "reverse" if self.reverse else "")
        return StudyUnit(self.deck_id, self.item.id, part)

    def order(self, part: str) -> tuple[int, ...]:
        q = self.question(part)
        return self.orders.get(part) or tuple(range(len(q.options)))

    @property
    def tags(self) -> tuple[str, ...]:
        return self.item.tags

    @property
    def title(self) -> str:
        it = self.item
        if isinstance(it, Case):
            return it.title
        text = it.front if isinstance(it, Flashcard) else it.stem
        plain = re.sub(r"[*_`#>]+", "", " ".join(text.split()))  # Markdown marks off
        return plain if len(plain) <= 90 else plain[:89] + "…"


@dataclass
class Response:
    """The answer to one question part."""

    selected: tuple[int, ...] = ()
    confidence: int | None = None
    time_ms: int = 0
    mark: Mark | None = None
    recorded: bool = False


@dataclass
class Draft:
    """The current, unsaved selection and confidence of one question."""

    selected: set[int] = field(default_factory=set)
    confidence: int | None = None


@dataclass(frozen=True)
class PartView:
    """What the study page shows for one question (read-only view state).

    Attributes:
        selected: chosen options (deck-order indices) as they should appear ticked.
        struck: struck-out options (display positions).
        confidence: the confidence shown as chosen.
        saved: an answer is kept for it (exam) or recorded (tutor).
        locked: nothing about it can change any more.
        mark: the mark to show with feedback, or ``None`` while feedback is hidden.
        can_submit: Enter / Submit / Save would be accepted now.
        hint: what the student needs to do next, in a sentence (empty when nothing).
    """

    selected: tuple[int, ...]
    struck: frozenset[int]
    confidence: int | None
    saved: bool
    locked: bool
    mark: Mark | None
    can_submit: bool
    hint: str


@dataclass
class TagScore:
    tag: str
    correct: int = 0
    total: int = 0
    credit: float = 0.0

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.total if self.total else 0.0


@dataclass
class Summary:
    """Figures for the results page."""

    mode: str
    questions: int = 0
    answered: int = 0
    correct: int = 0
    credit: float = 0.0
    marks: float = 0.0
    max_marks: float = 0.0
    cbm: bool = False
    label: str = ""
    """What the session is called (:attr:`SessionSettings.label`)."""
    time_ms: int = 0
    flashcards: dict[str, int] = field(default_factory=dict)
    """How many ratings of each kind (a card rated Again and then Good counts in both)."""
    cards: int = 0
    """How many different cards were rated (each side of a two-sided card counts)."""
    select_all: int = 0
    """How many of the questions were select-all (the only ones marked with partial credit)."""
    per_tag: list[TagScore] = field(default_factory=list)
    calibration: dict[int, tuple[int, int]] = field(default_factory=dict)
    missed: list[tuple[int, str]] = field(default_factory=list)
    """(entry index, part) of every question not fully right."""
    case_marks: list[tuple[int, float, float]] = field(default_factory=list)
    """(entry index, marks, max) per case."""

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.questions if self.questions else 0.0

    def to_score(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "answered": self.answered,
            "correct": self.correct,
            "percent": round(self.percent, 1),
            "marks": self.marks,
            "max_marks": self.max_marks,
            "time_ms": self.time_ms,
            "flashcards": dict(self.flashcards),
        }


class SessionError(Exception):
    pass
