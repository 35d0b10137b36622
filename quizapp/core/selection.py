"""Which items a session holds: the session builder's filters (decks, kinds, tags; due, new,
incorrect, flagged) against the store's history, and one day's queue for "Study what is due".
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from quizapp.core.model import Deck, Flashcard, Item, StudyUnit
from quizapp.core.planner import due_cutoff
from quizapp.core.sessionmodel import Entry, SessionSettings
from quizapp.core.store import Store


def _matches_tags(item: Item, tags: Sequence[str]) -> bool:
    return not tags or any(t in item.tags for t in tags)


def _kinds_for(mode: str) -> set[str]:
    return {"flashcard"} if mode == "flashcards" else {"single", "multi", "case"}


def candidate_entries(decks: Iterable[Deck], settings: SessionSettings) -> list[Entry]:
    """Every entry of the chosen decks, kinds and tags, in deck order (no store filter)."""
    kinds = _kinds_for(settings.mode)
    out: list[Entry] = []
    for deck in decks:
        if settings.deck_ids and deck.id not in settings.deck_ids:
            continue
        for it in deck.items:
            if it.kind not in kinds or not _matches_tags(it, settings.tags):
                continue
            out.append(Entry(deck.id, it))
            if isinstance(it, Flashcard) and it.reversible:
                out.append(Entry(deck.id, it, reverse=True))
    return out


def select_entries(
    decks: Iterable[Deck], settings: SessionSettings, store: Store, now: Any = None
) -> list[Entry]:
    """The entries a new session should present, per the settings and the store's history.

    "Due" is due by the end of the study day (:func:`quizapp.core.planner.due_cutoff`)."""
    now = due_cutoff(now)
    cands = candidate_entries(decks, settings)
    by_unit: dict[str, int] = {}
    for i, e in enumerate(cands):
        for u in e.units:
            by_unit[u.key] = i
    units = [u for e in cands for u in e.units]

    def pick(found: Iterable[StudyUnit]) -> list[int]:
        seen: dict[int, None] = {}
        for u in found:
            seen.setdefault(by_unit[u.key], None)
        return list(seen)

    sel = settings.selection
    if sel == "due":
        chosen = pick(store.due(units, now))
    elif sel == "new":
        chosen = [i for i, e in enumerate(cands) if all(store.state(u).is_new for u in e.units)]
    elif sel == "incorrect":
        chosen = pick(store.wrong_last_time(units))
    elif sel == "flagged":
        chosen = pick(store.flagged(units))
    elif sel == "all":
        chosen = list(range(len(cands)))
    else:  # due_new: what is due first (most overdue first), then new ones in deck order
        due = pick(store.due(units, now))
        due_set = set(due)
        new = [i for i, e in enumerate(cands)
               if i not in due_set and all(store.state(u).is_new for u in e.units)]
        chosen = due + new
    rng = random.Random(settings.seed)
    if settings.shuffle:
        if sel == "due_new":  # keep due before new, shuffle within each group
            k = len([i for i in chosen if i in set(pick(store.due(units, now)))])
            head, tail = chosen[:k], chosen[k:]
            rng.shuffle(head)
            rng.shuffle(tail)
            chosen = head + tail
        else:
            rng.shuffle(chosen)
    if settings.limit and settings.limit > 0:
        chosen = chosen[: settings.limit]
    entries = [cands[i] for i in chosen]
    for e in entries:
        for part, q, _st in e.parts():
            order = list(range(len(q.options)))
            if settings.shuffle and q.shuffle:
                rng.shuffle(order)
            e.orders[part] = tuple(order)
    return entries


#: How many new (never studied) items "Study what is due" adds to a day's queue.
DAILY_NEW_ITEMS = 10


def _interleave(a: list[Entry], b: list[Entry]) -> list[Entry]:
    """Merge two lists evenly, keeping each one's order (a b a b ..., spread by length)."""
    out: list[Entry] = []
    i = j = 0
    while i < len(a) or j < len(b):
        # take from the list that is further behind its share
        if j >= len(b) or (i < len(a) and i * len(b) <= j * len(a)):
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out


def daily_queue(decks: Iterable[Deck], deck_ids: Sequence[str], store: Store,
                now: Any = None, new_items: int = DAILY_NEW_ITEMS, seed: int | None = None
                ) -> list[Entry]:
    """One day's study ("Study what is due", Ctrl+D): everything due by the end of the study
    day — flashcards, questions and cases interleaved, most overdue first within each kind —
    then at most ``new_items`` new items, cards and questions interleaved too."""
    decks = list(decks)
    parts = {}
    for mode in ("flashcards", "tutor"):
        base = SessionSettings(mode=mode, deck_ids=tuple(deck_ids), limit=0,
                               shuffle=False, seed=seed)
        due = select_entries(decks, SessionSettings.from_dict({**base.to_dict(),
                                                               "selection": "due"}),
                             store, now)
        new = select_entries(decks, SessionSettings.from_dict({**base.to_dict(),
                                                               "selection": "new"}),
                             store, now)
        parts[mode] = (due, new)
    due = _interleave(parts["flashcards"][0], parts["tutor"][0])
    new = _interleave(parts["flashcards"][1], parts["tutor"][1])[:max(0, new_items)]
    rng = random.Random(seed)
    for e in due + new:  # options in a fresh order, as in any shuffled session
        for part, q, _st in e.parts():
            order = list(range(len(q.options)))
            if q.shuffle:
                rng.shuffle(order)
            e.orders[part] = tuple(order)
    return due + new

