"""Reference sheets: which ones a session shows, and what a filter leaves of them.

A deck's ``references`` are titled Markdown texts, usually tables (see
:class:`~quizapp.core.model.Reference`). The panel beside the questions shows the sheets of the
decks being studied; its filter box keeps, in each sheet, only what matches:

* a sheet whose title matches is shown whole;
* otherwise a Markdown table keeps its header and the rows that match, and other text keeps the
  paragraphs, list entries and headings that match;
* a sheet with nothing matching is left out.

A query matches when every word of it occurs in the text, ignoring case and Markdown emphasis.
Nothing here imports Qt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from quizapp.core.model import Deck, Reference

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LIST_ENTRY = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"[*_`]")


@dataclass(frozen=True, slots=True)
class SheetView:
    """One sheet as the panel shows it: ``text`` is the whole sheet or what the filter left."""

    deck_id: str
    deck_title: str
    reference: Reference
    text: str
    whole: bool

    @property
    def title(self) -> str:
        return self.reference.title


def _words(query: str) -> list[str]:
    return [w for w in _EMPHASIS.sub("", query).lower().split() if w]


def _matches(text: str, words: list[str]) -> bool:
    plain = _EMPHASIS.sub("", text).lower()
    return all(w in plain for w in words)


def _blocks(text: str) -> list[list[str]]:
    """The sheet's lines grouped into blocks: a table, a paragraph, or a run of list entries
    (split later into entries). Blank lines separate blocks."""
    blocks: list[list[str]] = []
    cur: list[str] = []
    in_table = False
    for line in text.splitlines():
        is_row = line.lstrip().startswith("|")
        if not line.strip() or (cur and is_row != in_table):
            if cur:
                blocks.append(cur)
            cur = []
        if line.strip():
            if not cur:
                in_table = is_row
            cur.append(line)
    if cur:
        blocks.append(cur)
    return blocks


def filter_text(text: str, query: str) -> str | None:
    """What of ``text`` matches ``query`` (the whole text for an empty query); None if nothing."""
    words = _words(query)
    if not words:
        return text
    kept: list[str] = []
    for block in _blocks(text):
        if block[0].lstrip().startswith("|"):
            head = block[:2] if len(block) > 1 and _TABLE_RULE.match(block[1]) else block[:1]
            rows = [r for r in block[len(head):] if _matches(r, words)]
            if rows:
                kept.append("\n".join([*head, *rows]))
            continue
        if _LIST_ENTRY.match(block[0]):
            entries: list[list[str]] = []
            for line in block:
                if _LIST_ENTRY.match(line) or not entries:
                    entries.append([line])
                else:
                    entries[-1].append(line)  # a wrapped entry's next line
            hits = ["\n".join(e) for e in entries if _matches(" ".join(e), words)]
            if hits:
                kept.append("\n".join(hits))
            continue
        if _matches(" ".join(block), words):
            kept.append("\n".join(block))
    return "\n\n".join(kept) if kept else None


def sheet_views(decks: Iterable[Deck], query: str = "") -> list[SheetView]:
    """The sheets of ``decks`` in deck order, filtered by ``query``."""
    words = _words(query)
    out: list[SheetView] = []
    for deck in decks:
        for ref in deck.references:
            if not words or _matches(ref.title, words):
                out.append(SheetView(deck.id, deck.title, ref, ref.text, True))
                continue
            text = filter_text(ref.text, query)
            if text is not None:
                out.append(SheetView(deck.id, deck.title, ref, text, False))
    return out
