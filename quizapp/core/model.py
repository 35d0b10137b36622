"""The deck model: frozen dataclasses built by :mod:`quizapp.core.deckfile`.

Nothing here imports Qt. Every object remembers where it came from
(:class:`SourceLocation`) so later layers can point authors at the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a deck file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    citation: str
    doi: str | None = None
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Option:
    text: str
    correct: bool
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """A single-best-answer (``kind == "single"``) or select-all (``"multi"``) question.

    Used both as a top-level item and as a question inside a case stage.
    """

    id: str
    kind: Literal["single", "multi"]
    stem: str
    options: tuple[Option, ...]
    explanation: str | None = None
    objective: str | None = None
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    image: Path | None = None
    image_alt: str | None = None
    shuffle: bool = True
    location: SourceLocation | None = field(default=None, compare=False)

    @property
    def correct_indices(self) -> tuple[int, ...]:
        return tuple(i for i, o in enumerate(self.options) if o.correct)

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.options)]


@dataclass(frozen=True, slots=True)
class Flashcard:
    id: str
    front: str
    back: str
    reversible: bool = False
    explanation: str | None = None
    objective: str | None = None
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    image: Path | None = None
    image_alt: str | None = None
    location: SourceLocation | None = field(default=None, compare=False)

    kind: Literal["flashcard"] = "flashcard"


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    questions: tuple[Question, ...]
    title: str | None = None
    text: str | None = None
    image: Path | None = None
    image_alt: str | None = None
    location: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    title: str
    stem: str
    stages: tuple[Stage, ...]
    objective: str | None = None
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    image: Path | None = None
    image_alt: str | None = None
    location: SourceLocation | None = field(default=None, compare=False)

    kind: Literal["case"] = "case"


Item = Flashcard | Question | Case


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference sheet: titled Markdown (usually a table) shown beside the questions.

    Not gradable and never scheduled; a deck's sheets are what a question bank's lab-values
    panel is to its questions (for example Table 1 of the red flags).
    """

    id: str
    title: str
    text: str
    sources: tuple[str, ...] = ()
    location: SourceLocation | None = field(default=None, compare=False)


#: How an answer was given: the study modes (their display names are
#: :data:`quizapp.core.sessionmodel.MODE_LABELS`).
Mode = Literal["flashcards", "tutor", "exam"]
MODES: tuple[str, ...] = get_args(Mode)


@dataclass(frozen=True, slots=True)
class StudyUnit:
    """One schedulable, answerable thing: progress is keyed by ``(deck_id, item_id, part)``.

    ``part`` is ``""`` for a flashcard's front->back or a top-level question,
    ``"reverse"`` for a reversible flashcard's back->front, and
    ``"STAGE/QUESTION"`` for a question inside a case.
    """

    deck_id: str
    item_id: str
    part: str = ""

    @property
    def key(self) -> str:
        """The unit key: ``deck::item`` or ``deck::item::part`` (see :func:`unit_key`)."""
        return unit_key(self.deck_id, self.item_id, self.part)


#: The longest unit key quizapp accepts from a file.
MAX_UNIT_KEY = 1024


def unit_key(deck_id: str, item_id: str, part: str = "") -> str:
    """THE unit key, ``deck::item`` or ``deck::item::part``: how progress names a unit in
    every file (format-1 ``items``, format-2 records, exports). Deck and item ids never hold
    ``::`` (:data:`quizapp.core.deckschema.ID_PATTERN`), nor does a part."""
    return f"{deck_id}::{item_id}::{part}" if part else f"{deck_id}::{item_id}"


def is_unit_key(key: object) -> bool:
    """Whether :func:`parse_unit_key` reads ``key`` (checked without making the unit: every
    history line names one)."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_UNIT_KEY:
        return False
    parts = key.split("::")
    return 2 <= len(parts) <= 3 and all(parts)


def parse_unit_key(key: object) -> StudyUnit:
    """The unit a key names; :class:`ValueError` saying what is wrong otherwise."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_UNIT_KEY:
        raise ValueError(f"unit {key!r:.60} is not a unit key")
    parts = key.split("::")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"unit {key!r:.60} is not a unit key (deck::item or deck::item::part)")
    return StudyUnit(*parts)


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    title: str
    sources: dict[str, Source]
    items: tuple[Item, ...]
    format: int = 1
    description: str | None = None
    authors: tuple[str, ...] = ()
    version: str | None = None
    license: str | None = None
    language: str | None = None
    path: Path | None = None
    references: tuple[Reference, ...] = ()

    def item(self, item_id: str) -> Item | None:
        for it in self.items:
            if it.id == item_id:
                return it
        return None

    @property
    def tags(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for it in self.items:
            for t in it.tags:
                seen.setdefault(t, None)
        return tuple(seen)

    def study_units(self) -> list[StudyUnit]:
        """Every schedulable unit in deck order."""
        units: list[StudyUnit] = []
        for it in self.items:
            if isinstance(it, Case):
                for st in it.stages:
                    for q in st.questions:
                        units.append(StudyUnit(self.id, it.id, f"{st.id}/{q.id}"))
            else:
                units.append(StudyUnit(self.id, it.id))
                if isinstance(it, Flashcard) and it.reversible:
                    units.append(StudyUnit(self.id, it.id, "reverse"))
        return units
