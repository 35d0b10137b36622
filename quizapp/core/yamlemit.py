"""A fast YAML writer for deck mappings, byte for byte what PyYAML writes for them.

``quizapp import`` writes decks of up to 100,000 items. PyYAML's emitter is pure Python (and
its C emitter still runs the Python representers): about half a millisecond per item. Deck
data is simple (mappings with plain keys, lists, strings, integers, booleans), and most of its
strings need no quoting; those are written here directly, in the layout of
:func:`quizapp.core.authoring.dump_deck` (block style, sequences indented under their key,
multi-line text as ``|`` literal blocks, :class:`~quizapp.core.authoring.FlowList` in flow
style). Anything else (a string that needs quotes or escapes, an empty collection, another
type) is handed to PyYAML on its own, with the same dumper, so the result is always exactly
PyYAML's; a property test checks that on random decks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_BREAKS = "\n\x85\u2028\u2029"

# Characters PyYAML writes as they are (allow_unicode): printable ASCII and Unicode, minus
# NEL, the line and paragraph separators, BOM and surrogates. Tabs and other control
# characters need double quotes: left to PyYAML.
_PRINTABLE = r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff\U0010ffff]"
# A plain scalar in block context: starts with a letter, digit or "(" (no indicator), no ": "
# or trailing ":", no " #", no leading or trailing space.
_PLAIN = re.compile(r"[A-Za-z0-9(]" + _PRINTABLE + r"*")
_BAD_PLAIN = re.compile(r": |:$| #| $")
_PRINTABLE_LINE = re.compile(_PRINTABLE + "*")
# What certainly rules out a plain scalar: an indicator first, a leading or trailing space,
# ": " or a trailing ":", " #".
_NOT_PLAIN = re.compile(r"^[#,\[\]{}&*!|>'\"%@` ]|^[-?:](?: |$)|: |:$| #| $")
# In flow context (tags in [a, b]) the flow indicators are out as well.
_FLOW_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/+=()-]*")
# Lines of a literal block: printable, no trailing space on any line (PyYAML falls back to
# quotes then), not starting with a space or line break, not ending with a line break.
_LITERAL = re.compile(r"(?=\S)(?:" + _PRINTABLE + r"|\n)*")
_SPACE_BREAK = re.compile(r" \n| $")


def _implicit_str(value: str) -> bool:
    """Whether YAML reads ``value``, written plain, back as a string (not 1, true, null...)."""
    for tag, regexp in _RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            return tag == _STR_TAG
    return True


class Emitter:
    """Writes deck data as PyYAML's ``dumper`` would, with ``dump_kwargs`` for PyYAML."""

    def __init__(self, dumper: type[yaml.SafeDumper], flow_list: type[list[Any]],
                 dump_kwargs: dict[str, Any]) -> None:
        self.dumper = dumper
        self.flow_list = flow_list
        self.kwargs = dump_kwargs
        self._open_ended: str | None = None  # the last piece written by PyYAML, if open-ended
        self._key_text: dict[str, str] = {}  # key -> as written (deck keys are few)
        self._styles: dict[str, str] = {}  # short string -> its style (values repeat)

    def _pyyaml(self, value: Any) -> str:
        return yaml.dump(value, Dumper=self.dumper, **self.kwargs)

    def _fallback(self, value: Any, ind: int) -> str:
        """PyYAML's text for ``value`` as a mapping value at indentation ``ind``: what follows
        ``key:`` (a space and a scalar, or a line break and indented lines)."""
        depth = ind // 2  # the value is put at that depth, so PyYAML indents it as here
        wrapped: Any = {"k": value}
        for _ in range(depth):
            wrapped = {"k": wrapped}
        prefix = "".join(" " * (2 * i) + "k:\n" for i in range(depth)) + " " * ind + "k:"
        text = self._pyyaml(wrapped)
        assert text.startswith(prefix) and ind % 2 == 0
        body = text[len(prefix):]
        # After a "keep" literal (|+) PyYAML ends the document with "..." on its own line:
        # that belongs to the whole document, written only if nothing follows this value.
        if body.endswith("...\n") and body[-5:-4] in _BREAKS:
            body = body[:-4]
            self._open_ended = body
        return body

    def dump(self, data: dict[str, Any]) -> str:
        if type(data) is not dict or not data:
            return self._pyyaml(data)
        # Pieces are joined every few thousand: not millions of small strings for 100k items
        # (nor io.StringIO, which holds 4 bytes per character).
        chunks: list[str] = []
        pieces: list[str] = []
        last: list[str] = [""]

        def write(piece: str) -> None:
            last[0] = piece
            pieces.append(piece)
            if len(pieces) >= 4096:
                chunks.append("".join(pieces))
                pieces.clear()

        self._open_ended = None
        if not self._mapping(data, 0, write):
            return self._pyyaml(data)
        if self._open_ended is not None and last[0] is self._open_ended:
            pieces.append("...\n")
        chunks.append("".join(pieces))
        return "".join(chunks)

    def _keys(self, data: dict[Any, Any]) -> list[str] | None:
        """The keys as written, or None when one is not a one-line simple key."""
        keys = []
        known = self._key_text
        for key in data:
            written = known.get(key) if isinstance(key, str) else None
            if written is None:
                if isinstance(key, str) and len(key) < 128 and _PLAIN.fullmatch(key) and (
                        not _BAD_PLAIN.search(key)) and _implicit_str(key):
                    written = key
                else:
                    text = self._pyyaml({key: 0})
                    if not text.endswith(": 0\n") or text.count("\n") != 1 or (
                            text.startswith("?")):
                        return None
                    written = text[:-4]
                if isinstance(key, str) and len(known) < 10_000:
                    known[key] = written
            keys.append(written)
        return keys

    def _mapping(self, data: dict[Any, Any], ind: int, w: Callable[[str], None],
                 first_prefix: str | None = None, keys: list[str] | None = None) -> bool:
        """Write ``data`` with its keys at column ``ind``; the first key follows
        ``first_prefix`` when given (``- `` of a sequence item) instead of an indent.
        Writes nothing and returns False when a key needs PyYAML's complex-key form."""
        keys = keys if keys is not None else self._keys(data)
        if keys is None:
            return False
        pad = " " * ind
        for i, (key, value) in enumerate(zip(keys, data.values(), strict=True)):
            w(first_prefix if (i == 0 and first_prefix is not None) else pad)
            w(key)
            w(":")
            self._value(value, ind, w)
        return True

    def _value(self, value: Any, ind: int, w: Callable[[str], None]) -> None:
        """What follows ``key:`` for a value of a mapping whose keys are at column ``ind``."""
        if isinstance(value, str):
            w(self._scalar_str(value, ind + 2))
        elif isinstance(value, bool):
            w(" true\n" if value else " false\n")
        elif isinstance(value, int):
            w(f" {value}\n")
        elif isinstance(value, self.flow_list) and value and all(
                isinstance(v, str) and _FLOW_PLAIN.fullmatch(v) and v[-1] != " "
                and _implicit_str(v) for v in value):
            w(" [" + ", ".join(value) + "]\n")
        elif type(value) is dict and value and (keys := self._keys(value)) is not None:
            w("\n")
            self._mapping(value, ind + 2, w, keys=keys)
        elif type(value) is list and value:
            w("\n")
            self._sequence(value, ind + 2, w)
        else:
            w(self._fallback(value, ind))

    def _sequence(self, data: list[Any], ind: int, w: Callable[[str], None]) -> None:
        """Write the entries of a block sequence at column ``ind`` (``- `` then the entry)."""
        pad = " " * ind
        for value in data:
            if type(value) is dict and value and (keys := self._keys(value)) is not None:
                self._mapping(value, ind + 2, w, first_prefix=pad + "- ", keys=keys)
            elif isinstance(value, str) and self._fast_str(value):
                w(pad + "-" + self._scalar_str(value, ind + 2))
            else:  # PyYAML writes it as a one-entry sequence; take the entry
                text = self._fallback([value], ind - 2)
                assert text.startswith("\n")
                piece = text[1:]
                if self._open_ended is text:
                    self._open_ended = piece
                w(piece)

    def _style(self, value: str) -> str:
        """How PyYAML writes this string (plain ``""``, ``"'"`` or ``"|"``), when that is
        certain here; ``"?"`` when PyYAML must decide."""
        if len(value) <= 40:
            style = self._styles.get(value)
            if style is None:
                style = self._find_style(value)
                if len(self._styles) < 100_000:
                    self._styles[value] = style
            return style
        return self._find_style(value)

    @staticmethod
    def _find_style(value: str) -> str:
        if "\n" in value:
            return "|" if value[-1] != "\n" and _LITERAL.fullmatch(value) and (
                not _SPACE_BREAK.search(value)) else "?"
        if not _PRINTABLE_LINE.fullmatch(value):
            return "?"  # tabs, control characters...: double quotes, left to PyYAML
        if not value or not _implicit_str(value) or _NOT_PLAIN.search(value):
            return "'"  # printable but never plain: single-quoted
        return "" if _PLAIN.fullmatch(value) else "?"

    def _fast_str(self, value: str) -> bool:
        return self._style(value) != "?"

    def _scalar_str(self, value: str, content_ind: int) -> str:
        """`` text\\n``, `` 'text'\\n`` or `` |-\\n`` and the indented lines, for a string whose
        block content (if any) goes at column ``content_ind``."""
        style = self._style(value)
        if style == "":
            return " " + value + "\n"
        if style == "'":
            return " '" + value.replace("'", "''") + "'\n"
        if style == "|":
            pad = " " * content_ind
            return " |-\n" + "".join((pad + ln if ln else "") + "\n"
                                     for ln in value.split("\n"))
        return self._fallback(value, content_ind - 2)
