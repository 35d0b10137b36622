"""The YAML node tree checked against the deck rules (:mod:`quizapp.core.deckschema`).

:class:`Checker` walks the tree, reports every problem with its line, column and field path,
and hands back plain values: each record as a :class:`CheckedRecord` (field -> value, plus
where each value was written, for the cross-field rules that :mod:`deckbuild` runs).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from quizapp.core import deckschema as S
from quizapp.core import resources
from quizapp.core.decktree import STR_TAG, Node, short
from quizapp.core.problems import ProblemCollector

_HTML = re.compile(r"</?[A-Za-z!?][^<>]*>?")  # "<b", "</p", "<!--"; not "a < b"


_KIND_NAMES = {"scalar": "a single value", "seq": "a list", "map": "a mapping"}


def describe(node: Node) -> str:
    if node.kind != "scalar":
        return _KIND_NAMES[node.kind]
    tag = node.tag or STR_TAG
    if tag.endswith(":null"):
        return "nothing (an empty value)"
    if tag.endswith(":bool"):
        return f"true/false ({node.value!r})"
    if tag.endswith(":int") or tag.endswith(":float"):
        return f"a number ({node.value})"
    return f"text ({short(node.value)!r})"




class Checker:
    """Walks the node tree against the rules, collecting problems and building plain values.

    Records come back as :class:`CheckedRecord`: a dict of field -> value that also remembers the
    position of each field, for the cross-field rules.
    """

    def __init__(self, problems: ProblemCollector) -> None:
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
        self.p.add(node.line, node.col, f"expected {expected}, got {describe(node)}", path)
        return None

    def _text(self, rule: S.Text, node: Node, path: str) -> str | None:
        # Where text is expected, a plain scalar that YAML would read as a number or as
        # true/false (`back: No`, `version: 1.0`) is taken as the text the author wrote.
        if node.kind != "scalar" or not node.tag or node.tag.endswith(":null"):
            hint = ""
            if node.kind == "map" and rule.markdown:
                hint = "; a ': ' inside text starts a mapping, so quote the text or use '|'"
            self.p.add(node.line, node.col, f"expected text, got {describe(node)}{hint}", path)
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
                    f"raw HTML is not allowed ({short(m.group(0), 30)!r}); use Markdown such as "
                    "**bold**, or write '< ' with a space",
                    path,
                )
                return None
            refs = resources.image_refs(v)  # the renderer refuses the same ones
            if refs:
                what = f" ('{short(refs[0].target, 40)}')" if refs[0].target else ""
                self.p.add(node.line, node.col,
                           f"images inside text are not allowed{what}; use the item's image "
                           "field (write \\![ for a literal '![')", path)
                return None
        return v

    def _ident(self, rule: S.Ident, node: Node, path: str) -> str | None:
        if node.kind != "scalar" or node.tag not in (STR_TAG, "tag:yaml.org,2002:int"):
            return self._bad(node, path, rule.what)
        v: str = node.value
        if not re.fullmatch(rule.pattern, v):
            if rule.pattern == S.LETTER_PATTERN:
                msg = f"{short(v)!r} is not an option letter (A-J)"
                if len(v) == 1 and v.upper() != v and re.fullmatch(rule.pattern, v.upper()):
                    msg += f"; write the capital letter {v.upper()}"
                elif v.isdigit() and 1 <= int(v) <= 10:
                    msg += f"; use letters: {'ABCDEFGHIJ'[int(v) - 1]} for option {v}"
                elif len(v) > 1:
                    msg += "; give the letter of the option (A for the first), not its text"
            else:
                msg = (f"{short(v)!r} is not a valid id: use letters, digits, '.', '_' or '-', "
                       "starting with a letter or digit, at most 80 characters")
            self.p.add(node.line, node.col, msg, path)
            return None
        return v

    def _record(self, rule: S.Record, node: Node, path: str, skip: str = ""
                ) -> CheckedRecord | None:
        if node.kind != "map":
            if rule.name == "option" and node.kind == "scalar":
                text = short(str(node.value))
                return self._bad(node, path, f"an option written as '- text: {text}' (with an "
                                 "optional 'explanation:' line under it)")
            article = "an" if rule.name[:1] in "aeiou" else "a"
            return self._bad(node, path, f"{article} {rule.name} (a mapping of fields)")
        out = CheckedRecord(node.line, node.col)
        fields = rule.fields
        for key, (knode, vnode) in node.value.items():
            f = fields.get(key)
            sub = f"{path}.{key}" if path else str(key)
            if f is None:
                guess = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
                hint = f"; did you mean '{guess[0]}'?" if guess else (
                    f"; expected one of: {', '.join(fields)}")
                self.p.add(knode.line, knode.col,
                           f"unknown field '{short(str(key))}' in {rule.name}{hint}", sub)
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
                if isinstance(v, CheckedRecord):
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

    def _tagged(self, rule: S.Tagged, node: Node, path: str) -> CheckedRecord | None:
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
                       f"unknown {rule.what} type {short(str(val))!r}: expected one of {kinds}"
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
                self.p.add(knode.line, knode.col, f"{short(str(key))!r} is not a valid key", sub)
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


class CheckedRecord(dict[str, Any]):
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


def format_check(root: Node, problems: ProblemCollector) -> bool:
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



def check_deck(checker: Checker, root: Node,
                items: tuple[int, Iterator[Node]] | None = None) -> CheckedRecord | None:
    """``checker.check(S.DECK, root, "")``, except that the items are checked as
    :func:`build` reaches them (a generator): each item's nodes are let go once it is
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


def _checked_items(checker: Checker, rule: S.ListOf, nodes: Iterator[Node]
                   ) -> Iterator[CheckedRecord]:
    for i, item in enumerate(nodes):
        v = checker.check(rule.item, item, f"items[{i}]")
        if isinstance(v, CheckedRecord):
            v.index = i  # paths keep naming it by its place, even if one before failed
            yield v



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

