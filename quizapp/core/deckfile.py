"""YAML deck text -> :class:`~quizapp.core.model.Deck`, or :class:`DeckError` with every problem.

How a deck is read, safely and fast:

1. The bytes are checked before any parsing: size limit, empty file, binary content (NUL
   bytes), strict UTF-8 (the first bad byte is reported with its line and column).
2. libyaml (``yaml.CSafeLoader``, falling back to the pure-Python ``SafeLoader``) turns the
   text into *events*; a small composer (:mod:`quizapp.core.decktree`) builds the tree from
   them. Doing this ourselves instead of ``yaml.load`` gives us, in one pass: a nesting limit
   (libyaml's own composer recurses in C and crashes on very deep input), an alias-expansion
   budget (billion laughs), duplicate-key detection, a refusal of every explicit tag
   (``!!python/object`` ...), and the line and column of every node. It is also about three
   times faster than ``yaml.load``.
3. The tree is checked against the rules in :mod:`quizapp.core.deckschema`
   (:mod:`quizapp.core.deckcheck`) and turned into the model (:mod:`quizapp.core.deckbuild`);
   then the cross-field rules run (answers name options, sources are declared, ids are
   unique, images exist inside the deck's folder). Every problem is collected; none stops the
   others from being found.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from quizapp.core import yamltext
from quizapp.core.deckbuild import build
from quizapp.core.deckcheck import Checker, check_deck, describe, format_check
from quizapp.core.decktree import (
    LIBYAML,
    MAX_DEPTH,
    MAX_NODES,
    Fatal,
    LeftOut,
    Node,
    Soft,
    compose,
    compose_recovering,
    decode,
    node_of,
    parser_name,
)
from quizapp.core.model import LETTERS, Deck
from quizapp.core.problems import (
    MAX_BYTES,
    MAX_PROBLEMS,
    DeckError,
    Problem,
    ProblemCollector,
    TooManyProblems,
    read_bytes,
)

__all__ = [  # what other modules use; the rest is in decktree, deckcheck and deckbuild
    "LIBYAML",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "DeckError",
    "Problem",
    "decode",
    "load",
    "parse",
    "parse_bytes",
    "parse_data",
    "parser_name",
]


def parse(text: str, file: str = "<deck>", path: Path | None = None, *,
          max_problems: int | None = None) -> Deck:
    """Parse deck text. ``path`` (the file's real location) anchors relative image paths.
    At most ``max_problems`` (default :data:`MAX_PROBLEMS`) are reported; ``quizapp import``
    asks for all of them, to leave out every item that fails in one pass."""
    problems = ProblemCollector(file, max_problems)
    left_out = LeftOut()
    try:
        soft: list[Soft] = []
        root = compose_recovering(text, problems, soft, left_out)
        left_out.reported = len(problems.items)  # the syntax errors themselves stay
        for line, col, message in soft:
            problems.add(line, col, message)
        if root.kind != "map":
            problems.add(root.line, root.col,
                         f"a deck must be a mapping of fields (format, id, title, sources, "
                         f"items), but this file holds {describe(root)}")
            raise DeckError(file, _located(problems.items, text, left_out.text))
        if not format_check(root, problems):
            raise DeckError(file, _located(problems.items, text, left_out.text))
        rec = check_deck(Checker(problems), root)
        deck = build(rec, problems, path) if rec is not None else None
    except Fatal as f:
        found = problems.items[:]  # all reported while recovering
        raise DeckError(file, _located([*found, Problem(file, f.line, f.col, f.message)], text,
                                       left_out.text)
                        ) from None
    except TooManyProblems:
        raise DeckError(file, _located(problems.items, text, left_out.text)) from None
    if problems.items or deck is None:
        found = left_out.keep(problems.items)
        raise DeckError(file, _located(found or problems.items, text, left_out.text)
                        or [Problem(file, 1, 1, "not a valid deck")])
    return deck



def _located(problems: list[Problem], text: str, read: str = "") -> list[Problem]:
    """Each problem with a location a person reads: 'item 11 (case-x), stage 3 (next-day)'.
    ``read`` is the text as read after leaving out what had syntax errors (same lines)."""
    if not any(p.path for p in problems):
        return problems
    tree: Node | None = None
    try:
        tree = compose(read or text, [])
    except Fatal:
        tree = None
    layout = yamltext.Layout(text)
    return [dataclasses.replace(p, where=_human_path(p.path, tree, layout)) if p.path else p
            for p in problems]


_STEP = re.compile(r"([A-Za-z_][\w-]*)(?:\[(\d+)\])?(?: \(([^)]*)\))?(?:\.|$)")
_SINGULAR = {"items": "item", "stages": "stage", "questions": "question", "options": "option",
             "answers": "answer", "tags": "tag", "authors": "author", "references": "reference"}


def _human_path(path: str, tree: Node | None, layout: yamltext.Layout) -> str:
    """'items[10].stages[2].questions[0].answer' -> 'item 11 (case-x), stage 3 (next-day),
    question 1 (q1), answer'. Places count from 1; an id is added where one is written."""
    parts: list[str] = []
    node = tree
    for m in _STEP.finditer(path):
        key, index, given = m.group(1), m.group(2), m.group(3)
        child = None
        if node is not None and node.kind == "map" and key in node.value:
            child = node.value[key][1]
        if index is None:
            parts.append(key)
            node = child
            continue
        i = int(index)
        elem = None
        if child is not None and child.kind == "seq" and i < len(child.value):
            elem = child.value[i]
        ident = given or ""
        if not ident and elem is not None and elem.kind == "map" and "id" in elem.value:
            ident = str(elem.value["id"][1].value)
        if not ident and key == "items" and i < len(layout.items):
            ident = layout.items[i].item_id
        if key == "options":
            label = f"option {LETTERS[i]}" if i < len(LETTERS) else f"option {i + 1}"
        else:
            label = f"{_SINGULAR.get(key, key)} {i + 1}"
        parts.append(label + (f" ({ident})" if ident else ""))
        node = elem
    return ", ".join(parts)



def parse_data(data: dict[str, Any], file: str = "<deck>", path: Path | None = None, *,
               max_problems: int | None = None) -> Deck:
    """Check a deck given as plain data (str, int, bool, None, lists, dicts: what
    ``yaml.safe_load`` gives for its YAML) with the same rules as :func:`parse`, without the
    YAML round trip. Items are checked one at a time and only the model is kept, so a deck of
    100,000 items (``quizapp import``) needs no tree of all of them. Problems name their field
    (``items[3].options``); their line and column are 1 (there is no text)."""
    problems = ProblemCollector(file, max_problems)
    items = data.get("items")
    try:
        if isinstance(items, list):
            root = node_of({k: v for k, v in data.items() if k != "items"})
            lazy = len(items), (node_of(v) for v in items)
        else:  # not the usual shape: checked whole, as parse() would
            root, lazy = node_of(data), None
        if not format_check(root, problems):
            raise DeckError(file, problems.items)
        rec = check_deck(Checker(problems), root, lazy)
        deck = build(rec, problems, path) if rec is not None else None
    except TooManyProblems:
        raise DeckError(file, problems.items) from None
    if problems.items or deck is None:
        raise DeckError(file, problems.items or [Problem(file, 1, 1, "not a valid deck")])
    return deck



def parse_bytes(data: bytes, file: str = "<deck>", path: Path | None = None) -> Deck:
    try:
        text = decode(data)
    except Fatal as f:
        raise DeckError(file, [Problem(file, f.line, f.col, f.message)]) from None
    return parse(text, file, path)


def load(path: Path | str, display_name: str | None = None) -> Deck:
    """Load and check one deck file (no cache; see :mod:`quizapp.core.library`)."""
    p = Path(path)
    name = display_name or str(p)
    return parse_bytes(read_bytes(p), name, p)

