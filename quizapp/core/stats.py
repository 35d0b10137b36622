"""``quizapp stats``: per-deck figures from the score store, and the report the CLI prints.

Nothing here scans the whole attempt history: per-unit totals and scheduler state are kept
up to date by the store, so the figures for a deck cost time in proportion to its units.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.core.model import Deck
from quizapp.core.planner import deck_counts
from quizapp.core.progress.history_store import open_store
from quizapp.core.scoring import format_marks, plural
from quizapp.core.sessionmodel import DAILY_LABEL, MODE_LABELS
from quizapp.core.store import SessionRecord, Store

__all__ = [
    "DeckStats",
    "deck_stats",
    "format_score",
    "format_stats",
    "stats_report",
]


@dataclass(frozen=True, slots=True)
class DeckStats:
    """Progress on one deck.

    ``units`` counts study units (a reversible flashcard is two, a case one per stage
    question). ``items`` counts items (a case is one); ``seen`` the items with at least one
    answer, and ``due_today`` / ``due_week`` the *items* due by the end of this study day /
    of the 7th study day: all three as the library does
    (:func:`quizapp.core.planner.deck_counts`), so its columns and this agree.
    """

    deck_id: str
    title: str
    units: int
    seen: int
    attempts: int
    correct: int
    due_today: int
    due_week: int
    new: int
    flagged: int
    last_session: SessionRecord | None
    items: int = 0

    @property
    def accuracy(self) -> float | None:
        """Share of attempts that were correct (0..1), or ``None`` with no attempts."""
        return self.correct / self.attempts if self.attempts else None


def last_session_on(sessions: Sequence[SessionRecord], deck_id: str) -> SessionRecord | None:
    """The last finished session on deck ``deck_id`` alone that answered questions, or
    ``None``: what the library's Last score and ``quizapp stats``' last session both show.
    A session over several decks has one score for all of them, which says nothing about
    one deck alone, so it is not copied to each."""
    for s in reversed(sessions):
        if s.finished and list(s.deck_ids) == [deck_id] and s.score \
                and s.score.get("questions"):
            return s
    return None


def session_label(session: SessionRecord) -> str:
    """What the student calls a recorded session, as the study header and the results page
    do: "Daily review" for the Ctrl+D queue, else "Flashcards", "Tutor quiz", "Timed exam"."""
    if isinstance(session.settings, dict) and session.settings.get("daily") is True:
        return DAILY_LABEL
    return MODE_LABELS.get(session.mode, str(session.mode))


def _local_now() -> datetime:
    return datetime.now().astimezone()


def deck_stats(
    store: Store, decks: Sequence[Deck], now: datetime | None = None
) -> list[DeckStats]:
    """Figures for each deck, in the given order.

    Days ("today", "this week") run midnight to midnight in the time zone of ``now``
    (default: the computer's local time).
    """
    moment = now if now is not None else _local_now()
    sessions = store.sessions()
    out: list[DeckStats] = []
    for deck in decks:
        units = deck.study_units()
        attempts = correct = 0
        for unit in units:
            n, ok = store.unit_totals(unit)
            attempts += n
            correct += ok
        counts = deck_counts(store, deck, moment)
        last = last_session_on(sessions, deck.id)
        out.append(
            DeckStats(
                deck_id=deck.id,
                title=deck.title,
                units=len(units),
                seen=counts.seen,
                attempts=attempts,
                correct=correct,
                due_today=counts.due,
                due_week=counts.due_week,
                new=len(store.new(units)),
                flagged=len(store.flagged(units)),
                last_session=last,
                items=counts.items,
            )
        )
    return out


def format_score(score: dict[str, Any] | None) -> str:
    """A session score for people: ``80%``, ``8/10``, plus ``marks 14/30`` under CBM."""
    if not score:
        return "-"
    parts: list[str] = []
    cards = score.get("flashcards")
    if not score.get("questions") and isinstance(cards, dict) and cards:
        n = sum(v for v in cards.values() if isinstance(v, int))
        return f"{n} card{'s' if n != 1 else ''} reviewed"
    if score.get("questions") == 0 and not score.get("answered"):
        return "nothing answered"  # ended at once: not "0% marks 0/0"
    percent = score.get("percent")
    correct, total = score.get("correct"), score.get("total")
    if isinstance(percent, (int, float)) and not isinstance(percent, bool):
        parts.append(f"{percent:.0f}%")
    elif isinstance(correct, (int, float)) and isinstance(total, (int, float)) and total:
        parts.append(f"{correct:g}/{total:g}")
    marks, max_marks = score.get("marks"), score.get("max_marks")
    if isinstance(marks, (int, float)) and not isinstance(marks, bool):
        parts.append(
            f"marks {format_marks(marks)}/{format_marks(max_marks)}"
            if isinstance(max_marks, (int, float)) and not isinstance(max_marks, bool)
            else f"marks {format_marks(marks)}"
        )
    return " ".join(parts) if parts else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _deck_cell(title: str, deck_id: str, width: int = 44) -> str:
    """"Title [deck-id]" within ``width``: a long title is shortened, not the id (what
    ``--deck`` and the other commands take), unless the id alone is too long."""
    tag = f" [{deck_id}]"
    if len(title) + len(tag) <= width or len(tag) > width // 2:
        return _clip(title + tag, width)
    return _clip(title, width - len(tag)) + tag


def format_stats(stats: Sequence[DeckStats], *, now: datetime | None = None) -> str:
    """A short aligned table, one line per deck, for ``quizapp stats``."""
    if not stats:
        return "No decks.\n"
    moment = now if now is not None else _local_now()
    header = ("deck", "items", "seen", "questions+cards", "accuracy", "due today",
              "due 7 days", "last session")
    rows: list[tuple[str, ...]] = []
    for s in stats:
        acc = "-" if s.accuracy is None else f"{s.accuracy * 100:.0f}%"
        if s.last_session is None:
            last = "-"
        else:
            when = (s.last_session.ended or s.last_session.started).astimezone(moment.tzinfo)
            last = (f"{format_score(s.last_session.score)} "
                    f"({session_label(s.last_session)}, {when:%Y-%m-%d})")
        rows.append(
            (
                _deck_cell(s.title, s.deck_id),
                str(s.items),
                str(s.seen),
                str(s.units),
                acc,
                str(s.due_today),
                str(s.due_week),
                last,
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        middle = [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        return "  ".join([first, *middle, cells[-1]]).rstrip()

    total_units = sum(s.units for s in stats)
    total_items = sum(s.items for s in stats)
    total_seen = sum(s.seen for s in stats)
    total_attempts = sum(s.attempts for s in stats)
    total_correct = sum(s.correct for s in stats)
    summary = (
        f"{plural(len(stats), 'deck')}, {plural(total_items, 'item')} "
        f"({total_units} questions and cards): {total_seen} of {total_items} items seen, "
        f"{plural(total_attempts, 'answer')}"
        + (f", {total_correct / total_attempts * 100:.0f}% correct" if total_attempts else "")
        + f"; {plural(sum(s.due_today for s in stats), 'item')} due today, "
        f"{sum(s.due_week for s in stats)} within 7 days."
    )
    return "\n".join([line(header), *(line(r) for r in rows), "", summary]) + "\n"


def stats_report(
    data_dir: Path, decks: Sequence[Deck], *, now: datetime | None = None,
    sync_dir: Path | None = None,
) -> str:
    """The text of ``quizapp stats``: the per-deck summary for the progress in ``data_dir``
    (the command line prints it).

    With ``sync_dir``, the answers of the other computers syncing there count too.
    Opens the store read-only (no lock, no writes), so it works while the GUI is running and
    never changes anything. Warnings about damaged files come first.
    """
    store = open_store(data_dir, read_only=True, sync_dir=sync_dir)
    try:
        lines = [f"Progress in {os.fspath(data_dir)}\n"]
        if sync_dir is not None:
            store.check_sync()  # the other computers' answers too
            lines.append(f"Shared through the sync folder {os.fspath(sync_dir)}\n")
        lines.extend(f"warning: {warning}\n" for warning in store.warnings)
        if store.attempt_count == 0:
            lines.append("No answers recorded yet.\n")
        lines.append("\n")
        lines.append(format_stats(deck_stats(store, decks, now), now=now))
    finally:
        store.close()
    return "".join(lines)
