"""Deck text -> a tree of YAML nodes, each with its line and column, within limits.

libyaml (``yaml.CSafeLoader``, falling back to the pure-Python ``SafeLoader``) turns the text
into *events*; the small composer here builds the tree from them. Doing this ourselves instead
of ``yaml.load`` gives us, in one pass: a nesting limit, an alias-expansion budget (billion
laughs), duplicate-key detection, a refusal of every explicit tag (``!!python/object`` ...),
and the line and column of every node. A syntax error is reported in plain words with its fix
and, through :func:`compose_recovering`, the broken item is left out so the rest is still read.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from quizapp.core import yamltext
from quizapp.core.diagnostics import line_col
from quizapp.core.problems import MAX_BYTES, Problem, ProblemCollector

try:  # libyaml ships in PyYAML's wheels; the pure-Python parser is the fallback.
    from yaml import CSafeLoader as _Loader

    LIBYAML = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    LIBYAML = False

MAX_DEPTH = 50
MAX_NODES = 5_000_000  # nodes after alias expansion

STR_TAG = "tag:yaml.org,2002:str"
_SAFE_TAGS = {
    None,
    "!",
    STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


def parser_name() -> str:
    """Which YAML parser decks are read with, for ``quizapp --version``."""
    return "libyaml (CSafeLoader)" if LIBYAML else "pure Python (SafeLoader)"



def short(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


class Node:
    """A YAML node with its position. ``value`` is str for scalars, list for sequences and a
    dict of key -> (key node, value node) for mappings."""

    __slots__ = ("col", "kind", "line", "tag", "value", "weight")

    def __init__(self, kind: str, line: int, col: int, value: Any, tag: str | None) -> None:
        self.kind = kind  # "scalar", "seq", "map"
        self.line = line
        self.col = col
        self.value = value
        self.tag = tag
        self.weight = 1


class Fatal(Exception):
    """A problem that stops reading the file as it is. ``first`` is the first line of the text
    it concerns (an unclosed quote is found lines after it starts)."""

    def __init__(self, line: int, col: int, message: str, first: int = 0, *,
                 recoverable: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message
        self.first = first or line
        self.recoverable = recoverable  # a syntax error: the rest of the file can be read


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 text without a byte-order mark: mostly ASCII, so nearly every other byte is NUL."""
    head = data[:1024]
    half = len(head) // 2
    if half < 4:
        return False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return max(even, odd) >= 0.8 * half and min(even, odd) <= 0.05 * half


