"""The formats quizapp reads and writes, and format detection."""

from __future__ import annotations

import re
from pathlib import Path

from quizapp.core.interchange.anki_text import looks_like_header
from quizapp.core.interchange.csv_questions import McqColumns, mcq_columns
from quizapp.core.interchange.items import FORMAT_NAMES, Format
from quizapp.core.interchange.messages import Message
from quizapp.core.interchange.records import SNIFF, csv_records

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


def guess_format(name: str, text: str) -> tuple[Format | None, str]:
    """(format, how it was guessed) for an import file, from its name and content."""
    suffix = Path(name).suffix.lower()
    if suffix == ".gift":
        return "gift", "from the .gift suffix"
    if suffix in (".csv", ".tsv"):
        return "anki", f"from the {suffix} suffix"
    if _ANKI_HINT.match(text):
        return "anki", "header"  # Anki's own header lines: no doubt left
    from quizapp.core.interchange.moodle_xml import looks_like_moodle_xml

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
    for sep in SNIFF:
        rec = next(csv_records(first, sep), None)
        if rec is not None and len(rec.fields) >= 2 and (
                looks_like_header(rec.fields)
                or isinstance(mcq_columns(rec.fields), McqColumns)):
            return "anki", "from a first line of column names"
    return None, ""


def detect_format(name: str, text: str) -> Format | None:
    """Guess the format of an import file from its name and content."""
    return guess_format(name, text)[0]


def guess_hint(file: str, text: str, kind: Format, how: str) -> Message | None:
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
