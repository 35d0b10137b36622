"""What the exporters share: option order, pictures, case objectives."""

from __future__ import annotations

import re
from pathlib import Path

from quizapp.core.model import Case, Item, Question

_KEEP_LAST = re.compile(r"^\s*(all|none|both|neither) of (the )?(above|these|them)\b", re.I)


def export_order(q: Question, key: str) -> Question:
    """The question with its options in the order an export writes them: shuffled (so that
    the key is not A on most questions when an author writes the right answer first), the same
    order at every export (seeded by ``key``), unless the author wrote ``shuffle: false``.
    'All/None of the above' stays last; a True/False pair keeps its order."""
    if not q.shuffle or is_true_false(q) or len(q.options) < 2:
        return q
    import hashlib
    import random
    from dataclasses import replace

    rng = random.Random(hashlib.sha256(key.encode("utf-8")).digest())
    movable = [o for o in q.options if not _KEEP_LAST.match(o.text)]
    last = [o for o in q.options if _KEEP_LAST.match(o.text)]
    rng.shuffle(movable)
    return replace(q, options=(*movable, *last))


def pictures_of(it: Item) -> list[tuple[str, Path]]:
    """(where, picture) for every picture an item shows: its own and its case questions'."""
    out: list[tuple[str, Path]] = []
    if it.image is not None:
        out.append((f"item {it.id}", Path(it.image)))
    if isinstance(it, Case):
        for st in it.stages:
            for q in st.questions:
                if q.image is not None:
                    out.append((f"item {it.id}, stage {st.id}, question {q.id}", Path(q.image)))
    return out


def with_objective(q: Question, objective: str) -> Question:
    from dataclasses import replace

    return replace(q, objective=objective)


def is_true_false(q: Question) -> bool:
    """A two-option True/False question in that order, as GIFT's {T} / {F} (and the importer)
    write it."""
    return (q.kind == "single" and len(q.options) == 2
            and [o.text.strip().lower() for o in q.options] == ["true", "false"])
