"""What a deck's YAML source text says, line by line: the regions of its top-level fields and
items (so that one broken item does not hide the others), and the places where YAML would
silently change the text an author wrote.

Qt-free and independent of the loader (``deckfile`` imports this module, never the reverse).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

try:  # the same parser the loader uses
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s|$)")
_ITEM_START = re.compile(r"^(\s*)-(?:\s|$)")


@dataclass(frozen=True)
class Region:
    """Lines ``first``..``last`` (1-based, inclusive) of one top-level field, or of one item of
    the ``items`` list (``item`` is then its 0-based place and ``item_id`` its id if written)."""

    first: int
    last: int
    key: str
    item: int = -1
    item_id: str = ""


class Layout:
    """The top-level fields and the items of a deck file, found from its text alone (it works
    on text that YAML cannot parse)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.tops: list[tuple[int, str]] = []  # (line, key) of each top-level field
        for n, src in enumerate(self.lines, 1):
            m = _TOP_KEY.match(src)
            if m:
                self.tops.append((n, m.group(1)))
        self.items: list[Region] = []
        items_at = next((n for n, k in self.tops if k == "items"), 0)
        if items_at:
            end = next((n - 1 for n, _ in self.tops if n > items_at), len(self.lines))
            indent: str | None = None
            starts: list[int] = []
            for n in range(items_at + 1, end + 1):
                m = _ITEM_START.match(self.lines[n - 1])
                if m and (indent is None or m.group(1) == indent):
                    indent = m.group(1)
                    starts.append(n)
            for i, first in enumerate(starts):
                last = starts[i + 1] - 1 if i + 1 < len(starts) else end
                self.items.append(Region(first, last, "items", i, self._id_in(first, last)))

    def _id_in(self, first: int, last: int) -> str:
        for n in range(first, last + 1):
            m = re.match(r"^[\s-]*id\s*:\s*['\"]?([A-Za-z0-9][\w.-]*)", self.lines[n - 1])
            if m:
                return m.group(1)
        return ""

    def region(self, line: int) -> Region | None:
        """The item or top-level field that holds ``line`` (None before the first field)."""
        for r in self.items:
            if r.first <= line <= r.last:
                return r
        owner = None
        for i, (n, key) in enumerate(self.tops):
            if n <= line:
                last = self.tops[i + 1][0] - 1 if i + 1 < len(self.tops) else len(self.lines)
                owner = Region(n, last, key)
        if owner is not None and owner.key == "items" and self.items:
            return None  # between 'items:' and its first item: nothing safe to leave out
        return owner

    def blank(self, text_lines: list[str], first: int, last: int) -> None:
        for n in range(first, last + 1):
            text_lines[n - 1] = ""


def item_label(index: int, item_id: str = "") -> str:
    """'item 11 (case-postop-oliguria)': places counted from 1, as a person counts."""
    return f"item {index + 1}" + (f" ({item_id})" if item_id else "")


# --------------------------------------------------------------------------- silent changes

#: Fields whose value is prose (a ' #' in them is far more likely text than a comment).
PROSE_FIELDS = frozenset({
    "title", "description", "front", "back", "explanation", "stem", "text", "objective",
    "image_alt", "citation", "note", "prompt", "question", "content",
})

_LIST_LINE = re.compile(r"^(?:[-*+]\s|\d{1,3}[.)]\s|\|)")


@dataclass(frozen=True)
class Change:
    """A place where YAML reads something other than what the author wrote."""

    line: int
    col: int
    message: str


def silent_changes(text: str) -> list[Change]:
    """Comments that cut prose short, lists and tables folded into one line by ``>``, and
    anchors that swallow the first word of a text. Best effort: text that does not parse
    yields what was found before the error."""
    out: list[Change] = []
    lines = text.split("\n")
    with contextlib.suppress(yaml.YAMLError):
        _scan(yaml.parse(text, Loader=_Loader), lines, out)
    return out


