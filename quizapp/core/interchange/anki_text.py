"""Anki notes as plain text (Anki's text export, or a CSV of flashcards) -> flashcards."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.core.authoring import (
    FlowList,
    short_hash,
)
from quizapp.core.interchange.columns import (
    BACK_NAMES,
    DECK_NAMES,
    EXTRA_NAMES,
    FRONT_NAMES,
    GUID_NAMES,
    KNOWN_COLUMNS,
    NOTETYPE_NAMES,
    REVERSE_NAMES,
    SOURCE_NAMES,
    TAG_NAMES,
    pick,
    source_key,
)
from quizapp.core.interchange.csv_questions import (
    LAYOUT_HELP,
    McqColumns,
    headerless_mcq,
    loose_header,
    mcq_columns,
    parse_mcq,
    split_tags,
    unknown_header_reason,
)
from quizapp.core.interchange.formats import Guess, Importer
from quizapp.core.interchange.gift import GIFT_BRACES
from quizapp.core.interchange.items import (
    MAX_TEXT,
    ImportedItem,
    ParsedFile,
    clean_tags,
    too_long,
)
from quizapp.core.interchange.markup import HTML_HINT, field_to_markdown
from quizapp.core.interchange.messages import ConvertError, message
from quizapp.core.interchange.records import (
    SNIFF,
    DelimitedRecord,
    anki_header,
    csv_records,
    sniff_separator,
    tab_separated,
)
from quizapp.core.interchange.teaching import split_objective

_KNOWN_LIST = ("Front (or Question, Term), Back (or Answer, Definition), Extra (or Explanation, "
               "Notes), Tags, Source, Add Reverse, GUID, Notetype, Deck")
_FALSE_WORDS = {"0", "n", "no", "false", "off"}
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
CLOZE_OPEN = re.compile(r"\{\{c\d+::")
_HR = re.compile(r"<hr\b[^>]*>", re.I)
_BOLD = "\ue010"  # marks the answer of a cloze on the back until it is written as **bold**





@dataclass
class AnkiNote:
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
    label: str = ""  # how messages name the note when its line does not (``note 3 (nid:ID)``)

    def about(self, text: str) -> str:
        """A message about this note: ``text``, after the note's label when it has one."""
        return f"{self.label}: {text}" if self.label else text

    def cannot_convert(self, part: str = "") -> str:
        """The start of a message skipping the note (``part``: one of its cards)."""
        what = ", ".join(p for p in (self.label, part) if p) or "note"
        return f"cannot convert {what}"


def _optional_reverse(notetype: str) -> bool:
    nt = notetype.lower()
    return "revers" in nt and "optional" in nt


