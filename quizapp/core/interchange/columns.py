"""Column names of delimited files (Anki's and a spreadsheet's), and the Source column."""

from __future__ import annotations

import html
import re

from quizapp.core.authoring import slugify
from quizapp.core.interchange.items import SOURCE_KEY, ParsedFile
from quizapp.core.interchange.messages import message

FRONT_NAMES = {"front", "text", "question", "prompt", "term", "q", "word"}
BACK_NAMES = {"back", "answer", "definition", "a", "meaning"}
EXTRA_NAMES = {"back extra", "extra", "explanation", "notes", "note", "comments"}
TAG_NAMES = {"tags", "tag"}
SOURCE_NAMES = {"source", "sources", "reference", "references", "citation"}
REVERSE_NAMES = {"add reverse", "reverse", "reversed", "reversible"}
GUID_NAMES = {"guid", "note id", "id"}
NOTETYPE_NAMES = {"notetype", "note type"}
DECK_NAMES = {"deck"}
KNOWN_COLUMNS = (FRONT_NAMES | BACK_NAMES | EXTRA_NAMES | TAG_NAMES | SOURCE_NAMES
                  | REVERSE_NAMES | GUID_NAMES | NOTETYPE_NAMES | DECK_NAMES)


def pick(names: list[str], wanted: set[str], exclude: set[int]) -> int:
    for i, name in enumerate(names, start=1):
        if i not in exclude and name.strip().lower() in wanted:
            return i
    return 0



def plain_text(raw: str, is_html: bool) -> str:
    if is_html:
        raw = html.unescape(re.sub(r"<[^>]*>", " ", raw))
    return " ".join(raw.split())


def source_key(out: ParsedFile, file: str, line: int, raw: str, is_html: bool, *,
               about: str = "") -> str | None:
    """The key of the deck source for the text of a Source column (declared on first use).
    ``about`` names the note in the message, when its line does not."""
    citation = plain_text(raw, is_html)
    if not citation:
        return None
    for key, known in out.sources.items():
        if known == citation:
            return key
    if len(citation) > 2000:
        out.warnings.append(message(file, line, (f"{about}: " if about else "")
                                    + f"source dropped: it is too long "
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
