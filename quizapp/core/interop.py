"""Decks to and from other tools: Anki text exports and Moodle GIFT files.

Import (``quizapp import``) turns a file into a valid YAML deck:

* **Anki** notes as plain text (what *File > Export > Notes in Plain Text* writes, and what
  Anki's *Import > Text file* reads): tab-, comma-, semicolon-, pipe-, colon- or
  space-separated fields, RFC-4180 quoting (``""`` inside quotes, newlines inside quoted
  fields), UTF-8 with or without a BOM (UTF-16 with a BOM and, with a warning, Windows-1252 are
  read too), the header lines of Anki 2.1.54+ (``#separator:``, ``#html:``, ``#columns:``,
  ``#tags:``, ``#deck:``, ``#notetype:``, ``#tags column:``, ``#guid column:``,
  ``#notetype column:``, ``#deck column:``) and the old ``tags:`` first line. Without a
  header the separator is sniffed (tab, semicolon, comma). A first row of known column names
  (``Question,Answer,Explanation,Source``, any case) maps the columns by name; other names are
  reported. HTML fields become Markdown (``<sup>``/``<sub>`` as Unicode ⁹/₂ or ``^(...)``/
  ``_(...)``; typed text that Markdown would read as a quote, heading or list is escaped);
  pictures and sounds are dropped with a warning. Each note becomes a flashcard (a *Cloze*
  note one flashcard per cloze number; a *Basic (and reversed card)* note, or an optional
  reversed one with *Add Reverse* filled in, a reversible one). Image Occlusion notes and
  nested clozes are skipped with the reason. A ``Tags`` column of a CSV file that is not an Anki
  export is split on commas and spaces (``neuro, anatomy``); Anki's own exports on spaces.
* **Multiple-choice questions in a CSV or TSV file** (a question bank from a spreadsheet): a
  first row naming a question column, option columns (``A``..``J``, ``Option 1``, ``Choice
  A``...) and an answer column (a letter, a number, the option's text, or several letters for a
  ``multi`` question), with optional explanation, per-option explanation, objective, tags,
  source and id columns; each row becomes a ``single`` or ``multi`` question. A first row of
  unknown column names, or rows that look like questions with no such row, are refused rather
  than read as flashcards from the wrong columns.
* **Anki packages** (``.apkg``, ``.colpkg``): read by :mod:`quizapp.core.ankipkg`, each note
  converted as a note of a text export.
* **GIFT** (Moodle's text format): ``::name::`` titles, ``// comments``, ``$CATEGORY:``,
  ``[html]``/``[markdown]``/``[plain]``/``[moodle]`` text formats, ``\\`` escapes, per-answer
  ``#feedback`` and general ``####feedback``. Multiple choice with one ``=`` answer becomes a
  ``single`` question, weighted answers (``~%50%``) with no ``=`` a ``multi`` one, and true/false
  a ``single`` question with the options True and False. Short answer, matching, numerical,
  essay, description and embedded-answer questions cannot be converted; each is reported as
  ``FILE:LINE: cannot convert ...: reason`` and skipped.

Item ids are stable across re-imports: from a GIFT ``::name::``, from an Anki GUID column, or
else from a hash of the Anki front, or of a GIFT question's text with its options and answers,
so re-importing an edited file keeps the ids (and so the students' progress) of unchanged cards.
When the format was guessed and most of the file fails, the messages say so and suggest the
other ``--format``.

Export (``quizapp export``) writes Anki notes (tab-separated, HTML, with header lines; a note
type column when a flashcard is reversible) or GIFT.

Nothing here imports Qt; every problem with an input names its file and line.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import html
import os
import re
import shutil
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from quizapp.core import deckfile
from quizapp.core.authoring import (
    AuthoringError,
    FlowList,
    IdAllocator,
    check_output_path,
    deck_id_for,
    dump_deck,
    is_valid_id,
    schema_comment,
    short_hash,
    slugify,
    tidy_text,
    title_for,
    write_text_atomic,
)
from quizapp.core.deckfile import DeckError
from quizapp.core.model import LETTERS, Case, Deck, Flashcard, Item, Question

MAX_BYTES = deckfile.MAX_BYTES
MAX_TEXT = 20_000  # the loader's limit on one text field
MAX_TAG = 60
MAX_OPTIONS = 10
SOURCE_KEY = "imported"
OBJECTIVE_LABEL = "**Learning objective:**"

Format = Literal["anki", "gift", "moodle", "apkg"]
FORMAT_NAMES = {"anki": "Anki text export", "gift": "Moodle GIFT file",
                "moodle": "Moodle XML file", "apkg": "Anki package"}


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class Message:
    """Something to tell the user about one place in an input file."""

    file: str
    line: int
    text: str
    warning: bool = False
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: warning: {self.text}" if self.warning else f"{where}: {self.text}"


class ConvertError(Exception):
    """Nothing could be converted (unreadable, binary or empty input...): exit status 2."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        super().__init__("; ".join(map(str, messages)))


# --------------------------------------------------------------------------- reading bytes


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def decode_input(data: bytes, file: str) -> tuple[str, list[Message]]:
    """Bytes of a text export -> text (newlines normalised to ``\\n``), plus warnings.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such; other bytes that are not
    UTF-8 are read as Windows-1252 with a warning naming the first bad byte. Empty, binary and
    oversized files raise :class:`ConvertError`.
    """
    warnings: list[Message] = []
    if len(data) > MAX_BYTES:
        raise ConvertError([Message(file, 1, f"file is too large ({len(data):,} bytes; the limit "
                                    f"is {MAX_BYTES:,})")])
    text: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ConvertError([Message(file, 1, f"invalid UTF-16 text (at byte {e.start}); "
                                        "save the file as UTF-8")]) from None
    else:
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise ConvertError([Message(
                file, 1, "this is a zip archive, not a text export; if it is an Anki package "
                "(.apkg or .colpkg), import it without --format or with --format apkg")])
        nul = data.find(b"\0")
        if nul != -1:
            line, col = _line_col(data, nul)
            raise ConvertError([Message(
                file, line, "this is a binary file, not a text export (it contains NUL bytes); "
                "in Anki use File > Export > Notes in Plain Text, in Moodle export as GIFT or "
                "Moodle XML",
                column=col)])
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line, col = _line_col(data, e.start)
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise ConvertError([Message(
                    file, line, f"invalid UTF-8 (byte 0x{data[e.start]:02x}) and not "
                    "Windows-1252 either; save the file as UTF-8", column=col)]) from None
            warnings.append(Message(
                file, line, f"not valid UTF-8 (byte 0x{data[e.start]:02x}); read the file as "
                "Windows-1252 instead. Check accented letters and symbols, or save the file as "
                "UTF-8 and import it again", warning=True, column=col))
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ConvertError([Message(file, 1, "file is empty; there is nothing to import")])
    return text, warnings


# --------------------------------------------------------------------------- HTML -> Markdown

_INLINE = {"b": "**", "strong": "**", "i": "*", "em": "*", "s": "~~", "del": "~~",
           "strike": "~~", "code": "`"}
_LINE_BLOCKS = {"div", "dt", "dd", "center", "section", "article", "header", "footer",
                "figure", "figcaption", "address", "caption", "details", "summary", "nav"}