def _scan(events: Iterable[yaml.Event], lines: list[str], out: list[Change]) -> None:
    # stack of [is_mapping, expecting_key, current key]
    stack: list[list[object]] = []
    for ev in events:
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if stack and stack[-1][0]:
                stack[-1][1] = True  # this collection was the value; a key comes next
            stack.append([isinstance(ev, yaml.MappingStartEvent), True, None])
            continue
        if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            continue
        if not isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent)):
            continue
        top = stack[-1] if stack else None
        if top is not None and top[0] and top[1]:  # a mapping key
            top[1], top[2] = False, getattr(ev, "value", None)
            continue
        key = top[2] if top is not None else None
        if top is not None and top[0]:
            top[1] = True
        if not isinstance(ev, yaml.ScalarEvent) or key not in PROSE_FIELDS:
            continue
        _check_scalar(ev, str(key), lines, out)


def _check_scalar(ev: yaml.ScalarEvent, key: str, lines: list[str], out: list[Change]) -> None:
    start, end = ev.start_mark, ev.end_mark
    if start is None or end is None:  # pragma: no cover - the parser always sets them
        return
    if ev.anchor:
        out.append(Change(start.line + 1, start.column + 1,
                          f"'&{ev.anchor}' at the start of the text is read as a YAML anchor and "
                          f"left out of the text; put the whole text in quotes: "
                          f"{key}: \"&{ev.anchor} {_shorten(ev.value)}\""))
    if ev.tag is not None and not ev.style:
        out.append(Change(start.line + 1, start.column + 1,
                          f"'{ev.tag.replace('tag:yaml.org,2002:', '!!')}' at the start of the "
                          "text is read as a YAML type tag and left out of the text; put the "
                          f"whole text in quotes: {key}: \"{_escape(_line_value(lines, start))}\""))
    if not ev.style and ev.value:  # plain text: does a comment follow it on its line?
        src = lines[end.line] if end.line < len(lines) else ""
        m = re.match(r"\s+#(.*)$", src[end.column:])
        if m:
            cut = "#" + m.group(1).rstrip()
            col = end.column + src[end.column:].index("#") + 1
            out.append(Change(end.line + 1, col,
                              f"' #' starts a YAML comment, so the text stops at "
                              f"'{_tail(ev.value)}' and '{_shorten(cut)}' is left out; if that "
                              f"is part of the text, put the whole text in quotes: {key}: "
                              f"\"{_escape(ev.value + ' ' + cut)}\" (if it is a comment, put it "
                              f"on a line of its own)"))
    if ev.style == ">":
        base: int | None = None
        for n in range(start.line + 1, min(end.line + 1, len(lines))):
            src = lines[n]
            if not src.strip():
                continue
            indent = len(src) - len(src.lstrip(" "))
            if base is None:
                base = indent
                continue
            if indent == base and _LIST_LINE.match(src.lstrip(" ")):
                out.append(Change(n + 1, indent + 1,
                                  "this line looks like a list item or a table row, but '>' "
                                  "folds it into the line before; write '|' instead of '>' "
                                  f"after '{key}:' to keep each line"))
                break


def _line_value(lines: list[str], mark: Any) -> str:
    src = lines[mark.line] if mark.line < len(lines) else ""
    return src[mark.column:].strip()


def _shorten(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _tail(s: str, n: int = 30) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else "…" + s[-(n - 1):]


def _escape(s: str) -> str:
    return _shorten(s, 60).replace("\\", "\\\\").replace('"', '\\"')


# --------------------------------------------------------------------------- plain-words fixes


_VALUE = re.compile(r"^(?P<lead>\s*(?:-\s+)*(?:(?P<key>[^\s:#'\"][^:#]*?):\s+)?)(?P<v>\S.*)$")


def quoted_fix(src: str) -> str:
    """The source line with its value put in quotes, as the author should write it."""
    m = _VALUE.match(src)
    if not m:
        return ""
    value = m.group("v").rstrip()
    if '"' in value and "'" not in value:
        quoted = f"'{value}'"
    else:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (m.group("lead") + quoted).strip()


def is_prose(src: str) -> bool:
    """True when the line gives a prose field (front, stem, text, ...) its value."""
    m = _VALUE.match(src)
    return bool(m and (m.group("key") or "").strip() in PROSE_FIELDS)


def value_of(src: str) -> str:
    m = _VALUE.match(src)
    return m.group("v") if m else ""
