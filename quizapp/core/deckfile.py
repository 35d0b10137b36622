"""YAML deck text -> :class:`~quizapp.core.model.Deck`, or :class:`DeckError` with every problem.

How a deck is read, safely and fast:

1. The bytes are checked before any parsing: size limit, empty file, binary content (NUL
   bytes), strict UTF-8 (the first bad byte is reported with its line and column).
2. libyaml (``yaml.CSafeLoader``, falling back to the pure-Python ``SafeLoader``) turns the
   text into *events*; a small composer here builds the tree from them. Doing this ourselves
   instead of ``yaml.load`` gives us, in one pass: a nesting limit (libyaml's own composer
   recurses in C and crashes on very deep input), an alias-expansion budget (billion laughs),
   duplicate-key detection, a refusal of every explicit tag (``!!python/object`` ...), and the
   line and column of every node. It is also about three times faster than ``yaml.load``.
3. The tree is checked against the rules in :mod:`quizapp.core.deckschema` and turned into the
   model; then the cross-field rules run (answers name options, sources are declared, ids are
   unique, images exist inside the deck's folder). Every problem is collected; none stops the
   others from being found.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from quizapp.core import deckschema as S
from quizapp.core import resources, yamltext
from quizapp.core.diagnostics import line_col
from quizapp.core.model import (
    LETTERS,
    Case,
    Deck,
    Flashcard,
    Item,
    Option,
    Question,
    Reference,
    Source,
    SourceLocation,
    Stage,
)
from quizapp.core.problems import MAX_BYTES, DeckError, Problem, read_bytes

try:  # libyaml ships in PyYAML's wheels; the pure-Python parser is the fallback.
    from yaml import CSafeLoader as _Loader

    LIBYAML = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    LIBYAML = False

MAX_DEPTH = 50
MAX_NODES = 5_000_000  # nodes after alias expansion
MAX_PROBLEMS = 500

_STR = "tag:yaml.org,2002:str"
_SAFE_TAGS = {
    None,
    "!",
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
_HTML = re.compile(r"</?[A-Za-z!?][^<>]*>?")  # "<b", "</p", "<!--"; not "a < b"


def parser_name() -> str:
    """Which YAML parser decks are read with, for ``quizapp --version``."""
    return "libyaml (CSafeLoader)" if LIBYAML else "pure Python (SafeLoader)"


# --------------------------------------------------------------------------- problems


class _TooManyProblems(Exception):
    pass


class _Problems:
    def __init__(self, file: str, limit: int | None = None) -> None:
        self.file = file
        self.items: list[Problem] = []
        self.limit = MAX_PROBLEMS if limit is None else limit

    def add(self, line: int, col: int, message: str, path: str = "") -> None:
        self.items.append(Problem(self.file, line, col, message, path))
        if len(self.items) >= self.limit:
            self.items.append(
                Problem(self.file, line, col, f"too many problems; stopped after {self.limit}")
            )
            raise _TooManyProblems


# --------------------------------------------------------------------------- tree


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


class _Fatal(Exception):
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
    """Bytes -> text, or :class:`_Fatal` for an empty, binary or non-UTF-8 file."""
    if len(data) > MAX_BYTES:
        raise _Fatal(1, 1, f"file is too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    if not data.strip():
        raise _Fatal(1, 1, "file is empty; a deck needs format, id, title, sources and items")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Fatal(1, 1, "this file is UTF-16; save it as UTF-8")
    nul = data.find(b"\0")
    if nul != -1 and _looks_like_utf16(data):
        raise _Fatal(1, 1, "this file is UTF-16; save it as UTF-8")
    if nul != -1:
        line, col = line_col(data, nul)
        raise _Fatal(line, col, "this is a binary file, not a YAML deck (it contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = line_col(data, e.start)
        raise _Fatal(
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
    return _STR


def compose(text: str, soft: list[_Soft]) -> Node:
    """Text -> the root :class:`Node`; raises :class:`_Fatal` on a YAML-level problem that stops
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
            raise _Fatal(line, col, f"nesting is deeper than {MAX_DEPTH} levels") from None
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
            raise _Fatal(first, at, plain, first, recoverable=True) from None
        hint = _syntax_hint(what + ctx, text, line, col)
        raise _Fatal(line, col, f"YAML syntax error: {what}{ctx}{hint}", first,
                     recoverable=True) from None
    except yaml.reader.ReaderError as e:
        data = text.encode("utf-8")
        line, col = line_col(data, min(e.position, len(data)))
        raise _Fatal(line, col, f"YAML syntax error: {e.reason} (#x{e.character:04x})") from None
    except yaml.YAMLError as e:  # pragma: no cover - other libyaml errors
        raise _Fatal(1, 1, f"YAML error: {e}") from None
    finally:
        loader.dispose()


