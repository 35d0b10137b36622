"""What is due, and how much a deck holds: one definition for every screen.

**Due** means due by the end of the *study day*. Like Anki, the study day ends at a boundary
hour in local time (4 am by default, :data:`DAY_BOUNDARY_HOUR`), not at midnight, so a
student revising at 1 am is still on "yesterday". The library's Due column, the Statistics
page, ``quizapp stats``, "Study what is due" (Ctrl+D) and the session builder all ask
:func:`due_cutoff` and count the same things.

**Counts name their unit.** A deck holds *items* (a flashcard, a question, or a case); a case
asks several *questions*, a reversible flashcard is studied both ways. Screens that list decks
count items: an item is due when any of its questions or card sides is due, new when all of
them are new, seen when any has been answered (:func:`deck_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from quizapp.core.model import Case, Deck, Flashcard, StudyUnit
from quizapp.core.scoring import plural
from quizapp.core.store import Store

__all__ = [
    "DAY_BOUNDARY_HOUR",
    "DeckCounts",
    "deck_counts",
    "describe_items",
    "due_cutoff",
    "study_day_end",
]

#: Local hour at which one study day ends and the next begins (Anki's default is 4 am).
DAY_BOUNDARY_HOUR = 4


def _local_now() -> datetime:
    return datetime.now().astimezone()


def study_day_end(now: datetime | None = None, boundary_hour: int = DAY_BOUNDARY_HOUR
                  ) -> datetime:
    """The end of the study day containing ``now``: the next ``boundary_hour`` o'clock in
    the time zone of ``now`` (default: the computer's local time). Aware datetime."""
    moment = now if now is not None else _local_now()
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    end = moment.replace(hour=boundary_hour, minute=0, second=0, microsecond=0)
    if end <= moment:
        end += timedelta(days=1)
    return end


def due_cutoff(now: datetime | None = None) -> datetime:
    """Everything scheduled before this moment counts as due now (end of the study day)."""
    return study_day_end(now)


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """A deck's figures in items (see the module docstring)."""

    items: int
    new: int
    due: int
    """Items due by the end of this study day (overdue included)."""
    seen: int
    due_week: int = 0
    """Items due by the end of the 7th study day from now (today included)."""


def deck_counts(store: Store, deck: Deck, now: datetime | None = None) -> DeckCounts:
    """Items, new, due (by the end of the study day), seen and due within 7 study days."""
    cutoff = due_cutoff(now)
    week = cutoff + timedelta(days=6)
    by_item: dict[str, list[StudyUnit]] = {}
    for u in deck.study_units():
        by_item.setdefault(u.item_id, []).append(u)
    new = due = seen = due_week = 0
    for units in by_item.values():
        states = [store.state(u) for u in units]
        dues = [st.due for st in states if st.due is not None]
        new += len(dues) == 0
        seen += any(st.attempts for st in states)
        if dues:
            first = min(dues)
            due += first <= cutoff
            due_week += first <= week
    return DeckCounts(items=len(by_item), new=new, due=due, seen=seen, due_week=due_week)


def describe_items(deck: Deck) -> str:
    """What a deck holds, each count with its unit: ``"3 flashcards, 2 questions,
    14 cases (59 case questions)"``."""
    cards = sum(1 for it in deck.items if isinstance(it, Flashcard))
    cases = [it for it in deck.items if isinstance(it, Case)]
    questions = len(deck.items) - cards - len(cases)
    parts = []
    if cards:
        parts.append(plural(cards, "flashcard"))
    if questions:
        parts.append(plural(questions, "question"))
    if cases:
        n_q = sum(len(st.questions) for c in cases for st in c.stages)
        parts.append(f"{plural(len(cases), 'case')} ({plural(n_q, 'case question')})")
    return ", ".join(parts) or "no items"