def parse_anki(text: str, file: str) -> ParsedFile:
    """Anki notes in plain text -> flashcards."""
    out = ParsedFile("anki")
    meta = anki_header(text, file, out.warnings)
    body = text[meta.body_offset:]
    if not body.strip():
        raise ConvertError([message(file, meta.body_line, "no notes found after the header "
                                    "lines; there is nothing to import")])
    sep = meta.sep
    if sep is None:
        sep = sniff_separator(body, meta.body_line)
        if sep is None:
            raise ConvertError([message(
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
    pending: list[DelimitedRecord] = []
    header_row = ""  # how a first row of column names was recognised: "named" or "loose"
    for rec in records:
        if rec.fields and not names and not pending:
            if looks_like_header(rec.fields):
                header_row = "named"
            elif loose_header(rec.fields) and (meta.body_offset == 0 or isinstance(
                    mcq_columns(rec.fields), McqColumns)):
                # (with Anki header lines, only the names of a complete question bank)
                header_row = "loose"
            if header_row:
                names, names_line = rec.fields, rec.line
                continue
        pending.append(rec)
    if is_html is None:
        is_html = any(HTML_HINT.search(f) for r in pending[:200] for f in r.fields)
    shown = ", ".join(f.strip() for f in names if f.strip())
    if names:
        layout = mcq_columns(names)
        if isinstance(layout, str) or (layout is None and header_row == "loose"):
            reason = layout if isinstance(layout, str) else unknown_header_reason(names)
            where = "first line" if header_row else "#columns: line"
            raise ConvertError([message(file, names_line or meta.body_line,
                                        f"cannot import: the {where} names the columns {shown}, "
                                        f"but {reason}; {LAYOUT_HELP}")])
        if layout is not None:
            if header_row:
                out.warnings.append(message(file, names_line, "first line read as the column "
                                            f"names of multiple-choice questions ({shown}), "
                                            "not as a question", warning=True))
            parse_mcq(out, file, layout, names, names_line or meta.body_line, pending,
                       is_html, sep, meta)
            return out
        if header_row:
            out.warnings.append(message(file, names_line, f"first line read as column names "
                                        f"({shown}), not as a card", warning=True))
    elif meta.body_offset == 0:  # a plain CSV or TSV file, not an Anki export
        found = headerless_mcq(pending)
        if found is not None:
            c, example = found
            raise ConvertError([message(
                file, meta.body_line, f"cannot import: these look like multiple-choice "
                f"questions (column {c} holds answer letters such as '{example}'), but there is "
                "no first line naming the columns, so quizapp cannot tell which column is "
                f"which; add one. {LAYOUT_HELP[0].upper()}{LAYOUT_HELP[1:]}")])
    # Anki's own exports separate tags with spaces (a tag may hold a comma); other CSV files
    # often use commas.
    tag_split = str.split if meta.body_offset else split_tags
    meta_cols = {c for c in (meta.tags_col, meta.guid_col, meta.notetype_col, meta.deck_col)
                 if c}
    # Columns named GUID, Notetype or Deck work like the #... column: header lines.
    for attr, wanted in (("guid_col", GUID_NAMES), ("notetype_col", NOTETYPE_NAMES),
                         ("deck_col", DECK_NAMES)):
        if not getattr(meta, attr):
            c = pick(names, wanted, meta_cols)
            if c:
                setattr(meta, attr, c)
                meta_cols.add(c)
    ncols = len(names) or max((len(r.fields) for r in pending if r.fields), default=0)
    tags_col = meta.tags_col or pick(names, TAG_NAMES, meta_cols)
    if tags_col:
        meta_cols.add(tags_col)
    source_col = pick(names, SOURCE_NAMES, meta_cols)
    reverse_col = pick(names, REVERSE_NAMES, meta_cols | {source_col})
    named = {c for c in (source_col, reverse_col) if c}
    regular = [c for c in range(1, ncols + 1) if c not in meta_cols | named]
    front_col = pick(names, FRONT_NAMES, meta_cols | named) or (regular[0] if regular else 1)
    back_col = pick(names, BACK_NAMES, meta_cols | named | {front_col})
    if not back_col:
        rest = [c for c in regular if c != front_col]
        back_col = rest[0] if rest else 0
    extra_col = pick(names, EXTRA_NAMES, meta_cols | named | {front_col, back_col})
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
               and names[c - 1].strip().lower() not in KNOWN_COLUMNS]
    if unknown:
        out.warnings.append(message(
            file, names_line or meta.body_line, "column" + ("s " if len(unknown) > 1 else " ") +
            ", ".join(f"{c} '{names[c - 1].strip()}'" for c in unknown) + " not imported: "
            "quizapp does not know " + ("these column names" if len(unknown) > 1 else
                                        "this column name") + f" (it knows {_KNOWN_LIST})",
            warning=True))
    ignored = [c for c in ignored if c not in unknown]
    if ignored and pending:
        out.warnings.append(message(
            file, pending[0].line, "column" + ("s " if len(ignored) > 1 else " ") +
            ", ".join(map(str, ignored)) + " not imported (a flashcard has a front and a back; "
            "name the columns with #columns:Front<TAB>Back<TAB>Tags to choose them; for "
            "multiple-choice questions the first line must name the columns: "
            "Question,A,B,C,D,Answer,... as in the import section of decks/README.md)",
            warning=True))
    out.tags = clean_tags(meta.tags, file, 1, out.warnings)
    decks: Counter[str] = Counter()
    for rec in pending:
        if rec.error:
            out.skipped.append(message(file, rec.line, f"cannot convert note: {rec.error}"))
            continue
        if not rec.fields:
            out.warnings.append(message(file, rec.line, "line starts with '#' and is skipped "
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
        note = AnkiNote(rec.line, col(front_col), col(back_col) if back_col else "",
                     col(extra_col) if extra_col else "",
                     tag_split(col(tags_col)) if tags_col else [],
                     col(meta.guid_col).strip() if meta.guid_col else "", notetype,
                     col(source_col) if source_col else "", add_reverse)
        anki_note(out, file, note, is_html)
    deck_name = meta.deck or (decks.most_common(1)[0][0] if len(decks) == 1 else None)
    if deck_name:
        out.title = deck_name.split("::")[-1].strip() or None
    return out


def looks_like_header(fields: list[str]) -> bool:
    """Whether a first row names the columns (``Question,Answer,Explanation,Source``): it names
    a front column, and a back column too unless every name is a known one."""
    names = [f.strip().lower() for f in fields]
    if len(names) < 2 or not any(n in FRONT_NAMES for n in names):
        return False
    if all(n in KNOWN_COLUMNS for n in names):
        return True
    return (any(n in BACK_NAMES for n in names)
            and all(n and len(n) <= 40 and "\n" not in n and not HTML_HINT.search(n)
                    for n in names))


def _truthy(value: str | None) -> bool:
    """An "Add Reverse" field: any text but 0, n, no, false or off (Anki: any text at all)."""
    if value is None:
        return False
    v = html.unescape(re.sub(r"<[^>]*>", "", value)).strip().lower()
    return bool(v) and v not in _FALSE_WORDS




OCCLUSION = re.compile(r"image-occlusion:", re.I)


def anki_note(out: ParsedFile, file: str, note: AnkiNote, is_html: bool) -> None:
    line = note.line
    tags = clean_tags(note.tags, file, line, out.warnings, about=note.label)
    nt = note.notetype.lower()

    def skip(reason: str) -> None:
        out.skipped.append(message(file, line, f"{note.cannot_convert()}: {reason}"))

    if "occlusion" in nt or OCCLUSION.search(note.front):
        skip("an Image Occlusion note (parts of a picture to uncover) has no text to ask; "
             "quizapp does not import Anki pictures")
        return
    if "cloze" in nt or CLOZE_OPEN.search(note.front):  # linear, unlike _CLOZE on "{{c1::"*n
        _anki_cloze(out, file, note, tags, is_html)
        return
    media: list[str] = []
    front, m1 = field_to_markdown(note.front, is_html)
    back_part, expl_part, sep = note.back, "", False
    if is_html and _HR.search(note.back):
        back_part, expl_part = _HR.split(note.back, 1)
        sep = True
    back, m2 = field_to_markdown(back_part, is_html)
    media += m1 + m2
    explanation: str | None = None
    objective: str | None = None
    if sep or note.extra.strip():
        e1, m3 = field_to_markdown(expl_part, is_html) if sep else ("", [])
        e2, m4 = field_to_markdown(note.extra, is_html) if note.extra.strip() else ("", [])
        media += m3 + m4
        explanation, objective = split_objective("\n\n".join(x for x in (e1, e2) if x))
    if media:
        out.warnings.append(message(file, line, note.about(
            f"{', '.join(media)} dropped: quizapp does not import Anki media (copy a picture "
            "beside the deck and set the item's image field)"), warning=True))
    if not front:
        skip("the front has no text" + (" (only media)" if m1 else ""))
        return
    if not back:
        skip("the back has no text (only media)" if m2 else
             "the back is empty (a flashcard needs a front and a back)")
        return
    for name, value in (("front", front), ("back", back), ("explanation", explanation or "")):
        if too_long(value):
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
    source = source_key(out, file, line, note.source, is_html, about=note.label)
    if source:
        data["source"] = source
    base = "anki-" + short_hash(note.guid if note.guid else front)
    out.items.append(ImportedItem(line, note.label or "note", data, base))


_CLOZE_TOKEN = re.compile(r"\{\{c\d+::|\}\}")


def cloze_problems(text: str) -> tuple[str | None, bool]:
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


def _anki_cloze(out: ParsedFile, file: str, note: AnkiNote, tags: list[str], is_html: bool) -> None:
    line, text_raw = note.line, note.front
    extra_raw = note.back or note.extra
    problem, stray = cloze_problems(text_raw)
    if problem:
        out.skipped.append(message(file, line, f"{note.cannot_convert()}: {problem}"))
        return
    if stray:
        out.warnings.append(message(file, line, note.about(
            "a '}}' is left over after a cloze deletion, which may have ended early (braces "
            "such as {2^{n}} inside a cloze need a space: {2^{n} }); check this card"),
            warning=True))
    numbers = sorted({int(m.group(1)) for m in _CLOZE.finditer(text_raw)})
    if not numbers:
        out.skipped.append(message(file, line, f"{note.cannot_convert()}: a Cloze note with "
                                   "no {{c1::...}} deletion"))
        return
    explanation, m_extra = (field_to_markdown(extra_raw, is_html) if extra_raw.strip()
                            else ("", []))
    media = list(m_extra)
    whole, m_text = field_to_markdown(_CLOZE.sub(lambda m: m.group(2), text_raw), is_html)
    media += m_text
    if media:
        out.warnings.append(message(file, line, note.about(
            f"{', '.join(media)} dropped: quizapp does not import Anki media"), warning=True))
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

        answer, answer_media = field_to_markdown(" ".join(
            m.group(2) for m in _CLOZE.finditer(text_raw) if int(m.group(1)) == n), is_html)
        if not answer:
            out.skipped.append(message(file, line, f"{note.cannot_convert(f'cloze c{n}')}: "
                                       "the hidden part is " + (
                                           "only media (quizapp does not import Anki media)"
                                           if answer_media else "empty")))
            continue
        front, _ = field_to_markdown(_CLOZE.sub(hide, text_raw), is_html)
        back, _ = field_to_markdown(_CLOZE.sub(show, text_raw), is_html)
        back = back.replace(_BOLD, "**")
        if not front or not back or too_long(front) or too_long(back):
            out.skipped.append(message(file, line, f"{note.cannot_convert(f'cloze c{n}')}: "
                                       "its text is empty or too long"))
            continue
        data: dict[str, Any] = {"type": "flashcard", "front": front, "back": back}
        if explanation and not too_long(explanation):
            data["explanation"] = explanation
        if tags:
            data["tags"] = FlowList(tags)
        source = source_key(out, file, line, note.source, is_html, about=note.label)
        if source:
            data["source"] = source
        what = ", ".join(p for p in (note.label, f"cloze c{n}") if p)
        out.items.append(ImportedItem(line, what, data, f"anki-{base_hash}-c{n}"))


ANKI_HINT = re.compile(r"^(tags:|#(separator|html|columns|tags|deck|notetype|guid column|"
                       r"tags column|notetype column|deck column):)", re.I)


def sniff(name: str, text: str) -> Guess | None:
    """A ``.csv`` or ``.tsv`` name; else Anki's own header lines; else tab-separated lines
    (even with GIFT-like answer braces in them), any tab, or a first line of column names."""
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return Guess(100, f"from the {suffix} suffix")
    if ANKI_HINT.match(text):
        return Guess(90, "header")  # Anki's own header lines: no doubt left
    head = text[:200_000]
    if GIFT_BRACES.search(head) and tab_separated(head):
        return Guess(45, "from the tab-separated lines, despite answer braces such as {=...}")
    if "\t" in text:
        return Guess(30, "from the tabs between fields")
    first = next((ln for ln in head.split("\n", 50) if ln.strip()), "")
    for sep in SNIFF:
        rec = next(csv_records(first, sep), None)
        if rec is not None and len(rec.fields) >= 2 and (
                looks_like_header(rec.fields)
                or isinstance(mcq_columns(rec.fields), McqColumns)):
            return Guess(20, "from a first line of column names")
    return None


IMPORTER = Importer(key="anki", name="Anki text export", suffixes=(".txt", ".csv", ".tsv"),
                    unit="note", sniff=sniff, parse=parse_anki)