def _compose_events(loader: Any, soft: list[_Soft]) -> Node:
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
                    raise _Fatal(node.line, node.col, "a mapping key must be plain text")
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
                soft.append((key.line, key.col, f"duplicate key '{_short(str(k))}' (first at "
                             f"line {first.line}); YAML would silently keep only the last one"))
                return
            parent.value[k] = (key, node)
        parent.weight += node.weight
        if parent.weight > MAX_NODES:
            raise _Fatal(node.line, node.col,
                         "alias expansion too large (a 'billion laughs' file?)")

    while check():
        ev = get()
        cls = type(ev)
        m = ev.start_mark
        if cls is yaml.ScalarEvent:
            tag = ev.tag
            if tag not in _SAFE_TAGS:
                raise _Fatal(m.line + 1, m.column + 1, _tag_message(tag, loader, m),
                             recoverable=True)
            value = ev.value
            if tag is None and ev.implicit[0]:
                tag = "merge" if value == "<<" else _resolve(value)
            elif tag in (None, "!"):
                tag = _STR
            node = Node("scalar", m.line + 1, m.column + 1, value, tag)
            if ev.anchor:
                anchors[ev.anchor] = node
            attach(node)
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            if ev.tag not in _SAFE_TAGS:
                raise _Fatal(
                    m.line + 1, m.column + 1, f"YAML tag {ev.tag!r} is not allowed in a deck"
                )
            if len(stack) >= MAX_DEPTH:
                raise _Fatal(
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
                raise _Fatal(m.line + 1, m.column + 1, f"unknown alias *{ev.anchor}")
            attach(target)
        elif cls is yaml.DocumentStartEvent:
            docs += 1
            if docs > 1:
                raise _Fatal(
                    m.line + 1, m.column + 1, "a deck file holds one YAML document; found another"
                )
    if root is None:
        raise _Fatal(1, 1, "file is empty; a deck needs format, id, title, sources and items")
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
#: a reference cycle, and the GUI parses with the cyclic GC paused (see ui/mainwindow.py).
_Soft = tuple[int, int, str]


# --------------------------------------------------------------------------- checking


_KIND_NAMES = {"scalar": "a single value", "seq": "a list", "map": "a mapping"}


def _describe(node: Node) -> str:
    if node.kind != "scalar":
        return _KIND_NAMES[node.kind]
    tag = node.tag or _STR
    if tag.endswith(":null"):
        return "nothing (an empty value)"
    if tag.endswith(":bool"):
        return f"true/false ({node.value!r})"
    if tag.endswith(":int") or tag.endswith(":float"):
        return f"a number ({node.value})"
    return f"text ({_short(node.value)!r})"


def _short(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


class _Checker:
    """Walks the node tree against the rules, collecting problems and building plain values.

    Records come back as :class:`_Rec`: a dict of field -> value that also remembers the
    position of each field, for the cross-field rules.
    """

    def __init__(self, problems: _Problems) -> None:
        self.p = problems

    def check(self, rule: S.Rule, node: Node, path: str) -> Any:
        r = type(rule)
        if r is S.Text:
            return self._text(rule, node, path)  # type: ignore[arg-type]
        if r is S.Ident:
            return self._ident(rule, node, path)  # type: ignore[arg-type]
        if r is S.Record:
            return self._record(rule, node, path)  # type: ignore[arg-type]
        if r is S.ListOf:
            return self._list(rule, node, path)  # type: ignore[arg-type]
        if r is S.Tagged:
            return self._tagged(rule, node, path)  # type: ignore[arg-type]
        if r is S.OneOrList:
            assert isinstance(rule, S.OneOrList)
            if node.kind == "seq":
                return self._list(S.ListOf(rule.item, min_items=1), node, path)
            v = self.check(rule.item, node, path)
            return None if v is None else [v]
        if r is S.MapOf:
            return self._mapof(rule, node, path)  # type: ignore[arg-type]
        if r is S.Boolean:
            if node.kind == "scalar" and node.tag and node.tag.endswith(":bool"):
                return node.value.lower() in ("true", "yes", "on", "y")
            return self._bad(node, path, "true or false")
        if r is S.Integer:
            assert isinstance(rule, S.Integer)
            if node.kind == "scalar" and node.tag and node.tag.endswith(":int"):
                try:
                    v = int(node.value.replace("_", ""), 0)
                except ValueError:
                    return self._bad(node, path, "a whole number")
                if rule.minimum is not None and v < rule.minimum:
                    self.p.add(node.line, node.col, f"must be at least {rule.minimum}", path)
                    return None
                return v
            return self._bad(node, path, "a whole number")
        raise TypeError(rule)  # pragma: no cover

    def _bad(self, node: Node, path: str, expected: str) -> Any:
        self.p.add(node.line, node.col, f"expected {expected}, got {_describe(node)}", path)
        return None

    def _text(self, rule: S.Text, node: Node, path: str) -> str | None:
        # Where text is expected, a plain scalar that YAML would read as a number or as
        # true/false (`back: No`, `version: 1.0`) is taken as the text the author wrote.
        if node.kind != "scalar" or not node.tag or node.tag.endswith(":null"):
            hint = ""
            if node.kind == "map" and rule.markdown:
                hint = "; a ': ' inside text starts a mapping, so quote the text or use '|'"
            self.p.add(node.line, node.col, f"expected text, got {_describe(node)}{hint}", path)
            return None
        v: str = node.value
        if not v.strip():
            self.p.add(node.line, node.col, "must not be empty", path)
            return None
        if len(v) > rule.max_len:
            self.p.add(node.line, node.col, f"text is too long ({len(v):,} characters; "
                       f"the limit is {rule.max_len:,})", path)
            return None
        if rule.markdown and ("<" in v or "![" in v):
            m = _HTML.search(v)
            if m:
                self.p.add(
                    node.line, node.col,
                    f"raw HTML is not allowed ({_short(m.group(0), 30)!r}); use Markdown such as "
                    "**bold**, or write '< ' with a space",
                    path,
                )
                return None
            refs = resources.image_refs(v)  # the renderer refuses the same ones
            if refs:
                what = f" ('{_short(refs[0].target, 40)}')" if refs[0].target else ""
                self.p.add(node.line, node.col,
                           f"images inside text are not allowed{what}; use the item's image "
                           "field (write \\![ for a literal '![')", path)
                return None
        return v

    def _ident(self, rule: S.Ident, node: Node, path: str) -> str | None:
        if node.kind != "scalar" or node.tag not in (_STR, "tag:yaml.org,2002:int"):
            return self._bad(node, path, rule.what)
        v: str = node.value
        if not re.fullmatch(rule.pattern, v):
            if rule.pattern == S.LETTER_PATTERN:
                msg = f"{_short(v)!r} is not an option letter (A-J)"
                if len(v) == 1 and v.upper() != v and re.fullmatch(rule.pattern, v.upper()):
                    msg += f"; write the capital letter {v.upper()}"
                elif v.isdigit() and 1 <= int(v) <= 10:
                    msg += f"; use letters: {'ABCDEFGHIJ'[int(v) - 1]} for option {v}"
                elif len(v) > 1:
                    msg += "; give the letter of the option (A for the first), not its text"
            else:
                msg = (f"{_short(v)!r} is not a valid id: use letters, digits, '.', '_' or '-', "
                       "starting with a letter or digit, at most 80 characters")
            self.p.add(node.line, node.col, msg, path)
            return None
        return v

    def _record(self, rule: S.Record, node: Node, path: str, skip: str = "") -> _Rec | None:
        if node.kind != "map":
            if rule.name == "option" and node.kind == "scalar":
                text = _short(str(node.value))
                return self._bad(node, path, f"an option written as '- text: {text}' (with an "
                                 "optional 'explanation:' line under it)")
            article = "an" if rule.name[:1] in "aeiou" else "a"
            return self._bad(node, path, f"{article} {rule.name} (a mapping of fields)")
        out = _Rec(node.line, node.col)
        fields = rule.fields
        for key, (knode, vnode) in node.value.items():
            f = fields.get(key)
            sub = f"{path}.{key}" if path else str(key)
            if f is None:
                guess = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
                hint = f"; did you mean '{guess[0]}'?" if guess else (
                    f"; expected one of: {', '.join(fields)}")
                self.p.add(knode.line, knode.col,
                           f"unknown field '{_short(str(key))}' in {rule.name}{hint}", sub)
                continue
            if key == skip:
                continue
            out.pos[key] = (vnode.line, vnode.col)
            v = self.check(f.rule, vnode, sub)
            if v is not None:
                out[key] = v
        for key, f in fields.items():
            if f.required and key not in node.value and key != skip:
                self.p.add(node.line, node.col, f"missing required field '{key}' in {rule.name}"
                           f"{_what_to_add(key, f.rule)}", path)
        return out

    def _list(self, rule: S.ListOf, node: Node, path: str) -> list[Any] | None:
        if node.kind != "seq":
            if path.endswith(".answers") and node.kind == "scalar":
                return self._bad(node, path, "a list of option letters, e.g. answers: [A, C]")
            if path.endswith(".options") and node.kind in ("scalar", "map"):
                return self._bad(node, path, "a list of options, each on its own line as "
                                 "'- text: ...'")
            return self._bad(node, path, "a list")
        out = []
        for i, child in enumerate(node.value):
            v = self.check(rule.item, child, f"{path}[{i}]")
            if v is not None:
                if isinstance(v, _Rec):
                    v.index = i  # paths keep naming it by its place, even if one before failed
                out.append(v)
        n = len(node.value)
        if n < rule.min_items:
            msg = rule.too_few or f"needs at least {rule.min_items} entries"
            self.p.add(node.line, node.col, f"{msg} (found {n})", path)
        if rule.max_items is not None and n > rule.max_items:
            self.p.add(node.line, node.col, f"at most {rule.max_items} entries allowed (found {n})",
                       path)
        if rule.unique and len(set(map(str, out))) != len(out):
            self.p.add(node.line, node.col, "entries must not repeat", path)
        return out

    def _tagged(self, rule: S.Tagged, node: Node, path: str) -> _Rec | None:
        if node.kind != "map":
            return self._bad(node, path, f"an {rule.what} (a mapping with id and type)")
        entry = node.value.get(rule.key)
        kinds = ", ".join(rule.variants)
        if entry is None:
            self.p.add(node.line, node.col,
                       f"missing required field '{rule.key}' (one of: {kinds})", path)
            likely = _likely_variant(rule, node)
            if likely is not None:
                self._record(likely, node, path, skip=rule.key)
            return None
        knode = entry[1]
        variant = rule.variants.get(knode.value) if knode.kind == "scalar" else None
        if variant is None:
            val = knode.value if knode.kind == "scalar" else ""
            guess = difflib.get_close_matches(str(val), list(rule.variants), n=1, cutoff=0.5)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            self.p.add(knode.line, knode.col,
                       f"unknown {rule.what} type {_short(str(val))!r}: expected one of {kinds}"
                       f"{hint}", f"{path}.{rule.key}")
            likely = rule.variants[guess[0]] if guess else _likely_variant(rule, node)
            if likely is not None:  # check the fields too, so one typo hides nothing else
                self._record(likely, node, path, skip=rule.key)
            return None
        rec = self._record(variant, node, path, skip=rule.key)
        if rec is not None:
            rec[rule.key] = knode.value
        return rec

    def _mapof(self, rule: S.MapOf, node: Node, path: str) -> dict[str, Any] | None:
        if node.kind != "map":
            return self._bad(node, path, "a mapping")
        out: dict[str, Any] = {}
        for key, (knode, vnode) in node.value.items():
            sub = f"{path}.{key}"
            if not re.fullmatch(S.ID_PATTERN, str(key)):
                self.p.add(knode.line, knode.col, f"{_short(str(key))!r} is not a valid key", sub)
                continue
            v = self.check(rule.value, vnode, sub)
            if v is not None:
                v.key_pos = (knode.line, knode.col)
                out[key] = v
        if len(node.value) < rule.min_items:
            self.p.add(node.line, node.col, f"needs at least {rule.min_items} entry", path)
        return out


def _what_to_add(key: str, rule: S.Rule) -> str:
    """"; add a line 'title: ...' (The case's title)": what to write, with the field's doc."""
    doc = str(getattr(rule, "doc", "") or "").rstrip(".")
    about = f" ({doc})" if doc else ""
    if isinstance(rule, S.ListOf | S.OneOrList):
        return f"; add a list: '{key}:' and then one '- ...' line per entry{about}"
    return f"; add a line '{key}: ...'{about}"


class _Rec(dict[str, Any]):
    """A checked record: field -> value, plus where each field's value is."""

    __slots__ = ("col", "index", "key_pos", "line", "pos")

    def __init__(self, line: int, col: int) -> None:
        super().__init__()
        self.line = line
        self.col = col
        self.index = -1  # its place in the list it was written in (items[3]), when in one
        self.pos: dict[str, tuple[int, int]] = {}
        self.key_pos = (line, col)

    def at(self, key: str) -> tuple[int, int]:
        return self.pos.get(key, (self.line, self.col))


# --------------------------------------------------------------------------- building


class _Builder:
    """Checked records -> model objects, running the rules that span fields."""

    def __init__(self, problems: _Problems, path: Path | None, deck: _Rec) -> None:
        self.p = problems
        self.path = path
        self.folder = path.resolve().parent if path is not None else None
        self.file = problems.file
        self.sources: dict[str, Any] = deck.get("sources") or {}
        defaults: _Rec = deck.get("defaults") or _Rec(0, 0)
        self.default_sources: list[str] | None = defaults.get("source")
        self.default_tags: list[str] = defaults.get("tags") or []
        self.default_shuffle: bool = defaults.get("shuffle", True)
        if self.default_sources:
            self._check_source_keys(defaults, self.default_sources, "defaults.source")

    def loc(self, rec: _Rec) -> SourceLocation:
        return SourceLocation(self.file, rec.line, rec.col)

    def _check_source_keys(self, rec: _Rec, keys: list[str], path: str) -> None:
        for k in keys:
            if k not in self.sources:
                line, col = rec.at("source")
                declared = ", ".join(self.sources) or "none"
                guess = difflib.get_close_matches(k, list(self.sources), n=1, cutoff=0.6)
                hint = f"; did you mean '{guess[0]}'?" if guess else f" (declared: {declared})"
                self.p.add(line, col, f"source '{k}' is not declared in sources{hint}", path)

    def item_sources(self, rec: _Rec, path: str) -> tuple[str, ...]:
        keys = rec.get("source")
        if keys is None:
            if "source" in rec.pos:  # present but invalid: already reported
                return ()
            if self.default_sources is None:
                self.p.add(rec.line, rec.col,
                           "missing 'source' (cite a key from sources, or set defaults.source)",
                           path)
                return ()
            return tuple(self.default_sources)
        self._check_source_keys(rec, keys, f"{path}.source")
        return tuple(keys)

    def tags(self, rec: _Rec) -> tuple[str, ...]:
        own = rec.get("tags") or []
        if not self.default_tags:
            return tuple(dict.fromkeys(own))
        return tuple(dict.fromkeys([*self.default_tags, *own]))

    def image(self, rec: _Rec, path: str) -> Path | None:
        raw = rec.get("image")
        if raw is None:
            if rec.get("image_alt") is not None:
                line, col = rec.at("image_alt")
                self.p.add(line, col, "image_alt describes a picture, but there is no 'image' "
                           "here: add the image or remove image_alt", f"{path}.image_alt")
            return None
        line, col = rec.at("image")
        p = Path(raw)
        if p.is_absolute() or raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw) or (
            "://" in raw
        ):
            self.p.add(line, col, f"image path '{raw}' must be relative to the deck file",
                       f"{path}.image")
            return None
        if p.suffix.lower() not in S.IMAGE_SUFFIXES:
            self.p.add(line, col, f"image '{raw}' is not a supported picture "
                       f"({', '.join(S.IMAGE_SUFFIXES)})", f"{path}.image")
            return None
        if ".." in re.split(r"[/\\]", raw):
            self.p.add(line, col, f"image path '{raw}' leaves the deck's folder",
                       f"{path}.image")
            return None
        if self.folder is None:
            return p
        full = (self.folder / p).resolve()
        if not full.is_relative_to(self.folder):
            self.p.add(line, col, f"image path '{raw}' leaves the deck's folder (through a "
                       "symbolic link)", f"{path}.image")
            return None
        if not os.path.lexists(self.folder / p) or not _exact_case(full, self.folder):
            self.p.add(line, col, f"image '{raw}' does not exist (looked for {full})"
                       + _image_hint(raw, full, self.folder), f"{path}.image")
            return None
        # the very rule the GUI applies before it shows the picture
        res = resources.resolve_image(self.folder, raw)
        if isinstance(res, resources.Refused):
            self.p.add(line, col, f"image '{raw}' cannot be shown: {res.reason}",
                       f"{path}.image")
            return None
        problem = _picture_problem(res)
        if problem:
            self.p.add(line, col, f"image '{raw}' {problem}", f"{path}.image")
            return None
        return res

    def options(self, rec: _Rec, path: str, kind: str) -> tuple[Option, ...] | None:
        opts: list[_Rec] = rec.get("options") or []
        n = len(opts)
        if "options" not in rec:
            return None
        letters = LETTERS[:n]
        if not letters:  # no usable option: that problem is reported where the options are
            return None
        if kind == "single":
            ans = rec.get("answer")
            if ans is None:
                if "answers" in rec.pos:
                    line, col = rec.at("answers")
                    self.p.add(line, col, "a single-best-answer question takes 'answer: LETTER'; "
                               "use type: multi for several correct options", path)
                return None
            if ans not in letters:
                line, col = rec.at("answer")
                self.p.add(line, col, f"answer '{ans}' is not one of the options "
                           f"({letters[0]}-{letters[-1]})" + _answer_hint(ans, opts, letters),
                           f"{path}.answer")
                return None
            correct = {letters.index(ans)}
        else:
            answers: list[str] | None = rec.get("answers")
            if answers is None:
                return None
            bad = [a for a in answers if a not in letters]
            if bad:
                line, col = rec.at("answers")
                self.p.add(line, col, f"answer(s) {', '.join(bad)} not among the options "
                           f"({letters[0]}-{letters[-1]})" + _answer_hint(bad[0], opts, letters),
                           f"{path}.answers")
                return None
            correct = {letters.index(a) for a in answers}
        return tuple(
            Option(o.get("text", ""), i in correct, o.get("explanation"))
            for i, o in enumerate(opts)
        )

    def question(self, rec: _Rec, path: str, *, tags: tuple[str, ...] = (),
                 sources: tuple[str, ...] = ()) -> Question | None:
        kind: Any = rec.get("type")
        opts = self.options(rec, path, kind)
        img = self.image(rec, path)
        if opts is None or "stem" not in rec:
            return None
        return Question(
            id=rec["id"],
            kind=kind,
            stem=rec["stem"],
            options=opts,
            explanation=rec.get("explanation"),
            objective=rec.get("objective"),
            tags=tags,
            sources=sources,
            image=img,
            image_alt=rec.get("image_alt"),
            shuffle=rec.get("shuffle", self.default_shuffle),
            location=self.loc(rec),
        )

    def item(self, rec: _Rec, path: str) -> Item | None:
        kind = rec.get("type")
        sources = self.item_sources(rec, path)
        tags = self.tags(rec)
        if kind == "flashcard":
            img = self.image(rec, path)
            if not {"id", "front", "back"} <= rec.keys():
                return None
            return Flashcard(
                id=rec["id"], front=rec["front"], back=rec["back"],
                reversible=rec.get("reversible", False), explanation=rec.get("explanation"),
                objective=rec.get("objective"), tags=tags, sources=sources, image=img,
                image_alt=rec.get("image_alt"), location=self.loc(rec),
            )
        if kind in ("single", "multi"):
            if "id" not in rec:
                self.options(rec, path, kind)
                return None
            return self.question(rec, path, tags=tags, sources=sources)
        if kind == "case":
            return self.case(rec, path, tags, sources)
        return None  # pragma: no cover - the checker rejected other kinds

    def reference(self, rec: _Rec, path: str) -> Reference | None:
        """A reference sheet: cites declared sources like an item (or the deck's default)."""
        sources = self.item_sources(rec, path)
        if not {"id", "title", "text"} <= rec.keys():
            return None
        return Reference(id=rec["id"], title=rec["title"], text=rec["text"], sources=sources,
                         location=self.loc(rec))

    def unique_id(self, rec: _Rec, seen: dict[str, int], what: str, where: str, path: str
                  ) -> bool:
        """Report an id already in ``seen`` (id -> first line); remember new ones."""
        rid = rec.get("id")
        if rid is None:
            return True
        if rid in seen:
            line, col = rec.at("id")
            self.p.add(line, col, f"{what} '{rid}' is used twice{where} (first at line "
                       f"{seen[rid]})" + ("; ids must be unique" if not where else ""),
                       f"{path}.id")
            return False
        seen[rid] = rec.at("id")[0]
        return True

    def case(self, rec: _Rec, path: str, tags: tuple[str, ...],
             sources: tuple[str, ...]) -> Case | None:
        img = self.image(rec, path)
        stages: list[Stage] = []
        stage_ids: dict[str, int] = {}
        q_ids: dict[str, int] = {}
        ok = True
        for si, srec in enumerate(rec.get("stages") or []):
            spath = f"{path}.stages[{srec.index if srec.index >= 0 else si}]"
            sid = srec.get("id")
            ok &= self.unique_id(srec, stage_ids, "stage id", " in this case", spath)
            qs: list[Question] = []
            for qi, qrec in enumerate(srec.get("questions") or []):
                qpath = f"{spath}.questions[{qrec.index if qrec.index >= 0 else qi}]"
                qid = qrec.get("id")
                ok &= self.unique_id(qrec, q_ids, "question id", " in this case", qpath)
                q = self.question(qrec, qpath, tags=tags, sources=sources) if qid else None
                if q is None:
                    ok = False
                else:
                    qs.append(q)
            simg = self.image(srec, spath)
            if sid is None or not qs or len(qs) != len(srec.get("questions") or []):
                ok = False
                continue
            stages.append(Stage(
                id=sid, questions=tuple(qs), title=srec.get("title"), text=srec.get("text"),
                image=simg, image_alt=srec.get("image_alt"), location=self.loc(srec),
            ))
        if not ok or not stages or not {"id", "title", "stem"} <= rec.keys():
            return None
        return Case(
            id=rec["id"], title=rec["title"], stem=rec["stem"], stages=tuple(stages),
            objective=rec.get("objective"), tags=tags, sources=sources, image=img,
            image_alt=rec.get("image_alt"), location=self.loc(rec),
        )


def _format_check(root: Node, problems: _Problems) -> bool:
    """A deck for a newer quizapp gets one clear message instead of a list of unknown fields."""
    if root.kind != "map":
        return True
    entry = root.value.get("format")
    if entry is None:
        return True
    node = entry[1]
    if node.kind == "scalar" and node.tag and node.tag.endswith(":int"):
        try:
            v = int(node.value)
        except ValueError:
            return True
        if v > S.FORMAT_VERSION:
            problems.add(node.line, node.col,
                         f"this deck uses format {v}, made for a newer quizapp; this version "
                         f"reads format {S.FORMAT_VERSION}. Update quizapp to open it.", "format")
            return False
        if v < 1:
            problems.add(node.line, node.col, f"format must be {S.FORMAT_VERSION}", "format")
            return False
    return True


MAX_RECOVERIES = 50  # syntax errors reported in one run before the rest is left unchecked


class _LeftOut:
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


def _compose_recovering(text: str, problems: _Problems, soft: list[_Soft],
                        left_out: _LeftOut) -> Node:
    """Compose the tree; after a problem that stops YAML (a syntax error), report it, leave out
    the item or top-level field that holds it and read the rest again, so that one broken item
    does not hide the problems of the others. Raises :class:`_Fatal` when nothing more can be
    checked (its message says so)."""
    layout: yamltext.Layout | None = None
    lines: list[str] = []
    for _ in range(MAX_RECOVERIES):
        try:
            root = compose(text, soft)
            left_out.text = text
            return root
        except _Fatal as f:
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
                    raise _Fatal(f.line, f.col, f"{f.message} (the rest of the file after line "
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
    raise _Fatal(len(text.split("\n")), 1, f"more than {MAX_RECOVERIES} syntax errors; the "
                 "rest of the file was not checked")


def parse(text: str, file: str = "<deck>", path: Path | None = None, *,
          max_problems: int | None = None) -> Deck:
    """Parse deck text. ``path`` (the file's real location) anchors relative image paths.
    At most ``max_problems`` (default :data:`MAX_PROBLEMS`) are reported; ``quizapp import``
    asks for all of them, to leave out every item that fails in one pass."""
    problems = _Problems(file, max_problems)
    left_out = _LeftOut()
    try:
        soft: list[_Soft] = []
        root = _compose_recovering(text, problems, soft, left_out)
        left_out.reported = len(problems.items)  # the syntax errors themselves stay
        for line, col, message in soft:
            problems.add(line, col, message)
        if root.kind != "map":
            problems.add(root.line, root.col,
                         f"a deck must be a mapping of fields (format, id, title, sources, "
                         f"items), but this file holds {_describe(root)}")
            raise DeckError(file, _located(problems.items, text, left_out.text))
        if not _format_check(root, problems):
            raise DeckError(file, _located(problems.items, text, left_out.text))
        rec = _check_deck(_Checker(problems), root)
        deck = _build(rec, problems, path) if rec is not None else None
    except _Fatal as f:
        found = problems.items[:]  # all reported while recovering
        raise DeckError(file, _located([*found, Problem(file, f.line, f.col, f.message)], text,
                                       left_out.text)
                        ) from None
    except _TooManyProblems:
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
    except _Fatal:
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


def _check_deck(checker: _Checker, root: Node,
                items: tuple[int, Iterator[Node]] | None = None) -> _Rec | None:
    """``checker.check(S.DECK, root, "")``, except that the items are checked as
    :func:`_build` reaches them (a generator): each item's nodes are let go once it is
    checked and no record of every item is kept, so a large deck needs far less memory.
    ``items``: (how many, their nodes one at a time) when they are not in ``root``."""
    rule = S.DECK.fields["items"].rule
    assert isinstance(rule, S.ListOf) and rule.max_items is None and not rule.unique
    line, col = root.line, root.col
    if items is None:
        entry = root.value.get("items") if root.kind == "map" else None
        if entry is None or entry[1].kind != "seq":
            return checker.check(S.DECK, root, "")
        node = entry[1]
        line, col = node.line, node.col
        items = len(node.value), _let_go(node.value)
    count, nodes = items
    rec = checker._record(S.DECK, root, "", skip="items")
    if count < rule.min_items:
        checker.p.add(line, col, f"{rule.too_few} (found {count})", "items")
    if rec is None:
        return None
    rec.pos["items"] = (line, col)
    rec["items"] = _checked_items(checker, rule, nodes)
    return rec


def _let_go(nodes: list[Node | None]) -> Iterator[Node]:
    """The nodes of a list, each dropped from it as it is handed out."""
    for i in range(len(nodes)):
        item, nodes[i] = nodes[i], None
        assert item is not None
        yield item


def _checked_items(checker: _Checker, rule: S.ListOf, nodes: Iterator[Node]) -> Iterator[_Rec]:
    for i, item in enumerate(nodes):
        v = checker.check(rule.item, item, f"items[{i}]")
        if isinstance(v, _Rec):
            v.index = i  # paths keep naming it by its place, even if one before failed
            yield v


def _node_of(value: Any) -> Node:
    """Plain data (what ``yaml.safe_load`` gives) -> the tree :func:`compose` builds from its
    YAML text, every position 1:1 (there is no text)."""
    if isinstance(value, str):
        return Node("scalar", 1, 1, value, _STR)
    if isinstance(value, bool):
        return Node("scalar", 1, 1, "true" if value else "false", "tag:yaml.org,2002:bool")
    if isinstance(value, int):
        return Node("scalar", 1, 1, str(value), "tag:yaml.org,2002:int")
    if value is None:
        return Node("scalar", 1, 1, "null", "tag:yaml.org,2002:null")
    if isinstance(value, dict):
        return Node("map", 1, 1, {str(k): (Node("scalar", 1, 1, str(k), _STR), _node_of(v))
                                  for k, v in value.items()}, None)
    if isinstance(value, (list, tuple)):
        return Node("seq", 1, 1, [_node_of(v) for v in value], None)
    raise TypeError(f"not deck data: {type(value).__name__}")


def parse_data(data: dict[str, Any], file: str = "<deck>", path: Path | None = None, *,
               max_problems: int | None = None) -> Deck:
    """Check a deck given as plain data (str, int, bool, None, lists, dicts: what
    ``yaml.safe_load`` gives for its YAML) with the same rules as :func:`parse`, without the
    YAML round trip. Items are checked one at a time and only the model is kept, so a deck of
    100,000 items (``quizapp import``) needs no tree of all of them. Problems name their field
    (``items[3].options``); their line and column are 1 (there is no text)."""
    problems = _Problems(file, max_problems)
    items = data.get("items")
    try:
        if isinstance(items, list):
            root = _node_of({k: v for k, v in data.items() if k != "items"})
            lazy = len(items), (_node_of(v) for v in items)
        else:  # not the usual shape: checked whole, as parse() would
            root, lazy = _node_of(data), None
        if not _format_check(root, problems):
            raise DeckError(file, problems.items)
        rec = _check_deck(_Checker(problems), root, lazy)
        deck = _build(rec, problems, path) if rec is not None else None
    except _TooManyProblems:
        raise DeckError(file, problems.items) from None
    if problems.items or deck is None:
        raise DeckError(file, problems.items or [Problem(file, 1, 1, "not a valid deck")])
    return deck


def _build(rec: _Rec, problems: _Problems, path: Path | None) -> Deck | None:
    b = _Builder(problems, path, rec)
    items: list[Item] = []
    seen: dict[str, int] = {}
    for i, irec in enumerate(rec.get("items") or []):
        ipath = f"items[{irec.index if irec.index >= 0 else i}]"
        iid = irec.get("id")
        b.unique_id(irec, seen, "item id", "", ipath)
        it = b.item(irec, f"{ipath} ({iid})" if iid else ipath)
        if it is not None:
            items.append(it)
    refs: list[Reference] = []
    ref_ids: dict[str, int] = {}
    for i, rrec in enumerate(rec.get("references") or []):
        rpath = f"references[{rrec.index if rrec.index >= 0 else i}]"
        rid = rrec.get("id")
        b.unique_id(rrec, ref_ids, "reference sheet id", "", rpath)
        ref = b.reference(rrec, f"{rpath} ({rid})" if rid else rpath)
        if ref is not None:
            refs.append(ref)
    if problems.items:
        return None
    sources = {
        k: Source(k, v["citation"], _bare_doi(v.get("doi")), v.get("url"), v.get("note"))
        for k, v in (rec.get("sources") or {}).items()
    }
    return Deck(
        id=rec["id"], title=rec["title"], sources=sources, items=tuple(items),
        format=rec["format"], description=rec.get("description"),
        authors=tuple(rec.get("authors") or ()), version=rec.get("version"),
        license=rec.get("license"), language=rec.get("language"), path=path,
        references=tuple(refs),
    )


def parse_bytes(data: bytes, file: str = "<deck>", path: Path | None = None) -> Deck:
    try:
        text = decode(data)
    except _Fatal as f:
        raise DeckError(file, [Problem(file, f.line, f.col, f.message)]) from None
    return parse(text, file, path)


def load(path: Path | str, display_name: str | None = None) -> Deck:
    """Load and check one deck file (no cache; see :mod:`quizapp.core.library`)."""
    p = Path(path)
    name = display_name or str(p)
    return parse_bytes(read_bytes(p), name, p)


def _likely_variant(rule: S.Tagged, node: Node) -> S.Record | None:
    """The variant whose fields best match this mapping's keys (None when none match well)."""
    keys = {str(k) for k in node.value} - {rule.key}
    best, score = None, 0
    for variant in rule.variants.values():
        own = set(variant.fields)
        hits = len(keys & own) - len(keys - own)
        if hits > score:
            best, score = variant, hits
    return best


def _answer_hint(ans: str, opts: list[_Rec], letters: str) -> str:
    """What the author probably meant by an answer that is not an option letter."""
    if len(ans) == 1 and ans.upper() in letters:
        return f"; write the capital letter {ans.upper()}"
    if len(ans) == 1 and ans.isalpha():
        return f"; this question has only {len(letters)} options"
    texts = [str(o.get("text", "")).strip().lower() for o in opts]
    if ans.strip().lower() in texts:
        return (f"; give the option's letter, not its text "
                f"(answer: {letters[texts.index(ans.strip().lower())]})")
    if "," in ans or " " in ans.strip():
        return "; for several correct options use type: multi with answers: [A, C]"
    return "; write the letter of the correct option, e.g. answer: B"


def _exact_case(full: Path, folder: Path) -> bool:
    """True when every part of the path below the deck folder has exactly this spelling
    (a deck that works on Windows or macOS must work on Linux too)."""
    try:
        rel = full.relative_to(folder)
    except ValueError:
        return True
    here = folder
    for part in rel.parts:
        try:
            if part not in os.listdir(here):
                return False
        except OSError:
            return True
        here = here / part
    return True


def _bare_doi(doi: str | None) -> str | None:
    """'https://doi.org/10.1/x' or 'doi:10.1/x' -> '10.1/x' (the form the app shows and links)."""
    if doi is None:
        return None
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I)


def _image_hint(raw: str, full: Path, folder: Path) -> str:
    if "\\" in raw:
        return "; use / between folders, not \\"
    try:
        names = os.listdir(full.parent)
    except OSError:
        return ""
    same = [n for n in names if n.lower() == full.name.lower() and n != full.name]
    if same:
        rel = Path(raw).parent / same[0]
        return f"; did you mean '{rel.as_posix()}'? (file names are case-sensitive)"
    return ""


_MAGIC = {
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".bmp": (b"BM",),
}


def _picture_problem(full: Path) -> str | None:
    """A cheap content check: the first bytes match the suffix (SVG: some XML with <svg that
    refers to nothing outside itself). None when the file looks right."""
    suffix = full.suffix.lower()
    try:  # an SVG is read whole (what it refers to can be anywhere in it), others' heads
        data = resources.read_image(full, head=None if suffix == ".svg" else 1024)
    except resources.ResourceError as e:
        return f"cannot be read: {e}"
    head = data[:1024]
    if suffix == ".svg":
        if b"<svg" not in head.lower() and not head.lstrip().startswith(b"<?xml"):
            return "is not a picture file (its content is not SVG)"
        why = resources.svg_problem(data)
        return f"cannot be shown: {why}" if why else None
    magic = _MAGIC.get(suffix)
    if magic is None or head.startswith(magic):
        return None
    return f"is not a picture file (its content is not {suffix.lstrip('.').upper()})"