def decode(data: bytes) -> str:
    """Bytes -> text, or :class:`Fatal` for an empty, binary or non-UTF-8 file."""
    if len(data) > MAX_BYTES:
        raise Fatal(1, 1, f"file is too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    if not data.strip():
        raise Fatal(1, 1, "file is empty; a deck needs format, id, title, sources and items")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Fatal(1, 1, "this file is UTF-16; save it as UTF-8")
    nul = data.find(b"\0")
    if nul != -1 and _looks_like_utf16(data):
        raise Fatal(1, 1, "this file is UTF-16; save it as UTF-8")
    if nul != -1:
        line, col = line_col(data, nul)
        raise Fatal(line, col, "this is a binary file, not a YAML deck (it contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = line_col(data, e.start)
        raise Fatal(
            line, col, f"invalid UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers


# libyaml's wording, and what usually causes it in a hand-written deck
_SYNTAX_HINTS = [
    ("mapping values are not allowed", "; a ': ' inside text starts a new field: put the text "
     "in quotes, or write it on the next lines after '|'"),
    ("found a tab character", "; indent with spaces, never tabs"),
    ("found character '\\t'", "; indent with spaces, never tabs"),
    ("did not find expected '-' indicator", "; check this line's indentation against the "
     "list items above it"),
    ("did not find expected key", "; check this line's indentation against the line above"),
    ("could not find expected ':'", "; a field needs 'name: value' (a space after the colon), "
     "or the text above needs quotes"),
    ("found character that cannot start any token", "; text starting with @, ` or % must be "
     "quoted"),
    ("found undefined alias", "; every *name needs an &name defined earlier"),
]


_VALUE = re.compile(r"^\s*(?:-\s+)*(?:[^\s:#][^:#]*?:\s+)?(?P<v>\S.*)$")


def _syntax_hint(what: str, text: str, line: int, col: int) -> str:
    """A hint for libyaml's message, chosen by looking at the line where it stopped."""
    lines = text.splitlines()
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    at = src[col - 1:col] if col > 0 else ""
    m = _VALUE.match(src)
    value = m.group("v") if m else ""
    first = value[:1]
    if "\t" in src[: len(src) - len(src.lstrip())] or at == "\t":
        return "; indent with spaces, never tabs"
    if "hexdecimal number" in what or "found unknown escape character" in what:
        return ("; inside double quotes a backslash starts an escape: write \\\\ for a backslash, "
                "use / in file paths, or use single quotes")
    if "scanning an alias" in what or "scanning an anchor" in what:
        return (f"; text starting with {first or '*'} must be quoted, e.g. "
                "front: \"**bold** text\"")
    if first in ('"', "'") and value.count(first) > 2 and (
            "expected key" in what or "expected ',' or ']'" in what
            or "expected '-' indicator" in what or "expected <document start>" in what):
        other = "'" if first == '"' else '"'
        esc = '\\"' if first == '"' else "''"
        return (f"; a {first} inside text quoted with {first} ends the text early: write {esc} "
                f"for it, or quote the text with {other} instead")
    if first in "[{" and value and not value.rstrip().endswith("]}"[first == "{"]):
        return f"; text starting with {first} must be quoted (YAML reads {first} as a list start)"
    if first in "[{" and ("expected key" in what or "expected ','" in what):
        return f"; text starting with {first} must be quoted"
    if "cannot start any token" in what and at in ("@", "`", "%"):
        return f"; text starting with {at} must be quoted"
    return next((h for k, h in _SYNTAX_HINTS if k in what), "")


_WHY = {
    ">": "YAML reads > as the start of a folded block",
    "|": "YAML reads | as the start of a block of lines",
    "*": "YAML reads * as a reference to an &anchor",
    "&": "YAML reads & as the name of an anchor",
    "!": "YAML reads ! as a type tag",
    "[": "YAML reads [ as the start of a list",
    "{": "YAML reads { as the start of a mapping",
    "@": "YAML reserves @",
    "`": "YAML reserves `",
    "%": "YAML reads % as a directive",
}


def _trap_message(what: str, text: str, line: int, col: int) -> str:
    """A plain-words message with the fix for the YAML traps listed in decks/README.md, or ''
    when the mistake is not one of them."""
    lines = text.splitlines()
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in src[: len(src) - len(src.lstrip())] or src[col - 1:col] == "\t":
        return (f"line {line} is indented with a tab; YAML needs spaces: replace the tab with "
                "spaces (set your editor to insert spaces)")
    value = yamltext.value_of(src)
    first = value[:1]
    if "while scanning a quoted scalar" in what and first in ('"', "'"):
        return (f"the {first} that starts this text is never closed, so YAML reads on to the "
                f"end of the file or the next {first}: end the text with {first}")
    if not yamltext.is_prose(src):
        return ""
    fix = yamltext.quoted_fix(src)
    write = f"; write: {fix}" if fix else "; put the whole text in quotes"
    if first in ('"', "'") and value.count(first) >= 2 and not value.rstrip().endswith(first) \
            and ("expected key" in what or "expected '-' indicator" in what
                 or "expected <document start>" in what or "expected ',' or ']'" in what):
        return (f"text that starts with a {first} must end with it: YAML took "
                f"{value[:value.index(first, 1) + 1]} as the whole text and cannot place what "
                f"follows; put the whole text in quotes of the other kind{write}")
    if first in (">", "|") and "block scalar" in what:
        return f"text starting with {first} must be in quotes ({_WHY[first]}){write}"
    if first in _WHY and first not in ">|" and (
            "alias" in what or "anchor" in what or "cannot start any token" in what
            or ("expected key" in what and first in "[{*")
            or "expected ',' or" in what):
        return f"text starting with {first} must be in quotes ({_WHY[first]}){write}"
    if "mapping values are not allowed" in what and value:
        return (f"': ' inside text starts a new field, so YAML cannot read this line{write} "
                "(or write the text on the lines after '|')")
    return ""


def _resolve(value: str) -> str:
    for tag, regexp in _RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            return str(tag)
    return STR_TAG


def compose(text: str, soft: list[Soft]) -> Node:
    """Text -> the root :class:`Node`; raises :class:`Fatal` on a YAML-level problem that stops
    reading, and appends the others (duplicate and merge keys) to ``soft``."""
    loader = _Loader(text)
    loader._quizapp_text = text  # type: ignore[attr-defined]  # for messages quoting the line
    try:
        return _compose_events(loader, soft)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = e.problem or "invalid YAML"
        if "maximum nesting depth" in what:
            # libyaml >= 0.2.6 (PyYAML 6.0.3+ wheels) stops at 1000 levels itself, sometimes
            # before our own limit is reached: the author gets the same message either way.
            raise Fatal(line, col, f"nesting is deeper than {MAX_DEPTH} levels") from None
        ctx = f" ({e.context})" if e.context else ""
        first, first_col = line, col
        cm = e.context_mark
        if cm is not None and ("scalar" in (e.context or "") or "flow" in (e.context or "")) \
                and cm.line + 1 <= line:
            first, first_col = cm.line + 1, cm.column + 1  # where the broken text starts
        plain = _trap_message(what + ctx, text, first, first_col)
        if plain:
            lines = text.splitlines()
            src = lines[first - 1] if 0 < first <= len(lines) else ""
            value = yamltext.value_of(src)
            at = first_col
            if value and " indented with a tab" not in plain:
                at = src.find(value) + 1  # where the text starts
            raise Fatal(first, at, plain, first, recoverable=True) from None
        hint = _syntax_hint(what + ctx, text, line, col)
        raise Fatal(line, col, f"YAML syntax error: {what}{ctx}{hint}", first,
                     recoverable=True) from None
    except yaml.reader.ReaderError as e:
        data = text.encode("utf-8")
        line, col = line_col(data, min(e.position, len(data)))
        raise Fatal(line, col, f"YAML syntax error: {e.reason} (#x{e.character:04x})") from None
    except yaml.YAMLError as e:  # pragma: no cover - other libyaml errors
        raise Fatal(1, 1, f"YAML error: {e}") from None
    finally:
        loader.dispose()


def _compose_events(loader: Any, soft: list[Soft]) -> Node:
    get = loader.get_event
    check = loader.check_event
    anchors: dict[str, Node] = {}
    # Each stack entry: [node, pending_key_node_or_None, anchor]
    stack: list[list[Any]] = []
    root: Node | None = None
    docs = 0

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        parent: Node = top[0]
        if parent.kind == "seq":
            parent.value.append(node)
        else:
            key = top[1]
            if key is None:
                if node.kind != "scalar":
                    raise Fatal(node.line, node.col, "a mapping key must be plain text")
                top[1] = node
                if node.value == "<<" and node.tag == "merge":
                    soft.append((node.line, node.col, "merge keys (<<) are not supported: "
                                 "write the fields out, or use a plain alias (*name) as a whole "
                                 "value"))
                return
            top[1] = None
            # Keys repeat in every item ("id", "text"...): one string each, not millions.
            k = key.value = sys.intern(key.value)
            if key.tag == "merge":
                return  # reported above; the merged value is left out
            if k in parent.value:
                first = parent.value[k][0]
                soft.append((key.line, key.col, f"duplicate key '{short(str(k))}' (first at "
                             f"line {first.line}); YAML would silently keep only the last one"))
                return
            parent.value[k] = (key, node)
        parent.weight += node.weight
        if parent.weight > MAX_NODES:
            raise Fatal(node.line, node.col,
                         "alias expansion too large (a 'billion laughs' file?)")

    while check():
        ev = get()
        cls = type(ev)
        m = ev.start_mark
        if cls is yaml.ScalarEvent:
            tag = ev.tag
            if tag not in _SAFE_TAGS:
                raise Fatal(m.line + 1, m.column + 1, _tag_message(tag, loader, m),
                             recoverable=True)
            value = ev.value
            if tag is None and ev.implicit[0]:
                tag = "merge" if value == "<<" else _resolve(value)
            elif tag in (None, "!"):
                tag = STR_TAG
            node = Node("scalar", m.line + 1, m.column + 1, value, tag)
            if ev.anchor:
                anchors[ev.anchor] = node
            attach(node)
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            if ev.tag not in _SAFE_TAGS:
                raise Fatal(
                    m.line + 1, m.column + 1, f"YAML tag {ev.tag!r} is not allowed in a deck"
                )
            if len(stack) >= MAX_DEPTH:
                raise Fatal(
                    m.line + 1, m.column + 1, f"nesting is deeper than {MAX_DEPTH} levels"
                )
            kind = "map" if cls is yaml.MappingStartEvent else "seq"
            node = Node(kind, m.line + 1, m.column + 1, {} if kind == "map" else [], None)
            stack.append([node, None, ev.anchor])
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            node, _, anchor = stack.pop()
            if anchor:
                anchors[anchor] = node
            attach(node)
        elif cls is yaml.AliasEvent:
            target = anchors.get(ev.anchor)
            if target is None:  # pragma: no cover - libyaml reports this itself
                raise Fatal(m.line + 1, m.column + 1, f"unknown alias *{ev.anchor}")
            attach(target)
        elif cls is yaml.DocumentStartEvent:
            docs += 1
            if docs > 1:
                raise Fatal(
                    m.line + 1, m.column + 1, "a deck file holds one YAML document; found another"
                )
    if root is None:
        raise Fatal(1, 1, "file is empty; a deck needs format, id, title, sources and items")
    return root


def _tag_message(tag: str, loader: Any, mark: Any) -> str:
    """A type tag (``!!python/object``) is refused; text that merely starts with ! gets the fix."""
    src = str(getattr(loader, "_quizapp_text", "")).split("\n")
    line = src[mark.line] if mark.line < len(src) else ""
    message = f"YAML tag {tag!r} is not allowed in a deck"
    if tag.startswith("!") and not tag.startswith("!!") and line[mark.column:].startswith(tag) \
            and yamltext.is_prose(line):
        fix = yamltext.quoted_fix(line)
        message += (f"; if this is text, put it in quotes ({_WHY['!']})"
                    + (f": {fix}" if fix else ""))
    return message


#: A problem found while composing that does not stop the other checks (a duplicate key, a
#: merge key): (line, column, message). The offending value is left out and checking goes on.
#: Plain tuples, not exceptions: a kept exception's traceback would tie the parse's frames into
#: a reference cycle that only the cyclic garbage collector could free.
Soft = tuple[int, int, str]



MAX_RECOVERIES = 50  # syntax errors reported in one run before the rest is left unchecked


class LeftOut:
    """What was left out of the check after syntax errors: top-level fields and items."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.items: set[int] = set()
        self.reported = 0
        self.text = ""  # the text that was read in the end (the broken parts left out)

    def keep(self, problems: list[Problem]) -> list[Problem]:
        return problems[:self.reported] + [p for p in problems[self.reported:]
                                           if not self.caused(p)]

    def caused(self, p: Problem) -> bool:
        """True for a problem that only follows from leaving something out (a field left out
        is not also 'missing'; an item left out is not also 'not an item')."""
        if any(p.path == "" and p.message.startswith(f"missing required field '{key}'")
               for key in self.keys):
            return True
        if "sources" in self.keys and " is not declared in sources" in p.message:
            return True
        m = re.match(r"items\[(\d+)\](?:\W|$)", p.path)
        return bool(m and int(m.group(1)) in self.items)


def compose_recovering(text: str, problems: ProblemCollector, soft: list[Soft],
                        left_out: LeftOut) -> Node:
    """Compose the tree; after a problem that stops YAML (a syntax error), report it, leave out
    the item or top-level field that holds it and read the rest again, so that one broken item
    does not hide the problems of the others. Raises :class:`Fatal` when nothing more can be
    checked (its message says so)."""
    layout: yamltext.Layout | None = None
    lines: list[str] = []
    for _ in range(MAX_RECOVERIES):
        try:
            root = compose(text, soft)
            left_out.text = text
            return root
        except Fatal as f:
            soft.clear()  # found again in the next round
            if layout is None:
                layout = yamltext.Layout(text)
                lines = text.split("\n")
            if not f.recoverable:
                raise
            # Only the part where the broken text starts is left out: an unclosed quote is
            # found at the end of the file, but it is the first item that is broken.
            first = last = layout.region(f.first)
            if first is None or last is None or (first.key, first.item) in (
                    ("items", i) for i in left_out.items) or first.key in left_out.keys:
                if problems.items:  # what could not be read after the ones reported
                    raise Fatal(f.line, f.col, f"{f.message} (the rest of the file after line "
                                 f"{f.line} could not be checked)") from None
                raise
            problems.add(f.line, f.col, f.message,
                         f"items[{first.item}]" if first.item >= 0 else first.key)
            layout.blank(lines, first.first, max(last.last, first.first))
            if first.item >= 0:  # keep its place, so the items after it keep their numbers
                indent = re.match(r"\s*", layout.lines[first.first - 1])
                lines[first.first - 1] = (indent.group(0) if indent else "") + "- ~"
                left_out.items.add(first.item)
                if last.item > first.item:
                    left_out.items.update(range(first.item + 1, last.item + 1))
            else:
                left_out.keys.add(first.key)
            text = "\n".join(lines)
    raise Fatal(len(text.split("\n")), 1, f"more than {MAX_RECOVERIES} syntax errors; the "
                 "rest of the file was not checked")



def node_of(value: Any) -> Node:
    """Plain data (what ``yaml.safe_load`` gives) -> the tree :func:`compose` builds from its
    YAML text, every position 1:1 (there is no text)."""
    if isinstance(value, str):
        return Node("scalar", 1, 1, value, STR_TAG)
    if isinstance(value, bool):
        return Node("scalar", 1, 1, "true" if value else "false", "tag:yaml.org,2002:bool")
    if isinstance(value, int):
        return Node("scalar", 1, 1, str(value), "tag:yaml.org,2002:int")
    if value is None:
        return Node("scalar", 1, 1, "null", "tag:yaml.org,2002:null")
    if isinstance(value, dict):
        return Node("map", 1, 1, {str(k): (Node("scalar", 1, 1, str(k), STR_TAG), node_of(v))
                                  for k, v in value.items()}, None)
    if isinstance(value, (list, tuple)):
        return Node("seq", 1, 1, [node_of(v) for v in value], None)
    raise TypeError(f"not deck data: {type(value).__name__}")

