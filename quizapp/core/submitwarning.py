"""What submitting an exam block leaves unanswered, in words: the study page's confirmation
(items not answered, cases partly answered, selections never saved) and its item lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quizapp.core.scoring import count_of, plural

if TYPE_CHECKING:
    from quizapp.core.session import Session


def item_numbers(items: list[int], most: int = 12) -> str:
    """Item numbers for a message: "items 2, 5 and 9", or the first few "and 30 more"."""
    head = ", ".join(map(str, items[:most]))
    if len(items) > most:
        return f"items {head} and {len(items) - most} more"
    if len(items) == 1:
        return f"item {items[0]}"
    return "items " + ", ".join(map(str, items[:-1])) + f" and {items[-1]}"


def submit_warning(s: Session) -> str:
    """What submitting the block leaves unanswered, counted with units (shown in the
    confirmation): items not answered, cases partly answered, selections never saved."""
    status = [s.entry_status(i) for i in range(len(s))]
    blank = [i + 1 for i, st in enumerate(status) if st == "not answered"]
    partly = [i + 1 for i, st in enumerate(status) if st == "partly answered"]
    text = ""
    if blank:
        text += (f"\n\n{plural(len(blank), 'item')} not answered ({item_numbers(blank)}) "
                 "will count as wrong, in this score and in your reviews, so they come "
                 "back soon.")
    for i in partly:
        e = s.entries[i - 1]
        parts = [p for p, _q, _st in e.parts()]
        saved = sum((i - 1, p) in s.responses for p in parts)
        unsaved = sum(bool(s.drafts.get((i - 1, p)) and s.drafts[(i - 1, p)].selected)
                      and (i - 1, p) not in s.responses for p in parts)
        if saved:
            text += (f"\n\nItem {i} (a case) is partly answered: "
                     f"{count_of(saved, len(parts), 'question')} saved; the rest count as "
                     "wrong.")
        else:  # only a selection: "partly answered: 0 of 4 saved; the rest" read as a slip
            text += (f"\n\nItem {i} (a case) has no question saved yet: all "
                     f"{plural(len(parts), 'question')} count as wrong.")
        if unsaved:
            text += (f" {plural(unsaved, 'question')} of its current stage "
                     f"{'has' if unsaved == 1 else 'have'} a selection that was never "
                     "saved (Enter or “Save answer and continue” saves it).")
    return text