_PARA_BLOCKS = {"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
_DROP_CONTENT = {"script", "style", "head", "title", "template", "noscript", "svg", "iframe",
                 "object", "audio", "video", "canvas", "select", "textarea", "button"}
_MEDIA = {"img", "audio", "video", "source", "embed", "object", "iframe", "track", "svg",
          "picture"}
# A hard line break while converting; it becomes CommonMark's backslash + newline at the end (a
# bare newline is a soft break, which renders as a space).
_HARD_MARK = "\ue012"
_HARD = _HARD_MARK + "\n"
# Marks a list marker written by the converter (from <li>), so that only typed text that merely
# looks like a list marker is escaped.
_LI = "\ue013"
# Unicode superscript and subscript forms; <sup>/<sub> text made only of these is written with
# them (10<sup>9</sup> -> 10⁹), other text as ^(...) or _(...).
_SUP = dict(zip("0123456789+-\u2212=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ", strict=True))
_SUB = dict(zip("0123456789+-\u2212=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ", strict=True))


class _HtmlToMarkdown(HTMLParser):
    """A forgiving HTML fragment -> Markdown converter for card text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.buf: list[str] = []
        self.skip = 0
        self.media: list[str] = []
        self.lists: list[list[int]] = []  # [ordered (0/1), counter]
        self.li_indent: list[int] = []  # where the text of each open list item starts
        self.pending: list[str] = []  # inline markers opened, waiting for text
        self.opened: list[str] = []  # inline markers written and not yet closed
        self.links: list[tuple[str, int]] = []  # (href, buffer length at <a>)
        self.tables: list[list[int]] = []  # per open table: [rows done, cells in this row]
        self.scripts: list[tuple[str, int]] = []  # (sup or sub, buffer length at the tag)
        self.pre = 0

    # -- buffer helpers
    def _tail(self, n: int) -> str:
        out = ""
        for part in reversed(self.buf):
            out = part + out
            if len(out) >= n:
                break
        return out[-n:]

    def _pop_trailing_space(self) -> str:
        popped = ""
        while self.buf:
            last = self.buf[-1]
            stripped = last.rstrip(" \t")
            popped = last[len(stripped):] + popped
            if stripped:
                self.buf[-1] = stripped
                break
            self.buf.pop()
        return popped

    def _at_line_start(self) -> bool:
        t = self._tail(1)
        return t in ("", "\n")

    def _break(self, blank: bool) -> None:
        """End the current line (``blank``: leave an empty line, i.e. start a paragraph)."""
        self._pop_trailing_space()
        if not self.buf:
            return
        tail = self._tail(2)
        if blank:
            if tail.endswith("\n\n"):
                return
            if tail.endswith("\n"):  # also after a hard break
                self.buf.append("\n")
            else:
                self.buf.append("\n\n")
        elif not tail.endswith("\n"):
            self.buf.append(_HARD)

    def _emit(self, s: str) -> None:
        if self.pending:
            lead = s[: len(s) - len(s.lstrip())]
            rest = s[len(lead):]
            if not rest:
                self.buf.append(s)
                return
            self.buf.append(lead)
            self.buf.extend(self.pending)
            self.opened.extend(self.pending)
            self.pending = []
            s = rest
        self.buf.append(s)

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _MEDIA:
            src = a.get("src") or a.get("data") or ""
            self.media.append(f"{'image' if tag in ('img', 'picture', 'svg') else tag}"
                              + (f" '{src}'" if src else ""))
        if tag in _DROP_CONTENT:
            self.skip += 1
            return
        if self.skip:
            return
        if self.tables and tag in _PARA_BLOCKS | _LINE_BLOCKS | {"br", "li", "hr"}:
            self._emit(" ")  # a table row is one line: blocks inside a cell become spaces
        elif tag in _INLINE:
            self.pending.append(_INLINE[tag])
        elif tag == "br":
            self._hard_break()
        elif tag == "table":
            self._break(blank=True)
            self.tables.append([0, 0])
        elif tag == "tr" and self.tables:
            if not self._at_line_start():
                self.buf.append("\n")
            self.tables[-1][1] = 0
            self.buf.append("|")
        elif tag in ("td", "th") and self.tables:
            self.tables[-1][1] += 1
            self.buf.append(" ")
        elif tag in _PARA_BLOCKS:
            self._break(blank=True)
            if tag.startswith("h") and len(tag) == 2:
                self.pending.append("**")
            if tag == "pre":
                self.pre += 1
        elif tag in _LINE_BLOCKS:
            if not self._at_line_start():
                self._break(blank=False)
        elif tag in ("ul", "ol"):
            if not self._at_line_start():  # a list may interrupt a paragraph
                self._pop_trailing_space()
                self.buf.append("\n")
            self.lists.append([1 if tag == "ol" else 0, 0])
        elif tag == "li":
            if not self._at_line_start():
                self.buf.append("\n")
            indent = self.li_indent[-1] if self.li_indent else 0
            marker = "- "
            if self.lists and self.lists[-1][0]:
                self.lists[-1][1] += 1
                marker = f"{self.lists[-1][1]}. "
            self.buf.append(" " * indent + _LI + marker)
            # Deeper than _MAX_LIST_DEPTH, items stay at that depth (no text grows as n²).
            deeper = len(self.li_indent) < _MAX_LIST_DEPTH
            self.li_indent.append(indent + len(marker) if deeper else indent)
        elif tag == "hr":
            self._break(blank=True)
        elif tag == "a":
            href = (a.get("href") or "").strip()
            self.links.append((href, len("".join(self.buf))))
        elif tag in ("sup", "sub"):
            self.scripts.append((tag, len("".join(self.buf))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _DROP_CONTENT:
            self.skip = max(0, self.skip - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self.tables and tag in _PARA_BLOCKS | _LINE_BLOCKS | {"li"}:
            self._emit(" ")
        elif tag in _INLINE:
            self._close(_INLINE[tag])
        elif tag in ("td", "th") and self.tables:
            self._pop_trailing_space()
            self.buf.append(" |")
        elif tag == "tr" and self.tables:
            rows, cells = self.tables[-1]
            self.buf.append("\n")
            if rows == 0 and cells:
                self.buf.append("|" + " --- |" * cells + "\n")
            self.tables[-1][0] += 1
        elif tag == "table" and self.tables:
            self.tables.pop()
            self._break(blank=True)
        elif tag in _PARA_BLOCKS:
            if tag.startswith("h") and len(tag) == 2:
                self._close("**")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._break(blank=True)
        elif tag in _LINE_BLOCKS:
            if not self._at_line_start():
                self._break(blank=False)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if self.lists:
                if not self._at_line_start():
                    self.buf.append("\n")
            else:  # what follows a list starts a new paragraph
                self._break(blank=True)
        elif tag == "li":
            if self.li_indent:
                self.li_indent.pop()
            if not self._at_line_start():
                self.buf.append("\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            whole = "".join(self.buf)
            text = whole[start:]
            if (href.lower().startswith(("http://", "https://", "mailto:")) and text.strip()
                    and text.strip() != _escape_markdown(href)):
                safe = href.replace(")", "%29").replace(" ", "%20")
                self.buf = [whole[:start], f"[{text}]({safe})"]
        elif tag in ("sup", "sub") and any(t == tag for t, _ in self.scripts):
            while self.scripts:  # also closes a <sup> or <sub> left open inside this one
                kind, start = self.scripts.pop()
                whole = "".join(self.buf)
                self.buf = [whole[:start], _script(kind, whole[start:])]
                if kind == tag:
                    break

    def _close(self, marker: str) -> None:
        if marker in self.pending:
            idx = len(self.pending) - 1 - self.pending[::-1].index(marker)
            del self.pending[idx]
            return
        if marker in self.opened:
            idx = len(self.opened) - 1 - self.opened[::-1].index(marker)
            del self.opened[idx]
            space = self._pop_trailing_space()
            self.buf.append(marker + space)

    def _hard_break(self) -> None:
        if self.pre:
            self.buf.append("\n")
            return
        self._pop_trailing_space()
        if not self.buf:
            return
        tail = self._tail(2)
        if tail.endswith("\n\n"):
            return
        if self.buf[-1].endswith(_HARD):  # <br><br>: a paragraph break, not two hard breaks
            self.buf[-1] = self.buf[-1][:-2]
            if not self.buf[-1]:
                self.buf.pop()
            self.buf.append("\n\n")
        elif tail.endswith("\n"):
            self.buf.append("\n")
        else:
            self.buf.append(_HARD)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self._emit(data)
            return
        data = re.sub(r"[ \t\n\r\f]+", " ", data)
        if self._at_line_start() or (self._tail(1) == " " and not self.pending):
            data = data.lstrip(" ")  # no double space where a dropped tag stood
        if not data:
            return
        data = _escape_markdown(data)
        if self.tables:
            data = data.replace("|", "\\|")
        self._emit(data)

    def result(self) -> str:
        self.close()
        while self.scripts:
            kind, start = self.scripts.pop()
            whole = "".join(self.buf)
            self.buf = [whole[:start], _script(kind, whole[start:])]
        for marker in reversed(self.opened):
            self._close(marker)
        return "".join(self.buf)


def _script(kind: str, text: str) -> str:
    """The Markdown of the text of a ``<sup>`` or ``<sub>`` element."""
    inner = text.strip()
    if not inner:
        return text
    table = _SUP if kind == "sup" else _SUB
    bare = re.sub(r"^(\*\*|\*|~~)(.+)\1$", r"\2", inner)  # <sup><b>2</b></sup> is just ²
    if all(c in table for c in bare):
        return "".join(table[c] for c in bare)
    if "\n" in inner:  # a block inside: keep the text as it is
        return text
    inner = re.sub(r"(?<!\S)\*(?!\S)", r"\\*", inner)  # a lone * (a footnote mark)
    return ("^(" if kind == "sup" else "\\_(") + inner + ")"


# Typed text at the start of a line that Markdown would read as a block: a quote (>), a heading
# (# x), a list item (- x, * x, + x, 1. x, 1) x), a rule or heading underline (---, _ _ _).
_END = r"(?:[ \t]|" + _HARD_MARK + r"|$)"  # what may follow a block marker
_BLOCK_LIKE = re.compile(r"(?:>|#{1,6}" + _END + r"|[-+*]" + _END + r"|-+[ \t]*" + _HARD_MARK
                         + r"?$|(?:_[ \t]*){3,}" + _HARD_MARK + r"?$)")
_ORDERED_LIKE = re.compile(r"\d{1,9}(?=[.)]" + _END + r")")
_LINE_PREFIX = re.compile(r"(?:[ \t]*" + _LI + r"(?:[-*+]|\d+[.)])[ \t]*)*[ \t]*")


def escape_block_starts(text: str) -> str:
    """Escape typed text at the start of a line (or of a list item written by the converter)
    that Markdown would read as a quote, heading, list item or rule: ``> 50`` -> ``\\> 50``,
    ``# 1`` -> ``\\# 1``, ``1. x`` -> ``1\\. x``, ``- x`` -> ``\\- x``. Removes the marks
    of converter-written list markers."""
    out: list[str] = []
    for line in text.split("\n"):
        m = _LINE_PREFIX.match(line)
        end = m.end() if m else 0
        head, rest = line[:end], line[end:]
        num = _ORDERED_LIKE.match(rest)
        if num:
            rest = rest[: num.end()] + "\\" + rest[num.end():]
        elif _BLOCK_LIKE.match(rest):
            rest = "\\" + rest
        out.append(head + rest)
    return "\n".join(out).replace(_LI, "")


def _escape_markdown(text: str) -> str:
    """Escape the characters in plain text that Markdown would read as formatting."""
    text = re.sub(r"\\(?=[!-/:-@\[-`{-~]|$)", r"\\\\", text)
    text = text.replace("`", "\\`")
    # '*' and '_' can open or close emphasis only next to a non-space character.
    text = re.sub(r"\*(?=\S)|(?<=\S)\*", r"\\*", text)
    text = re.sub(r"(?<![A-Za-z0-9])_(?=\S)|(?<=\S)_(?![A-Za-z0-9])", r"\\_", text)
    return text


_TAG_LIKE = re.compile(r"<(?=\s*/?\s*[A-Za-z!?])")
_MD_IMAGE = re.compile(r"!\[")


def neutralize(text: str) -> str:
    """Make Markdown text acceptable to the deck validator: ``<`` before a letter becomes
    ``&lt;`` (a space after ``<`` is not enough: ``< b`` still looks like a tag) and ``![``
    (a Markdown image) becomes ``!\\[``."""
    return _MD_IMAGE.sub(r"!\\[", _TAG_LIKE.sub("&lt;", text))


def _finish_markdown(text: str) -> str:
    text = tidy_text(text)
    # A hard break before a blank line, at the very end, or before a list item is not wanted.
    text = re.sub(_HARD_MARK + r"(?=\n\n|\n\s*(?:[-*+]|\d+[.)])\s|$)", "", text)
    return neutralize(tidy_text(text.replace(_HARD_MARK, "\\")))


_MAX_LIST_DEPTH = 8
_MAX_HTML = 50 * MAX_TEXT  # HTML longer than this is not converted at all
# A "<" with no ">" before the next "<" cannot start a tag: escaped first, because Python's
# HTMLParser rescans to the end for each one (quadratic on "<a<a<a...").
_LONE_LT = re.compile(r"<(?=[^<>]*(?:<|\Z))")


# One line of plain text that Markdown reads as it is (no markup, no block start, no double
# space, nothing to escape), alone or as one HTML paragraph: most questions and answers, which
# need not go through the HTML parser.
_SIMPLE_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9,.;:?'()%/=+-]*(?: [A-Za-z0-9,.;:?'()%/=+-]+)*")
_SIMPLE_PARAGRAPH = re.compile(r"<p>(" + _SIMPLE_PLAIN.pattern + r")</p>")


def html_to_markdown(fragment: str) -> tuple[str, list[str]]:
    """An HTML fragment -> (Markdown text, descriptions of dropped pictures and sounds)."""
    if len(fragment) > _MAX_HTML:  # far over any text limit: the caller reports it too long
        return fragment, []
    if _SIMPLE_PLAIN.fullmatch(fragment):
        return fragment, []  # what the parser gives for it, much faster (property-tested)
    simple = _SIMPLE_PARAGRAPH.fullmatch(fragment)
    if simple:
        return simple.group(1), []
    parser = _HtmlToMarkdown()
    parser.feed(_LONE_LT.sub("&lt;", fragment))
    text = escape_block_starts(parser.result())
    return _finish_markdown(text), parser.media


def plain_to_markdown(text: str) -> str:
    """Plain text (line breaks meant as shown) -> Markdown."""
    md, _ = html_to_markdown(html.escape(text, quote=False).replace("\n", "<br>"))
    return md


_SOUND = re.compile(r"\[sound:([^\]\[\n]*)\]")  # no "[" inside: linear on "[sound:" * n


def _field_to_markdown(raw: str, is_html: bool) -> tuple[str, list[str]]:
    media = [f"sound '{m}'" for m in _SOUND.findall(raw)]
    raw = _SOUND.sub("", raw)
    if is_html:
        md, dropped = html_to_markdown(raw)
        return md, media + dropped
    return plain_to_markdown(raw), media


def split_objective(text: str) -> tuple[str | None, str | None]:
    """``"teaching\\n\\n**Learning objective:** goal"`` -> ``("teaching", "goal")``."""
    idx = text.rfind(OBJECTIVE_LABEL)
    if idx == -1 or (idx > 0 and not text[:idx].endswith("\n")):
        return (text or None), None
    objective = text[idx + len(OBJECTIVE_LABEL):].strip()
    rest = text[:idx].strip()
    return (rest or None), (objective or None)


# --------------------------------------------------------------------------- Markdown -> HTML

_ENTITY = re.compile(r"&(#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
_MD_ESCAPABLE = "\\`*_{}[]()#+-.!|~<>\"'&$%:;,=?@^"


def _md_inline(text: str) -> str:
    """Inline Markdown (emphasis, code, links, escapes) -> HTML."""
    keep: list[str] = []

    def stash(s: str) -> str:
        keep.append(s)
        return f"\ue000{len(keep) - 1}\ue001"

    text = re.sub(r"\\([" + re.escape(_MD_ESCAPABLE) + r"])",
                  lambda m: stash(html.escape(m.group(1), quote=False)), text)
    text = re.sub(r"(`+)(.+?)\1", lambda m: stash(f"<code>{html.escape(m.group(2))}</code>"),
                  text)
    text = _ENTITY.sub(lambda m: stash(m.group(0)), text)
    text = html.escape(text, quote=False)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)",
                  lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', text)
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![A-Za-z0-9])__(?=\S)(.+?)(?<=\S)__(?![A-Za-z0-9])", r"<b>\1</b>", text)
    text = re.sub(r"\*(?=\S)(.+?)(?<=\S)\*", r"<i>\1</i>", text)
    text = re.sub(r"(?<![A-Za-z0-9])_(?=\S)(.+?)(?<=\S)_(?![A-Za-z0-9])", r"<i>\1</i>", text)
    text = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"<s>\1</s>", text)
    while "\ue000" in text:
        text = re.sub(r"\ue000(\d+)\ue001", lambda m: keep[int(m.group(1))], text)
    return text


_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _table_cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def _md_table(lines: list[str]) -> str:
    head = "".join(f"<th>{_md_inline(c)}</th>" for c in _table_cells(lines[0]))
    body = "".join("<tr>" + "".join(f"<td>{_md_inline(c)}</td>" for c in _table_cells(row))
                   + "</tr>" for row in lines[2:])
    return f"<table><tr>{head}</tr>{body}</table>"


def _md_block(para: str) -> str:
    lines = para.split("\n")
    if len(lines) >= 2 and "|" in lines[0] and _TABLE_SEP.match(lines[1]):
        return _md_table(lines)
    parts: list[str] = []
    stack: list[tuple[int, str]] = []  # open lists: (indent, "ul" or "ol")
    prev_hard = False
    for line in lines:
        hard = line.endswith("\\") and not line.endswith("\\\\")
        body = line[:-1] if hard else line
        m = _LIST_ITEM.match(body)
        if m:
            indent = len(m.group(1))
            tag = "ol" if m.group(2)[0].isdigit() else "ul"
            while stack and (stack[-1][0] > indent or
                             (stack[-1][0] == indent and stack[-1][1] != tag)):
                parts.append(f"</li></{stack.pop()[1]}>")
            if stack and stack[-1][0] == indent:
                parts.append("</li><li>")
            else:
                parts.append(f"<{tag}><li>")
                stack.append((indent, tag))
            parts.append(_md_inline(body[m.end():].strip()))
        else:
            if parts:
                parts.append("<br>" if prev_hard else " ")
            parts.append(_md_inline(body.strip()))
        prev_hard = hard
    while stack:
        parts.append(f"</li></{stack.pop()[1]}>")
    return "".join(parts)


def markdown_to_html(md: str) -> str:
    """Deck Markdown -> the simple HTML Anki shows: paragraphs are separated by ``<br><br>``,
    hard line breaks become ``<br>``, soft ones a space; lists and pipe tables become HTML
    lists and tables; ``**bold**``, ``*italic*``, ``~~struck~~``, `` `code` `` and links."""
    return "<br><br>".join(_md_block(p) for p in re.split(r"\n[ \t]*\n", tidy_text(md)))


# --------------------------------------------------------------------------- imported items


@dataclass
class _Item:
    """One converted item, before it is checked: where it came from and what it is."""

    line: int
    what: str  # e.g. "note" or "question 'q1'"
    data: dict[str, Any]
    id_base: str


@dataclass
class _Parsed:
    kind: Format
    items: list[_Item] = field(default_factory=list)
    skipped: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # key -> citation, from a column
    format_name: str | None = None  # what the file is, when FORMAT_NAMES[kind] would mislead
    unit: str | None = None  # what one converted thing is called in messages ("row")


def _too_long(text: str) -> bool:
    return len(text) > MAX_TEXT


def _clean_tags(raw: list[str], file: str, line: int, warnings: list[Message]) -> list[str]:
    out: list[str] = []
    for t in raw:
        t = t.strip()
        if not t:
            continue
        if len(t) > MAX_TAG:
            warnings.append(Message(file, line, f"tag '{t[:30]}...' dropped: tags are at most "
                                    f"{MAX_TAG} characters", warning=True))
            continue
        if t not in out:
            out.append(t)
    return out


def graded_question(out: _Parsed, file: str, line: int, what: str, stem: str,
                    options: list[dict[str, Any]], weights: list[float], single: bool,
                    skip: Callable[[str], None], *, full: str, kind: str,
                    grade: str) -> dict[str, Any] | None:
    """Options graded in percent, as GIFT and Moodle grade them -> a ``single`` item (exactly
    one option at 100%; partial credit is dropped with a warning) or a ``multi`` item (every
    option with a positive grade is right), or None after ``skip(reason)``. ``full``, ``kind``
    and ``grade`` word the messages in the source format's own terms."""
    if len(options) < 2:
        skip("a question needs at least 2 options")
        return None
    if len(options) > MAX_OPTIONS:
        skip(f"it has {len(options)} options; a quizapp question has at most {MAX_OPTIONS}")
        return None
    if single:
        right = [k for k, w in enumerate(weights) if w >= 100]
        partial = [k for k, w in enumerate(weights) if 0 < w < 100]
        if len(right) != 1:
            skip(f"no answer is marked {full}" if not right else
                 f"several answers are marked {full} in a {kind} question; quizapp's "
                 "single-best-answer question has exactly one")
            return None
        if partial:
            out.warnings.append(Message(
                file, line, f"{what}: partial credit for option"
                f"{'s' if len(partial) > 1 else ''} {', '.join(LETTERS[k] for k in partial)} "
                "dropped (marked wrong)", warning=True))
        return {"type": "single", "stem": stem, "options": options, "answer": LETTERS[right[0]]}
    correct = [k for k, w in enumerate(weights) if w > 0]
    if not correct:
        skip(f"no answer has a positive {grade}, so none is correct")
        return None
    return {"type": "multi", "stem": stem, "options": options,
            "answers": FlowList(LETTERS[k] for k in correct)}


def add_teaching(data: dict[str, Any], explanation: str | None, objective: str | None) -> str:
    """Set the item's explanation and objective; return the reason to skip it when one of its
    texts is over the loader's limit, else ``""``."""
    if explanation:
        data["explanation"] = explanation
    if objective:
        data["objective"] = objective
    texts = [data["stem"], explanation or "", objective or ""] + [
        t for o in data["options"] for t in (o["text"], o.get("explanation", ""))]
    longest = max(texts, key=len)
    if _too_long(longest):
        return f"a text is too long ({len(longest):,} characters; the limit is {MAX_TEXT:,})"
    return ""


# --------------------------------------------------------------------------- Anki

_SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "space": " ", "pipe": "|",
               "colon": ":"}
_SNIFF = ("\t", ";", ",")
_FRONT_NAMES = {"front", "text", "question", "prompt", "term", "q", "word"}
_BACK_NAMES = {"back", "answer", "definition", "a", "meaning"}
_EXTRA_NAMES = {"back extra", "extra", "explanation", "notes", "note", "comments"}
_TAG_NAMES = {"tags", "tag"}
_SOURCE_NAMES = {"source", "sources", "reference", "references", "citation"}
_REVERSE_NAMES = {"add reverse", "reverse", "reversed", "reversible"}
_GUID_NAMES = {"guid", "note id", "id"}
_NOTETYPE_NAMES = {"notetype", "note type"}
_DECK_NAMES = {"deck"}
_KNOWN_COLUMNS = (_FRONT_NAMES | _BACK_NAMES | _EXTRA_NAMES | _TAG_NAMES | _SOURCE_NAMES
                  | _REVERSE_NAMES | _GUID_NAMES | _NOTETYPE_NAMES | _DECK_NAMES)
_KNOWN_LIST = ("Front (or Question, Term), Back (or Answer, Definition), Extra (or Explanation, "
               "Notes), Tags, Source, Add Reverse, GUID, Notetype, Deck")
_FALSE_WORDS = {"0", "n", "no", "false", "off"}
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
_CLOZE_OPEN = re.compile(r"\{\{c\d+::")
_HR = re.compile(r"<hr\b[^>]*>", re.I)
_BOLD = "\ue010"  # marks the answer of a cloze on the back until it is written as **bold**
_HTML_HINT = re.compile(r"<[A-Za-z/!][^>]*>|&[A-Za-z]+;|&#[xX]?[0-9A-Fa-f]+;")


@dataclass
class _AnkiMeta:
    sep: str | None = None
    is_html: bool | None = None
    columns_raw: str | None = None
    columns_line: int = 0
    tags: list[str] = field(default_factory=list)
    deck: str | None = None
    notetype: str | None = None
    tags_col: int = 0
    guid_col: int = 0
    notetype_col: int = 0
    deck_col: int = 0
    body_line: int = 1  # 1-based line where the notes start
    body_offset: int = 0


def _anki_header(text: str, file: str, warnings: list[Message]) -> _AnkiMeta:
    meta = _AnkiMeta()
    pos, line = 0, 1
    first = True
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        raw = text[pos:end]
        if first and raw.startswith("tags:"):
            meta.tags = raw[5:].split()
        elif raw.startswith("#"):
            key, sep, value = raw[1:].partition(":")
            if sep:
                _anki_meta_value(meta, key.strip().lower(), value, file, line, warnings)
        else:
            break
        first = False
        pos, line = end + 1, line + 1
    meta.body_line, meta.body_offset = line, min(pos, len(text))
    return meta


def _anki_meta_value(meta: _AnkiMeta, key: str, value: str, file: str, line: int,
                     warnings: list[Message]) -> None:
    v = value.strip()
    if key == "separator":
        sep = _SEPARATORS.get(v.lower()) or (value if len(value) == 1 and value in
                                              _SEPARATORS.values() else None)
        if sep is None:
            warnings.append(Message(file, line, f"unknown separator {v!r} ignored (expected "
                                    "tab, comma, semicolon, pipe, colon or space)", warning=True))
        meta.sep = sep or meta.sep
    elif key == "html":
        if v.lower() in ("true", "false"):
            meta.is_html = v.lower() == "true"
        else:
            warnings.append(Message(file, line, f"#html:{v} ignored (expected true or false)",
                                    warning=True))
    elif key == "tags":
        meta.tags = v.split()
    elif key == "columns":
        meta.columns_raw = value
        meta.columns_line = line
    elif key == "deck":
        meta.deck = v or None
    elif key == "notetype":
        meta.notetype = v or None
    elif key in ("tags column", "guid column", "notetype column", "deck column"):
        try:
            n = int(v)
            if n < 1:
                raise ValueError
        except ValueError:
            warnings.append(Message(file, line, f"#{key}:{v} ignored (expected a column number "
                                    "1, 2, 3 ...)", warning=True))
            return
        setattr(meta, key.replace(" column", "_col"), n)


@dataclass
class _Record:
    line: int
    fields: list[str]
    error: str | None = None


def csv_records(text: str, sep: str, first_line: int = 1) -> Iterator[_Record]:
    """Records of Anki-style delimited text: fields in double quotes may hold the separator,
    newlines and ``""`` for a quote; blank lines are skipped; a line starting with ``#`` is a
    comment (yielded with ``fields == []`` so the caller can mention it)."""
    stop = re.compile("[" + re.escape(sep) + "\n]")
    i, n, line = 0, len(text), first_line
    while i < n:
        c = text[i]
        if c == "\n":
            i += 1
            line += 1
            continue
        if c == "#":
            j = text.find("\n", i)
            yield _Record(line, [], None)
            if j == -1:
                return
            i, line = j + 1, line + 1
            continue
        start_line = line
        fields: list[str] = []
        while True:
            if i < n and text[i] == '"':
                parts: list[str] = []
                i += 1
                closed = False
                while True:
                    j = text.find('"', i)
                    if j == -1:
                        parts.append(text[i:])
                        line += text.count("\n", i)
                        i = n
                        break
                    parts.append(text[i:j])
                    line += text.count("\n", i, j)
                    if j + 1 < n and text[j + 1] == '"':
                        parts.append('"')
                        i = j + 2
                        continue
                    i = j + 1
                    closed = True
                    break
                if not closed:
                    yield _Record(start_line, fields, "a quoted field is never closed (a \" "
                                  "is missing); the rest of the file was not read")
                    return
                m = stop.search(text, i)
                k = n if m is None else m.start()
                parts.append(text[i:k])  # text after the closing quote is kept, as Anki does
                i = k
                fields.append("".join(parts))
            else:
                m = stop.search(text, i)
                k = n if m is None else m.start()
                fields.append(text[i:k])
                i = k
            if i < n and text[i] == sep:
                i += 1
                if i >= n:
                    fields.append("")
                continue
            if i < n:  # newline
                i += 1
                line += 1
            break
        yield _Record(start_line, fields, None)


def _sniff_separator(body: str, first_line: int) -> str | None:
    best: tuple[float, float, int] | None = None
    choice: str | None = None
    for rank, sep in enumerate(_SNIFF):
        counts: list[int] = []
        for rec in csv_records(body, sep, first_line):
            if rec.error:
                break
            if rec.fields:
                counts.append(len(rec.fields))
            if len(counts) >= 50:
                break
        if not counts:
            continue
        multi = sum(1 for c in counts if c >= 2)
        if not multi:
            continue
        mode_freq = Counter(c for c in counts if c >= 2).most_common(1)[0][1]
        score = (multi / len(counts), mode_freq / len(counts), -rank)
        if best is None or score > best:
            best, choice = score, sep
    return choice


def _pick(names: list[str], wanted: set[str], exclude: set[int]) -> int:
    for i, name in enumerate(names, start=1):
        if i not in exclude and name.strip().lower() in wanted:
            return i
    return 0


@dataclass
class _Note:
    """The fields of one Anki note as they are in the file (HTML or plain text)."""

    line: int
    front: str
    back: str = ""
    extra: str = ""
    tags: list[str] = field(default_factory=list)
    guid: str = ""
    notetype: str = ""
    source: str = ""
    add_reverse: str | None = None  # the "Add Reverse" field, when the file has one


def _optional_reverse(notetype: str) -> bool:
    nt = notetype.lower()
    return "revers" in nt and "optional" in nt


def parse_anki(text: str, file: str) -> _Parsed:
    """Anki notes in plain text -> flashcards."""
    out = _Parsed("anki")
    meta = _anki_header(text, file, out.warnings)
    body = text[meta.body_offset:]
    if not body.strip():
        raise ConvertError([Message(file, meta.body_line, "no notes found after the header "
                                    "lines; there is nothing to import")])
    sep = meta.sep
    if sep is None:
        sep = _sniff_separator(body, meta.body_line)
        if sep is None:
            raise ConvertError([Message(
                file, meta.body_line, "cannot find the field separator: no line has a tab, "
                "semicolon or comma between a front and a back; add a first line such as "
                "#separator:tab")])
    names: list[str] = []
    names_line = meta.columns_line
    if meta.columns_raw is not None:
        first = next(csv_records(meta.columns_raw, sep), None)
        names = first.fields if first else []
    records = csv_records(body, sep, meta.body_line)
    is_html = meta.is_html
    pending: list[_Record] = []
    header_row = ""  # how a first row of column names was recognised: "named" or "loose"
    for rec in records:
        if rec.fields and not names and not pending:
            if _looks_like_header(rec.fields):
                header_row = "named"
            elif _loose_header(rec.fields) and (meta.body_offset == 0 or isinstance(
                    _mcq_columns(rec.fields), _McqColumns)):
                # (with Anki header lines, only the names of a complete question bank)
                header_row = "loose"
            if header_row:
                names, names_line = rec.fields, rec.line
                continue
        pending.append(rec)
    if is_html is None:
        is_html = any(_HTML_HINT.search(f) for r in pending[:200] for f in r.fields)
    shown = ", ".join(f.strip() for f in names if f.strip())
    if names:
        layout = _mcq_columns(names)
        if isinstance(layout, str) or (layout is None and header_row == "loose"):
            reason = layout if isinstance(layout, str) else _unknown_header_reason(names)
            where = "first line" if header_row else "#columns: line"
            raise ConvertError([Message(file, names_line or meta.body_line,
                                        f"cannot import: the {where} names the columns {shown}, "
                                        f"but {reason}; {_LAYOUT_HELP}")])
        if layout is not None:
            if header_row:
                out.warnings.append(Message(file, names_line, "first line read as the column "
                                            f"names of multiple-choice questions ({shown}), "
                                            "not as a question", warning=True))
            _parse_mcq(out, file, layout, names, names_line or meta.body_line, pending,
                       is_html, sep, meta)
            return out
        if header_row:
            out.warnings.append(Message(file, names_line, f"first line read as column names "
                                        f"({shown}), not as a card", warning=True))
    elif meta.body_offset == 0:  # a plain CSV or TSV file, not an Anki export
        found = _headerless_mcq(pending)
        if found is not None:
            c, example = found
            raise ConvertError([Message(
                file, meta.body_line, f"cannot import: these look like multiple-choice "
                f"questions (column {c} holds answer letters such as '{example}'), but there is "
                "no first line naming the columns, so quizapp cannot tell which column is "
                f"which; add one. {_LAYOUT_HELP[0].upper()}{_LAYOUT_HELP[1:]}")])
    # Anki's own exports separate tags with spaces (a tag may hold a comma); other CSV files
    # often use commas.
    split_tags = str.split if meta.body_offset else _split_tags
    meta_cols = {c for c in (meta.tags_col, meta.guid_col, meta.notetype_col, meta.deck_col)
                 if c}
    # Columns named GUID, Notetype or Deck work like the #... column: header lines.
    for attr, wanted in (("guid_col", _GUID_NAMES), ("notetype_col", _NOTETYPE_NAMES),
                         ("deck_col", _DECK_NAMES)):
        if not getattr(meta, attr):
            c = _pick(names, wanted, meta_cols)
            if c:
                setattr(meta, attr, c)
                meta_cols.add(c)
    ncols = len(names) or max((len(r.fields) for r in pending if r.fields), default=0)
    tags_col = meta.tags_col or _pick(names, _TAG_NAMES, meta_cols)
    if tags_col:
        meta_cols.add(tags_col)
    source_col = _pick(names, _SOURCE_NAMES, meta_cols)
    reverse_col = _pick(names, _REVERSE_NAMES, meta_cols | {source_col})
    named = {c for c in (source_col, reverse_col) if c}
    regular = [c for c in range(1, ncols + 1) if c not in meta_cols | named]
    front_col = _pick(names, _FRONT_NAMES, meta_cols | named) or (regular[0] if regular else 1)
    back_col = _pick(names, _BACK_NAMES, meta_cols | named | {front_col})
    if not back_col:
        rest = [c for c in regular if c != front_col]
        back_col = rest[0] if rest else 0
    extra_col = _pick(names, _EXTRA_NAMES, meta_cols | named | {front_col, back_col})
    used = {front_col, back_col, extra_col}
    # A "Basic (optional reversed card)" note has the fields Front, Back and Add Reverse.
    implied_reverse = 0
    if not reverse_col and (_optional_reverse(meta.notetype or "") or (meta.notetype_col and any(
            _optional_reverse(r.fields[meta.notetype_col - 1]) for r in pending
            if len(r.fields) >= meta.notetype_col))):
        spare = [c for c in regular if c not in used and c != tags_col]
        implied_reverse = spare[0] if spare else 0
    if not tags_col and not names:
        # Like Anki: with no tags column named, a regular column after the fields holds tags.
        after = [c for c in regular if c not in used | {implied_reverse}
                 and c > max(front_col, back_col)]
        if after:
            tags_col = after[0]
    ignored = [c for c in regular if c not in used | {tags_col, implied_reverse}]
    unknown = [c for c in ignored if c <= len(names) and names[c - 1].strip()
               and names[c - 1].strip().lower() not in _KNOWN_COLUMNS]
    if unknown:
        out.warnings.append(Message(
            file, names_line or meta.body_line, "column" + ("s " if len(unknown) > 1 else " ") +
            ", ".join(f"{c} '{names[c - 1].strip()}'" for c in unknown) + " not imported: "
            "quizapp does not know " + ("these column names" if len(unknown) > 1 else
                                        "this column name") + f" (it knows {_KNOWN_LIST})",
            warning=True))
    ignored = [c for c in ignored if c not in unknown]
    if ignored and pending:
        out.warnings.append(Message(
            file, pending[0].line, "column" + ("s " if len(ignored) > 1 else " ") +
            ", ".join(map(str, ignored)) + " not imported (a flashcard has a front and a back; "
            "name the columns with #columns:Front<TAB>Back<TAB>Tags to choose them; for "
            "multiple-choice questions the first line must name the columns: "
            "Question,A,B,C,D,Answer,... as in the import section of decks/README.md)",
            warning=True))
    out.tags = _clean_tags(meta.tags, file, 1, out.warnings)
    decks: Counter[str] = Counter()
    for rec in pending:
        if rec.error:
            out.skipped.append(Message(file, rec.line, f"cannot convert note: {rec.error}"))
            continue
        if not rec.fields:
            out.warnings.append(Message(file, rec.line, "line starts with '#' and is skipped "
                                        "as a comment, as Anki does (quote the field to import "
                                        "it)", warning=True))
            continue

        def col(c: int, fields: list[str] = rec.fields) -> str:
            return fields[c - 1] if 0 < c <= len(fields) else ""

        if meta.deck_col and col(meta.deck_col).strip():
            decks[col(meta.deck_col).strip()] += 1
        notetype = (col(meta.notetype_col) if meta.notetype_col else meta.notetype) or ""
        add_reverse: str | None = None
        if reverse_col:
            add_reverse = col(reverse_col)
        elif implied_reverse and _optional_reverse(notetype):
            add_reverse = col(implied_reverse)
        note = _Note(rec.line, col(front_col), col(back_col) if back_col else "",
                     col(extra_col) if extra_col else "",
                     split_tags(col(tags_col)) if tags_col else [],
                     col(meta.guid_col).strip() if meta.guid_col else "", notetype,
                     col(source_col) if source_col else "", add_reverse)
        _anki_note(out, file, note, is_html)
    deck_name = meta.deck or (decks.most_common(1)[0][0] if len(decks) == 1 else None)
    if deck_name:
        out.title = deck_name.split("::")[-1].strip() or None
    return out


def _looks_like_header(fields: list[str]) -> bool:
    """Whether a first row names the columns (``Question,Answer,Explanation,Source``): it names
    a front column, and a back column too unless every name is a known one."""
    names = [f.strip().lower() for f in fields]
    if len(names) < 2 or not any(n in _FRONT_NAMES for n in names):
        return False
    if all(n in _KNOWN_COLUMNS for n in names):
        return True
    return (any(n in _BACK_NAMES for n in names)
            and all(n and len(n) <= 40 and "\n" not in n and not _HTML_HINT.search(n)
                    for n in names))


def _truthy(value: str | None) -> bool:
    """An "Add Reverse" field: any text but 0, n, no, false or off (Anki: any text at all)."""
    if value is None:
        return False
    v = html.unescape(re.sub(r"<[^>]*>", "", value)).strip().lower()
    return bool(v) and v not in _FALSE_WORDS


def _plain_text(raw: str, is_html: bool) -> str:
    if is_html:
        raw = html.unescape(re.sub(r"<[^>]*>", " ", raw))
    return " ".join(raw.split())


def _source_key(out: _Parsed, file: str, line: int, raw: str, is_html: bool) -> str | None:
    """The key of the deck source for the text of a Source column (declared on first use)."""
    citation = _plain_text(raw, is_html)
    if not citation:
        return None
    for key, known in out.sources.items():
        if known == citation:
            return key
    if len(citation) > 2000:
        out.warnings.append(Message(file, line, f"source dropped: it is too long "
                                    f"({len(citation):,} characters; at most 2,000)",
                                    warning=True))
        return None
    base = slugify(citation, 40) or "source"
    key, n = base, 1
    while key == SOURCE_KEY or key in out.sources:
        n += 1
        key = f"{base}-{n}"
    out.sources[key] = citation
    return key


_OCCLUSION = re.compile(r"image-occlusion:", re.I)


def _anki_note(out: _Parsed, file: str, note: _Note, is_html: bool) -> None:
    line = note.line
    tags = _clean_tags(note.tags, file, line, out.warnings)
    nt = note.notetype.lower()

    def skip(reason: str) -> None:
        out.skipped.append(Message(file, line, f"cannot convert note: {reason}"))

    if "occlusion" in nt or _OCCLUSION.search(note.front):
        skip("an Image Occlusion note (parts of a picture to uncover) has no text to ask; "
             "quizapp does not import Anki pictures")
        return
    if "cloze" in nt or _CLOZE_OPEN.search(note.front):  # linear, unlike _CLOZE on "{{c1::"*n
        _anki_cloze(out, file, note, tags, is_html)
        return
    media: list[str] = []
    front, m1 = _field_to_markdown(note.front, is_html)
    back_part, expl_part, sep = note.back, "", False
    if is_html and _HR.search(note.back):
        back_part, expl_part = _HR.split(note.back, 1)
        sep = True
    back, m2 = _field_to_markdown(back_part, is_html)
    media += m1 + m2
    explanation: str | None = None
    objective: str | None = None
    if sep or note.extra.strip():
        e1, m3 = _field_to_markdown(expl_part, is_html) if sep else ("", [])
        e2, m4 = _field_to_markdown(note.extra, is_html) if note.extra.strip() else ("", [])
        media += m3 + m4
        explanation, objective = split_objective("\n\n".join(x for x in (e1, e2) if x))
    if media:
        out.warnings.append(Message(file, line, f"{', '.join(media)} dropped: quizapp does not "
                                    "import Anki media (copy a picture beside the deck and set "
                                    "the item's image field)", warning=True))
    if not front:
        skip("the front has no text" + (" (only media)" if m1 else ""))
        return
    if not back:
        skip("the back has no text (only media)" if m2 else
             "the back is empty (a flashcard needs a front and a back)")
        return
    for name, value in (("front", front), ("back", back), ("explanation", explanation or "")):
        if _too_long(value):
            skip(f"the {name} is too long ({len(value):,} characters; the limit is "
                 f"{MAX_TEXT:,})")
            return
    data: dict[str, Any] = {"type": "flashcard", "front": front, "back": back}
    if ("revers" in nt and "optional" not in nt) or _truthy(note.add_reverse):
        data["reversible"] = True
    if explanation:
        data["explanation"] = explanation
    if objective:
        data["objective"] = objective
    if tags:
        data["tags"] = FlowList(tags)
    source = _source_key(out, file, line, note.source, is_html)
    if source:
        data["source"] = source
    base = "anki-" + short_hash(note.guid if note.guid else front)
    out.items.append(_Item(line, "note", data, base))


_CLOZE_TOKEN = re.compile(r"\{\{c\d+::|\}\}")


def _cloze_problems(text: str) -> tuple[str | None, bool]:
    """(What makes the cloze deletions of a note unusable: nested or unclosed, or None;
    whether a ``}}`` is left over after a deletion, as when MathJax braces end it early)."""
    stack: list[bool] = []  # per open deletion: whether a deletion closed inside it
    nested = stray = False
    closed = 0
    for m in _CLOZE_TOKEN.finditer(text):
        if m.group() != "}}":
            stack.append(False)
        elif stack:
            inner = stack.pop()
            nested = nested or inner
            closed += 1
            if stack:
                stack[-1] = True
        elif closed:  # a "}}" with no deletion open is text, as in Anki
            stray = True
    if nested:
        return ("nested clozes ({{c1::... {{c2::...}} ...}}) are not supported; un-nest them "
                "in Anki first"), stray
    if stack:
        return "a cloze deletion {{c...:: is never closed with }}", stray
    return None, stray


def _anki_cloze(out: _Parsed, file: str, note: _Note, tags: list[str], is_html: bool) -> None:
    line, text_raw = note.line, note.front
    extra_raw = note.back or note.extra
    problem, stray = _cloze_problems(text_raw)
    if problem:
        out.skipped.append(Message(file, line, f"cannot convert note: {problem}"))
        return
    if stray:
        out.warnings.append(Message(file, line, "a '}}' is left over after a cloze deletion, "
                                    "which may have ended early (braces such as {2^{n}} inside "
                                    "a cloze need a space: {2^{n} }); check this card",
                                    warning=True))
    numbers = sorted({int(m.group(1)) for m in _CLOZE.finditer(text_raw)})
    if not numbers:
        out.skipped.append(Message(file, line, "cannot convert note: a Cloze note with no "
                                   "{{c1::...}} deletion"))
        return
    explanation, m_extra = (_field_to_markdown(extra_raw, is_html) if extra_raw.strip()
                            else ("", []))
    media = list(m_extra)
    whole, m_text = _field_to_markdown(_CLOZE.sub(lambda m: m.group(2), text_raw), is_html)
    media += m_text
    if media:
        out.warnings.append(Message(file, line, f"{', '.join(media)} dropped: quizapp does not "
                                    "import Anki media", warning=True))
    base_hash = short_hash(note.guid if note.guid else whole)
    for n in numbers:
        def hide(m: re.Match[str], n: int = n) -> str:
            if int(m.group(1)) != n:
                return m.group(2)
            return f"[{m.group(3)}]" if m.group(3) else "[...]"

        def show(m: re.Match[str], n: int = n) -> str:
            if int(m.group(1)) != n:
                return m.group(2)
            return f"{_BOLD}{m.group(2).strip()}{_BOLD}"

        answer, answer_media = _field_to_markdown(" ".join(
            m.group(2) for m in _CLOZE.finditer(text_raw) if int(m.group(1)) == n), is_html)
        if not answer:
            out.skipped.append(Message(file, line, f"cannot convert cloze c{n}: the hidden "
                                       "part is " + ("only media (quizapp does not import Anki "
                                                     "media)" if answer_media else "empty")))
            continue
        front, _ = _field_to_markdown(_CLOZE.sub(hide, text_raw), is_html)
        back, _ = _field_to_markdown(_CLOZE.sub(show, text_raw), is_html)
        back = back.replace(_BOLD, "**")
        if not front or not back or _too_long(front) or _too_long(back):
            out.skipped.append(Message(file, line, f"cannot convert cloze c{n}: its text is "
                                       "empty or too long"))
            continue
        data: dict[str, Any] = {"type": "flashcard", "front": front, "back": back}
        if explanation and not _too_long(explanation):
            data["explanation"] = explanation
        if tags:
            data["tags"] = FlowList(tags)
        source = _source_key(out, file, line, note.source, is_html)
        if source:
            data["source"] = source
        out.items.append(_Item(line, f"cloze c{n}", data, f"anki-{base_hash}-c{n}"))


# --------------------------------------------------------------------------- CSV questions

_LAYOUT_HELP = ("for flashcards use Front,Back[,Extra,Tags]; for multiple-choice questions use "
                "Question,A,B,C,D,Answer[,Explanation,Tags] (see the import section of "
                "decks/README.md)")
_MCQ_FORMAT = "CSV multiple-choice questions"
# Column names of a question bank, after _col_norm (lower case, "_-.:#()" as spaces).
_STEM_COLS = {"stem", "question", "question stem", "question text", "questiontext",
              "questionstem", "prompt", "q", "text", "item stem", "vignette"}
_ANSWER_COLS = {"answer", "answers", "correct", "correct answer", "correct answers",
                "correctanswer", "correct option", "correct options", "correct choice",
                "correct choices", "correct letter", "correct response", "right answer", "key",
                "answer key", "answerkey"}
_EXPLANATION_COLS = {"explanation", "explanations", "feedback", "general feedback",
                     "generalfeedback", "overall feedback", "rationale", "answer explanation",
                     "answer rationale", "extra", "back extra", "notes", "note", "comment",
                     "comments", "discussion", "teaching point", "teaching points"}
_OBJECTIVE_COLS = {"objective", "objectives", "learning objective", "learning objectives",
                   "learning outcome", "lo"}
_TAG_COLS = {"tags", "tag", "keywords", "keyword", "topic", "topics", "category", "categories"}
_SOURCE_COLS = {"source", "sources", "reference", "references", "citation", "ref"}
_ID_COLS = {"id", "question id", "questionid", "item id", "qid", "guid", "note id",
            "identifier", "uid"}
_LABEL = r"([a-j]|[1-9]|10)"
_OPTION_PREFIX = r"(?:option|choice|opt|alternative|alt|answer option|answer choice|answer)"
_OPTION_COL = re.compile(r"^(?:" + _OPTION_PREFIX + r"\s?)?" + _LABEL + r"$")
_OPTION_BEYOND = re.compile(r"^" + _OPTION_PREFIX + r"\s(?:[k-z]|1[1-9]|2[0-6])$")
_FEEDBACK = r"(?:explanation|feedback|rationale|reason|comment|why)"
_OPTION_EXPL_COL = re.compile(
    r"^(?:" + _FEEDBACK + r"\s?(?:for\s)?(?:(?:option|choice|answer)\s?)?" + _LABEL
    + r"|(?:(?:option|choice|answer)\s?)?" + _LABEL + r"\s?" + _FEEDBACK + r")$")
_DISTRACTOR_COL = re.compile(r"^(?:distractor|distracter|wrong answer|wrong option|"
                             r"incorrect answer|incorrect option|wrong choice|incorrect choice)"
                             r"s?(?:\s?(?:[a-j]|[1-9]|10))?$")
_LETTER_ANSWER = re.compile(r"^\(?([A-Ja-j])\)?[.)]?$")
_NUMBER_ANSWER = re.compile(r"^\(?(\d{1,2})\)?[.)]?$")
_ANSWER_SPLIT = re.compile(r"(?:[\s,;/&+]|\band\b)+", re.I)
_KEY_CELL = re.compile(r"^\(?[A-Ja-j]\)?[.)]?(?:(?:\s*[,;/&+]\s*|\s+)\(?[A-Ja-j]\)?[.)]?)*$")
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", ":": "colon",
              " ": "space"}


def _col_norm(name: str) -> str:
    """``"Option_A"`` -> ``"option a"``, ``"Rationale1"`` -> ``"rationale 1"``."""
    n = re.sub(r"[\s_\-.:#()\[\]/]+", " ", name.strip().lower()).strip()
    return re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", n)


def _label_index(label: str) -> int:
    """``"a"`` or ``"1"`` -> 0, ``"j"`` or ``"10"`` -> 9."""
    return int(label) - 1 if label.isdigit() else ord(label) - ord("a")


def _mcq_role(name: str) -> tuple[str, int]:
    """What a column of a question bank holds: (role, option index or -1); role ``""`` when the
    name is not known. Roles: stem, answer, explanation, objective, tags, source, id, option,
    option-explanation, distractor, beyond (an option past J)."""
    n = _col_norm(name)
    for role, names in (("stem", _STEM_COLS), ("answer", _ANSWER_COLS),
                        ("explanation", _EXPLANATION_COLS), ("objective", _OBJECTIVE_COLS),
                        ("tags", _TAG_COLS), ("source", _SOURCE_COLS), ("id", _ID_COLS)):
        if n in names:
            return role, -1
    m = _OPTION_COL.match(n)
    if m:
        return "option", _label_index(m.group(1))
    if _OPTION_BEYOND.match(n):
        return "beyond", -1
    m = _OPTION_EXPL_COL.match(n)
    if m:
        return "option-explanation", _label_index(m.group(1) or m.group(2))
    if _DISTRACTOR_COL.match(n):
        return "distractor", -1
    return "", -1


@dataclass
class _McqColumns:
    """Where the parts of a multiple-choice question are in each row (1-based columns)."""

    stem: int
    answer: int
    options: dict[int, int] = field(default_factory=dict)  # option index (0 = A) -> column
    distractors: list[int] = field(default_factory=list)  # the answer column holds the text
    option_explanations: dict[int, int] = field(default_factory=dict)
    explanations: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    objective: int = 0
    source: int = 0
    id: int = 0
    unused: list[int] = field(default_factory=list)  # named columns that are not imported


def _names_of(names: list[str], cols: list[int]) -> str:
    return ", ".join(names[c - 1].strip() or f"column {c}" for c in cols)


def _mcq_columns(names: list[str]) -> _McqColumns | str | None:
    """The layout of a question bank from its column names; None when the names do not name
    options (not a question bank); a reason (text) when they name options but the layout is
    unusable."""
    by_role: dict[str, list[tuple[int, int]]] = {}
    for c, name in enumerate(names, start=1):
        if name.strip():
            role, label = _mcq_role(name)
            by_role.setdefault(role, []).append((c, label))

    def cols(role: str) -> list[int]:
        return [c for c, _ in by_role.get(role, [])]

    options, distractors = by_role.get("option", []), cols("distractor")
    if len(options) + len(cols("beyond")) < 2 and not distractors:
        return None
    if cols("beyond"):
        return (f"{_names_of(names, cols('beyond'))} would be an option past J: a quizapp "
                f"question has at most {MAX_OPTIONS} options")
    if options and distractors:
        return (f"it mixes option columns ({_names_of(names, [c for c, _ in options])}) with "
                f"distractor columns ({_names_of(names, distractors)}); use one or the other")
    missing = []
    if not cols("stem"):
        missing.append("no question column (Question or Stem)")
    if not cols("answer"):
        missing.append("no answer column (Answer, Correct or Key)")
    if missing:
        return "it has " + " and ".join(missing)
    for role, what in (("stem", "question"), ("answer", "answer")):
        if len(cols(role)) > 1:
            return f"it has several {what} columns ({_names_of(names, cols(role))}): keep one"
    layout = _McqColumns(cols("stem")[0], cols("answer")[0], distractors=distractors,
                         explanations=cols("explanation"), tags=cols("tags"))
    for role, pairs in (("option", options), ("option-explanation",
                                                by_role.get("option-explanation", []))):
        seen: dict[int, list[int]] = {}
        for c, label in pairs:
            seen.setdefault(label, []).append(c)
        for label, same in seen.items():
            if len(same) > 1:
                what = "are all option" if role == "option" else "all explain option"
                return f"columns {_names_of(names, same)} {what} {LETTERS[label]}: keep one"
        target = layout.options if role == "option" else layout.option_explanations
        target.update({label: same[0] for label, same in seen.items()})
    for label in [k for k in layout.option_explanations if k not in layout.options]:
        layout.unused.append(layout.option_explanations.pop(label))
    for role in ("objective", "source", "id"):
        found = cols(role)
        if found:
            setattr(layout, role, found[0])
            layout.unused += found[1:]
    layout.unused += cols("")
    layout.unused.sort()
    return layout


def _column_like(name: str) -> bool:
    """Whether a cell reads like a column name: a few short words, no sentence punctuation."""
    n = name.strip()
    return (0 < len(n) <= 40 and len(n.split()) <= 4 and not _HTML_HINT.search(n)
            and re.fullmatch(r"[^\W\d_][\w'()./&+# -]*", n) is not None)


def _known_column(name: str) -> bool:
    return name.strip().lower() in _KNOWN_COLUMNS or _mcq_role(name)[0] not in ("", "beyond")


def _loose_header(fields: list[str]) -> bool:
    """Whether a first row names the columns although not all of its names are known: most
    cells are short column-like names (``stem``, ``A``, ``answer``...) and either two of them
    are names quizapp knows or the single letters among them run A, B, C... (a row of two
    letters such as ``a,b`` is data)."""
    filled = [f.strip() for f in fields if f.strip()]
    if len(filled) < 2 or len(filled) < len(fields) / 2:
        return False
    if sum(1 for f in filled if _column_like(f)) < 0.75 * len(filled):
        return False
    letters = [f.lower() for f in filled if len(f) == 1]
    in_order = bool(letters) and letters == [chr(ord("a") + k) for k in range(len(letters))]
    words = sum(1 for f in filled if len(f) > 1 and _known_column(f))
    return words >= 2 or (in_order and (len(letters) >= 3 or (words >= 1 and len(letters) >= 2)))


def _unknown_header_reason(names: list[str]) -> str:
    unknown = [n.strip() for n in names if n.strip() and n.strip().lower() not in _KNOWN_COLUMNS]
    if not unknown:
        return "they do not say which column is the front and which the back"
    return (f"quizapp does not know the column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}")


def _headerless_mcq(records: list[_Record]) -> tuple[int, str] | None:
    """(column, example) when rows without a line of column names look like multiple-choice
    questions: a column past the third holds only answer letters (A, B, ... or A, C) that
    refer to the columns between the first and it."""
    rows = [r.fields for r in records[:500] if r.fields and not r.error]
    if not rows:
        return None
    width = Counter(len(f) for f in rows).most_common(1)[0][0]
    for c in range(4, width + 1):
        values = [f[c - 1].strip() for f in rows if len(f) >= c and f[c - 1].strip()]
        if not values or len(values) < 0.9 * len(rows):
            continue
        if not all(_KEY_CELL.match(v) for v in values):
            continue
        letters = {ch.upper() for v in values for ch in re.findall(r"[A-Ja-j]", v)}
        if max(ord(ch) - ord("A") for ch in letters) >= c - 2:
            continue
        if len(values) >= 4 and len({v.upper() for v in values}) < 2:
            continue  # one letter in every row: more likely a category than an answer key
        return c, values[0]
    return None


def _split_tags(cell: str) -> list[str]:
    """A tags cell of a CSV file: ``"neuro, anatomy"`` -> ``["neuro", "anatomy"]`` (commas,
    semicolons and spaces separate tags; punctuation at either end of a tag is dropped)."""
    tags = (t.strip(",;:.!?\"'()[]{}") for t in re.split(r"[\s,;]+", cell))
    return [t for t in tags if t]


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _labels_text(labels: list[int]) -> str:
    """``[0, 1, 2, 3]`` -> ``"A-D"``, ``[0, 1, 3]`` -> ``"A, B, D"``."""
    if len(labels) > 2 and labels == list(range(labels[0], labels[-1] + 1)):
        return f"{LETTERS[labels[0]]}-{LETTERS[labels[-1]]}"
    return ", ".join(LETTERS[k] for k in labels)


def _resolve_answer(value: str, present: dict[int, str],
                    columns: set[int]) -> tuple[list[int], str | None]:
    """The options an answer cell names, as (option indexes as lettered in the file, None), or
    ([], reason). ``present``: index -> plain text of each non-empty option; ``columns``: every
    index that has a column, empty or not."""
    shown = value if len(value) <= 40 else value[:37] + "..."
    labels = sorted(present)
    readings: list[tuple[str, tuple[int, ...]]] = []  # (how the cell was read, options)
    errors: list[str] = []

    def check(k: int, token: str, kind: str) -> bool:
        if k in present:
            return True
        if k in columns:
            errors.append(f"the answer '{shown}' refers to option {LETTERS[k]}, which is empty")
        elif kind == "number":
            errors.append(f"the answer '{shown}' is not one of the options 1-{len(columns)} "
                          f"({_labels_text(labels)})")
        elif token == value:
            errors.append(f"the answer '{shown}' is not one of the options "
                          f"{_labels_text(labels)}")
        else:
            errors.append(f"the answer '{shown}' names {token}, which is not one of the options "
                          f"{_labels_text(labels)}")
        return False

    same = [k for k in labels if _same_text(present[k], value)]
    if len(same) > 1:
        return [], (f"the answer '{shown}' is the text of several options "
                    f"({_labels_text(same)}); write the letter of the right one")
    if same:
        readings.append(("the text of an option", (same[0],)))
    m = _LETTER_ANSWER.match(value)
    if m and check(ord(m.group(1).upper()) - ord("A"), value, "letter"):
        readings.append(("a letter", (ord(m.group(1).upper()) - ord("A"),)))
    m = _NUMBER_ANSWER.match(value)
    if m and check(int(m.group(1)) - 1, value, "number"):
        readings.append(("a number", (int(m.group(1)) - 1,)))
    tokens = [t for t in _ANSWER_SPLIT.split(value) if t]
    if len(tokens) >= 2 and all(_LETTER_ANSWER.match(t) or _NUMBER_ANSWER.match(t)
                                for t in tokens):
        picked: set[int] = set()
        ok = True
        for t in tokens:
            lm = _LETTER_ANSWER.match(t)
            nm = _NUMBER_ANSWER.match(t)
            k = (ord(lm.group(1).upper()) - ord("A") if lm
                 else int(nm.group(1)) - 1 if nm else -1)
            ok = check(k, t, "letter" if lm else "number") and ok
            picked.add(k)
        if ok:
            readings.append(("letters" if any(_LETTER_ANSWER.match(t) for t in tokens)
                             else "numbers", tuple(sorted(picked))))
    distinct = list(dict.fromkeys(opts for _, opts in readings))
    if len(distinct) == 1:
        return list(distinct[0]), None
    if len(distinct) > 1:
        means = "; ".join(f"as {how} it means option"
                          f"{'s' if len(opts) > 1 else ''} "
                          f"{', '.join(LETTERS[k] for k in opts)}" for how, opts in readings)
        return [], (f"the answer '{shown}' is ambiguous ({means}); write the letter of the "
                    "right option")
    if errors:
        return [], errors[0]
    return [], (f"the answer '{shown}' is neither an option letter ({_labels_text(labels)}), "
                f"an option number, several letters (A, C) nor the text of an option")


def _parse_mcq(out: _Parsed, file: str, layout: _McqColumns, names: list[str], names_line: int,
               records: list[_Record], is_html: bool, sep: str, meta: _AnkiMeta) -> None:
    """Rows of a question bank -> single and multi questions."""
    out.format_name, out.unit = _MCQ_FORMAT, "row"
    out.tags = _clean_tags(meta.tags, file, 1, out.warnings)
    if meta.deck:
        out.title = meta.deck.split("::")[-1].strip() or None
    unused = list(layout.unused)
    if unused:
        out.warnings.append(Message(
            file, names_line, "column" + ("s " if len(unused) > 1 else " ") + ", ".join(
                f"{c} '{names[c - 1].strip()}'" for c in unused) + " not imported: quizapp does "
            "not know " + ("these column names" if len(unused) > 1 else "this column name")
            + " (it knows Question, options A-J or Option 1-10, Answer, Explanation, "
            "Explanation A..., Objective, Tags, Source, ID)", warning=True))
    unnamed = sorted({c for r in records for c in range(1, min(len(names), len(r.fields)) + 1)
                      if not names[c - 1].strip() and r.fields[c - 1].strip()})
    if unnamed:
        out.warnings.append(Message(
            file, names_line, "column" + ("s " if len(unnamed) > 1 else " ")
            + ", ".join(map(str, unnamed)) + " not imported: the first line gives "
            + ("them" if len(unnamed) > 1 else "it") + " no name", warning=True))
    counts = Counter(len(r.fields) for r in records if r.fields and not r.error)
    usual = counts.most_common(1)[0][0] if counts else len(names)
    for rec in records:
        if rec.error:
            out.skipped.append(Message(file, rec.line, f"cannot convert row: {rec.error}"))
        elif not rec.fields:
            out.warnings.append(Message(file, rec.line, "line starts with '#' and is skipped "
                                        "as a comment (quote the field to import it)",
                                        warning=True))
        elif any(f.strip() for f in rec.fields):  # a row of empty cells is skipped silently
            _mcq_row(out, file, rec, layout, (len(names), usual), is_html, sep)


def _mcq_row(out: _Parsed, file: str, rec: _Record, layout: _McqColumns,
             widths: tuple[int, int], is_html: bool, sep: str) -> None:
    """One row of a question bank -> a question. ``widths``: how many columns the first line
    names, and how many fields most rows have."""
    line, fields = rec.line, rec.fields

    def skip(reason: str) -> None:
        out.skipped.append(Message(file, line, f"cannot convert row: {reason}"))

    def col(c: int) -> str:
        return fields[c - 1] if 0 < c <= len(fields) else ""

    ncols, usual = widths
    n = len(fields)
    sep_name = _SEP_NAMES.get(sep, repr(sep))
    # A row with more fields than the others (an unquoted separator in a field) has its
    # columns shifted: its answer column may hold another cell, so it is skipped rather than
    # read wrongly.
    if n > ncols and (any(f.strip() for f in fields[ncols:]) or n != usual):
        skip(f"it has {n} fields but the first line names {ncols} columns, so the columns may "
             f"be shifted (a field with a {sep_name} in it must be in double quotes)")
        return
    if layout.answer > n:  # (fewer fields are fine: trailing empty cells may be left out)
        skip(f"it has {n} field{'s' if n != 1 else ''} but the first line names {ncols} "
             "columns, so it has no answer column")
        return
    media: list[str] = []

    def md(c: int) -> str:
        text, dropped = _field_to_markdown(col(c), is_html) if c else ("", [])
        media.extend(dropped)
        return text

    stem = md(layout.stem)
    if not stem:
        skip("the question is empty" + (" (only media)" if media else ""))
        return
    answer = _plain_text(col(layout.answer), is_html)
    if not answer:
        skip("no answer given")
        return
    options: list[dict[str, Any]] = []
    right: list[int] = []
    if layout.distractors:
        for c in [layout.answer, *layout.distractors]:
            text = md(c)
            if text:
                options.append({"text": text})
        right = [0]
        if any(_same_text(o["text"], options[0]["text"]) for o in options[1:]):
            skip(f"the answer '{answer[:40]}' is also given as a distractor")
            return
    else:
        present: dict[int, str] = {}
        kept: list[int] = []
        for k in sorted(layout.options):
            text = md(layout.options[k])
            expl = md(layout.option_explanations.get(k, 0))
            if not text:
                if expl:
                    out.warnings.append(Message(file, line, f"the explanation of option "
                                                f"{LETTERS[k]} is dropped: option {LETTERS[k]} "
                                                "is empty", warning=True))
                continue
            present[k] = _plain_text(col(layout.options[k]), is_html)
            kept.append(k)
            options.append({"text": text, **({"explanation": expl} if expl else {})})
        if len(kept) < 2:
            skip(f"fewer than 2 options ({len(kept) or 'none'} filled in)")
            return
        chosen, problem = _resolve_answer(answer, present, set(layout.options))
        if problem:
            skip(problem)
            return
        right = [kept.index(k) for k in chosen]
    if len(options) < 2:
        skip("fewer than 2 options (a question needs a right option and at least one wrong one)")
        return
    if len(options) > MAX_OPTIONS:
        skip(f"it has {len(options)} options; a quizapp question has at most {MAX_OPTIONS}")
        return
    data: dict[str, Any] = {"type": "single", "stem": stem, "options": options}
    if len(right) == 1:
        data["answer"] = LETTERS[right[0]]
    else:
        data["type"] = "multi"
        data["answers"] = FlowList(LETTERS[k] for k in right)
    explanation = "\n\n".join(t for t in (md(c) for c in layout.explanations) if t)
    too_long = add_teaching(data, explanation, md(layout.objective))
    if too_long:
        skip(too_long)
        return
    tags = _clean_tags([t for c in layout.tags for t in _split_tags(_plain_text(col(c), is_html))],
                       file, line, out.warnings)
    if tags:
        data["tags"] = FlowList(tags)
    source = _source_key(out, file, line, col(layout.source), is_html) if layout.source else None
    if source:
        data["source"] = source
    if media:
        out.warnings.append(Message(file, line, f"{', '.join(media)} dropped: quizapp does not "
                                    "import pictures or sounds (copy a picture beside the deck "
                                    "and set the item's image field)", warning=True))
    raw_id = _plain_text(col(layout.id), is_html) if layout.id else ""
    base = raw_id if is_valid_id(raw_id) else slugify(raw_id)
    if not base or not base[0].isalnum():
        base = "mcq-" + short_hash(_gift_identity(data))
    out.items.append(_Item(line, "row", data, base))


# --------------------------------------------------------------------------- GIFT

# Private-use placeholders for escaped characters while a GIFT question is taken apart.
_ESC = {"\\": "\ue001", ":": "\ue002", "#": "\ue003", "=": "\ue004", "{": "\ue005",
        "}": "\ue006", "~": "\ue007", "n": "\ue008"}
_UNESC = {v: ("\n" if k == "n" else k) for k, v in _ESC.items()}
_BLANK = "\ue011"  # where a "missing word" question's answers stood
_WEIGHT = re.compile(r"^%\s*(-?\d+(?:\.\d*)?)\s*%")
_FORMATS = ("html", "markdown", "plain", "moodle")


def _gift_escape_pre(text: str) -> str:
    return re.sub(r"\\([\\:#=~{}n])", lambda m: _ESC[m.group(1)], text)


def _gift_unescape(text: str) -> str:
    for ph, ch in _UNESC.items():
        text = text.replace(ph, ch)
    return text


def _gift_text(raw: str, default: str) -> tuple[str, str, list[str]]:
    """A piece of GIFT text (escapes still as placeholders) -> (Markdown, format, media)."""
    raw = raw.strip()
    fmt = default
    m = re.match(r"^\[(\w+)\]", raw)
    if m and m.group(1).lower() in _FORMATS:
        fmt = m.group(1).lower()
        raw = raw[m.end():].strip()
    text = _gift_unescape(raw)
    if fmt == "markdown":
        return _finish_markdown(text), fmt, []
    if fmt == "html":
        md, media = html_to_markdown(text)
        return md, fmt, media
    if fmt == "moodle" and _HTML_HINT.search(text):
        md, media = html_to_markdown(text.replace("\n", "<br>"))
        return md, fmt, media
    return plain_to_markdown(text), fmt, []


@dataclass
class _Block:
    line: int
    lines: list[tuple[int, str]]


def _gift_blocks(text: str) -> Iterator[_Block]:
    current: list[tuple[int, str]] = []
    for no, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((no, line))
        elif current:
            yield _Block(current[0][0], current)
            current = []
    if current:
        yield _Block(current[0][0], current)


def parse_gift(text: str, file: str) -> _Parsed:
    """Moodle GIFT questions -> single and multi questions."""
    out = _Parsed("gift")
    category: str | None = None
    categories: list[str | None] = []
    blocks = list(_gift_blocks(text))
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        body_lines = [(n, s) for n, s in block.lines if not s.strip().startswith("//")]
        if not body_lines:
            continue
        joined = _gift_escape_pre("\n".join(s for _, s in body_lines).strip())
        # A blank line inside an answer block: Moodle would reject it; join the pieces when
        # the next block continues the answers (starts with =, ~, # or }).
        while joined.count("{") > joined.count("}") and i < len(blocks):
            nxt = [(n, s) for n, s in blocks[i].lines if not s.strip().startswith("//")]
            if nxt and not nxt[0][1].lstrip().startswith(("=", "~", "#", "}", "%")):
                break
            i += 1
            if nxt:
                out.warnings.append(Message(file, blocks[i - 1].line, "blank line inside an "
                                            "answer block; read as one question (Moodle would "
                                            "reject this)", warning=True))
                joined += "\n\n" + _gift_escape_pre("\n".join(s for _, s in nxt).strip())
        line = body_lines[0][0]
        if joined.startswith("$CATEGORY:"):
            category = _gift_unescape(joined[len("$CATEGORY:"):]).strip()
            continue
        before = len(out.items)
        _gift_question(out, file, line, joined)
        if len(out.items) > before:
            categories.append(category)
    apply_categories(out, categories)
    return out


def last_category(path: str) -> str:
    """``$course$/top/Default for BIO101/Cardiology`` -> ``Cardiology`` (``""`` for top)."""
    last = path.rstrip("/").split("/")[-1].strip()
    return "" if last.lower() == "top" or last.startswith("$") else last


def apply_categories(out: _Parsed, categories: list[str | None]) -> None:
    """Moodle categories of the converted items (in order): one category names the deck,
    several become a tag on each item."""
    named = {c for c in categories if c}
    if len(named) == 1:
        last = last_category(next(iter(named)))
        if last:
            out.title = last
    elif len(named) > 1:
        for item, cat in zip(out.items, categories, strict=True):
            tag = slugify(last_category(cat or ""), MAX_TAG)
            if tag:
                tags = item.data.setdefault("tags", FlowList())
                if tag not in tags:
                    tags.append(tag)


def _gift_question(out: _Parsed, file: str, line: int, text: str) -> None:
    name: str | None = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            name = _gift_unescape(text[2:end]).strip() or None
            text = text[end + 2:].strip()
        else:
            text = text[2:]
    what = f"question '{name}'" if name else "question"

    def skip(reason: str) -> None:
        out.skipped.append(Message(file, line, f"cannot convert {what}: {reason}"))

    start = text.find("{")
    finish = text.find("}", start + 1) if start != -1 else text.find("}")
    if start == -1 and finish == -1:
        skip("it has no answer block {...} (a description or text-only item)")
        return
    if start == -1 or finish == -1:
        skip("unbalanced braces: an answer block needs both { and } (write \\{ or \\} for a "
             "literal brace)")
        return
    answer = text[start + 1:finish].strip()
    after = text[finish + 1:]
    if "{" in after or "}" in after:
        skip("a second answer block or a stray { or } after the answers (embedded answers "
             "are not supported; write \\{ or \\} for a literal brace)")
        return
    # Answers inside the text: Moodle's "missing word" format shows a blank there.
    qtext = (text[:start].rstrip() + f" {_BLANK} " + after.lstrip()) if after.strip() \
        else text[:start]
    general = ""
    gf = answer.rfind("####")
    if gf != -1:
        general = answer[gf + 4:]
        answer = answer[:gf].strip()
    stem, fmt, media = _gift_text(qtext, "moodle")
    stem = stem.replace(_BLANK, "_____")
    if not answer:
        skip("an essay question (empty answer block {}) has no options to choose from")
        return
    if answer.startswith("#"):
        skip("a numerical question ({#...}) has no options to choose from")
        return
    tf_check = answer.split("#", 1)[0].strip()
    qtype: str
    if "~" in answer:
        qtype = "multichoice"
    elif "=" in answer and "->" in answer:
        skip("a matching question (->) cannot be converted")
        return
    elif tf_check in ("T", "TRUE", "F", "FALSE"):
        qtype = "truefalse"
    else:
        skip("a short-answer question ({=answer}) has no wrong options to choose from"
             + (" (for true/false write {T} or {F})" if tf_check.lower() in
                ("t", "true", "f", "false") else ""))
        return
    if not stem:
        skip("the question text is empty")
        return
    explanation, objective = None, None
    if general.strip():
        g, _, m2 = _gift_text(general, fmt)
        media += m2
        explanation, objective = split_objective(g)
    data: dict[str, Any] = {}
    if qtype == "truefalse":
        bits = answer.split("#", 2)
        wrong_fb = _gift_text(bits[1], fmt)[0] if len(bits) > 1 else ""
        right_fb = _gift_text(bits[2], fmt)[0] if len(bits) > 2 else ""
        is_true = tf_check in ("T", "TRUE")
        true_opt: dict[str, Any] = {"text": "True"}
        false_opt: dict[str, Any] = {"text": "False"}
        fb_true, fb_false = (right_fb, wrong_fb) if is_true else (wrong_fb, right_fb)
        if fb_true:
            true_opt["explanation"] = fb_true
        if fb_false:
            false_opt["explanation"] = fb_false
        data = {"type": "single", "stem": stem, "options": [true_opt, false_opt],
                "answer": "A" if is_true else "B", "shuffle": False}
    else:
        single = "=" in answer
        pieces = answer.replace("=", "~=").split("~")
        if pieces and not pieces[0].strip():
            pieces = pieces[1:]
        elif pieces:
            skip(f"text before the first answer in the answer block: {pieces[0].strip()[:40]!r}")
            return
        options: list[dict[str, Any]] = []
        weights: list[float] = []
        for k, piece in enumerate(pieces, start=1):
            piece = piece.strip()
            if piece.startswith("="):
                weight = 100.0
                piece = piece[1:]
            else:
                m = _WEIGHT.match(piece)
                if m:
                    try:
                        weight = float(m.group(1))
                    except ValueError:  # pragma: no cover - the pattern allows only numbers
                        weight = 0.0
                    piece = piece[m.end():]
                else:
                    weight = 0.0
            ans_raw, _, fb_raw = piece.partition("#")
            opt_text, _, m3 = _gift_text(ans_raw, fmt)
            media += m3
            if not opt_text:
                skip(f"answer {k} is empty")
                return
            opt: dict[str, Any] = {"text": opt_text}
            if fb_raw.strip():
                fb, _, m4 = _gift_text(fb_raw, fmt)
                media += m4
                if fb:
                    opt["explanation"] = fb
            options.append(opt)
            weights.append(weight)
        graded = graded_question(out, file, line, what, stem, options, weights, single, skip,
                                 full="fully correct (=)", kind="single-answer",
                                 grade="weight")
        if graded is None:
            return
        data = graded
    if media:
        out.warnings.append(Message(file, line, f"{what}: {', '.join(media)} dropped: quizapp "
                                    "does not import embedded media", warning=True))
    too_long = add_teaching(data, explanation, objective)
    if too_long:
        skip(too_long)
        return
    base = slugify(name) if name else ""
    if not base or not base[0].isalnum():
        base = "gift-" + short_hash(_gift_identity(data))
    out.items.append(_Item(line, what, data, base))


def _gift_identity(data: dict[str, Any]) -> str:
    """What the id of a question without a ``::name::`` is a hash of: the stem and every option
    with its mark (``=`` right, ``~`` wrong), so that questions with the same text but other
    options get distinct ids that do not depend on their order in the file."""
    right = ({data["answer"]} if data["type"] == "single" else set(data["answers"]))
    return "\n".join([data["stem"]] + [("=" if LETTERS[k] in right else "~") + o["text"]
                                       for k, o in enumerate(data["options"])])


# --------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    """A converted deck and what the user needs to hear about the conversion."""

    text: str
    deck: Deck
    format: Format
    skipped: list[Message]
    warnings: list[Message]
    format_name: str = ""  # what the file was, if not FORMAT_NAMES[format]

    @property
    def format_label(self) -> str:
        return self.format_name or FORMAT_NAMES[self.format]


_GIFT_STRONG = re.compile(r"^\s*(::|\$CATEGORY:|// question: )", re.M)
_GIFT_BRACES = re.compile(r"\{\s*(=|~|T\s*[}#]|F\s*[}#]|TRUE\s*[}#]|FALSE\s*[}#])")
_ANKI_HINT = re.compile(r"^(tags:|#(separator|html|columns|tags|deck|notetype|guid column|"
                        r"tags column|notetype column|deck column):)", re.I)


def _tab_separated(text: str) -> bool:
    """Whether most lines have a tab after some text, as the notes of an Anki export do (the
    answers of a GIFT file are indented with tabs, which does not count)."""
    lines = [ln for ln in text[:200_000].split("\n")
             if ln.strip() and not ln.lstrip().startswith(("//", "#"))][:500]
    return bool(lines) and sum(1 for ln in lines if re.search(r"\S\t", ln)) >= 0.8 * len(lines)


def _guess_format(name: str, text: str) -> tuple[Format | None, str]:
    """(format, how it was guessed) for an import file, from its name and content."""
    suffix = Path(name).suffix.lower()
    if suffix == ".gift":
        return "gift", "from the .gift suffix"
    if suffix in (".csv", ".tsv"):
        return "anki", f"from the {suffix} suffix"
    if _ANKI_HINT.match(text):
        return "anki", "header"  # Anki's own header lines: no doubt left
    from quizapp.core.moodlexml import looks_like_moodle_xml

    if looks_like_moodle_xml(text):
        return "moodle", "header"  # an XML document whose root is <quiz>
    if suffix == ".xml":
        return "moodle", "from the .xml suffix"
    head = text[:200_000]
    if _GIFT_STRONG.search(head):
        return "gift", "from GIFT question names (::name::) or $CATEGORY lines"
    if _GIFT_BRACES.search(head):
        if _tab_separated(head):
            return "anki", "from the tab-separated lines, despite answer braces such as {=...}"
        return "gift", "from answer braces such as {=...} or {T}"
    if "\t" in text:
        return "anki", "from the tabs between fields"
    first = next((ln for ln in head.split("\n", 50) if ln.strip()), "")
    for sep in _SNIFF:
        rec = next(csv_records(first, sep), None)
        if rec is not None and len(rec.fields) >= 2 and (
                _looks_like_header(rec.fields)
                or isinstance(_mcq_columns(rec.fields), _McqColumns)):
            return "anki", "from a first line of column names"
    return None, ""


def detect_format(name: str, text: str) -> Format | None:
    """Guess the format of an import file from its name and content."""
    return _guess_format(name, text)[0]


def _guess_hint(file: str, text: str, kind: Format, how: str) -> Message | None:
    """The hint to give if most of a file fails in the guessed format, when the other format
    is plausible too (tabs after text for Anki; GIFT names or answer braces for GIFT)."""
    if kind == "moodle":
        return None
    other: Format = "gift" if kind == "anki" else "anki"
    head = text[:200_000]
    if other == "anki" and not re.search(r"\S\t", head):
        return None
    if other == "gift" and not (_GIFT_STRONG.search(head) or _GIFT_BRACES.search(head)):
        return None
    article = "an" if other == "anki" else "a"
    return Message(file, 1, f"the format was guessed as {FORMAT_NAMES[kind]} ({how}) and most "
                   f"of the file could not be converted; if it is {article} "
                   f"{FORMAT_NAMES[other]}, import it again with --format {other}")


def convert(data: bytes, file: str, *, fmt: str = "auto", deck_id: str | None = None,
            title: str | None = None, out_path: Path | None = None,
            today: _dt.date | None = None) -> ImportResult:
    """Convert the bytes of an Anki text export, a GIFT file or Moodle XML into deck YAML.

    Raises :class:`ConvertError` when nothing at all can be converted.
    """
    from quizapp.core.ankipkg import is_package_name, looks_like_package

    if fmt == "apkg" or (fmt in ("auto", "anki") and (looks_like_package(data)
                                                       or is_package_name(file))):
        return convert_package(data, file, deck_id=deck_id, title=title, out_path=out_path,
                               today=today)
    text, warnings = decode_input(data, file)
    how = ""
    if fmt == "auto":
        found, how = _guess_format(file, text)
        if found is None:
            raise ConvertError([Message(file, 1, "cannot tell whether this is an Anki text "
                                        "export, a GIFT file or Moodle XML; use --format anki, "
                                        "--format gift or --format moodle")])
        kind: Format = found
    elif fmt in ("anki", "gift", "moodle"):  # "apkg" is handled above
        kind = "anki" if fmt == "anki" else "gift" if fmt == "gift" else "moodle"
    else:
        raise ConvertError([Message(file, 1, f"unknown format {fmt!r}")])
    # When the format was guessed (not from Anki's own header lines) and most of the file fails,
    # the guess may be wrong: say so, and how to choose the other format.
    hint = _guess_hint(file, text, kind, how) if fmt == "auto" and how != "header" else None
    try:
        return _build_deck(text, file, kind, warnings, hint, deck_id=deck_id, title=title,
                           out_path=out_path, today=today)
    except ConvertError as e:
        if hint is not None:
            e.messages.append(hint)
        raise


def convert_package(source: bytes | IO[bytes], file: str, *, deck_id: str | None = None,
                    title: str | None = None, out_path: Path | None = None,
                    today: _dt.date | None = None) -> ImportResult:
    """Convert an Anki package (.apkg or .colpkg: its bytes, or a binary file open for reading,
    of which only the collection is read) into deck YAML."""
    from quizapp.core.ankipkg import parse_apkg

    parsed = parse_apkg(source, file)
    return _build_deck("", file, "apkg", [], None, deck_id=deck_id, title=title,
                       out_path=out_path, today=today, parsed=parsed)


def convert_path(src: Path, *, fmt: str = "auto", deck_id: str | None = None,
                 title: str | None = None, out_path: Path | None = None,
                 today: _dt.date | None = None) -> ImportResult:
    """Convert a file: an Anki package is read in place (its media, however large, are not
    read); any other file must be at most MAX_BYTES. Only a regular file is read (never a
    device such as /dev/zero, a FIFO or a socket). Raises OSError when it cannot be read."""
    from quizapp.core.ankipkg import is_package_name, looks_like_package

    if out_path is not None and _same_file(src, out_path):  # the GUI's import too
        raise ConvertError([Message(str(src), 1, "the deck would replace the file being "
                                    "imported; choose another name for the deck")])
    with open_regular_file(src) as fh:
        head = fh.read(4)
        if fmt == "apkg" or (fmt in ("auto", "anki") and (looks_like_package(head)
                                                           or is_package_name(src.name))):
            fh.seek(0)
            return convert_package(fh, str(src), deck_id=deck_id, title=title,
                                   out_path=out_path, today=today)
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_BYTES:
            raise ConvertError([Message(str(src), 1, f"file is too large ({size:,} bytes; the "
                                        f"limit is {MAX_BYTES:,})")])
        fh.seek(0)
        data = fh.read(MAX_BYTES + 1)  # bounded even if the file grows meanwhile
    if len(data) > MAX_BYTES:
        raise ConvertError([Message(str(src), 1, f"file is too large (over {MAX_BYTES:,} "
                                    "bytes)")])
    return convert(data, str(src), fmt=fmt, deck_id=deck_id, title=title,
                   out_path=out_path, today=today)


def open_regular_file(path: Path) -> IO[bytes]:
    """``path`` opened for reading in binary, refusing anything but a regular file.

    The file is opened without blocking (a FIFO with no writer would otherwise hang here) and
    checked with ``fstat`` on the open descriptor, so what is checked is what is read. Raises
    :class:`ConvertError` for a device, FIFO or socket, OSError when it cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = ("a folder" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode)
                    else "a socket" if stat.S_ISSOCK(mode) else "a device" if (
                        stat.S_ISCHR(mode) or stat.S_ISBLK(mode)) else "not a regular file")
            raise ConvertError([Message(str(path), 1, f"this is {what}, not a file; import "
                                        "reads only ordinary files (save the data to a file "
                                        "first)")])
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


_ALL_PROBLEMS = 1 << 62  # the converted deck is validated with no limit on problems


def _build_deck(text: str, file: str, kind: Format, warnings: list[Message],
                hint: Message | None, *, deck_id: str | None, title: str | None,
                out_path: Path | None, today: _dt.date | None,
                parsed: _Parsed | None = None) -> ImportResult:
    if parsed is not None:
        pass  # an Anki package, already read by quizapp.core.ankipkg.parse_apkg
    elif kind == "moodle":
        from quizapp.core.moodlexml import parse_moodle_xml

        parsed = parse_moodle_xml(text, file)
    else:
        parsed = parse_anki(text, file) if kind == "anki" else parse_gift(text, file)
    warnings += parsed.warnings
    skipped = list(parsed.skipped)
    if not parsed.items:
        what = parsed.unit or ("note" if kind in ("anki", "apkg") else "question")
        raise ConvertError([*skipped, Message(file, 1, f"nothing to import: no {what} could "
                                              "be converted")])
    out = out_path or Path(Path(file).stem + ".yaml")
    did = deck_id or deck_id_for(out)  # never the id of a bundled deck
    ttl = title or parsed.title or title_for(Path(file))
    date = (today or _dt.date.today()).isoformat()
    name = Path(file).name
    fmt_name = parsed.format_name or FORMAT_NAMES[kind]
    items = list(parsed.items)
    # Each round validates the deck once, with every problem reported: the items that fail
    # are left out together, so a second round (to get the deck without them) is the last
    # one. Only then is the YAML written.
    for _attempt in range(3):
        ids = IdAllocator()
        for it in items:
            it.data = {"id": ids.take(it.id_base), **{k: v for k, v in it.data.items()
                                                      if k != "id"}}
        deck_map: dict[str, Any] = {
            "format": 1,
            "id": did,
            "title": ttl,
            "description": f"Imported with `quizapp import` from {name} ({fmt_name}) "
                           f"on {date}. Check every item and cite its real source.",
            "sources": {SOURCE_KEY: {
                "citation": f"Imported from {name} on {date}",
                "note": "Placeholder written by quizapp import: replace it with the real "
                        "source(s) of these facts.",
            }},
            "defaults": {"source": SOURCE_KEY},
            "items": [it.data for it in items],
        }
        used = {it.data.get("source") for it in items}
        for key, citation in parsed.sources.items():
            if key in used:
                deck_map["sources"][key] = {"citation": citation}
        if parsed.tags:
            deck_map["defaults"]["tags"] = FlowList(parsed.tags)
        try:  # the rules of deckfile.parse, on the data that is about to be written
            deck = deckfile.parse_data(deck_map, str(out), out.resolve() if out_path else None,
                                       max_problems=_ALL_PROBLEMS)
        except DeckError as e:
            bad: dict[int, str] = {}
            for p in e.problems:
                m = re.match(r"items\[(\d+)\]", p.path)
                if m is None:
                    raise ConvertError([Message(file, 1, f"internal error: the converted deck "
                                                f"is not valid: {p}")]) from None
                bad.setdefault(int(m.group(1)), p.message)
            for idx in sorted(bad, reverse=True):
                it = items.pop(idx)
                skipped.append(Message(file, it.line, f"cannot convert {it.what}: {bad[idx]}"))
            if not items:
                raise ConvertError([*sorted(skipped, key=lambda s: s.line), Message(
                    file, 1, "nothing to import: no item could be converted")]) from None
            continue
        header = (
            schema_comment(out)
            + f"# Imported by `quizapp import` from {name} ({fmt_name}) on {date}: "
            f"{len(items)} item{'s' if len(items) != 1 else ''}"
            + (f", {len(skipped)} skipped" if skipped else "") + ".\n"
            + f"# Check it with: quizapp validate {out.name}\n"
        )
        yaml_text = dump_deck(deck_map, header)
        size, limit = len(yaml_text.encode("utf-8")), deckfile.MAX_BYTES
        if size > limit:  # the app would refuse to open it
            raise ConvertError([*sorted(skipped, key=lambda s: s.line), Message(
                file, 1, f"the deck made from this file would be {size:,} bytes, more than the "
                f"{limit:,} a deck file may have; split the file and import each part")])
        skipped.sort(key=lambda s: s.line)
        if hint is not None and (len({s.line for s in skipped})
                                 > len({it.line for it in items})):
            warnings.append(Message(hint.file, hint.line, hint.text, warning=True))
        warnings.sort(key=lambda s: s.line)
        return ImportResult(yaml_text, deck, kind, skipped, warnings,
                            parsed.format_name or "")
    raise ConvertError([Message(file, 1, "internal error: could not build a valid deck")])


# --------------------------------------------------------------------------- export


def _objective_suffix(text: str | None, objective: str | None) -> str:
    parts = [p.strip() for p in (text or "",) if p and p.strip()]
    if objective and objective.strip():
        parts.append(f"{OBJECTIVE_LABEL} {objective.strip()}")
    return "\n\n".join(parts)


def _tsv_field(value: str) -> str:
    if any(c in value for c in '\t"\n\r') or value.startswith("#"):
        return '"' + value.replace('"', '""') + '"'
    return value


def _question_html(q: Question, context: str = "") -> tuple[str, str]:
    opts = "<br>".join(f"{LETTERS[i]}. {markdown_to_html(o.text)}"
                       for i, o in enumerate(q.options))
    front = (context + "<br><br>" if context else "") + markdown_to_html(q.stem)
    front += "<br><br>" + opts
    right = [i for i, o in enumerate(q.options) if o.correct]
    label = "Answer" if len(right) == 1 else "Answers"
    back = f"<b>{label}: {', '.join(LETTERS[i] for i in right)}</b><br>" + "<br>".join(
        f"{LETTERS[i]}. {markdown_to_html(q.options[i].text)}" for i in right)
    notes = [f"{LETTERS[i]} ({'correct' if o.correct else 'wrong'}): "
             f"{markdown_to_html(o.explanation)}"
             for i, o in enumerate(q.options) if o.explanation]
    teaching = _objective_suffix(q.explanation, q.objective)
    tail = "<br>".join(notes)
    if teaching:
        tail = (tail + "<br><br>" if tail else "") + markdown_to_html(teaching)
    if tail:
        back += "<hr>" + tail
    return front, back


def _case_context(case: Case, upto: int) -> str:
    parts = [f"<b>{markdown_to_html(case.title)}</b>", markdown_to_html(case.stem)]
    for st in case.stages[: upto + 1]:
        if st.title or st.text:
            head = f"<b>{markdown_to_html(st.title)}</b>" if st.title else ""
            body = markdown_to_html(st.text) if st.text else ""
            parts.append("<br>".join(p for p in (head, body) if p))
    return "<br><br>".join(parts)


BASIC = "Basic"
BASIC_REVERSED = "Basic (and reversed card)"

_KEEP_LAST = re.compile(r"^\s*(all|none|both|neither) of (the )?(above|these|them)\b", re.I)


def export_order(q: Question, key: str) -> Question:
    """The question with its options in the order an export writes them: shuffled (so that
    the key is not A on most questions when an author writes the right answer first), the same
    order at every export (seeded by ``key``), unless the author wrote ``shuffle: false``.
    'All/None of the above' stays last; a True/False pair keeps its order."""
    if not q.shuffle or _is_true_false(q) or len(q.options) < 2:
        return q
    import hashlib
    import random
    from dataclasses import replace

    rng = random.Random(hashlib.sha256(key.encode("utf-8")).digest())
    movable = [o for o in q.options if not _KEEP_LAST.match(o.text)]
    last = [o for o in q.options if _KEEP_LAST.match(o.text)]
    rng.shuffle(movable)
    return replace(q, options=(*movable, *last))


def anki_guid(deck_id: str, key: str) -> str:
    """A stable Anki note GUID from the deck and item ids: re-importing a corrected export
    updates the notes instead of adding every card again."""
    import hashlib

    return "qz" + hashlib.sha256(f"{deck_id}/{key}".encode()).hexdigest()[:14]


def _pictures_of(it: Item) -> list[tuple[str, Path]]:
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


def export_anki(deck: Deck, media: Path | None = None) -> tuple[str, list[str]]:
    """A deck -> Anki notes as tab-separated text with header lines, plus notes for stderr.

    Every note has a GUID column made from the deck and item ids, so importing a corrected
    export again updates the notes. When a flashcard is reversible, a column names each note's
    note type (Anki's ``#notetype column:``): *Basic (and reversed card)* for reversible
    flashcards, *Basic* for the rest. Options are shuffled (see :func:`export_order`).
    Pictures are copied into ``media`` (when given) and shown with ``<img>``; Anki finds them
    once they are in its ``collection.media`` folder. Without ``media`` each is named in the
    notes."""
    where = str(deck.path) if deck.path else deck.id
    with_type = any(isinstance(it, Flashcard) and it.reversible for it in deck.items)
    if with_type:
        rows = ["#separator:tab", "#html:true", "#guid column:1", "#notetype column:2",
                "#columns:GUID\tNotetype\tFront\tBack\tTags", "#tags column:5"]
    else:
        rows = ["#separator:tab", "#html:true", "#guid column:1",
                "#columns:GUID\tFront\tBack\tTags", "#tags column:4"]
    notes: list[str] = []
    copied: dict[Path, str] = {}

    def picture(it: Item, image: Path | None, label: str) -> str:
        if image is None:
            return ""
        if media is None:
            notes.append(f"{it.location or where}: {label}: picture {image.name} not exported; "
                         "add it to the note in Anki")
            return ""
        name = copied.get(image)
        if name is None:
            name = f"{deck.id}-{image.name}"
            media.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image, media / name)
            copied[image] = name
        return f"<br><img src='{html.escape(name, quote=True)}'>"

    def add(key: str, front: str, back: str, tags: tuple[str, ...],
            reversible: bool = False) -> None:
        tag_text = " ".join(t.replace(" ", "_") for t in tags)
        fields = [anki_guid(deck.id, key), front, back, tag_text]
        if with_type:
            fields.insert(1, BASIC_REVERSED if reversible else BASIC)
        rows.append("\t".join(_tsv_field(f) for f in fields))

    for it in deck.items:
        if isinstance(it, Flashcard):
            front = markdown_to_html(it.front) + picture(it, it.image, f"item {it.id}")
            back = markdown_to_html(it.back)
            teaching = _objective_suffix(it.explanation, it.objective)
            if teaching and it.reversible:
                # Anki shows the Back field as the question of the reversed card
                notes.append(f"{it.location or where}: item {it.id}: explanation not exported: "
                             "Anki's reversed card would show it on its question side")
            elif teaching:
                back += "<hr>" + markdown_to_html(teaching)
            add(it.id, front, back, it.tags, it.reversible)
        elif isinstance(it, Question):
            q = export_order(it, f"{deck.id}/{it.id}")
            front, back = _question_html(q)
            add(it.id, front + picture(it, it.image, f"item {it.id}"), back, it.tags)
        else:
            case_pic = picture(it, it.image, f"item {it.id}")
            for si, st in enumerate(it.stages):
                for q in st.questions:
                    if q.objective is None and it.objective:
                        q = _with_objective(q, it.objective)
                    key = f"{it.id}/{st.id}/{q.id}"
                    q = export_order(q, f"{deck.id}/{key}")
                    front, back = _question_html(q, _case_context(it, si) + case_pic)
                    label = f"item {it.id}, stage {st.id}, question {q.id}"
                    add(key, front + picture(it, q.image, label), back, it.tags)
    if copied:
        notes.append(f"{len(copied)} picture{'s' if len(copied) != 1 else ''} copied to "
                     f"{media}: copy {'them' if len(copied) != 1 else 'it'} into Anki's "
                     "collection.media folder (Tools > Check Media shows where) before importing")
    return "\n".join(rows) + "\n", notes


def _with_objective(q: Question, objective: str) -> Question:
    from dataclasses import replace

    return replace(q, objective=objective)


def gift_escape(text: str) -> str:
    """Escape GIFT's special characters the way Moodle's exporter does."""
    out = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r", "").replace("\n", "\\n")


def _weight(n: int) -> str:
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")


def _is_true_false(q: Question) -> bool:
    """A two-option True/False question in that order, as GIFT's {T} / {F} (and the importer)
    write it."""
    return (q.kind == "single" and len(q.options) == 2
            and [o.text.strip().lower() for o in q.options] == ["true", "false"])


def _gift_question_text(name: str, stem: str, q: Question) -> str:
    lines = [f"// {name}", f"::{gift_escape(name)}::[markdown]{gift_escape(tidy_text(stem))}{{"]
    if _is_true_false(q):  # Moodle's true/false type: {T#if wrong#if right}
        is_true = q.options[0].correct
        good, bad = (q.options[0], q.options[1]) if is_true else (q.options[1], q.options[0])
        feedback = [gift_escape(tidy_text(o.explanation)) if o.explanation else ""
                    for o in (bad, good)]  # GIFT: shown if answered wrong, then if right
        tail = f"#{feedback[0]}#{feedback[1]}" if any(feedback) else ""
        lines.append(f"\t{'T' if is_true else 'F'}{tail}")
        general = _objective_suffix(q.explanation, q.objective)
        if general:
            lines.append(f"\t####{gift_escape(general)}")
        lines.append("}")
        return "\n".join(lines)
    right = [i for i, o in enumerate(q.options) if o.correct]
    wrong = [i for i, o in enumerate(q.options) if not o.correct]
    for o in q.options:
        if q.kind == "single":
            mark = "=" if o.correct else "~"
            if not o.correct and _WEIGHT.match(o.text.strip()):
                mark = "~%0%"  # so that a text such as "%50% of cases" is not read as a weight
        else:
            mark = (f"~%{_weight(len(right))}%" if o.correct
                    else f"~%-{_weight(len(wrong))}%")
        fb = f"#{gift_escape(tidy_text(o.explanation))}" if o.explanation else ""
        lines.append(f"\t{mark}{gift_escape(tidy_text(o.text))}{fb}")
    general = _objective_suffix(q.explanation, q.objective)
    if general:
        lines.append(f"\t####{gift_escape(general)}")
    lines.append("}")
    return "\n".join(lines)


def export_gift(deck: Deck, today: _dt.date | None = None) -> tuple[str, list[str]]:
    """A deck -> GIFT text for Moodle, plus notes for stderr (flashcards are skipped)."""
    where = str(deck.path) if deck.path else deck.id
    date = (today or _dt.date.today()).isoformat()
    category = re.sub(r"[/\n]+", "-", deck.title).strip()
    out = [f"// Exported from the quizapp deck {deck.id} ({deck.title.strip()}) on {date}.",
           "// Import into Moodle: Question bank > Import > GIFT format.", "",
           f"$CATEGORY: $course$/top/{category}", ""]
    notes: list[str] = []
    flashcards = 0
    count = 0
    for it in deck.items:
        if isinstance(it, Flashcard):
            flashcards += 1
            continue
        for label, image in _pictures_of(it):
            notes.append(f"{it.location or where}: {label}: picture {image.name} not exported "
                         "(GIFT files carry no pictures; add it in Moodle's question editor)")
        if isinstance(it, Question):
            out += [_gift_question_text(it.id, it.stem, export_order(it, f"{deck.id}/{it.id}")),
                    ""]
            count += 1
        else:
            for si, st in enumerate(it.stages):
                context = [f"**{tidy_text(it.title)}**", tidy_text(it.stem)]
                for prev in it.stages[: si + 1]:
                    if prev.title or prev.text:
                        head = f"**{tidy_text(prev.title)}**" if prev.title else ""
                        context.append("\\\n".join(p for p in (head, tidy_text(prev.text or ""))
                                                   if p))
                for q in st.questions:
                    if q.objective is None and it.objective:
                        q = _with_objective(q, it.objective)
                    stem = "\n\n".join([*context, tidy_text(q.stem)])
                    q = export_order(q, f"{deck.id}/{it.id}/{st.id}/{q.id}")
                    out += [_gift_question_text(f"{it.id}.{st.id}.{q.id}", stem, q), ""]
                    count += 1
    if flashcards:
        notes.append(f"{where}: {flashcards} flashcard{'s' if flashcards != 1 else ''} not "
                     "exported: GIFT has no flashcard question type (use --format anki)")
    if not count:
        raise AuthoringError(f"{where} has no questions to export as GIFT (only flashcards); "
                             "use --format anki")
    return "\n".join(out), notes


# --------------------------------------------------------------------------- commands


def run_import(src: Path, output: Path, *, fmt: str = "auto", deck_id: str | None = None,
               title: str | None = None, force: bool = False, out: TextIO,
               err: TextIO, today: _dt.date | None = None) -> int:
    """``quizapp import``: 0 all converted, 1 some skipped, 2 usage error or nothing usable."""
    if deck_id is not None and not is_valid_id(deck_id):
        raise AuthoringError(f"--id {deck_id!r} is not a valid deck id: use letters, digits, "
                             "'.', '_' or '-', starting with a letter or digit, at most 80 "
                             "characters")
    if title is not None and not title.strip():
        raise AuthoringError("--title must not be empty")
    if not src.exists():
        raise AuthoringError(f"no such file: {src}")
    if src.is_dir():
        raise AuthoringError(f"{src} is a folder; give an Anki text export, a GIFT file or "
                             "Moodle XML")
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise AuthoringError(f"the output {output} must end in .yaml or .yml")
    check_output_path(output, force, "deck file")
    if _same_file(src, output):
        raise AuthoringError(f"the output {output} is the file being imported; write the deck "
                             "to another file")
    try:
        result = convert_path(src, fmt=fmt, deck_id=deck_id, title=title, out_path=output,
                              today=today)
    except OSError as e:
        raise AuthoringError(f"cannot read {src}: {e.strerror}") from None
    except ConvertError as e:
        for m in e.messages:
            err.write(f"{m}\n")
        err.write(f"quizapp import: nothing written to {output}\n")
        return 2
    for m in sorted(result.warnings + result.skipped, key=lambda m: (m.line, m.warning)):
        err.write(f"{m}\n")
    try:
        write_text_atomic(output, result.text)
    except OSError as e:
        raise AuthoringError(f"cannot write {output}: {e.strerror}") from None
    n = len(result.deck.items)
    err.write(f"{output}: {n} item{'s' if n != 1 else ''} imported from {src} "
              f"({result.format_label})"
              + (f"; {len(result.skipped)} skipped" if result.skipped else "") + "\n")
    return 1 if result.skipped else 0


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through symlinks, hard links, ``..`` or case)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # b does not exist yet (or cannot be looked at)
        return False


def export_format_for(output: str, fmt: str) -> Format:
    if fmt in ("anki", "gift"):
        return "anki" if fmt == "anki" else "gift"
    if fmt != "auto":
        raise AuthoringError(f"unknown format {fmt!r} (expected anki or gift)")
    suffix = Path(output).suffix.lower()
    if suffix == ".gift":
        return "gift"
    if suffix in (".tsv", ".csv", ".txt"):  # Anki itself exports notes as .txt
        return "anki"
    raise AuthoringError("cannot tell the export format from the file name; add --format anki "
                         "or --format gift")


def run_export(deck_path: Path, output: str, *, fmt: str = "auto", force: bool = False,
               out: TextIO, err: TextIO, today: _dt.date | None = None) -> int:
    """``quizapp export``: 0 written, 1 the deck has problems, 2 usage error."""
    kind = export_format_for(output, fmt)
    if not deck_path.exists():
        raise AuthoringError(f"no such file: {deck_path}")
    to_stdout = output == "-"
    target = Path(output)
    if not to_stdout:
        check_output_path(target, force)
        if target.resolve() == deck_path.resolve():
            raise AuthoringError("the output would overwrite the deck itself")
    try:
        deck = deckfile.load(deck_path)
    except DeckError as e:
        for p in e.problems:
            err.write(f"{p}\n")
        err.write(f"quizapp export: {deck_path} has problems; fix them first (quizapp "
                  f"validate {deck_path})\n")
        return 1
    media = None
    if kind == "anki" and not to_stdout:
        media = target.with_name(target.stem + "-media")
    text, notes = export_anki(deck, media) if kind == "anki" else export_gift(deck, today)
    for n in notes:
        err.write(f"{n}\n")
    if to_stdout:
        out.write(text)
        return 0
    try:
        write_text_atomic(target, text)
    except OSError as e:
        raise AuthoringError(f"cannot write {target}: {e.strerror}") from None
    what = "Anki notes (tab-separated, HTML)" if kind == "anki" else "GIFT questions"
    err.write(f"{target}: {what} from {deck_path}\n")
    return 0
