"""Markup conversion: HTML (and plain text) to Markdown, and Markdown to HTML."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from quizapp.core.authoring import (
    tidy_text,
)
from quizapp.core.interchange.items import MAX_TEXT

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


def finish_markdown(text: str) -> str:
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
    return finish_markdown(text), parser.media


def plain_to_markdown(text: str) -> str:
    """Plain text (line breaks meant as shown) -> Markdown."""
    md, _ = html_to_markdown(html.escape(text, quote=False).replace("\n", "<br>"))
    return md


_SOUND = re.compile(r"\[sound:([^\]\[\n]*)\]")  # no "[" inside: linear on "[sound:" * n


def field_to_markdown(raw: str, is_html: bool) -> tuple[str, list[str]]:
    media = [f"sound '{m}'" for m in _SOUND.findall(raw)]
    raw = _SOUND.sub("", raw)
    if is_html:
        md, dropped = html_to_markdown(raw)
        return md, media + dropped
    return plain_to_markdown(raw), media


HTML_HINT = re.compile(r"<[A-Za-z/!][^>]*>|&[A-Za-z]+;|&#[xX]?[0-9A-Fa-f]+;")


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
