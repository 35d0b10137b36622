"""Delimited text: records (CSV/TSV as Anki writes them), separator sniffing, and the header
lines of an Anki text export (``#separator:``, ``#columns:``...) that describe them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange.messages import message

SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "space": " ", "pipe": "|",
               "colon": ":"}
SNIFF = ("\t", ";", ",")


@dataclass
class DelimitedRecord:
    """One row of a delimited (CSV/TSV) file: the line it starts on, its fields, and why it
    could not be read whole (None when it could)."""

    line: int
    fields: list[str]
    error: str | None = None


def csv_records(text: str, sep: str, first_line: int = 1) -> Iterator[DelimitedRecord]:
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
            yield DelimitedRecord(line, [], None)
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
                    yield DelimitedRecord(start_line, fields, "a quoted field is never closed "
                                          "(a \" is missing); the rest of the file was not read")
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
        yield DelimitedRecord(start_line, fields, None)


def sniff_separator(body: str, first_line: int) -> str | None:
    best: tuple[float, float, int] | None = None
    choice: str | None = None
    for rank, sep in enumerate(SNIFF):
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


@dataclass
class AnkiMeta:
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


def anki_header(text: str, file: str, warnings: list[Diagnostic]) -> AnkiMeta:
    meta = AnkiMeta()
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


def _anki_meta_value(meta: AnkiMeta, key: str, value: str, file: str, line: int,
                     warnings: list[Diagnostic]) -> None:
    v = value.strip()
    if key == "separator":
        sep = SEPARATORS.get(v.lower()) or (value if len(value) == 1 and value in
                                              SEPARATORS.values() else None)
        if sep is None:
            warnings.append(message(file, line, f"unknown separator {v!r} ignored (expected "
                                    "tab, comma, semicolon, pipe, colon or space)", warning=True))
        meta.sep = sep or meta.sep
    elif key == "html":
        if v.lower() in ("true", "false"):
            meta.is_html = v.lower() == "true"
        else:
            warnings.append(message(file, line, f"#html:{v} ignored (expected true or false)",
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
            warnings.append(message(file, line, f"#{key}:{v} ignored (expected a column number "
                                    "1, 2, 3 ...)", warning=True))
            return
        setattr(meta, key.replace(" column", "_col"), n)


def tab_separated(text: str) -> bool:
    """Whether most lines have a tab after some text, as the notes of an Anki export do (the
    answers of a GIFT file are indented with tabs, which does not count)."""
    lines = [ln for ln in text[:200_000].split("\n")
             if ln.strip() and not ln.lstrip().startswith(("//", "#"))][:500]
    return bool(lines) and sum(1 for ln in lines if re.search(r"\S\t", ln)) >= 0.8 * len(lines)
